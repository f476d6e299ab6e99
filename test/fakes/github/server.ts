/**
 * A fake GitHub (REST under `/api/v3`, GraphQL under `/api/graphql`, like GitHub Enterprise Server) for end-to-end
 * tests and benchmarks. It serves fixture repositories from git directories on disk and enforces what GitHub
 * enforces for this app: the app JWT and installation tokens, routes and JSON bodies valid against GitHub's
 * OpenAPI description, pagination, 50 annotations per request, review comments only on lines of the diff (else
 * 422), at most 300 files in a compare and 3000 in a PR's file list. It can answer with a secondary rate limit,
 * and records every request.
 */
import { createPublicKey, createVerify, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  commitInfo,
  commitsBetween,
  mergeBase,
  readFileAt,
  leftSideLines,
  resolveRef,
  rightSideLines,
  tarball,
  threeDotDiff,
  type CommitInfo,
  type DiffFile,
} from './git.js';
import { matchRoute } from './openapi.js';

export type Role = 'admin' | 'maintain' | 'write' | 'triage' | 'read';

export interface FakeRepoConfig {
  owner: string;
  name: string;
  /** A git repository on disk. */
  dir: string;
  defaultBranch?: string;
  installationId: number;
  collaborators?: Record<string, Role>;
}

export interface StartFakeGitHubOptions {
  appId: number;
  appSlug?: string;
  /** PEM of the app's public key (or its private key: the public half is derived). */
  appKey: string | KeyObject;
  repos: FakeRepoConfig[];
  /** Largest `per_page` honoured (GitHub: 100). Lower it to exercise pagination with small fixtures. */
  perPageCap?: number;
  /** Most files GitHub lists for a pull request (GitHub: 3000). */
  maxPullFiles?: number;
  /** Most files GitHub lists in a compare of two commits (GitHub: 300). */
  maxCompareFiles?: number;
}

export type RequestKind = 'auth' | 'app' | 'api' | 'graphql' | 'download';

export interface RecordedRequest {
  seq: number;
  kind: RequestKind;
  method: string;
  /** Path without the `/api/v3` prefix and the query. */
  path: string;
  query: Record<string, string>;
  /** OpenAPI path template, when the route exists. */
  route?: string;
  body?: unknown;
  status: number;
}

export interface FakeUser {
  login: string;
  id: number;
  node_id: string;
  type: 'User' | 'Bot';
}

export interface FakePull {
  owner: string;
  repo: string;
  number: number;
  title: string;
  body: string;
  user: FakeUser;
  headRef: string;
  headSha: string;
  baseRef: string;
  fromFork: boolean;
  state: 'open' | 'closed';
  draft: boolean;
}

export interface FakeCheckRun {
  id: number;
  owner: string;
  repo: string;
  name: string;
  head_sha: string;
  external_id?: string;
  status: string;
  conclusion: string | null;
  output: { title?: string; summary?: string; text?: string };
  annotations: Record<string, unknown>[];
  /** Requests that changed this run (create + updates). */
  writes: number;
}

export interface FakeIssueComment {
  id: number;
  node_id: string;
  owner: string;
  repo: string;
  issue_number: number;
  body: string;
  user: FakeUser;
  viaApp: boolean;
  edits: number;
  minimized: boolean;
}

export interface FakeReview {
  id: number;
  node_id: string;
  owner: string;
  repo: string;
  pull_number: number;
  commit_id: string;
  event: string;
  body: string;
  user: FakeUser;
  commentIds: number[];
}

export interface FakeReviewComment {
  id: number;
  node_id: string;
  owner: string;
  repo: string;
  pull_number: number;
  review_id?: number;
  path: string;
  line: number;
  start_line?: number;
  side: string;
  body: string;
  user: FakeUser;
  in_reply_to_id?: number;
  commit_id: string;
  minimized: boolean;
  minimizedClassifier?: string;
}

export interface FakeReaction {
  owner: string;
  repo: string;
  comment_id: number;
  content: string;
  user: FakeUser;
}

interface Failure {
  method: string;
  route: RegExp;
  kind: 'secondary-rate-limit' | 'server-error' | 'not-found' | 'unprocessable';
  remaining: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;
interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: Record<string, string>;
  body: Json;
  installationId?: number;
  repo?: FakeRepoConfig;
}
type Handler = (ctx: Ctx) => unknown;

function base64url(input: string): Buffer {
  return Buffer.from(input.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  /** Requests that GitHub would have rejected as malformed (unknown route, invalid body, missing auth...). */
  readonly violations: string[] = [];
  readonly checkRuns: FakeCheckRun[] = [];
  readonly issueComments: FakeIssueComment[] = [];
  readonly reviews: FakeReview[] = [];
  readonly reviewComments: FakeReviewComment[] = [];
  readonly reactions: FakeReaction[] = [];
  readonly pulls: FakePull[] = [];
  /** When true, every review with inline comments is answered 422 (GitHub refusing the positions). */
  rejectReviewComments = false;
  /** Files whose `patch` the PR files and compare APIs leave out (as GitHub does for huge diffs). */
  readonly omitPatches = new Set<string>();
  /** Most files the PR files API lists (GitHub: 3000). */
  maxPullFiles: number;
  /** Most files the compare API lists (GitHub: 300). */
  maxCompareFiles: number;
  /**
   * When set, tarball downloads send only this many bytes, with a matching Content-Length (a proxy or CDN that
   * answers 200 with a cut or empty body: nothing at the HTTP level tells).
   */
  cutDownloadsAt: number | undefined;

  readonly bot: FakeUser;
  readonly #options: StartFakeGitHubOptions;
  readonly #publicKey: KeyObject;
  readonly #tokens = new Map<string, { installationId: number; expires: number }>();
  readonly #downloads = new Map<string, Buffer>();
  readonly #diffs = new Map<string, DiffFile[]>();
  readonly #users = new Map<string, FakeUser>();
  readonly #failures: Failure[] = [];
  readonly #handlers = new Map<string, Handler>();
  #nextId = 1000;
  #seq = 0;
  #server?: Server;
  #url = '';

  constructor(options: StartFakeGitHubOptions) {
    this.#options = options;
    this.#publicKey = createPublicKey(options.appKey);
    this.maxPullFiles = options.maxPullFiles ?? 3000;
    this.maxCompareFiles = options.maxCompareFiles ?? 300;
    this.bot = { login: `${this.slug}[bot]`, id: 41000 + options.appId, node_id: `BOT_${options.appId}`, type: 'Bot' };
    this.#registerRoutes();
  }

  get slug(): string {
    return this.#options.appSlug ?? 'dbt-pr-reviewer';
  }

  /** Base URL, e.g. `http://127.0.0.1:43210`. */
  get url(): string {
    return this.#url;
  }

  /** REST base URL, as Octokit's `baseUrl`. */
  get apiUrl(): string {
    return `${this.#url}/api/v3`;
  }

  /** Environment that points a Probot app at this fake (GitHub Enterprise Server settings). */
  get env(): Record<string, string> {
    return { GHE_HOST: this.#url.replace(/^http:\/\//, ''), GHE_PROTOCOL: 'http' };
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    this.#url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  // ---- test controls --------------------------------------------------------------------------------------

  user(login: string): FakeUser {
    let user = this.#users.get(login);
    if (!user) {
      const id = this.#id();
      user = { login, id, node_id: `U_${id}`, type: 'User' };
      this.#users.set(login, user);
    }
    return user;
  }

  repo(owner: string, name: string): FakeRepoConfig {
    const repo = this.#findRepo(owner, name);
    if (!repo) throw new Error(`no fake repo ${owner}/${name}`);
    return repo;
  }

  /** Opens a pull request from `head` (a ref of the fixture repository) into `base`. */
  openPull(p: { owner: string; repo: string; head: string; base?: string; title?: string; body?: string; user?: string; fromFork?: boolean; number?: number }): FakePull {
    const repo = this.repo(p.owner, p.repo);
    const headSha = resolveRef(repo.dir, p.head);
    if (!headSha) throw new Error(`unknown ref ${p.head}`);
    const pull: FakePull = {
      owner: p.owner,
      repo: p.repo,
      number: p.number ?? this.pulls.filter((x) => x.owner === p.owner && x.repo === p.repo).length + 1,
      title: p.title ?? `Change ${p.head}`,
      body: p.body ?? '',
      user: this.user(p.user ?? 'octocat'),
      headRef: p.head,
      headSha,
      baseRef: p.base ?? repo.defaultBranch ?? 'main',
      fromFork: p.fromFork ?? false,
      state: 'open',
      draft: false,
    };
    this.pulls.push(pull);
    return pull;
  }

  /** Moves a pull request's head to the current commit of its head ref (after a commit was added to it). */
  pushPull(pull: FakePull, ref = pull.headRef): FakePull {
    const sha = resolveRef(this.repo(pull.owner, pull.repo).dir, ref);
    if (!sha) throw new Error(`unknown ref ${ref}`);
    pull.headSha = sha;
    return pull;
  }

  /** Makes the next `times` requests matching `method` and `route` fail. */
  failNext(method: string, route: RegExp, kind: Failure['kind'], times = 1): void {
    this.#failures.push({ method: method.toUpperCase(), route, kind, remaining: times });
  }

  /** A comment on a pull request by a person (e.g. `/recheck`), or by the app itself when `login` is omitted. */
  addIssueComment(owner: string, repo: string, issueNumber: number, body: string, login?: string): FakeIssueComment {
    const id = this.#id();
    const comment: FakeIssueComment = {
      id,
      node_id: `IC_${id}`,
      owner,
      repo,
      issue_number: issueNumber,
      body,
      user: login === undefined ? this.bot : this.user(login),
      viaApp: login === undefined,
      edits: 0,
      minimized: false,
    };
    this.issueComments.push(comment);
    return comment;
  }

  /** A person's reply in the thread of a review comment. */
  addReviewReply(to: FakeReviewComment, body: string, login: string): FakeReviewComment {
    const id = this.#id();
    const reply: FakeReviewComment = { ...to, id, node_id: `PRRC_${id}`, body, user: this.user(login), in_reply_to_id: to.id, minimized: false };
    delete reply.review_id;
    delete reply.minimizedClassifier;
    this.reviewComments.push(reply);
    return reply;
  }

  /** Sequence number of the last recorded request; pass it to `since` to get what came after. */
  mark(): number {
    return this.#seq;
  }

  since(mark: number, kinds: readonly RequestKind[] = ['api', 'graphql']): RecordedRequest[] {
    return this.requests.filter((r) => r.seq > mark && kinds.includes(r.kind));
  }

  /** The REST object of a pull request (also the `pull_request` of webhook payloads). */
  pullObject(pull: FakePull): Json {
    const repo = this.repo(pull.owner, pull.repo);
    const repoObject = this.#repoObject(repo);
    const files = this.#pullFiles(pull);
    const baseSha = resolveRef(repo.dir, pull.baseRef) ?? '';
    const headRepo = pull.fromFork
      ? { ...repoObject, id: repoObject.id as number + 1, full_name: `${pull.user.login}/${repo.name}`, name: repo.name, owner: pull.user, fork: true }
      : repoObject;
    return {
      url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/pulls/${pull.number}`,
      id: 500000 + pull.number,
      node_id: `PR_${pull.number}`,
      html_url: `${this.#url}/${repo.owner}/${repo.name}/pull/${pull.number}`,
      number: pull.number,
      state: pull.state,
      locked: false,
      title: pull.title,
      body: pull.body,
      user: this.#userObject(pull.user),
      draft: pull.draft,
      head: { label: `${pull.user.login}:${pull.headRef}`, ref: pull.headRef, sha: pull.headSha, user: this.#userObject(pull.user), repo: headRepo },
      base: { label: `${repo.owner}:${pull.baseRef}`, ref: pull.baseRef, sha: baseSha, user: repoObject.owner, repo: repoObject },
      merged: false,
      mergeable: null,
      comments: 0,
      review_comments: 0,
      commits: 1,
      additions: files.reduce((n, f) => n + f.additions, 0),
      deletions: files.reduce((n, f) => n + f.deletions, 0),
      changed_files: files.length,
      created_at: '2024-01-01T00:00:00Z',
      updated_at: '2024-01-01T00:00:00Z',
    };
  }

  repositoryObject(owner: string, name: string): Json {
    return this.#repoObject(this.repo(owner, name));
  }

  // ---- plumbing -------------------------------------------------------------------------------------------

  #id(): number {
    return ++this.#nextId;
  }

  #findRepo(owner: string, name: string): FakeRepoConfig | undefined {
    return this.#options.repos.find((r) => r.owner.toLowerCase() === owner.toLowerCase() && r.name.toLowerCase() === name.toLowerCase());
  }

  #userObject(user: FakeUser): Json {
    return { ...user, avatar_url: '', url: `${this.apiUrl}/users/${encodeURIComponent(user.login)}`, html_url: `${this.#url}/${user.login}`, site_admin: false };
  }

  #appObject(): Json {
    return {
      id: this.#options.appId,
      slug: this.slug,
      node_id: `A_${this.#options.appId}`,
      name: this.slug,
      owner: this.#userObject(this.user('app-owner')),
      description: 'fake',
      external_url: this.#url,
      html_url: `${this.#url}/apps/${this.slug}`,
      created_at: '2024-01-01T00:00:00Z',
      updated_at: '2024-01-01T00:00:00Z',
      permissions: { checks: 'write', pull_requests: 'write', contents: 'read', issues: 'write', metadata: 'read' },
      events: ['pull_request', 'issue_comment', 'check_run', 'check_suite'],
    };
  }

  #repoObject(repo: FakeRepoConfig): Json {
    const owner = this.user(repo.owner);
    return {
      id: 700000 + this.#options.repos.indexOf(repo),
      node_id: `R_${repo.name}`,
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      private: true,
      owner: this.#userObject(owner),
      html_url: `${this.#url}/${repo.owner}/${repo.name}`,
      url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}`,
      default_branch: repo.defaultBranch ?? 'main',
      fork: false,
    };
  }

  #pullFiles(pull: FakePull): DiffFile[] {
    const repo = this.repo(pull.owner, pull.repo);
    return this.#threeDotDiff(repo, resolveRef(repo.dir, pull.baseRef) ?? pull.baseRef, pull.headSha);
  }

  #threeDotDiff(repo: FakeRepoConfig, baseSha: string, headSha: string): DiffFile[] {
    const key = `${repo.dir}:${baseSha}...${headSha}`;
    let files = this.#diffs.get(key);
    if (!files) {
      files = threeDotDiff(repo.dir, baseSha, headSha);
      this.#diffs.set(key, files);
    }
    return files;
  }

  /** Diff entries as the PR files and compare APIs return them (patches of `omitPatches` left out). */
  #diffEntries(repo: FakeRepoConfig, headSha: string, files: DiffFile[]): Json[] {
    return files.map(({ patch, ...f }) => ({
      ...f,
      ...(patch !== undefined && !this.omitPatches.has(f.filename) ? { patch } : {}),
      blob_url: `${this.#url}/${repo.owner}/${repo.name}/blob/${headSha}/${f.filename}`,
      raw_url: `${this.#url}/${repo.owner}/${repo.name}/raw/${headSha}/${f.filename}`,
      contents_url: `${this.apiUrl}/repos/${repo.owner}/${repo.name}/contents/${f.filename}?ref=${headSha}`,
    }));
  }

  #commitObject(repo: FakeRepoConfig, c: CommitInfo): Json {
    const api = `${this.apiUrl}/repos/${repo.owner}/${repo.name}`;
    const person = (p: CommitInfo['author']) => ({ name: p.name, email: p.email, date: p.date });
    return {
      sha: c.sha,
      node_id: `C_${c.sha}`,
      url: `${api}/commits/${c.sha}`,
      html_url: `${this.#url}/${repo.owner}/${repo.name}/commit/${c.sha}`,
      comments_url: `${api}/commits/${c.sha}/comments`,
      commit: {
        url: `${api}/git/commits/${c.sha}`,
        author: person(c.author),
        committer: person(c.committer),
        message: c.message,
        comment_count: 0,
        tree: { sha: c.tree, url: `${api}/git/trees/${c.tree}` },
      },
      author: null,
      committer: null,
      parents: c.parents.map((sha) => ({ sha, url: `${api}/commits/${sha}`, html_url: `${this.#url}/${repo.owner}/${repo.name}/commit/${sha}` })),
    };
  }

  /**
   * `GET /compare/{base}...{head}` as GitHub answers it: the commits of `merge-base..head` (the last 250 without
   * paging parameters, else one page), the merge base, and on the first page at most 300 changed files of the
   * three-dot diff. 404 for an unknown commit or unrelated histories.
   */
  #compare(ctx: Ctx): Json {
    const repo = ctx.repo!;
    // `compare/{basehead}`, or the older spelling of the same route, `compare/{base}...{head}`.
    const basehead = ctx.params.basehead ?? `${ctx.params.base}...${ctx.params.head}`;
    const parts = /^(.+?)\.\.\.(.+)$/.exec(basehead);
    const strip = (ref: string) => ref.replace(/^[^:]+:/, '');
    const baseSha = parts ? resolveRef(repo.dir, strip(parts[1]!)) : undefined;
    const headSha = parts ? resolveRef(repo.dir, strip(parts[2]!)) : undefined;
    if (!baseSha || !headSha) throw new HttpError(404, 'Not Found');
    const base = mergeBase(repo.dir, baseSha, headSha);
    if (!base) throw new HttpError(404, `No common ancestor between ${parts![1]} and ${parts![2]}.`);
    const ahead = commitsBetween(repo.dir, base, headSha);
    const behindBy = commitsBetween(repo.dir, base, baseSha).length;
    const paged = ctx.query.per_page !== undefined || ctx.query.page !== undefined;
    const path = `/repos/${repo.owner}/${repo.name}/compare/${basehead}`;
    const commits = paged ? this.#paginate(ctx, path, ahead) : ahead.slice(-250);
    const firstPage = Number(ctx.query.page ?? 1) <= 1;
    const files = this.#threeDotDiff(repo, baseSha, headSha).slice(0, this.maxCompareFiles);
    const status = ahead.length === 0 && behindBy === 0 ? 'identical' : behindBy === 0 ? 'ahead' : ahead.length === 0 ? 'behind' : 'diverged';
    const web = `${this.#url}/${repo.owner}/${repo.name}`;
    return {
      url: `${this.apiUrl}${path}`,
      html_url: `${web}/compare/${basehead}`,
      permalink_url: `${web}/compare/${repo.owner}:${baseSha.slice(0, 7)}...${repo.owner}:${headSha.slice(0, 7)}`,
      diff_url: `${web}/compare/${basehead}.diff`,
      patch_url: `${web}/compare/${basehead}.patch`,
      base_commit: this.#commitObject(repo, commitInfo(repo.dir, baseSha)),
      merge_base_commit: this.#commitObject(repo, commitInfo(repo.dir, base)),
      status,
      ahead_by: ahead.length,
      behind_by: behindBy,
      total_commits: ahead.length,
      commits: (commits as CommitInfo[]).map((c) => this.#commitObject(repo, c)),
      ...(firstPage ? { files: this.#diffEntries(repo, headSha, files) } : {}),
    };
  }

  #pull(ctx: Ctx): FakePull {
    const repo = ctx.repo!;
    const number = Number(ctx.params.pull_number ?? ctx.params.issue_number);
    const pull = this.pulls.find((p) => p.owner === repo.owner && p.repo === repo.name && p.number === number);
    if (!pull) throw new HttpError(404, 'Not Found');
    return pull;
  }

  #paginate(ctx: Ctx, path: string, items: unknown[]): unknown[] {
    const cap = Math.min(100, this.#options.perPageCap ?? 100);
    const perPage = Math.max(1, Math.min(Number(ctx.query.per_page ?? 30) || 30, cap));
    const page = Math.max(1, Number(ctx.query.page ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number, rel: string) => {
      const q = new URLSearchParams({ ...ctx.query, per_page: String(perPage), page: String(n) });
      return `<${this.apiUrl}${path}?${q.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
    if (links.length > 0) ctx.res.setHeader('link', links.join(', '));
    return items.slice((page - 1) * perPage, page * perPage);
  }

  #record(entry: Omit<RecordedRequest, 'seq'>): void {
    this.requests.push({ ...entry, seq: ++this.#seq });
  }

  async #readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  #send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    if (res.headersSent) return;
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
      'x-github-media-type': 'github.v3; format=json',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      ...headers,
    });
    res.end(text);
  }

  #verifyJwt(authorization: string | undefined): void {
    const token = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new HttpError(401, 'A JSON web token could not be decoded');
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || !signature) throw new HttpError(401, 'A JSON web token could not be decoded');
    const verifier = createVerify('RSA-SHA256');
    verifier.update(`${header}.${payload}`);
    if (!verifier.verify(this.#publicKey, base64url(signature))) throw new HttpError(401, "'Issuer' claim ('iss') must be an Integer");
    const claims = JSON.parse(base64url(payload).toString('utf8')) as { iss?: unknown; exp?: number; iat?: number };
    const now = Math.floor(Date.now() / 1000);
    if (String(claims.iss) !== String(this.#options.appId)) throw new HttpError(401, "'Issuer' claim ('iss') is invalid");
    if (typeof claims.exp !== 'number' || claims.exp < now || claims.exp - now > 600) throw new HttpError(401, "'Expiration time' claim ('exp') is invalid");
  }

  #verifyToken(authorization: string | undefined): number {
    const token = /^(?:token|Bearer) (ghs_\w+)$/i.exec(authorization ?? '')?.[1];
    const entry = token ? this.#tokens.get(token) : undefined;
    if (!entry || entry.expires < Date.now()) throw new HttpError(401, 'Bad credentials');
    return entry.installationId;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = await this.#readBody(req);
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }

    if (url.pathname.startsWith('/_codeload/')) {
      const data = this.#downloads.get(url.pathname);
      const status = data && query.token ? 200 : 404;
      this.#record({ kind: 'download', method, path: url.pathname, query, status });
      if (data && status === 200) {
        const sent = this.cutDownloadsAt === undefined ? data : data.subarray(0, this.cutDownloadsAt);
        res.writeHead(200, { 'content-type': 'application/x-gzip', 'content-length': String(sent.length) });
        res.end(sent);
      } else this.#send(res, 404, { message: 'Not Found' });
      return;
    }

    if (url.pathname === '/api/graphql' && method === 'POST') {
      let status = 200;
      try {
        const installationId = this.#verifyToken(req.headers.authorization);
        const result = this.#graphql(body as Json, installationId);
        this.#send(res, 200, result);
      } catch (error) {
        status = error instanceof HttpError ? error.status : 500;
        this.#send(res, status, { message: (error as Error).message });
      }
      this.#record({ kind: 'graphql', method, path: '/graphql', query, body, status });
      return;
    }

    if (!url.pathname.startsWith('/api/v3/')) {
      this.violations.push(`${method} ${url.pathname}: not under /api/v3`);
      this.#send(res, 404, { message: 'Not Found' });
      return;
    }
    const path = url.pathname.slice('/api/v3'.length);
    const route = matchRoute(method, path);
    const kind: RequestKind = route?.template === '/app/installations/{installation_id}/access_tokens' ? 'auth' : route?.template.startsWith('/app') ? 'app' : 'api';
    let status = 500;
    try {
      if (!route) {
        this.violations.push(`${method} ${path}: no such route in GitHub's REST API`);
        throw new HttpError(404, 'Not Found');
      }
      if (route.validateBody && body !== undefined) {
        const problems = route.validateBody(body);
        if (problems.length > 0) {
          this.violations.push(`${method} ${route.template}: invalid body: ${problems.join('; ')}`);
          throw new HttpError(422, 'Invalid request.', { errors: problems });
        }
      }
      const failure = this.#failures.find((f) => f.remaining > 0 && f.method === method && f.route.test(route.template));
      if (failure) {
        failure.remaining--;
        if (failure.kind === 'secondary-rate-limit') {
          throw new HttpError(403, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', {}, { 'retry-after': '1' });
        }
        if (failure.kind === 'not-found') throw new HttpError(404, 'Not Found');
        if (failure.kind === 'unprocessable') throw new HttpError(422, 'Unprocessable Entity');
        throw new HttpError(502, 'Server Error');
      }
      const ctx: Ctx = { req, res, params: route.params, query, body: (body ?? {}) as Json };
      if (route.template.startsWith('/app')) this.#verifyJwt(req.headers.authorization);
      else {
        ctx.installationId = this.#verifyToken(req.headers.authorization);
        if (route.params.owner !== undefined && route.params.repo !== undefined) {
          const repo = this.#findRepo(route.params.owner, route.params.repo);
          if (!repo || repo.installationId !== ctx.installationId) throw new HttpError(404, 'Not Found');
          ctx.repo = repo;
        }
      }
      const handler = this.#handlers.get(`${method} ${route.template}`);
      if (!handler) {
        this.violations.push(`${method} ${route.template}: valid GitHub route the fake does not implement`);
        throw new HttpError(501, 'Not implemented by the fake');
      }
      const result = handler(ctx);
      status = res.headersSent ? res.statusCode : 200;
      if (!res.headersSent) {
        const created = method === 'POST' && !route.template.endsWith('/reviews');
        status = created ? 201 : 200;
        if (typeof result === 'string') this.#send(res, status, result, { 'content-type': 'application/vnd.github.raw; charset=utf-8' });
        else this.#send(res, status, result);
      }
    } catch (error) {
      if (error instanceof HttpError) {
        status = error.status;
        this.#send(res, status, { message: error.message, documentation_url: 'https://docs.github.com/rest', ...error.extra }, error.headers);
      } else {
        status = 500;
        this.violations.push(`${method} ${path}: fake crashed: ${(error as Error).message}`);
        this.#send(res, 500, { message: (error as Error).message });
      }
    }
    const entry: Omit<RecordedRequest, 'seq'> = { kind, method, path, query, status };
    if (route) entry.route = route.template;
    if (body !== undefined) entry.body = body;
    this.#record(entry);
  }

  #graphql(body: Json, installationId: number): Json {
    const query = typeof body?.query === 'string' ? body.query : '';
    const variables = (body?.variables ?? {}) as Record<string, string>;
    const calls = [...query.matchAll(/(\w+)\s*:\s*minimizeComment\s*\(\s*input\s*:\s*\{\s*subjectId\s*:\s*\$(\w+)\s*,\s*classifier\s*:\s*(\w+)\s*\}\s*\)/g)];
    if (!/^\s*mutation\b/.test(query) || calls.length === 0) {
      this.violations.push(`graphql: only minimizeComment mutations are expected, got ${query.slice(0, 80)}`);
      return { errors: [{ message: 'the fake serves only minimizeComment' }] };
    }
    const data: Json = {};
    const errors: Json[] = [];
    for (const [, alias, variable, classifier] of calls) {
      const id = variables[variable!];
      const target =
        this.reviewComments.find((c) => c.node_id === id) ?? this.issueComments.find((c) => c.node_id === id);
      const repo = target ? this.#findRepo(target.owner, target.repo) : undefined;
      if (!target || !repo || repo.installationId !== installationId) {
        errors.push({ type: 'NOT_FOUND', path: [alias], message: `Could not resolve to a node with the global id of '${id}'` });
        data[alias!] = null;
        continue;
      }
      if (!['SPAM', 'ABUSE', 'OFF_TOPIC', 'OUTDATED', 'DUPLICATE', 'RESOLVED'].includes(classifier!)) {
        this.violations.push(`graphql: invalid classifier ${classifier}`);
      }
      target.minimized = true;
      if ('path' in target) target.minimizedClassifier = classifier!;
      data[alias!] = { minimizedComment: { isMinimized: true } };
    }
    return errors.length > 0 ? { data, errors } : { data };
  }

  // ---- routes ---------------------------------------------------------------------------------------------

  #on(route: string, handler: Handler): void {
    this.#handlers.set(route, handler);
  }

  #registerRoutes(): void {
    this.#on('GET /app', () => this.#appObject());

    this.#on('POST /app/installations/{installation_id}/access_tokens', (ctx) => {
      const installationId = Number(ctx.params.installation_id);
      if (!this.#options.repos.some((r) => r.installationId === installationId)) throw new HttpError(404, 'Not Found');
      const token = `ghs_${randomBytes(18).toString('hex')}`;
      const expires = Date.now() + 3600_000;
      this.#tokens.set(token, { installationId, expires });
      return {
        token,
        expires_at: new Date(expires).toISOString(),
        permissions: { checks: 'write', pull_requests: 'write', contents: 'read', issues: 'write', metadata: 'read' },
        repository_selection: 'all',
      };
    });

    this.#on('GET /repos/{owner}/{repo}/contents/{path}', (ctx) => {
      const repo = ctx.repo!;
      const ref = ctx.query.ref ?? repo.defaultBranch ?? 'main';
      const sha = resolveRef(repo.dir, ref);
      const data = sha ? readFileAt(repo.dir, sha, ctx.params.path!) : undefined;
      if (!data) throw new HttpError(404, 'Not Found');
      const accept = String(ctx.req.headers.accept ?? '');
      if (/application\/vnd\.github(\.v3)?\.raw/.test(accept)) return data.toString('utf8');
      return {
        type: 'file',
        encoding: 'base64',
        size: data.length,
        name: ctx.params.path!.split('/').pop(),
        path: ctx.params.path,
        content: data.toString('base64'),
        sha: 'x',
      };
    });

    this.#on('GET /repos/{owner}/{repo}/tarball/{ref}', (ctx) => {
      const repo = ctx.repo!;
      const sha = resolveRef(repo.dir, ctx.params.ref!);
      if (!sha) throw new HttpError(404, 'Not Found');
      const path = `/_codeload/${repo.owner}/${repo.name}/legacy.tar.gz/${sha}`;
      if (!this.#downloads.has(path)) this.#downloads.set(path, tarball(repo.dir, sha, `${repo.owner}-${repo.name}-${sha.slice(0, 7)}`));
      ctx.res.writeHead(302, { location: `${this.#url}${path}?token=${randomBytes(8).toString('hex')}` });
      ctx.res.end();
    });

    this.#on('GET /repos/{owner}/{repo}/pulls', (ctx) => {
      const repo = ctx.repo!;
      const state = ctx.query.state ?? 'open';
      const pulls = this.pulls.filter((p) => p.owner === repo.owner && p.repo === repo.name && (state === 'all' || p.state === state));
      return this.#paginate(ctx, `/repos/${repo.owner}/${repo.name}/pulls`, pulls.map((p) => this.pullObject(p)));
    });

    this.#on('GET /repos/{owner}/{repo}/pulls/{pull_number}', (ctx) => this.pullObject(this.#pull(ctx)));

    this.#on('GET /repos/{owner}/{repo}/pulls/{pull_number}/files', (ctx) => {
      const pull = this.#pull(ctx);
      const objects = this.#diffEntries(ctx.repo!, pull.headSha, this.#pullFiles(pull).slice(0, this.maxPullFiles));
      return this.#paginate(ctx, `/repos/${pull.owner}/${pull.repo}/pulls/${pull.number}/files`, objects);
    });

    this.#on('GET /repos/{owner}/{repo}/compare/{basehead}', (ctx) => this.#compare(ctx));
    this.#on('GET /repos/{owner}/{repo}/compare/{base}...{head}', (ctx) => this.#compare(ctx));

    this.#on('GET /repos/{owner}/{repo}/pulls/{pull_number}/comments', (ctx) => {
      const pull = this.#pull(ctx);
      const comments = this.reviewComments.filter((c) => c.owner === pull.owner && c.repo === pull.repo && c.pull_number === pull.number);
      return this.#paginate(
        ctx,
        `/repos/${pull.owner}/${pull.repo}/pulls/${pull.number}/comments`,
        comments.map((c) => this.#reviewCommentObject(c)),
      );
    });

    this.#on('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', (ctx) => this.#createReview(ctx));

    this.#on('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', (ctx) => {
      const repo = ctx.repo!;
      const number = Number(ctx.params.issue_number);
      const comments = this.issueComments.filter((c) => c.owner === repo.owner && c.repo === repo.name && c.issue_number === number);
      return this.#paginate(ctx, `/repos/${repo.owner}/${repo.name}/issues/${number}/comments`, comments.map((c) => this.#issueCommentObject(c)));
    });

    this.#on('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', (ctx) => {
      const repo = ctx.repo!;
      const text = String(ctx.body.body ?? '');
      if (text.length > 65536) throw new HttpError(422, 'Validation Failed', { errors: [{ field: 'body', code: 'too_long' }] });
      const id = this.#id();
      const comment: FakeIssueComment = {
        id,
        node_id: `IC_${id}`,
        owner: repo.owner,
        repo: repo.name,
        issue_number: Number(ctx.params.issue_number),
        body: text,
        user: this.bot,
        viaApp: true,
        edits: 0,
        minimized: false,
      };
      this.issueComments.push(comment);
      return this.#issueCommentObject(comment);
    });

    this.#on('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', (ctx) => {
      const repo = ctx.repo!;
      const comment = this.issueComments.find((c) => c.id === Number(ctx.params.comment_id) && c.owner === repo.owner && c.repo === repo.name);
      if (!comment) throw new HttpError(404, 'Not Found');
      if (comment.user.login !== this.bot.login) this.violations.push(`the app edited a comment of ${comment.user.login}`);
      const text = String(ctx.body.body ?? '');
      if (text.length > 65536) throw new HttpError(422, 'Validation Failed', { errors: [{ field: 'body', code: 'too_long' }] });
      comment.body = text;
      comment.edits++;
      return this.#issueCommentObject(comment);
    });

    this.#on('POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', (ctx) => {
      const repo = ctx.repo!;
      const comment = this.issueComments.find((c) => c.id === Number(ctx.params.comment_id) && c.owner === repo.owner && c.repo === repo.name);
      if (!comment) throw new HttpError(404, 'Not Found');
      const reaction: FakeReaction = { owner: repo.owner, repo: repo.name, comment_id: comment.id, content: String(ctx.body.content), user: this.bot };
      this.reactions.push(reaction);
      return { id: this.#id(), node_id: 'REA_x', user: this.#userObject(this.bot), content: reaction.content, created_at: '2024-01-01T00:00:00Z' };
    });

    this.#on('GET /repos/{owner}/{repo}/collaborators/{username}/permission', (ctx) => {
      const role = ctx.repo!.collaborators?.[ctx.params.username!];
      if (!role) throw new HttpError(404, 'Not Found');
      const permission = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
      return { permission, role_name: role, user: this.#userObject(this.user(ctx.params.username!)) };
    });

    this.#on('POST /repos/{owner}/{repo}/check-runs', (ctx) => {
      const repo = ctx.repo!;
      const b = ctx.body as { name: string; head_sha: string; status?: string; conclusion?: string; external_id?: string; output?: Json };
      if (!resolveRef(repo.dir, b.head_sha)) throw new HttpError(422, 'No commit found for SHA: ' + b.head_sha);
      const annotations = this.#annotations(b.output);
      const run: FakeCheckRun = {
        id: this.#id(),
        owner: repo.owner,
        repo: repo.name,
        name: b.name,
        head_sha: b.head_sha,
        status: b.conclusion ? 'completed' : b.status ?? 'queued',
        conclusion: b.conclusion ?? null,
        output: { ...(b.output as FakeCheckRun['output']) },
        annotations,
        writes: 1,
      };
      if (b.external_id !== undefined) run.external_id = b.external_id;
      this.checkRuns.push(run);
      return this.#checkRunObject(run);
    });

    this.#on('PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', (ctx) => {
      const run = this.checkRuns.find((r) => r.id === Number(ctx.params.check_run_id) && r.owner === ctx.repo!.owner);
      if (!run) throw new HttpError(404, 'Not Found');
      const b = ctx.body as { status?: string; conclusion?: string; output?: Json };
      if (b.status === 'completed' && !b.conclusion) throw new HttpError(422, 'Conclusion is required when status is completed');
      run.annotations.push(...this.#annotations(b.output));
      if (b.output) {
        const { annotations: _a, ...rest } = b.output as Json;
        run.output = { ...run.output, ...(rest as FakeCheckRun['output']) };
      }
      if (b.conclusion) {
        run.status = 'completed';
        run.conclusion = b.conclusion;
      } else if (b.status) run.status = b.status;
      run.writes++;
      return this.#checkRunObject(run);
    });
  }

  #annotations(output: Json | undefined): Record<string, unknown>[] {
    const list = (output?.annotations ?? []) as Record<string, unknown>[];
    if (list.length > 50) throw new HttpError(422, 'Only 50 annotations are allowed per request');
    for (const key of ['summary', 'text'] as const) {
      const value = output?.[key];
      if (typeof value === 'string' && value.length > 65535) throw new HttpError(422, `output.${key} is too long (maximum is 65535 characters)`);
    }
    return list;
  }

  #createReview(ctx: Ctx): Json {
    const pull = this.#pull(ctx);
    const b = ctx.body as { commit_id?: string; event?: string; body?: string; comments?: Json[] };
    const comments = b.comments ?? [];
    const files = this.#pullFiles(pull);
    const commitId = b.commit_id ?? pull.headSha;
    if (!resolveRef(this.repo(pull.owner, pull.repo).dir, commitId)) throw new HttpError(422, 'Unprocessable Entity', { errors: ['Commit could not be found'] });
    if (comments.length > 0 && this.rejectReviewComments) {
      throw new HttpError(422, 'Unprocessable Entity', { errors: ['Line could not be resolved'] });
    }
    for (const c of comments) {
      const file = files.find((f) => f.filename === c.path);
      const side = c.side ?? 'RIGHT';
      const lines = file?.patch ? (side === 'LEFT' ? leftSideLines(file.patch) : rightSideLines(file.patch)) : undefined;
      const line = Number(c.line);
      const start = c.start_line === undefined ? line : Number(c.start_line);
      const ok =
        lines !== undefined &&
        (side === 'RIGHT' || side === 'LEFT') &&
        lines.has(line) &&
        lines.has(start) &&
        start <= line &&
        lines.get(start) === lines.get(line);
      if (!ok) throw new HttpError(422, 'Unprocessable Entity', { errors: ['Pull request review thread line must be part of the diff'] });
    }
    const id = this.#id();
    const review: FakeReview = {
      id,
      node_id: `PRR_${id}`,
      owner: pull.owner,
      repo: pull.repo,
      pull_number: pull.number,
      commit_id: commitId,
      event: b.event ?? 'PENDING',
      body: b.body ?? '',
      user: this.bot,
      commentIds: [],
    };
    for (const c of comments) {
      const cid = this.#id();
      const comment: FakeReviewComment = {
        id: cid,
        node_id: `PRRC_${cid}`,
        owner: pull.owner,
        repo: pull.repo,
        pull_number: pull.number,
        review_id: id,
        path: String(c.path),
        line: Number(c.line),
        side: String(c.side ?? 'RIGHT'),
        body: String(c.body),
        user: this.bot,
        commit_id: commitId,
        minimized: false,
      };
      if (c.start_line !== undefined) comment.start_line = Number(c.start_line);
      this.reviewComments.push(comment);
      review.commentIds.push(cid);
    }
    this.reviews.push(review);
    const state = review.event === 'APPROVE' ? 'APPROVED' : review.event === 'REQUEST_CHANGES' ? 'CHANGES_REQUESTED' : review.event === 'COMMENT' ? 'COMMENTED' : 'PENDING';
    return { id, node_id: review.node_id, user: this.#userObject(this.bot), body: review.body, state, commit_id: commitId, html_url: '', pull_request_url: '', author_association: 'NONE', _links: {} };
  }

  #issueCommentObject(c: FakeIssueComment): Json {
    return {
      id: c.id,
      node_id: c.node_id,
      url: `${this.apiUrl}/repos/${c.owner}/${c.repo}/issues/comments/${c.id}`,
      html_url: `${this.#url}/${c.owner}/${c.repo}/pull/${c.issue_number}#issuecomment-${c.id}`,
      issue_url: `${this.apiUrl}/repos/${c.owner}/${c.repo}/issues/${c.issue_number}`,
      body: c.body,
      user: this.#userObject(c.user),
      created_at: '2024-01-01T00:00:00Z',
      updated_at: '2024-01-01T00:00:00Z',
      author_association: c.viaApp ? 'NONE' : 'MEMBER',
      performed_via_github_app: c.viaApp ? this.#appObject() : null,
    };
  }

  #reviewCommentObject(c: FakeReviewComment): Json {
    const o: Json = {
      id: c.id,
      node_id: c.node_id,
      pull_request_review_id: c.review_id ?? null,
      path: c.path,
      line: c.line,
      side: c.side,
      body: c.body,
      user: this.#userObject(c.user),
      commit_id: c.commit_id,
      original_commit_id: c.commit_id,
      diff_hunk: '',
      created_at: '2024-01-01T00:00:00Z',
      updated_at: '2024-01-01T00:00:00Z',
      url: '',
      html_url: '',
      pull_request_url: '',
      author_association: 'NONE',
      _links: {},
    };
    if (c.start_line !== undefined) o.start_line = c.start_line;
    if (c.in_reply_to_id !== undefined) o.in_reply_to_id = c.in_reply_to_id;
    return o;
  }

  #checkRunObject(run: FakeCheckRun): Json {
    return {
      id: run.id,
      node_id: `CR_${run.id}`,
      head_sha: run.head_sha,
      name: run.name,
      status: run.status,
      conclusion: run.conclusion,
      external_id: run.external_id ?? '',
      url: `${this.apiUrl}/repos/${run.owner}/${run.repo}/check-runs/${run.id}`,
      html_url: `${this.#url}/${run.owner}/${run.repo}/runs/${run.id}`,
      details_url: '',
      started_at: '2024-01-01T00:00:00Z',
      completed_at: run.status === 'completed' ? '2024-01-01T00:00:00Z' : null,
      output: { ...run.output, annotations_count: run.annotations.length, annotations_url: '' },
      check_suite: { id: 1 },
      app: this.#appObject(),
      pull_requests: [],
    };
  }
}

/** Starts a fake GitHub on 127.0.0.1 (a free port) serving the given fixture repositories. */
export async function startFakeGitHub(options: StartFakeGitHubOptions): Promise<FakeGitHub> {
  const fake = new FakeGitHub(options);
  await fake.listen();
  return fake;
}
