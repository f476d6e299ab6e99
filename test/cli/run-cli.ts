/** Runs the CLI in-process (`main(argv, io)`) or as a real process, and captures what a user would see. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import type { Review } from '../../src/review/types.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A `--format json` review without what differs between runs of the same review (its timing). */
export function reviewWithoutTiming(stdout: string): Review {
  return JSON.parse(stdout, (key, value: unknown) => (key === 'durationMs' ? undefined : value)) as Review;
}

/** The environment of a user without an OpenAI key (tests never reach the network), outside CI (the CLI keeps its
 * stores in CI only when their folder exists: a test sets `CI` itself when that is what it checks). */
export function quietEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined, DEBUG: undefined, CI: undefined };
  return { ...env, ...extra };
}

export async function runCli(argv: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: options.env ?? quietEnv(),
    cwd: options.cwd ?? ROOT,
  });
  return { code, stdout, stderr };
}

/** Spawns `node --import tsx src/cli.ts ...` exactly as the `dbt-pr-reviewer` bin runs (after the build). */
export function spawnCli(argv: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliRun> {
  return spawnNode(['--import', 'tsx', `${ROOT}src/cli.ts`, ...argv], options);
}

/** Runs `node <args>` as a process (stdin closed) and captures its exit code and output. */
export function spawnNode(args: string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(options.env ?? quietEnv()).filter((e): e is [string, string] => e[1] !== undefined));
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
