/**
 * SQL-only evaluation of the semantic diff against labelled before/after pairs.
 * Run: npx tsx scripts/eval-sql.ts /work/shared/eval/breaking_cases.json [upstream_schema.json]
 * Cases decided outside SQL (config, contract, YAML-only, incremental) are listed separately.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Dialect } from '../src/config.js';
import type { Impact } from '../src/review/types.js';
import { analyzeSql, diffShapes, impactOf, isFormattingOnly } from '../src/sql/index.js';

interface Case {
  id: string;
  dialect: Dialect;
  change_type: string;
  expected: 'breaking' | 'partial_breaking' | 'non_breaking';
  rendered_before_sql: string;
  rendered_after_sql: string;
  column_changes?: Record<string, string>;
}

const OUTSIDE_SQL = new Set(['config', 'contract', 'yml_only', 'incremental']);

function label(impact: Impact): Case['expected'] | 'unknown' {
  if (impact === 'model_wide') return 'breaking';
  if (impact === 'column') return 'partial_breaking';
  if (impact === 'unknown') return 'unknown';
  return 'non_breaking';
}

const verbose = process.argv.includes('--verbose');
const [casesPath, schemaArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!casesPath) {
  console.error('usage: tsx scripts/eval-sql.ts breaking_cases.json [upstream_schema.json] [--verbose]');
  process.exit(2);
}
const schemaPath = schemaArg ?? join(dirname(casesPath), 'upstream_schema.json');
const cases = JSON.parse(readFileSync(casesPath, 'utf8')) as Case[];
let schema: Record<string, Record<string, string>> = {};
try {
  schema = (JSON.parse(readFileSync(schemaPath, 'utf8')) as { schema: Record<string, Record<string, string>> }).schema;
} catch {
  console.warn(`no upstream schema at ${schemaPath}: '*' cannot be expanded`);
}
const upstreamColumns = (relation: string): string[] | undefined => {
  const cols = schema[relation];
  return cols ? Object.keys(cols) : undefined;
};

const perType = new Map<string, { ok: number; total: number }>();
const misses: string[] = [];
const outside: string[] = [];
let ok = 0;
let total = 0;
let crashes = 0;
const times: number[] = [];

for (const c of cases) {
  let impact: Impact;
  let detail = '';
  try {
    const t0 = performance.now();
    if (isFormattingOnly(c.rendered_before_sql, c.rendered_after_sql, c.dialect)) {
      impact = 'none';
      detail = 'formatting only';
    } else {
      const base = analyzeSql(c.rendered_before_sql, { dialect: c.dialect, upstreamColumns });
      const head = analyzeSql(c.rendered_after_sql, { dialect: c.dialect, upstreamColumns });
      const changes = diffShapes(base, head);
      impact = impactOf(changes);
      detail = [`parse=${base.parse}/${head.parse}`, ...changes.map((x) => `${x.kind}${x.column ? `(${x.column})` : ''}@${x.line ?? '?'}: ${x.detail}`)].join('\n      ');
    }
    times.push(performance.now() - t0);
  } catch (e) {
    crashes++;
    impact = 'unknown';
    detail = `CRASH ${e instanceof Error ? e.stack : String(e)}`;
  }
  const got = label(impact);
  if (OUTSIDE_SQL.has(c.change_type)) {
    outside.push(`  ${c.id.padEnd(44)} expected ${c.expected.padEnd(16)} SQL alone says ${got}`);
    continue;
  }
  total++;
  const stat = perType.get(c.change_type) ?? { ok: 0, total: 0 };
  stat.total++;
  if (got === c.expected) {
    ok++;
    stat.ok++;
    if (verbose) console.log(`  ok ${c.id}: ${got}\n      ${detail}`);
  } else {
    misses.push(`  ${c.id}: expected ${c.expected}, got ${got} (${impact})\n      ${detail}`);
  }
  perType.set(c.change_type, stat);
}

console.log('Agreement per change_type (SQL-decidable cases):');
for (const [type, s] of [...perType].sort((a, b) => a[0].localeCompare(b[0]))) {
  console.log(`  ${type.padEnd(22)} ${s.ok}/${s.total}`);
}
console.log(`\nOverall: ${ok}/${total} = ${((100 * ok) / Math.max(1, total)).toFixed(1)}%   crashes: ${crashes}`);
times.sort((a, b) => a - b);
console.log(`Median time per case (both sides): ${(times[Math.floor(times.length / 2)] ?? 0).toFixed(2)} ms`);
console.log(`\nDecided outside SQL (${outside.length}; the full-pipeline eval judges these):`);
for (const o of outside) console.log(o);
if (misses.length) {
  console.log(`\nMisses (${misses.length}):`);
  for (const m of misses) console.log(m);
}
process.exitCode = crashes > 0 ? 1 : 0;
