/**
 * Runs the app the way users run it: `src/server.ts` (what `npm start` runs, here through tsx) in a child
 * process, on 127.0.0.1 with a port chosen by the OS, configured only through environment variables.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface AppProcess {
  url: string;
  child: ChildProcess;
  /** Raw stdout + stderr. */
  output(): string;
  /** Parsed JSON log lines. */
  logs(): LogLine[];
  /**
   * The first log line that matches, waiting for it: the child's stdout arrives asynchronously, so a line written
   * just before a review finished may not have been read yet when the test looks. Rejects after `timeoutMs`.
   */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Waits until no review runs or waits. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** The environment of the child: nothing from the test runner but PATH and HOME. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_FORMAT: 'json', LOG_LEVEL: 'info' };
  return env;
}

export function spawnServer(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: REPO_ROOT,
    env: { ...baseEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function startApp(env: Record<string, string>): Promise<AppProcess> {
  const child = spawnServer({ PORT: '0', HOST: '127.0.0.1', ...env });
  let output = '';
  const listening = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const m = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`app exited with ${code} before listening:\n${output}`)));
  });
  const url = await listening;
  const logs = (): LogLine[] =>
    output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as LogLine;
        } catch {
          return undefined;
        }
      })
      .filter((l): l is LogLine => l !== undefined);
  const app: AppProcess = {
    url,
    child,
    output: () => output,
    logs,
    waitForLog: (match, timeoutMs = 10_000) =>
      new Promise<LogLine>((resolve, reject) => {
        const look = (): boolean => {
          const found = logs().find(match);
          if (!found) return false;
          stopListening();
          resolve(found);
          return true;
        };
        // Checked after the harness's own listener has appended the chunk to `output`.
        const onData = () => void setImmediate(look);
        const stopListening = () => {
          clearTimeout(timer);
          child.stdout!.off('data', onData);
          child.stderr!.off('data', onData);
        };
        const timer = setTimeout(() => {
          stopListening();
          reject(new Error(`no matching log line within ${timeoutMs} ms; output so far:\n${output.slice(-4000)}`));
        }, timeoutMs);
        if (!look()) {
          child.stdout!.on('data', onData);
          child.stderr!.on('data', onData);
        }
      }),
    idle: async () => {
      for (;;) {
        const res = await fetch(`${url}/healthz`);
        const health = (await res.json()) as { reviews: { running: number; waiting: number } };
        if (health.reviews.running === 0 && health.reviews.waiting === 0) return;
        await new Promise((r) => setTimeout(r, 40));
      }
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
  return app;
}

/** Runs the server until it exits; returns its exit code and output. */
export async function runServerToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawnServer(env);
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}
