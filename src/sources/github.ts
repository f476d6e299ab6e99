/**
 * The FileSnapshots of a pull request, read from GitHub with a number of requests that does not grow with the
 * project: the head is the commit's tarball (one request, cached by commit SHA so a /recheck costs none), the
 * base is the head with the changed files put back from their patches (no request unless GitHub left a patch
 * out). The base is kept by merge-base SHA: after a push with the same merge base, the head is that base with the
 * patches applied forward, checked file by file against GitHub's blob SHAs, and no tarball is downloaded. Also
 * detects the SQL dialect from a committed `profiles.yml`.
 */
import type { ProbotOctokit } from 'probot';
import type { FileSnapshot } from '../dbt/types.js';
import type { Skipped } from '../review/types.js';
import type { Dialect } from '../config.js';
import { detectDialect } from '../cli/dialect.js';
import { nodeStream, snapshotFromTarball, type TreeSnapshot } from './github-tarball.js';
import { reconstructBase } from './github-base.js';
import { baseCacheKey, captureBase, type BaseCache, type CachedBase } from './github-base-cache.js';
import { headFromBase, type HeadFile } from './github-head.js';
import { factsKindOf } from '../dbt/fileFacts.js';

export type { TreeSnapshot } from './github-tarball.js';
export type { BaseCache, CachedBase } from './github-base-cache.js';

/** What this module needs of an Octokit: its `request`. */
export type GitHubRequester = Pick<ProbotOctokit, 'request'>;

/** A cache of head snapshots by `owner/repo@sha` (an LRU in the app). */
export interface SnapshotCache {
  get(key: string): TreeSnapshot | undefined;
  set(key: string, value: TreeSnapshot): void;
}

export interface PullRequestSnapshotsInput {
  octokit: GitHubRequester;
  owner: string;
  repo: string;
  headSha: string;
  baseSha: string;
  /** The PR's files, diffed against the merge base. */
  files: readonly HeadFile[];
  /**
   * The merge base the files are diffed against, when known for sure (the compare names it) and the file list is
   * complete: the base is then cached under it, and a cached one gives the head without a tarball.
   */
  mergeBaseSha?: string;
  cache?: SnapshotCache;
  baseCache?: BaseCache;
}

/** Where a head snapshot came from: the snapshot cache, the cached base and the PR's patches, or the tarball. */
export type HeadSource = 'cache' | 'patches' | 'tarball';

export interface PullRequestSnapshots {
  head: TreeSnapshot;
  base: FileSnapshot;
  skipped: Skipped[];
  dialectHint?: { name: Dialect; source: string };
  headSource: HeadSource;
  /** Why the cached base did not give the head (which then came from the tarball). */
  patchFallback?: string;
}

export async function downloadSnapshot(octokit: GitHubRequester, owner: string, repo: string, sha: string): Promise<TreeSnapshot> {
  const configured = (octokit.request.endpoint.DEFAULTS.request as { fetch?: typeof fetch } | undefined)?.fetch ?? globalThis.fetch;
  const response = await octokit.request('GET /repos/{owner}/{repo}/tarball/{ref}', {
    owner,
    repo,
    ref: sha,
    request: { parseSuccessResponseBody: false, fetch: fetchKeepingResponse(configured) },
  });
  return snapshotFromTarball(nodeStream(response.data), sha);
}

/** Each streamed body's Response, kept alive for as long as the body is (a WeakMap holds its value while its key lives). */
const responseOfBody = new WeakMap<object, Response>();

/**
 * `fetch`, with each Response kept alive by its body. Octokit hands back only the body of a streamed response and
 * drops the Response; Node's fetch cancels the body of a Response that is garbage collected before the body is
 * read, and the body then reads as empty. A collection between the two (timing: it happened in CI) made a tarball
 * read as a revision without files.
 */
function fetchKeepingResponse(fetchImpl: typeof fetch): typeof fetch {
  return async (input, init) => {
    const response = await fetchImpl(input, init);
    if (response.body) responseOfBody.set(response.body, response);
    return response;
  };
}

/** A file at a revision through the contents API (raw), or undefined when it does not exist there. */
export async function readFileAtRef(
  octokit: GitHubRequester,
  owner: string,
  repo: string,
  path: string,
  ref: string,
): Promise<string | undefined> {
  try {
    const response = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
      owner,
      repo,
      path,
      ref,
      mediaType: { format: 'raw' },
    });
    return typeof response.data === 'string' ? response.data : undefined;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

export async function loadPullRequestSnapshots(input: PullRequestSnapshotsInput): Promise<PullRequestSnapshots> {
  const { octokit, owner, repo, headSha, mergeBaseSha } = input;
  const headKey = `${owner}/${repo}@${headSha}`.toLowerCase();
  const baseKey = mergeBaseSha !== undefined ? baseCacheKey(owner, repo, mergeBaseSha) : undefined;
  const cachedBase = baseKey !== undefined ? input.baseCache?.get(baseKey) : undefined;

  let head = input.cache?.get(headKey);
  let headSource: HeadSource = 'cache';
  let patchFallback: string | undefined;
  if (!head && cachedBase) {
    const built = await headFromBase({
      base: cachedBase,
      headSha,
      files: input.files,
      fetchHead: (path) => readFileAtRef(octokit, owner, repo, path, headSha),
    });
    if (built.ok) {
      head = built.head;
      headSource = 'patches';
    } else patchFallback = built.reason;
  }
  if (!head) {
    head = await downloadSnapshot(octokit, owner, repo, headSha);
    assertHoldsListedFiles(head, input.files);
    headSource = 'tarball';
  }
  if (headSource !== 'cache') input.cache?.set(headKey, head);

  // The base versions the patches cannot give are read at the merge base (what the patches are diffed against),
  // unless the cached base holds them. A cached base the head could not be built from is not trusted, and replaced.
  const trustedBase = patchFallback === undefined ? cachedBase : undefined;
  const baseRef = mergeBaseSha ?? input.baseSha;
  const { base, skipped } = await reconstructBase(head, input.files, (path) =>
    knownBaseText(trustedBase, path) ?? readFileAtRef(octokit, owner, repo, path, baseRef),
  );
  if (input.baseCache && baseKey !== undefined && mergeBaseSha !== undefined && !trustedBase) {
    const captured = captureBase(mergeBaseSha, head, base, input.files);
    if (captured) input.baseCache.set(baseKey, captured);
    else input.baseCache.delete(baseKey);
  }

  const result: PullRequestSnapshots = { head, base, skipped: [...head.skipped, ...skipped], headSource };
  if (patchFallback !== undefined) result.patchFallback = patchFallback;
  const hint = detectDialect(base, head);
  if (hint) result.dialectHint = hint;
  return result;
}

/**
 * A downloaded head must hold every SQL, Python and YAML file GitHub lists as present at the head: one that it does
 * not hold is a cut download (or a file `.gitattributes` keeps out of archives), and reviewing without it would
 * report the PR's models as removed, or no dbt change at all. (Markdown docs are let pass: they never decide a
 * finding, and `export-ignore` on docs is common.)
 */
function assertHoldsListedFiles(head: TreeSnapshot, files: readonly HeadFile[]): void {
  const held = new Set(head.paths());
  const absent = files.filter((f) => f.status !== 'removed' && factsKindOf(f.path) !== undefined && !held.has(f.path));
  if (absent.length === 0) return;
  const named = absent.slice(0, 3).map((f) => `\`${f.path}\``).join(', ');
  const more = absent.length > 3 ? ` and ${absent.length - 3} more` : '';
  throw new Error(
    `the tarball of ${head.sha.slice(0, 12)} does not hold ${named}${more}, which GitHub lists as changed at that commit: the download was cut short, or \`.gitattributes\` marks the file \`export-ignore\``,
  );
}

/** A base version the cached base already holds (no request). */
function knownBaseText(cachedBase: CachedBase | undefined, path: string): Promise<string | undefined> | undefined {
  const entry = cachedBase?.entries.get(path);
  const text = entry?.kind === 'text' || entry?.kind === 'skipped' ? entry.text : undefined;
  return text !== undefined ? Promise.resolve(text) : undefined;
}
