/**
 * Running git: argument arrays (never a shell), an isolated environment, and errors a user can read.
 * Only object-level commands are used by the review (rev-parse, merge-base, diff between commits, ls-tree,
 * cat-file), so neither the work tree nor the index is ever read or written.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A git failure worth showing to a user as one line (not a git repository, unknown revision, git missing). */
export class GitError extends Error {
  constructor(
    message: string,
    readonly kind: 'not-a-repository' | 'unknown-revision' | 'git-missing' | 'git-failed',
    readonly stderr = '',
  ) {
    super(message);
    this.name = 'GitError';
  }
}

/** Variables that would redirect git to another repository, index, object store or config. */
const INHERITED_GIT_VARS = /^GIT_/;

/**
 * The environment git runs with: the caller's, minus every `GIT_*` variable (a `GIT_DIR` or `GIT_INDEX_FILE`
 * exported by a hook must not redirect the review), with system config off, no pager, no prompts and no
 * optional locks (git never writes the index on our behalf).
 */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  if (Object.keys(extra).length === 0) return (baseEnv ??= isolatedEnv({}));
  return isolatedEnv(extra);
}

/** The environment without extras, made once (a review runs git ~15 times). */
let baseEnv: NodeJS.ProcessEnv | undefined;

function isolatedEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!INHERITED_GIT_VARS.test(key)) env[key] = value;
  }
  return {
    ...env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
    GIT_TERMINAL_PROMPT: '0',
    GIT_OPTIONAL_LOCKS: '0',
    GIT_NO_REPLACE_OBJECTS: '1',
    LC_ALL: 'C',
    LANG: 'C',
    ...extra,
  };
}

/**
 * Config overrides applied to every call: paths unquoted, and no user setting may change the shape of the
 * output we parse (prefixes, colours, external diff drivers, relative diffs).
 */
export const GIT_CONFIG_ARGS: readonly string[] = [
  '-c', 'core.quotepath=off',
  '-c', 'color.ui=false',
  '-c', 'diff.noprefix=false',
  '-c', 'diff.mnemonicPrefix=false',
  '-c', 'diff.relative=false',
  '-c', 'core.autocrlf=false',
];

export interface RunOptions {
  /** Bytes written to stdin (then closed). */
  input?: string | Buffer;
  /** Extra environment variables (after isolation). */
  env?: Record<string, string>;
  /** Exit codes treated as success (default [0]). */
  okCodes?: number[];
  /**
   * Let git write its output to an unlinked temporary file, read once it exits, instead of a pipe. For large
   * outputs (every blob of a revision): git then never waits for this process to drain a 64 KB pipe, so it runs at
   * full speed while the main thread is busy (loading modules, parsing). Falls back to a pipe when no temporary
   * file can be made.
   */
  largeOutput?: boolean;
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

/** Runs `git -C repo <config> <args>` and collects its output. Rejects with a GitError on failure. */
export function runGit(repo: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const file = options.largeOutput ? openScratchFile() : undefined;
  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn('git', ['-C', repo, ...GIT_CONFIG_ARGS, ...args], {
      env: gitEnv(options.env),
      stdio: ['pipe', file ?? 'pipe', 'pipe'],
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let settled = false;
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (e: NodeJS.ErrnoException) => {
      settled = true;
      if (e.code === 'ENOENT') reject(new GitError('git is not installed or not on PATH', 'git-missing'));
      else reject(new GitError(`could not run git: ${e.message}`, 'git-failed'));
    });
    child.on('close', (code) => {
      // After a spawn error the output file may already be closed (and its descriptor reused): read nothing.
      if (settled) return;
      settled = true;
      const stderr = Buffer.concat(err).toString('utf8');
      const exit = code ?? -1;
      if ((options.okCodes ?? [0]).includes(exit)) {
        try {
          resolve({ stdout: file === undefined ? Buffer.concat(out) : readWhole(file), stderr, code: exit });
        } catch (e) {
          reject(new GitError(`could not read the output of git ${args[0] ?? ''}: ${e instanceof Error ? e.message : String(e)}`, 'git-failed'));
        }
      } else {
        reject(gitFailure(repo, args, stderr, exit));
      }
    });
    child.stdin?.on('error', () => {
      /* git exited before reading all of stdin; the exit code tells what happened */
    });
    child.stdin?.end(options.input ?? '');
  }).finally(() => {
    if (file !== undefined) closeSync(file);
  });
}

/** A new temporary file, already unlinked (it disappears when its descriptor is closed), or undefined. */
function openScratchFile(): number | undefined {
  let dir: string | undefined;
  let fd: number | undefined;
  try {
    dir = mkdtempSync(join(tmpdir(), 'dbt-pr-reviewer-git-'));
    const path = join(dir, 'git-output');
    fd = openSync(path, 'w+', 0o600);
    unlinkSync(path);
    return fd;
  } catch {
    if (fd !== undefined) closeSync(fd);
    return undefined;
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

function readWhole(fd: number): Buffer {
  const size = fstatSync(fd).size;
  const buffer = Buffer.allocUnsafe(size);
  let done = 0;
  while (done < size) {
    const n = readSync(fd, buffer, done, size - done, done);
    if (n === 0) break;
    done += n;
  }
  return done === size ? buffer : buffer.subarray(0, done);
}

/** Turns git's stderr into one clear line. */
export function gitFailure(repo: string, args: readonly string[], stderr: string, code: number): GitError {
  const text = stderr.trim();
  if (/not a git repository/i.test(text)) {
    return new GitError(`not a git repository: ${repo}`, 'not-a-repository', text);
  }
  if (/cannot change to|No such file or directory/i.test(text) && text.includes(repo)) {
    const what = /Not a directory/i.test(text) ? 'a file, not a directory' : 'no such directory';
    return new GitError(`not a git repository: ${repo} (${what})`, 'not-a-repository', text);
  }
  if (/detected dubious ownership/i.test(text)) {
    return new GitError(
      `git refuses to read ${repo}: it is owned by another user (add it with \`git config --global --add safe.directory ${repo}\`)`,
      'not-a-repository',
      text,
    );
  }
  const firstLine = text.split('\n').find((l) => l.trim() !== '') ?? `exit code ${code}`;
  return new GitError(`git ${args[0] ?? ''} failed: ${firstLine.replace(/^(fatal|error): /, '')}`, 'git-failed', text);
}

/** One object read by `git cat-file --batch`. */
export interface BatchObject {
  /** The name asked for (an object id or `rev:path`). */
  name: string;
  /** Undefined when git answered `missing` (or `ambiguous`). */
  type?: string;
  content?: Buffer;
}

/**
 * Reads many objects through ONE `git cat-file --batch` process: names are written to stdin, and the answers
 * (`<oid> <type> <size>\n<content>\n` or `<name> missing\n`) are parsed from its output, in the order asked.
 */
export async function catFileBatch(repo: string, names: readonly string[], extraArgs: readonly string[] = []): Promise<BatchObject[]> {
  if (names.length === 0) return [];
  for (const name of names) {
    if (name.includes('\n')) throw new GitError(`cannot read an object whose name contains a newline: ${JSON.stringify(name)}`, 'git-failed');
  }
  const { stdout } = await runGit(repo, ['cat-file', '--batch', '--buffer', ...extraArgs], { input: `${names.join('\n')}\n`, largeOutput: true });
  return parseBatchOutput(stdout, names);
}

/** Splits `git cat-file --batch` output into one object per name asked (contents are views into `output`). */
export function parseBatchOutput(output: Buffer, names: readonly string[]): BatchObject[] {
  const results: BatchObject[] = [];
  let at = 0;
  for (const name of names) {
    const nl = output.indexOf(0x0a, at);
    if (nl < 0) break;
    const header = output.toString('utf8', at, nl);
    at = nl + 1;
    if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
      results.push({ name });
      continue;
    }
    // `--follow-symlinks`: a link that leads nowhere readable (`dangling`, `loop`, `notdir`: the name follows;
    // `symlink <size>`: the target outside the tree follows)
    const unfollowed = /^(?:dangling|loop|notdir|symlink) (\d+)$/.exec(header);
    if (unfollowed) {
      results.push({ name });
      at += Number(unfollowed[1]) + 1;
      continue;
    }
    const m = /^([0-9a-f]+) (\S+) (\d+)$/.exec(header);
    if (!m) throw new GitError(`unexpected output from git cat-file: ${header.slice(0, 120)}`, 'git-failed');
    const size = Number(m[3]);
    if (at + size > output.length) break;
    results.push({ name, type: m[2]!, content: output.subarray(at, at + size) });
    at += size + 1; // content + LF
  }
  if (results.length !== names.length) {
    throw new GitError(`git cat-file answered ${results.length} of ${names.length} objects`, 'git-failed');
  }
  return results;
}

/**
 * `catFileBatch`, synchronously: for a snapshot that reads files lazily inside the (synchronous) project load.
 * Throws a GitError on failure.
 */
export function catFileBatchSync(repo: string, names: readonly string[]): BatchObject[] {
  if (names.length === 0) return [];
  for (const name of names) {
    if (name.includes('\n')) throw new GitError(`cannot read an object whose name contains a newline: ${JSON.stringify(name)}`, 'git-failed');
  }
  const args = ['cat-file', '--batch', '--buffer'];
  const result = spawnSync('git', ['-C', repo, ...GIT_CONFIG_ARGS, ...args], {
    env: gitEnv(),
    input: `${names.join('\n')}\n`,
    maxBuffer: 1024 * 1024 * 1024,
    windowsHide: true,
  });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code;
    throw new GitError(code === 'ENOENT' ? 'git is not installed or not on PATH' : `could not run git: ${result.error.message}`, code === 'ENOENT' ? 'git-missing' : 'git-failed');
  }
  if (result.status !== 0) throw gitFailure(repo, args, result.stderr.toString('utf8'), result.status ?? -1);
  return parseBatchOutput(result.stdout, names);
}
