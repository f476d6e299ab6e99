/**
 * The local git ProjectSource: reads revisions straight from git objects. Works on bare repositories and never
 * reads or writes a work tree or an index, so what is reviewed is exactly what is committed.
 */
import type { FileSnapshot } from '../dbt/types.js';
import type { ChangedFile } from '../ports.js';
import type { Skipped } from '../review/types.js';
import { factsKindOf, type FactsKey, type FileFacts } from '../dbt/fileFacts.js';
import { GitError, catFileBatch, catFileBatchSync, runGit, type BatchObject } from './git-exec.js';

export { GitError } from './git-exec.js';

/** Blobs above this size are listed but not loaded (a note says so). */
export const MAX_BLOB_BYTES = 2 * 1024 * 1024;

/**
 * The size over which a file is not read: `maxBytes` for model code and docs, 8 times that for YAML (a generated
 * `sources:` file of a big warehouse passes 2 MB, and without it every model it describes would look undocumented
 * and untested; YAML is parsed in linear time).
 */
export function readLimitOf(path: string, maxBytes: number): number {
  return /\.ya?ml$/i.test(path) ? maxBytes * 8 : maxBytes;
}
/** Per-file patches above this size are omitted, as GitHub omits the `patch` of huge files. */
export const MAX_PATCH_CHARS = 1024 * 1024;

const DBT_EXTENSIONS = ['.sql', '.py', '.yml', '.yaml', '.md'];
/** A path with one of these folders (at any depth) is not read. */
const IN_SKIPPED_FOLDER = /(?:^|\/)(?:dbt_packages|target|node_modules)\//;

/** Has this path an extension of a file a dbt review reads (SQL, Python, YAML, Markdown)? */
function hasDbtExtension(path: string): boolean {
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') && DBT_EXTENSIONS.includes(path.slice(dot).toLowerCase());
}

const gitDirs = new Map<string, Promise<string>>();

/** Checks that `repo` is a git repository (bare or not); returns its git directory (asked once per process). */
export function assertRepository(repo: string): Promise<string> {
  return gitDirs.get(repo) ?? rememberGitDir(repo, runGit(repo, ['rev-parse', '--absolute-git-dir']).then(({ stdout }) => stdout.toString('utf8').trim()));
}

function rememberGitDir(repo: string, dir: Promise<string>): Promise<string> {
  gitDirs.set(repo, dir);
  // A failure is not remembered: the next call asks git again.
  dir.catch(() => gitDirs.delete(repo));
  return dir;
}

/** Resolves a revision (branch, tag, sha, `HEAD~2`, ...) to the full sha of a commit. */
export async function resolveRev(repo: string, rev: string): Promise<string> {
  if (rev === '' || rev.startsWith('-') || /[\0\n]/.test(rev)) {
    throw new GitError(`unknown revision '${rev}'`, 'unknown-revision');
  }
  await assertRepository(repo);
  const { stdout, stderr, code } = await runGit(repo, ['rev-parse', '--verify', `${rev}^{commit}`], { okCodes: [0, 1, 128] });
  refuseAmbiguous(stderr, repo);
  const sha = stdout.toString('utf8').trim();
  if (code !== 0 || !SHA.test(sha)) {
    const shallow = (await isShallow(repo)) ? ` (the clone is shallow: ${FETCH_HISTORY})` : '';
    throw new GitError(`unknown revision '${rev}' in ${repo}${shallow}`, 'unknown-revision');
  }
  return sha;
}

/**
 * git picks one of two refs with the same name (a tag over a branch) and only warns: a review of the wrong commit
 * would look like a review of the one asked for. Refused, saying how to name the one meant.
 */
function refuseAmbiguous(stderr: string, repo: string): void {
  const m = /refname '([^']+)' is ambiguous/.exec(stderr);
  if (!m) return;
  const name = m[1]!;
  throw new GitError(`'${name}' names more than one ref in ${repo} (e.g. a branch and a tag): say which, e.g. 'heads/${name}' or 'tags/${name}'`, 'unknown-revision');
}

/** How to get the history a review needs, for messages about shallow clones. */
export const FETCH_HISTORY = 'fetch more history, e.g. `git fetch --unshallow`, or `fetch-depth: 0` with actions/checkout';

/** Whether the repository is a shallow clone (part of its history is missing). */
export async function isShallow(repo: string): Promise<boolean> {
  const { stdout, code } = await runGit(repo, ['rev-parse', '--is-shallow-repository'], { okCodes: [0, 128] });
  return code === 0 && stdout.toString('utf8').trim() === 'true';
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * Resolves several revisions with one git call (and learns the git directory on the way); when any of them does not
 * resolve, each is resolved on its own, so the error names the right one.
 */
export async function resolveRevs(repo: string, revs: readonly string[]): Promise<string[]> {
  const plain = revs.every((rev) => rev !== '' && !rev.startsWith('-') && !/[\0\n]/.test(rev));
  if (plain && !gitDirs.has(repo)) {
    const answer = runGit(repo, ['rev-parse', '--absolute-git-dir', ...revs.map((rev) => `${rev}^{commit}`)], { okCodes: [0, 1, 128] }).then(
      (result) => {
        // (an ambiguous name is resolved on its own below, which refuses it)
        if (/refname '[^']+' is ambiguous/.test(result.stderr)) return undefined;
        const lines = result.code === 0 ? result.stdout.toString('utf8').trim().split('\n') : [];
        return lines.length === revs.length + 1 && lines.slice(1).every((sha) => SHA.test(sha)) ? lines : undefined;
      },
      () => undefined,
    );
    // Whoever asks for the git directory meanwhile gets it from this call (or from its own when this one fails).
    rememberGitDir(
      repo,
      answer.then((lines) => {
        if (lines) return lines[0]!;
        gitDirs.delete(repo);
        return assertRepository(repo);
      }),
    );
    const lines = await answer;
    if (lines) return lines.slice(1);
  }
  return Promise.all(revs.map((rev) => resolveRev(repo, rev)));
}

/** The best common ancestor of two commits, or undefined for unrelated histories. */
export async function mergeBase(repo: string, a: string, b: string): Promise<string | undefined> {
  const { stdout, code } = await runGit(repo, ['merge-base', a, b], { okCodes: [0, 1] });
  const sha = stdout.toString('utf8').trim();
  return code === 0 && sha ? sha : undefined;
}

/**
 * The files changed by `head` relative to `base`, like GitHub's three-dot compare: the diff runs from
 * `git merge-base base head` to `head` (from `base` itself when the histories are unrelated). Renames are
 * detected (`-M`); each file carries its unified patch (3 lines of context) without headers, starting at the
 * first `@@` hunk, as GitHub's `patch` field does. Binary files, pure renames and huge files have no patch.
 */
export async function changedFiles(repo: string, baseSha: string, headSha: string): Promise<ChangedFile[]> {
  const from = (await mergeBase(repo, baseSha, headSha)) ?? baseSha;
  return diffCommits(repo, from, headSha);
}

const DIFF_ARGS = ['--no-color', '--no-ext-diff', '--no-textconv', '-M', '--src-prefix=a/', '--dst-prefix=b/'];

/** The files changed between two commits (a plain two-dot diff `from..to`), with patches. */
export async function diffCommits(repo: string, from: string, to: string): Promise<ChangedFile[]> {
  return (await diffCommitsRaw(repo, from, to)).files;
}

/** One record of `git diff --raw`: what a path was and is (modes and blob ids; all zeros on the missing side). */
export interface RawChange {
  status: string;
  path: string;
  previousPath?: string;
  oldMode: string;
  newMode: string;
  oldOid: string;
  newOid: string;
}

/** `diffCommits`, plus the raw records (with blob ids), from which `gitSnapshotBefore` lists the `from` tree. */
export async function diffCommitsRaw(repo: string, from: string, to: string): Promise<{ files: ChangedFile[]; raw: RawChange[] }> {
  const [names, patch] = await Promise.all([
    runGit(repo, ['diff', '--raw', '-z', '--no-abbrev', ...DIFF_ARGS, from, to, '--']),
    runGit(repo, ['diff', '--patch', '-U3', ...DIFF_ARGS, from, to, '--']),
  ]);
  const raw = parseRawDiff(names.stdout.toString('utf8'));
  const files = raw.map(changedFileOf);
  const sections = splitPatch(patch.stdout.toString('utf8'));
  for (const file of files) {
    const oldPath = file.previousPath ?? file.path;
    const header = `diff --git ${quotePath(`a/${oldPath}`)} ${quotePath(`b/${file.path}`)}`;
    const hunks = sections.get(header);
    if (hunks === undefined || hunks === '') continue;
    if (hunks.length > MAX_PATCH_CHARS) continue;
    file.patch = hunks;
  }
  return { files, raw };
}

/** Parses `git diff --raw -z` output: `:<old mode> <new mode> <old oid> <new oid> <status>` NUL path(s) NUL. */
export function parseRawDiff(text: string): RawChange[] {
  const tokens = text.split('\0');
  const changes: RawChange[] = [];
  for (let i = 0; i < tokens.length; ) {
    const header = tokens[i++];
    if (!header) continue;
    const m = /^:(\d+) (\d+) ([0-9a-f]+) ([0-9a-f]+) ([A-Z])\d*$/.exec(header);
    if (!m) throw new GitError(`unexpected output from git diff --raw: ${header.slice(0, 120)}`, 'git-failed');
    const [, oldMode, newMode, oldOid, newOid, status] = m as unknown as [string, string, string, string, string, string];
    if (status === 'R' || status === 'C') {
      const previousPath = tokens[i++] ?? '';
      changes.push({ status, path: tokens[i++] ?? '', previousPath, oldMode, newMode, oldOid, newOid });
    } else changes.push({ status, path: tokens[i++] ?? '', oldMode, newMode, oldOid, newOid });
  }
  return changes;
}

function changedFileOf(change: RawChange): ChangedFile {
  switch (change.status) {
    case 'R':
      return { path: change.path, previousPath: change.previousPath ?? '', status: 'renamed' };
    case 'C':
    case 'A':
      return { path: change.path, status: 'added' };
    case 'D':
      return { path: change.path, status: 'removed' };
    default: // M (content or mode), T (type change), U, X
      return { path: change.path, status: 'modified' };
  }
}

/**
 * Splits a multi-file patch by its `diff --git` header lines. Returns header -> hunks (from the first `@@`, without
 * the trailing newline). A type change produces two sections under one header; their hunks are joined.
 */
export function splitPatch(text: string): Map<string, string> {
  const sections = new Map<string, string>();
  const lines = text.split('\n');
  let header: string | undefined;
  let body: string[] = [];
  let inHunks = false;
  const flush = (): void => {
    if (header === undefined) return;
    const hunks = body.join('\n');
    const previous = sections.get(header);
    sections.set(header, previous ? (hunks ? `${previous}\n${hunks}` : previous) : hunks);
  };
  for (const line of lines) {
    if (line.startsWith('diff --git ')) {
      flush();
      header = line;
      body = [];
      inHunks = false;
      continue;
    }
    if (!inHunks && line.startsWith('@@')) inHunks = true;
    if (inHunks) body.push(line);
  }
  flush();
  // The patch text ends with a newline: drop the empty last line of the last section.
  for (const [key, value] of sections) sections.set(key, value.replace(/\n$/, ''));
  return sections;
}

const C_ESCAPES: Record<string, string> = {
  '\x07': '\\a', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\v': '\\v', '\f': '\\f', '\r': '\\r', '"': '\\"', '\\': '\\\\',
};

/** Quotes a path the way git does in patch headers with `core.quotepath=off` (C-style, only when needed). */
export function quotePath(path: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/["\\\x00-\x1f\x7f]/.test(path)) return path;
  let out = '"';
  for (const ch of path) {
    const escape = C_ESCAPES[ch];
    if (escape) out += escape;
    else if (ch.charCodeAt(0) < 0x20 || ch === '\x7f') out += `\\${ch.charCodeAt(0).toString(8).padStart(3, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

export interface TreeEntry {
  path: string;
  mode: string;
  type: string;
  oid: string;
  /** Blob size in bytes; undefined for submodules. */
  size?: number;
}

/** Every entry of a commit's tree (`git ls-tree -r -z -l --full-tree`). */
export async function listTree(repo: string, sha: string): Promise<TreeEntry[]> {
  const { stdout } = await runGit(repo, ['ls-tree', '-r', '-z', '-l', '--full-tree', sha]);
  const entries: TreeEntry[] = [];
  for (const record of stdout.toString('utf8').split('\0')) {
    if (!record) continue;
    const tab = record.indexOf('\t');
    const m = /^(\d+) (\S+) ([0-9a-f]+) +(\S+)$/.exec(record.slice(0, tab));
    if (tab < 0 || !m) throw new GitError(`unexpected output from git ls-tree: ${record.slice(0, 120)}`, 'git-failed');
    const size = m[4] === '-' ? undefined : Number(m[4]);
    entries.push({ path: record.slice(tab + 1), mode: m[1]!, type: m[2]!, oid: m[3]!, size });
  }
  return entries;
}

/** A revision of the repository: every path, with the contents of the dbt-relevant files loaded. */
export interface GitSnapshot extends FileSnapshot {
  sha: string;
  /** Files that a reviewer would read but were not loaded (too large, binary). */
  skipped: Skipped[];
  /** How many files are loaded (files with stored facts load when a review reads them). */
  readonly loadedCount: number;
  /** Loaded text by blob id, so another revision's snapshot can reuse the blobs they share. */
  textByOid: ReadonlyMap<string, string>;
  /** The blob id of each file a review reads (dbt-relevant, not skipped for size). */
  oids: ReadonlyMap<string, string>;
  facts(path: string): FileFacts | undefined;
  preload(paths: readonly string[]): void;
  /** `preload` without blocking: reads the files in the background (e.g. the changed files, once they are known). */
  load(paths: readonly string[]): Promise<void>;
}

/** Facts of files by blob id, kept by the caller between reviews (see `src/sources/facts-store.ts`). */
export interface StoredFacts {
  get(oid: string, key: FactsKey): FileFacts | undefined;
}

function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Which files a review reads: every `dbt_project.yml`, every `profiles.yml`, the reviewer's config, and the
 * `.sql/.py/.yml/.yaml/.md` files inside the folder of a dbt project, outside `dbt_packages/`, `target/` and
 * `node_modules/`.
 */
export function dbtRelevantPaths(paths: readonly string[]): string[] {
  const roots = paths.filter((p) => basename(p) === 'dbt_project.yml').map(dirname);
  const rootAll = roots.includes('');
  const prefixes = roots.filter((r) => r !== '').map((r) => `${r}/`);
  const picked: string[] = [];
  for (const path of paths) {
    if (isProjectSetting(path)) {
      picked.push(path);
      continue;
    }
    if (!hasDbtExtension(path)) continue;
    if (!rootAll && !prefixes.some((p) => path.startsWith(p))) continue;
    if (IN_SKIPPED_FOLDER.test(path)) continue;
    picked.push(path);
  }
  return picked;
}

/** The submodules (gitlinks) inside the folder of a dbt project, outside the folders dbt does not read. */
function submodulesInProjects(entries: readonly TreeEntry[], allPaths: readonly string[]): string[] {
  const gitlinks = entries.filter((e) => e.type === 'commit' && !IN_SKIPPED_FOLDER.test(`${e.path}/`));
  if (gitlinks.length === 0) return [];
  const roots = allPaths.filter((p) => basename(p) === 'dbt_project.yml').map(dirname);
  return gitlinks.map((e) => e.path).filter((path) => roots.some((r) => r === '' || path.startsWith(`${r}/`)));
}

export interface SnapshotOptions {
  maxBlobBytes?: number;
  /** A snapshot of another revision of the same repository: blobs it already read are not read again. */
  reuse?: GitSnapshot;
  /**
   * Facts stored by blob id: a model or property file whose facts are known is read only when the review asks for
   * its text (`preload`, `read`), so a review of a big project reads the files it looks at, not all of them.
   */
  facts?: StoredFacts;
}

/**
 * `dbt_project.yml`, `profiles.yml` and the reviewer's config: read wherever they are, and at once (facts or not),
 * since every review reads them.
 */
function isProjectSetting(path: string): boolean {
  const name = basename(path);
  return name === 'dbt_project.yml' || name === 'profiles.yml' || path === '.github/dbt-pr-reviewer.yml';
}

/** After this many reads of single files that were not preloaded, a snapshot reads all its remaining files at once. */
const MISSES_BEFORE_READING_ALL = 16;

/** Blob texts of one repository, shared by the snapshots of a review (`reuse`). */
class BlobTexts {
  readonly texts = new Map<string, string>();
  readonly binary = new Set<string>();

  constructor(readonly repo: string) {}

  async load(oids: readonly string[]): Promise<void> {
    this.store(await catFileBatch(this.repo, oids.filter((o) => !this.has(o))));
  }

  loadSync(oids: readonly string[]): void {
    this.store(catFileBatchSync(this.repo, oids.filter((o) => !this.has(o))));
  }

  has(oid: string): boolean {
    return this.texts.has(oid) || this.binary.has(oid);
  }

  private store(objects: readonly BatchObject[]): void {
    const decoder = new TextDecoder('utf-8');
    for (const object of objects) {
      if (!object.content) continue;
      if (isBinary(object.content)) {
        this.binary.add(object.name);
        continue;
      }
      const text = decoder.decode(object.content);
      this.texts.set(object.name, text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    }
  }
}

const blobTextsOf = new WeakMap<GitSnapshot, BlobTexts>();

/**
 * Loads a revision: `git ls-tree` for the listing, then ONE `git cat-file --batch` process for the contents of
 * the dbt-relevant files (identical blobs are read once). With `facts`, the model and property files whose facts
 * are stored are left unread until the review asks for them.
 */
export async function gitSnapshot(repo: string, sha: string, options: SnapshotOptions = {}): Promise<GitSnapshot> {
  return snapshotOf(repo, sha, await listTree(repo, sha), options);
}

const NO_OID = /^0+$/;

/**
 * The snapshot of `sha`, the `from` side of `changes` (`diffCommitsRaw(repo, sha, head.sha)`), listed from the
 * head's tree and the changes instead of `git ls-tree` (a big project's base differs from its head in a few files);
 * the sizes of the blobs that differ come from `git cat-file --batch-check`. Shares the head's blobs (`reuse`).
 */
export async function gitSnapshotBefore(
  head: GitSnapshot,
  sha: string,
  changes: readonly RawChange[],
  options: Omit<SnapshotOptions, 'reuse'> = {},
): Promise<GitSnapshot> {
  const headEntries = treeEntriesOf.get(head);
  const blobs = blobTextsOf.get(head);
  if (!headEntries || !blobs) throw new Error('gitSnapshotBefore needs a snapshot made by gitSnapshot');
  const byPath = new Map(headEntries.map((e) => [e.path, e]));
  const before: TreeEntry[] = [];
  for (const change of changes) {
    byPath.delete(change.path);
    if (change.previousPath !== undefined) byPath.delete(change.previousPath);
    if (!NO_OID.test(change.oldOid)) {
      const type = change.oldMode === '160000' ? 'commit' : change.oldMode === '040000' ? 'tree' : 'blob';
      before.push({ path: change.previousPath ?? change.path, mode: change.oldMode, type, oid: change.oldOid });
    }
  }
  const sizes = await blobSizes(blobs.repo, before.filter((e) => e.type === 'blob').map((e) => e.oid));
  for (const entry of before) {
    entry.size = sizes.get(entry.oid);
    byPath.set(entry.path, entry);
  }
  return snapshotOf(blobs.repo, sha, [...byPath.values()], { ...options, reuse: head });
}

/** Blob sizes by id (`git cat-file --batch-check`). */
async function blobSizes(repo: string, oids: readonly string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  if (oids.length === 0) return sizes;
  const { stdout } = await runGit(repo, ['cat-file', '--batch-check'], { input: `${oids.join('\n')}\n` });
  for (const line of stdout.toString('utf8').split('\n')) {
    const m = /^([0-9a-f]+) \S+ (\d+)$/.exec(line);
    if (m) sizes.set(m[1]!, Number(m[2]));
  }
  return sizes;
}

const treeEntriesOf = new WeakMap<GitSnapshot, readonly TreeEntry[]>();

/** Links followed in a row at most (a longer chain, or a loop, is not read). */
export const MAX_LINK_HOPS = 8;

/**
 * The file a symbolic link at `path` points to, following links in a row, or why it is not read. `textOf` gives the
 * text of a link blob (its target, relative to the link's folder).
 */
export function linkTarget(path: string, link: TreeEntry, byPath: ReadonlyMap<string, TreeEntry>, textOf: (oid: string) => string | undefined): TreeEntry | string {
  let at = path;
  let entry = link;
  for (let hop = 0; hop < MAX_LINK_HOPS; hop += 1) {
    const to = textOf(entry.oid);
    const target = to === undefined ? undefined : resolveLink(at, to);
    const next = target === undefined ? undefined : byPath.get(target);
    if (!next || next.type !== 'blob') return `a symbolic link to \`${to ?? '?'}\`, which is not a file of this revision: not read (dbt would read the file it points to)`;
    if (next.mode !== '120000') return next;
    at = target!;
    entry = next;
  }
  return `a chain of more than ${MAX_LINK_HOPS} symbolic links: not read`;
}

/** The repository path a link at `path` with target `to` names, or undefined when it leaves the repository. */
export function resolveLink(path: string, to: string): string | undefined {
  if (to.startsWith('/') || to.includes('\0')) return undefined;
  const parts = dirname(path) === '' ? [] : dirname(path).split('/');
  for (const part of to.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.length === 0 ? undefined : parts.join('/');
}

async function snapshotOf(repo: string, sha: string, entries: readonly TreeEntry[], options: SnapshotOptions): Promise<GitSnapshot> {
  const maxBytes = options.maxBlobBytes ?? MAX_BLOB_BYTES;
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const allPaths = entries.map((e) => e.path).sort();
  const skipped: Skipped[] = [];
  const oids = new Map<string, string>(); // path -> oid of every file a review reads
  const deferred = new Set<string>(); // paths with stored facts, not read yet
  const links = new Map<string, TreeEntry>(); // symbolic links among them
  const tooLarge = (path: string, entry: TreeEntry): boolean => {
    const limit = readLimitOf(path, maxBytes);
    if (entry.size === undefined || entry.size <= limit) return false;
    skipped.push({ path, reason: `file is ${formatBytes(entry.size)}, over the ${formatBytes(limit)} limit; not read` });
    return true;
  };
  for (const path of dbtRelevantPaths(allPaths)) {
    const entry = byPath.get(path);
    if (!entry || entry.type !== 'blob') continue; // submodules
    if (entry.mode === '120000') {
      links.set(path, entry);
      continue;
    }
    if (tooLarge(path, entry)) continue;
    oids.set(path, entry.oid);
    const kind = factsKindOf(path);
    if (kind && !isProjectSetting(path) && options.facts?.get(entry.oid, kind)) deferred.add(path);
  }
  // A submodule inside a dbt project holds files of another repository: not read, and said.
  for (const path of submodulesInProjects(entries, allPaths)) skipped.push({ path, reason: 'a git submodule: its files are in another repository; not read' });
  const reused = options.reuse && blobTextsOf.get(options.reuse);
  const blobs = reused?.repo === repo ? reused : new BlobTexts(repo);
  await blobs.load([...new Set([...[...oids].filter(([path]) => !deferred.has(path)).map(([, oid]) => oid), ...[...links.values()].map((e) => e.oid)])]);
  // A symbolic link reads as the file it points to, as in a checkout (where dbt reads it), when that is a file of
  // this revision; anything else (outside the repository, a folder, missing) is noted and not read.
  if (links.size > 0) {
    const targets: string[] = [];
    for (const [path, link] of links) {
      const target = linkTarget(path, link, byPath, (oid) => {
        if (!blobs.has(oid)) blobs.loadSync([oid]);
        return blobs.texts.get(oid);
      });
      if (typeof target === 'string') skipped.push({ path, reason: target });
      else if (!tooLarge(path, target)) {
        oids.set(path, target.oid);
        targets.push(target.oid);
      }
    }
    await blobs.load(targets.filter((oid) => !blobs.has(oid)));
  }

  const binaryNoted = new Set<string>();
  const noteBinary = (path: string): void => {
    if (binaryNoted.has(path)) return;
    binaryNoted.add(path);
    skipped.push({ path, reason: 'binary file; not read' });
    skipped.sort((a, b) => a.path.localeCompare(b.path));
  };
  for (const [path, oid] of oids) if (!deferred.has(path) && blobs.binary.has(oid)) noteBinary(path);
  skipped.sort((a, b) => a.path.localeCompare(b.path));

  let misses = 0;
  const wantedOids = (paths: readonly string[]): string[] => {
    const wanted = new Set<string>();
    for (const path of paths) {
      const oid = deferred.has(path) ? oids.get(path) : undefined;
      if (oid !== undefined && !blobs.has(oid)) wanted.add(oid);
    }
    return [...wanted];
  };
  const loaded = (paths: readonly string[]): void => {
    for (const path of paths) {
      if (!deferred.has(path) || !blobs.has(oids.get(path) ?? '')) continue;
      deferred.delete(path);
      if (blobs.binary.has(oids.get(path) ?? '')) noteBinary(path);
    }
  };
  const preload = (paths: readonly string[]): void => {
    const wanted = wantedOids(paths);
    if (wanted.length > 0) blobs.loadSync(wanted);
    loaded(paths);
  };
  const snapshot: GitSnapshot = {
    sha,
    skipped,
    get loadedCount() {
      let n = 0;
      for (const [path, oid] of oids) if (!deferred.has(path) && blobs.texts.has(oid)) n += 1;
      return n;
    },
    textByOid: blobs.texts,
    oids,
    paths: () => allPaths,
    read: (path) => {
      const oid = oids.get(path);
      if (oid === undefined) return undefined;
      if (deferred.has(path)) {
        // Read without a preload hint: one file now, everything left once a review keeps asking.
        misses += 1;
        preload(misses > MISSES_BEFORE_READING_ALL ? [...deferred] : [path]);
      }
      return blobs.texts.get(oid);
    },
    facts: (path) => {
      const oid = oids.get(path);
      const kind = factsKindOf(path);
      return oid !== undefined && kind !== undefined ? options.facts?.get(oid, kind) : undefined;
    },
    preload,
    load: async (paths) => {
      await blobs.load(wantedOids(paths));
      loaded(paths);
    },
  };
  blobTextsOf.set(snapshot, blobs);
  treeEntriesOf.set(snapshot, entries);
  return snapshot;
}

/** `load(paths)` on several snapshots that share their blobs (`reuse`): one git process reads them all. */
export async function loadChanged(snapshots: readonly GitSnapshot[], paths: readonly string[]): Promise<void> {
  const blobs = new Set(snapshots.map((s) => blobTextsOf.get(s)));
  const shared = blobs.size === 1 ? [...blobs][0] : undefined;
  if (shared) await shared.load([...new Set(snapshots.flatMap((s) => paths.map((p) => s.oids.get(p)).filter((o): o is string => o !== undefined)))]);
  await Promise.all(snapshots.map((s) => s.load(paths)));
}

/** Reads one file at a revision, or undefined when the revision has no such file. */
export async function readFileAt(repo: string, rev: string, path: string): Promise<string | undefined> {
  // A symbolic link inside the revision's tree reads as the file it points to (as in a checkout); git answers
  // otherwise (`dangling`, `symlink` out of the tree, `loop`) with a line that is not an object's header.
  const [object] = await catFileBatch(repo, [`${rev}:${path}`], ['--follow-symlinks']);
  if (!object?.content || object.type !== 'blob') return undefined;
  return new TextDecoder('utf-8').decode(object.content).replace(/^\uFEFF/, '');
}

function isBinary(content: Buffer): boolean {
  return content.subarray(0, 8000).includes(0);
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}
