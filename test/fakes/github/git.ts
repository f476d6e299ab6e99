/**
 * What the fake GitHub reads from a fixture repository on disk: commits, files, three-dot diffs with GitHub-style
 * patches (hunks only), and `git archive` tarballs laid out like GitHub's (`owner-repo-sha7/` prefix).
 */
import { execFileSync } from 'node:child_process';

export function git(dir: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...env },
  });
}

function gitBuffer(dir: string, args: string[]): Buffer {
  return execFileSync('git', args, { cwd: dir, maxBuffer: 512 * 1024 * 1024, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
}

export function resolveRef(dir: string, ref: string): string | undefined {
  try {
    return git(dir, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function readFileAt(dir: string, sha: string, path: string): Buffer | undefined {
  try {
    const type = git(dir, ['cat-file', '-t', `${sha}:${path}`]).trim();
    if (type !== 'blob') return undefined;
    return gitBuffer(dir, ['cat-file', 'blob', `${sha}:${path}`]);
  } catch {
    return undefined;
  }
}

export function blobSha(dir: string, sha: string, path: string): string | undefined {
  try {
    return git(dir, ['rev-parse', `${sha}:${path}`]).trim();
  } catch {
    return undefined;
  }
}

export function tarball(dir: string, sha: string, prefix: string): Buffer {
  return gitBuffer(dir, ['archive', '--format=tar.gz', `--prefix=${prefix}/`, sha]);
}

export interface DiffFile {
  filename: string;
  previous_filename?: string;
  status: 'added' | 'removed' | 'modified' | 'renamed';
  additions: number;
  deletions: number;
  changes: number;
  sha: string | null;
  /** Hunks only, as GitHub returns them; undefined for binary files. */
  patch?: string;
}

const STATUS: Record<string, DiffFile['status']> = { A: 'added', D: 'removed', M: 'modified', R: 'renamed', T: 'modified' };

/** The best common ancestor of two commits, or undefined for unrelated histories. */
export function mergeBase(dir: string, a: string, b: string): string | undefined {
  try {
    return git(dir, ['merge-base', a, b]).trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
  message: string;
}

const COMMIT_FORMAT = ['%H', '%T', '%P', '%an', '%ae', '%aI', '%cn', '%ce', '%cI', '%B'].join('%x1f') + '%x1e';

function parseCommits(out: string): CommitInfo[] {
  return out
    .split('\x1e')
    .map((record) => record.replace(/^\n/, ''))
    .filter((record) => record !== '')
    .map((record) => {
      const [sha, tree, parents, an, ae, ad, cn, ce, cd, message] = record.split('\x1f');
      return {
        sha: sha!,
        tree: tree!,
        parents: parents ? parents.split(' ') : [],
        author: { name: an!, email: ae!, date: ad! },
        committer: { name: cn!, email: ce!, date: cd! },
        message: (message ?? '').replace(/\n+$/, ''),
      };
    });
}

/** Commits reachable from `to` and not from `from`, oldest first (GitHub's compare lists them in that order). */
export function commitsBetween(dir: string, from: string, to: string): CommitInfo[] {
  return parseCommits(git(dir, ['log', '--reverse', `--format=${COMMIT_FORMAT}`, `${from}..${to}`]));
}

/** One commit (for `base_commit` / `merge_base_commit`). */
export function commitInfo(dir: string, sha: string): CommitInfo {
  const [info] = parseCommits(git(dir, ['log', '-1', `--format=${COMMIT_FORMAT}`, sha]));
  if (!info) throw new Error(`no commit ${sha}`);
  return info;
}

/** The files of `base...head` (three dots: against the merge base), like GitHub's pull request files. */
export function threeDotDiff(dir: string, base: string, head: string): DiffFile[] {
  const mergeBase = git(dir, ['merge-base', base, head]).trim();
  const nameStatus = git(dir, ['diff', '--no-color', '-M', '--name-status', '-z', mergeBase, head]).split('\0');
  const files: DiffFile[] = [];
  for (let i = 0; i < nameStatus.length - 1; ) {
    const code = nameStatus[i++]!;
    const kind = STATUS[code[0]!] ?? 'modified';
    if (kind === 'renamed') {
      const from = nameStatus[i++]!;
      const to = nameStatus[i++]!;
      files.push(diffFile(dir, mergeBase, head, to, kind, from));
    } else {
      files.push(diffFile(dir, mergeBase, head, nameStatus[i++]!, kind));
    }
  }
  return files;
}

function diffFile(dir: string, from: string, to: string, path: string, status: DiffFile['status'], previous?: string): DiffFile {
  const paths = previous ? [previous, path] : [path];
  const numstat = git(dir, ['diff', '--no-color', '-M', '--numstat', from, to, '--', ...paths]).trim().split('\n')[0] ?? '';
  const [add, del] = numstat.split('\t');
  const binary = add === '-';
  const additions = binary ? 0 : Number(add ?? 0);
  const deletions = binary ? 0 : Number(del ?? 0);
  const file: DiffFile = {
    filename: path,
    status,
    additions,
    deletions,
    changes: additions + deletions,
    sha: status === 'removed' ? blobSha(dir, from, path) ?? null : blobSha(dir, to, path) ?? null,
  };
  if (previous) file.previous_filename = previous;
  if (!binary) {
    const full = git(dir, ['diff', '--no-color', '-M', '--unified=3', from, to, '--', ...paths]);
    const at = full.indexOf('\n@@');
    if (at >= 0) file.patch = full.slice(at + 1).replace(/\n$/, '');
  }
  return file;
}

/** Head-side lines of a patch that GitHub lets a review comment sit on, with the hunk each belongs to. */
export function rightSideLines(patch: string): Map<number, number> {
  return sideLines(patch, 'RIGHT');
}

/** Base-side lines (removed and context lines) a review comment with `side: LEFT` can sit on. */
export function leftSideLines(patch: string): Map<number, number> {
  return sideLines(patch, 'LEFT');
}

function sideLines(patch: string, side: 'LEFT' | 'RIGHT'): Map<number, number> {
  const lines = new Map<number, number>();
  let hunk = -1;
  let line = 0;
  for (const row of patch.split('\n')) {
    const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(row);
    if (header) {
      hunk++;
      line = Number(side === 'LEFT' ? header[1] : header[2]);
      continue;
    }
    if (hunk < 0 || row.startsWith('\\')) continue;
    if (row.startsWith(side === 'LEFT' ? '+' : '-')) continue;
    lines.set(line++, hunk);
  }
  return lines;
}
