/**
 * Benchmarks the fast Snowflake parser (src/sql/fast) against node-sql-parser's PEG parser.
 *
 *   npx tsx scripts/bench-fast-parser.ts [corpus.json]
 *
 * The corpus is a JSON array of `{ sql, grammar?, source? }` (default: test/sql/fast/snowflake-corpus.json, the
 * test suite's fixture); only snowflake entries are used. Cold timings come from fresh child
 * processes (one per parser, cold JIT as in the CLI); warm timings from this process after warm-up passes.
 * Exits non-zero on any mismatch.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { fastParseDeclineReason, fastParseSnowflake } from '../src/sql/fast/index.js';

interface Entry {
  sql: string;
  grammar?: string;
  source?: string;
}

const OPTIONS = { database: 'snowflake', trimQuery: false, parseOptions: { includeLocations: true } };
const require = createRequire(import.meta.url);

function loadCorpus(path: string | undefined): Entry[] {
  const file = path ?? fileURLToPath(new URL('../test/sql/fast/snowflake-corpus.json', import.meta.url));
  const entries = JSON.parse(readFileSync(file, 'utf8')) as Entry[];
  return entries.filter((e) => e.grammar === undefined || e.grammar === 'snowflake');
}

function pegParser(): (sql: string) => unknown {
  const { Parser } = require('node-sql-parser/build/snowflake.js') as { Parser: new () => { astify(sql: string, o: object): unknown } };
  const parser = new Parser();
  return (sql) => parser.astify(sql, OPTIONS);
}

/** Child mode: time one parser once over every entry (fresh process), print per-entry ms as JSON. */
function child(kind: 'fast' | 'peg', path: string | undefined): void {
  const corpus = loadCorpus(path);
  const parse = kind === 'fast' ? fastParseSnowflake : pegParser();
  const times: number[] = [];
  for (const e of corpus) {
    const t0 = performance.now();
    try {
      parse(e.sql);
    } catch {
      // PEG syntax errors are timed too
    }
    times.push(performance.now() - t0);
  }
  process.stdout.write(JSON.stringify(times));
}

const COLD_RUNS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function sumWhere(times: number[], mask: boolean[]): number {
  let s = 0;
  times.forEach((t, i) => {
    if (mask[i]) s += t;
  });
  return s;
}

function timeLoop(corpus: Entry[], mask: boolean[], parse: (sql: string) => unknown, rounds: number): number {
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    corpus.forEach((e, i) => {
      if (mask[i]) parse(e.sql);
    });
  }
  return (performance.now() - t0) / rounds;
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    child(args[1] as 'fast' | 'peg', args[2]);
    return;
  }
  const path = args[0];
  const corpus = loadCorpus(path);
  const peg = pegParser();

  // Acceptance and exactness.
  const accepted: boolean[] = [];
  const reasons = new Map<string, number>();
  let mismatches = 0;
  let pegErrors = 0;
  const bySource = new Map<string, [number, number]>();
  for (const e of corpus) {
    const fast = fastParseSnowflake(e.sql);
    let expected: unknown;
    let pegFailed = false;
    try {
      expected = peg(e.sql);
    } catch {
      pegFailed = true;
      pegErrors++;
    }
    const ok = fast !== undefined;
    accepted.push(ok);
    const src = e.source ?? 'all';
    const counts = bySource.get(src) ?? [0, 0];
    counts[1]++;
    if (ok) counts[0]++;
    bySource.set(src, counts);
    if (ok && (pegFailed || JSON.stringify(fast) !== JSON.stringify(expected) || !isDeepStrictEqual(fast, expected))) {
      mismatches++;
      console.error('MISMATCH:', JSON.stringify(e.sql.slice(0, 200)));
    }
    if (!ok && !pegFailed) {
      const reason = fastParseDeclineReason(e.sql) ?? '?';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
  }
  const nAccepted = accepted.filter(Boolean).length;

  // Cold: one fresh process per parser.
  const self = fileURLToPath(import.meta.url);
  const run = (kind: string): number[] => JSON.parse(execFileSync(process.execPath, [...process.execArgv, self, '--child', kind, ...(path ? [path] : [])], { encoding: 'utf8', maxBuffer: 64 << 20 })) as number[];
  // Several alternating fresh processes per parser; the median damps machine noise.
  const coldFastRuns: number[] = [];
  const coldPegRuns: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    coldFastRuns.push(sumWhere(run('fast'), accepted));
    coldPegRuns.push(sumWhere(run('peg'), accepted));
  }
  const coldFast = median(coldFastRuns);
  const coldPeg = median(coldPegRuns);

  // Warm: after warm-up passes in this process.
  timeLoop(corpus, accepted, fastParseSnowflake, 5);
  timeLoop(corpus, accepted, peg, 2);
  const warmFast = timeLoop(corpus, accepted, fastParseSnowflake, 20);
  const warmPeg = timeLoop(corpus, accepted, peg, 5);

  const pct = (a: number, b: number): string => `${((100 * a) / b).toFixed(1)}%`;
  console.log(`entries:            ${corpus.length} (PEG rejects ${pegErrors})`);
  console.log(`accepted:           ${nAccepted} (${pct(nAccepted, corpus.length)} of all, ${pct(nAccepted, corpus.length - pegErrors)} of PEG-parseable)`);
  for (const [src, [a, n]] of bySource) if (src !== 'all') console.log(`  ${src.padEnd(8)}          ${a}/${n} (${pct(a, n)})`);
  console.log(`cold (fresh process, first pass, accepted entries, median of ${COLD_RUNS}): PEG ${coldPeg.toFixed(1)} ms, fast ${coldFast.toFixed(1)} ms (${pct(coldFast, coldPeg)} of PEG)`);
  console.log(`  runs: PEG ${coldPegRuns.map((t) => t.toFixed(0)).join(', ')} / fast ${coldFastRuns.map((t) => t.toFixed(0)).join(', ')}`);
  console.log(`warm (after warm-up, per pass, accepted entries):   PEG ${warmPeg.toFixed(1)} ms, fast ${warmFast.toFixed(2)} ms (${pct(warmFast, warmPeg)} of PEG)`);
  console.log(`mismatches:         ${mismatches}`);
  if (reasons.size > 0) {
    console.log('declined PEG-parseable entries by reason:');
    for (const [r, n] of [...reasons].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(4)}  ${r}`);
  }
  if (mismatches > 0) process.exitCode = 1;
}

main();
