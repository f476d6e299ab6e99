/**
 * Running git: argument arrays (never a shell), an isolated environment, and errors a user can read.
 * Only object-level commands are used by the review (rev-parse, merge-base, diff between commits, ls-tree,
 * cat-file), so neither the work tree nor the index is ever read or written.
 */
import { spawn } from 'node:child_process';

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
}

export interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

/** Runs `git -C repo <config> <args>` and collects its output. Rejects with a GitError on failure. */
export function runGit(repo: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', repo, ...GIT_CONFIG_ARGS, ...args], {
      env: gitEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') reject(new GitError('git is not installed or not on PATH', 'git-missing'));
      else reject(new GitError(`could not run git: ${e.message}`, 'git-failed'));
    });
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8');
      const exit = code ?? -1;
      if ((options.okCodes ?? [0]).includes(exit)) {
        resolve({ stdout: Buffer.concat(out), stderr, code: exit });
      } else {
        reject(gitFailure(repo, args, stderr, exit));
      }
    });
    child.stdin.on('error', () => {
      /* git exited before reading all of stdin; the exit code tells what happened */
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Turns git's stderr into one clear line. */
export function gitFailure(repo: string, args: readonly string[], stderr: string, code: number): GitError {
  const text = stderr.trim();
  if (/not a git repository/i.test(text)) {
    return new GitError(`not a git repository: ${repo}`, 'not-a-repository', text);
  }
  if (/cannot change to|No such file or directory/i.test(text) && text.includes(repo)) {
    return new GitError(`not a git repository: ${repo} (no such directory)`, 'not-a-repository', text);
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
 * (`<oid> <type> <size>\n<content>\n` or `<name> missing\n`) parsed from stdout as they stream in.
 */
export function catFileBatch(repo: string, names: readonly string[]): Promise<BatchObject[]> {
  if (names.length === 0) return Promise.resolve([]);
  for (const name of names) {
    if (name.includes('\n')) throw new GitError(`cannot read an object whose name contains a newline: ${JSON.stringify(name)}`, 'git-failed');
  }
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', repo, ...GIT_CONFIG_ARGS, 'cat-file', '--batch', '--buffer'], {
      env: gitEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const results: BatchObject[] = [];
    const err: Buffer[] = [];
    let pending: Buffer = Buffer.alloc(0);
    let current: { name: string; type: string; size: number } | undefined;
    let failed = false;

    const fail = (e: Error): void => {
      if (failed) return;
      failed = true;
      child.kill();
      reject(e);
    };

    const parse = (): void => {
      for (;;) {
        if (current) {
          // content + trailing LF
          if (pending.length < current.size + 1) return;
          results.push({ name: current.name, type: current.type, content: pending.subarray(0, current.size) });
          pending = pending.subarray(current.size + 1);
          current = undefined;
          continue;
        }
        const nl = pending.indexOf(0x0a);
        if (nl < 0) return;
        const header = pending.subarray(0, nl).toString('utf8');
        pending = pending.subarray(nl + 1);
        const name = names[results.length];
        if (name === undefined) return fail(new GitError(`git cat-file answered more objects than asked: ${header}`, 'git-failed'));
        if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
          results.push({ name });
          continue;
        }
        const m = /^([0-9a-f]+) (\S+) (\d+)$/.exec(header);
        if (!m) return fail(new GitError(`unexpected output from git cat-file: ${header}`, 'git-failed'));
        current = { name, type: m[2]!, size: Number(m[3]) };
      }
    };

    child.stdout.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      parse();
    });
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (e: NodeJS.ErrnoException) => {
      fail(e.code === 'ENOENT' ? new GitError('git is not installed or not on PATH', 'git-missing') : e);
    });
    child.on('close', (code) => {
      if (failed) return;
      if (code !== 0) return fail(gitFailure(repo, ['cat-file'], Buffer.concat(err).toString('utf8'), code ?? -1));
      if (results.length !== names.length) {
        return fail(new GitError(`git cat-file answered ${results.length} of ${names.length} objects`, 'git-failed'));
      }
      resolve(results);
    });
    child.stdin.on('error', () => {
      /* reported through the exit code */
    });
    child.stdin.end(names.join('\n') + '\n');
  });
}
