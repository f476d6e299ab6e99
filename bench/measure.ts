/**
 * Process measurement: wall time and peak RSS of a command, as a user runs it. Peak RSS comes from GNU time
 * (`/usr/bin/time -f %M`, the kernel's ru_maxrss of the process — for a process tree, of its largest member) or,
 * when GNU time is missing, from polling `/proc/<pid>/status` VmHWM every 5 ms.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Measured {
  wallMs: number;
  /** Peak resident set size in KiB (0 if unknown). */
  peakRssKb: number;
  exitCode: number;
  stdout: string;
  stderr: string;
}

const GNU_TIME = '/usr/bin/time';
export const rssMethod = existsSync(GNU_TIME) ? 'GNU time (%M, ru_maxrss)' : '/proc/<pid>/status VmHWM polling';

export async function measureCommand(
  cmd: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<Measured> {
  const useTime = existsSync(GNU_TIME);
  const tmp = useTime ? mkdtempSync(join(tmpdir(), 'bench-time-')) : '';
  const timeFile = join(tmp, 'rss');
  const [file, argv] = useTime ? [GNU_TIME, ['-f', '%M', '-o', timeFile, cmd, ...args]] : [cmd, [...args]];
  const start = performance.now();
  const child = spawn(file, argv, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  child.stdin.end(options.input ?? '');
  let hwm = 0;
  const poll =
    !useTime && child.pid !== undefined
      ? setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) hwm = Math.max(hwm, Number(m[1]));
          } catch {
            // process gone
          }
        }, 5)
      : undefined;
  const exitCode = await new Promise<number>((done) => child.on('close', (code) => done(code ?? 1)));
  const wallMs = performance.now() - start;
  if (poll) clearInterval(poll);
  let peakRssKb = hwm;
  if (useTime) {
    try {
      const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
      peakRssKb = Number(lines[lines.length - 1]) || 0;
    } catch {
      peakRssKb = 0;
    }
    rmSync(tmp, { recursive: true, force: true });
  }
  return { wallMs, peakRssKb, exitCode, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
