/**
 * The review's compute in a long-running process, as the GitHub App runs it: one process reviews the scenarios of
 * a project round after round (modules loaded once, code optimized by V8 with its default settings, a new Jinja
 * renderer per review as each App job creates). For each scenario, the time of `runReview` (focus, both project
 * loads, renders, parses, diff, downstream, checks; git reads excluded), median over the rounds after the first.
 * Prints one JSON object on stdout. Run by `bench/run.ts`; by hand:
 *
 *   tsx bench/warm-process.ts --dist bench/.work/dist --repo bench/.work/100/repo --base main \
 *     --heads pr/1-models,pr/10-models,pr/50-models,pr/100-models --rounds 5
 */
import { measurePhases } from './phases.js';

export interface WarmProcessReport {
  /** Head ref -> `runReview` ms of each measured round (the first round, a warm-up, excluded). */
  runReviewMs: Record<string, number[]>;
  /** Head ref -> median of `runReviewMs`. */
  medianMs: Record<string, number>;
  /** Least-squares slope of the medians against the number of changed models (heads named `pr/<n>-models`). */
  msPerChangedModel?: number;
  rounds: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN;
}

function slope(points: [number, number][]): number | undefined {
  if (points.length < 2) return undefined;
  const mx = points.reduce((a, [x]) => a + x, 0) / points.length;
  const my = points.reduce((a, [, y]) => a + y, 0) / points.length;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? undefined : points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx;
}

function arg(name: string, fallback?: string): string {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`missing ${name}`);
  return v;
}

export async function measureWarmProcess(dist: string, repo: string, base: string, heads: string[], rounds: number): Promise<WarmProcessReport> {
  const runReviewMs: Record<string, number[]> = Object.fromEntries(heads.map((h) => [h, []]));
  for (let round = 0; round <= rounds; round += 1) {
    for (const head of heads) {
      const report = await measurePhases(dist, repo, base, head);
      const ms = report.phases.find((p) => p.name.startsWith('runReview'))?.ms;
      if (round > 0 && ms !== undefined) runReviewMs[head]!.push(ms);
    }
  }
  const medianMs = Object.fromEntries(Object.entries(runReviewMs).map(([head, ms]) => [head, median(ms)]));
  const points = Object.entries(medianMs).flatMap(([head, ms]): [number, number][] => {
    const n = /(\d+)-models$/.exec(head)?.[1];
    return n ? [[Number(n), ms]] : [];
  });
  const msPerChangedModel = slope(points);
  return { runReviewMs, medianMs, ...(msPerChangedModel !== undefined ? { msPerChangedModel } : {}), rounds };
}

if (process.argv[1]?.endsWith('warm-process.ts')) {
  const report = await measureWarmProcess(arg('--dist'), arg('--repo'), arg('--base', 'main'), arg('--heads').split(','), Number(arg('--rounds', '5')));
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
