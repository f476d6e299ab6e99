/**
 * The local git ProjectSource: reads revisions straight from git objects. Works on bare repositories and never
 * reads or writes a work tree or an index, so what is reviewed is exactly what is committed.
 */
import type { FileSnapshot } from '../dbt/types.js';
import type { ChangedFile } from '../ports.js';
import type { Skipped } from '../review/types.js';
import { GitError, catFileBatch, runGit } from './git-exec.js';

export { GitError } from './git-exec.js';

/** Blobs above this size are listed but not loaded (a note says so). */
export const MAX_BLOB_BYTES = 2 * 1024 * 1024;
/** Per-file patches above this size are omitted, as GitHub omits the `patch` of huge files. */
export const MAX_PATCH_CHARS = 1024 * 1024;

const DBT_EXTENSIONS = ['.sql', '.py', '.yml', '.yaml', '.md'];
const SKIPPED_FOLDERS = new Set(['dbt_packages', 'target', 'node_modules']);

/** Checks that `repo` is a git repository (bare or not); returns its git directory. */
export async function assertRepository(repo: string): Promise<string> {
  const { stdout } = await runGit(repo, ['rev-parse', '--absolute-git-dir']);
  return stdout.toString('utf8').trim();
}

/** Resolves a revision (branch, tag, sha, `HEAD~2`, ...) to the full sha of a commit. */
export async function resolveRev(repo: string, rev: string): Promise<string> {
  if (rev === '' || rev.startsWith('-') || /[\0\n]/.test(rev)) {
    throw new GitError(`unknown revision '${rev}'`, 'unknown-revision');
  }
  await assertRepository(repo);
  const { stdout, code } = await runGit(repo, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { okCodes: [0, 1, 128] });
  const sha = stdout.toString('utf8').trim();
  if (code !== 0 || !/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) {
    throw new GitError(`unknown revision '${rev}' in ${repo}`, 'unknown-revision');
  }
  return sha;
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
  const [names, patch] = await Promise.all([
    runGit(repo, ['diff', '--name-status', '-z', ...DIFF_ARGS, from, to, '--']),
    runGit(repo, ['diff', '--patch', '-U3', ...DIFF_ARGS, from, to, '--']),
  ]);
  const files = parseNameStatus(names.stdout.toString('utf8'));
  const sections = splitPatch(patch.stdout.toString('utf8'));
  for (const file of files) {
    const oldPath = file.previousPath ?? file.path;
    const header = `diff --git ${quotePath(`a/${oldPath}`)} ${quotePath(`b/${file.path}`)}`;
    const hunks = sections.get(header);
    if (hunks === undefined || hunks === '') continue;
    if (hunks.length > MAX_PATCH_CHARS) continue;
    file.patch = hunks;
  }
  return files;
}

/** Parses `git diff --name-status -z` output. */
export function parseNameStatus(text: string): ChangedFile[] {
  const tokens = text.split('\0');
  const files: ChangedFile[] = [];
  let i = 0;
  while (i < tokens.length) {
    const status = tokens[i++];
    if (!status) continue;
    const letter = status[0];
    if (letter === 'R' || letter === 'C') {
      const previousPath = tokens[i++] ?? '';
      const path = tokens[i++] ?? '';
      if (letter === 'R') files.push({ path, previousPath, status: 'renamed' });
      else files.push({ path, status: 'added' });
      continue;
    }
    const path = tokens[i++] ?? '';
    switch (letter) {
      case 'A':
        files.push({ path, status: 'added' });
        break;
      case 'D':
        files.push({ path, status: 'removed' });
        break;
      default: // M (content or mode), T (type change), U, X
        files.push({ path, status: 'modified' });
    }
  }
  return files;
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
  /** How many files were loaded. */
  loadedCount: number;
  /** Loaded text by blob id, so another revision's snapshot can reuse the blobs they share. */
  textByOid: ReadonlyMap<string, string>;
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
    const name = basename(path);
    if (name === 'dbt_project.yml' || name === 'profiles.yml' || path === '.github/dbt-pr-reviewer.yml') {
      picked.push(path);
      continue;
    }
    const dot = name.lastIndexOf('.');
    if (dot < 0 || !DBT_EXTENSIONS.includes(name.slice(dot).toLowerCase())) continue;
    if (!rootAll && !prefixes.some((p) => path.startsWith(p))) continue;
    if (path.split('/').some((segment) => SKIPPED_FOLDERS.has(segment))) continue;
    picked.push(path);
  }
  return picked;
}

export interface SnapshotOptions {
  maxBlobBytes?: number;
  /** A snapshot of another revision of the same repository: blobs it already read are not read again. */
  reuse?: GitSnapshot;
}

/**
 * Loads a revision: `git ls-tree` for the listing, then ONE `git cat-file --batch` process for the contents of
 * the dbt-relevant files (identical blobs are read once).
 */
export async function gitSnapshot(repo: string, sha: string, options: SnapshotOptions = {}): Promise<GitSnapshot> {
  const maxBytes = options.maxBlobBytes ?? MAX_BLOB_BYTES;
  const entries = await listTree(repo, sha);
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const allPaths = entries.map((e) => e.path).sort();
  const skipped: Skipped[] = [];
  const wanted = new Map<string, string[]>(); // oid -> paths
  for (const path of dbtRelevantPaths(allPaths)) {
    const entry = byPath.get(path);
    if (!entry || entry.type !== 'blob' || entry.mode === '120000') continue; // submodules, symlinks
    if (entry.size !== undefined && entry.size > maxBytes) {
      skipped.push({ path, reason: `file is ${formatBytes(entry.size)}, over the ${formatBytes(maxBytes)} limit; not read` });
      continue;
    }
    const list = wanted.get(entry.oid);
    if (list) list.push(path);
    else wanted.set(entry.oid, [path]);
  }
  const contents = new Map<string, string>();
  const textByOid = new Map<string, string>();
  const toRead: string[] = [];
  for (const [oid, paths] of wanted) {
    const known = options.reuse?.textByOid.get(oid);
    if (known === undefined) {
      toRead.push(oid);
      continue;
    }
    textByOid.set(oid, known);
    for (const path of paths) contents.set(path, known);
  }
  const objects = toRead.length > 0 ? await catFileBatch(repo, toRead) : [];
  const decoder = new TextDecoder('utf-8');
  for (const object of objects) {
    const paths = wanted.get(object.name) ?? [];
    if (!object.content) continue;
    if (isBinary(object.content)) {
      for (const path of paths) skipped.push({ path, reason: 'binary file; not read' });
      continue;
    }
    let text = decoder.decode(object.content);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    for (const path of paths) contents.set(path, text);
    textByOid.set(object.name, text);
  }
  skipped.sort((a, b) => a.path.localeCompare(b.path));
  return {
    sha,
    skipped,
    loadedCount: contents.size,
    textByOid,
    paths: () => allPaths,
    read: (path) => contents.get(path),
  };
}

/** Reads one file at a revision, or undefined when the revision has no such file. */
export async function readFileAt(repo: string, rev: string, path: string): Promise<string | undefined> {
  const [object] = await catFileBatch(repo, [`${rev}:${path}`]);
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
