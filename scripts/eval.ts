/**
 * Accuracy of the semantic diff on a labelled corpus (default: ../shared/eval/breaking_cases.json).
 *
 *   npm run eval -- [CASES.json] [--schema upstream_schema.json] [--json]
 *
 * Each case becomes a small dbt project at two revisions (the model, its YAML, and upstream models/sources with the
 * corpus's upstream columns); the full pipeline reviews it exactly as it reviews a pull request, and the model's
 * `impact` is compared with the label: breaking = model_wide, partial_breaking = column, non_breaking = additive
 * or none. The two reference tools' labels stored in the corpus are scored the same way, side by side.
 */
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { dump, load as parseYaml } from 'js-yaml';
import { defaultConfig, DIALECTS, type Dialect } from '../src/config.js';
import { createJinjaRenderer } from '../src/dbt/jinja/index.js';
import { runReview } from '../src/pipeline.js';
import { memorySnapshot } from '../src/sources/memory.js';
import type { ChangedFile } from '../src/ports.js';
import type { Impact } from '../src/review/types.js';

const stringifyYaml = (value: unknown): string => dump(value, { lineWidth: -1, noRefs: true });

interface EvalCase {
  id: string;
  dialect: string;
  change_type: string;
  before_sql: string;
  after_sql: string;
  before_yml?: string | null;
  after_yml?: string | null;
  expected: 'breaking' | 'partial_breaking' | 'non_breaking';
  reference_labels?: Record<string, unknown>;
}

type Label = EvalCase['expected'] | 'unknown';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { schema: { type: 'string' }, json: { type: 'boolean', default: false } },
});
const casesPath = resolve(positionals[0] ?? join(import.meta.dirname, '../../shared/eval/breaking_cases.json'));
if (!existsSync(casesPath)) {
  console.error(`eval: no corpus at ${casesPath} (pass its path: npm run eval -- PATH)`);
  process.exit(2);
}
const schemaPath = resolve(values.schema ?? join(dirname(casesPath), 'upstream_schema.json'));
const cases = JSON.parse(readFileSync(casesPath, 'utf8')) as EvalCase[];
const upstreamSchema: Record<string, Record<string, string>> = existsSync(schemaPath)
  ? (JSON.parse(readFileSync(schemaPath, 'utf8')) as { schema: Record<string, Record<string, string>> }).schema
  : {};

function labelOf(impact: Impact): Label {
  switch (impact) {
    case 'model_wide':
      return 'breaking';
    case 'column':
      return 'partial_breaking';
    case 'additive':
    case 'none':
      return 'non_breaking';
    default:
      return 'unknown';
  }
}

/** A reference tool's stored answer, reduced to the corpus's three labels. */
function referenceLabel(raw: unknown): Label {
  const text = typeof raw === 'string' ? raw : typeof raw === 'object' && raw ? String((raw as { category?: unknown }).category ?? '') : '';
  const word = text.trim().split(/[\s(]/)[0] ?? '';
  if (word === 'breaking' || word === 'partial_breaking' || word === 'non_breaking') return word;
  if (word === 'metadata' || word.startsWith('non_breaking')) return 'non_breaking';
  return 'unknown';
}

function upstreamFiles(): Record<string, string> {
  const models: unknown[] = [];
  const sources = new Map<string, { name: string; columns: { name: string; data_type: string }[] }[]>();
  const files: Record<string, string> = {};
  for (const [relation, columns] of Object.entries(upstreamSchema)) {
    const cols = Object.entries(columns).map(([name, type]) => ({ name, data_type: type }));
    const sep = relation.indexOf('__');
    if (sep > 0) {
      const source = relation.slice(0, sep);
      const list = sources.get(source) ?? [];
      list.push({ name: relation.slice(sep + 2), columns: cols });
      sources.set(source, list);
      continue;
    }
    files[`models/upstream/${relation}.sql`] = `select ${cols.map((c) => c.name).join(', ')} from {{ source('raw', '${relation}') }}\n`;
    models.push({ name: relation, columns: cols });
  }
  files['models/upstream/_upstream.yml'] = stringifyYaml({ version: 2, models });
  files['models/upstream/_sources.yml'] = stringifyYaml({
    version: 2,
    sources: [...sources.entries()].map(([name, tables]) => ({ name, tables })),
  });
  return files;
}

function modelNameOf(c: EvalCase): string {
  for (const yml of [c.after_yml, c.before_yml]) {
    if (!yml) continue;
    const doc = parseYaml(yml) as { models?: { name?: string }[] } | null;
    const name = doc?.models?.[0]?.name;
    if (name) return name;
  }
  return 'fct_orders';
}

/** Case YAML is either a whole property file (`models:`) or the model entry's body (`columns:`): make it a file. */
function propertyFile(yml: string, model: string): string {
  const doc = (parseYaml(yml) ?? {}) as Record<string, unknown>;
  if ('models' in doc) return yml;
  return stringifyYaml({ version: 2, models: [{ name: model, ...doc }] });
}

function projectFiles(c: EvalCase, side: 'before' | 'after', model: string): Record<string, string> {
  const files: Record<string, string> = {
    'dbt_project.yml': 'name: eval\nversion: "1.0.0"\nprofile: eval\nmodel-paths: ["models"]\n',
    ...upstreamFiles(),
  };
  files[`models/${model}.sql`] = side === 'before' ? c.before_sql : c.after_sql;
  const yml = side === 'before' ? c.before_yml : c.after_yml;
  if (yml) files[`models/${model}.yml`] = propertyFile(yml, model);
  return files;
}

function changedFilesOf(base: Record<string, string>, head: Record<string, string>): ChangedFile[] {
  const out: ChangedFile[] = [];
  for (const path of new Set([...Object.keys(base), ...Object.keys(head)])) {
    const b = base[path];
    const h = head[path];
    if (b === h) continue;
    out.push({ path, status: b === undefined ? 'added' : h === undefined ? 'removed' : 'modified' });
  }
  return out;
}

interface Row {
  id: string;
  changeType: string;
  expected: Label;
  got: Label;
  impact: Impact | 'missing';
  references: Record<string, Label>;
  error?: string;
  changes?: string;
}

const renderer = createJinjaRenderer();
const rows: Row[] = [];
let crashes = 0;
for (const c of cases) {
  const model = modelNameOf(c);
  const base = projectFiles(c, 'before', model);
  const head = projectFiles(c, 'after', model);
  const config = defaultConfig();
  config.dialect = (DIALECTS as readonly string[]).includes(c.dialect) ? (c.dialect as Dialect) : 'snowflake';
  config.llm.enabled = false;
  const references = Object.fromEntries(Object.entries(c.reference_labels ?? {}).map(([k, v]) => [k, referenceLabel(v)]));
  try {
    const review = await runReview(
      { base: 'base', head: 'head', config, changedFiles: changedFilesOf(base, head) },
      { base: memorySnapshot(base), head: memorySnapshot(head), renderer, llmAbsentReason: { status: 'disabled', detail: 'eval' } },
    );
    const report = review.models.find((m) => m.name === model);
    const impact = report?.impact ?? 'none';
    rows.push({
      id: c.id,
      changeType: c.change_type,
      expected: c.expected,
      got: labelOf(impact),
      impact: report ? impact : 'missing',
      references,
      changes: report?.changes.map((ch) => `${ch.kind}${ch.column ? `(${ch.column})` : ''}`).join(', '),
    });
  } catch (error) {
    crashes++;
    rows.push({
      id: c.id,
      changeType: c.change_type,
      expected: c.expected,
      got: 'unknown',
      impact: 'missing',
      references,
      error: error instanceof Error ? error.stack ?? error.message : String(error),
    });
  }
}
await renderer.close();

const tools = [...new Set(rows.flatMap((r) => Object.keys(r.references)))].sort();
const pct = (n: number, d: number) => (d === 0 ? '-' : `${((100 * n) / d).toFixed(0)}%`);
const types = [...new Set(rows.map((r) => r.changeType))].sort();
const overall = rows.filter((r) => r.got === r.expected).length;

if (values.json) {
  console.log(
    JSON.stringify(
      {
        cases: rows.length,
        agreement: overall / rows.length,
        crashes,
        references: Object.fromEntries(tools.map((t) => [t, rows.filter((r) => r.references[t] === r.expected).length / rows.length])),
        rows,
      },
      null,
      2,
    ),
  );
} else {
  const header = ['change type', 'cases', 'dbt-pr-reviewer', ...tools];
  const lines = [header, ...types.map((t) => {
    const group = rows.filter((r) => r.changeType === t);
    return [
      t,
      String(group.length),
      pct(group.filter((r) => r.got === r.expected).length, group.length),
      ...tools.map((tool) => pct(group.filter((r) => r.references[tool] === r.expected).length, group.length)),
    ];
  })];
  lines.push([
    'overall',
    String(rows.length),
    `${pct(overall, rows.length)} (${overall}/${rows.length})`,
    ...tools.map((tool) => {
      const n = rows.filter((r) => r.references[tool] === r.expected).length;
      return `${pct(n, rows.length)} (${n}/${rows.length})`;
    }),
  ]);
  const widths = header.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  for (const l of lines) console.log(l.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  '));
  console.log(`\ncrashes: ${crashes}`);
  const misses = rows.filter((r) => r.got !== r.expected);
  if (misses.length > 0) {
    console.log('\nmisses:');
    for (const r of misses) console.log(`- ${r.id}: expected ${r.expected}, got ${r.got} (${r.impact}) [${r.changes ?? ''}]${r.error ? `\n  ${r.error}` : ''}`);
  }
}
process.exitCode = crashes > 0 ? 1 : 0;
