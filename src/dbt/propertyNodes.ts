/**
 * Readers of the pieces of a property-file model entry: test entries (`data_tests`/`tests`, every shape dbt
 * accepts), constraints and columns.
 */
import { isComputed } from './pyLiteral.js';
import { booleanOf, markJinjaStrings } from './configMerge.js';
import type { ConstraintRef, ConstraintType, DbtColumn, ProjectProblem, TestRef } from './types.js';
import { entryOf, isYMap, itemsOf, stringOf, toPlain, type YMap, type YNode } from './yamlTree.js';

interface Ctx {
  path: string;
  problems: ProjectProblem[];
}

/** Column-name normalisation: unquoted names compare case-insensitively. */
export function columnKey(name: string, quoted = false): string {
  const trimmed = name.trim();
  const unwrapped = isQuotedName(trimmed) ? trimmed.slice(1, -1) : trimmed;
  return quoted || unwrapped !== trimmed ? unwrapped : unwrapped.toLowerCase();
}

/** `"name"` or `` `name` `` (the first-character test spares the regex for almost every name). */
function isQuotedName(name: string): boolean {
  const first = name[0];
  return (first === '"' || first === '`') && /^(["`]).*\1$/.test(name);
}

const RESERVED_TEST_KEYS = new Set(['config', 'name', 'description', 'arguments', 'test_name']);
const COLUMN_LIST_ARGS = ['combination_of_columns', 'column_names', 'columns', 'column_list'];

/** Tests of `data_tests:` and `tests:` under `node` (both lists are read; dbt rejects having both, reported). */
export function readTests(owner: YMap, level: 'model' | 'column', column: string | undefined, ctx: Ctx): TestRef[] {
  const dataTests = entryOf(owner, 'data_tests');
  const tests = entryOf(owner, 'tests');
  if (!dataTests && !tests) return [];
  if (dataTests && tests) {
    ctx.problems.push({
      rule: 'tests-conflict',
      path: ctx.path,
      line: tests.keyLine,
      message: `both \`data_tests\` and \`tests\` are defined${column ? ` on column ${column}` : ''}; dbt rejects this — keep \`data_tests\` only`,
    });
  }
  const out: TestRef[] = [];
  for (const e of [dataTests, tests]) {
    for (const item of itemsOf(e?.value)) {
      const ref = readTestEntry(item, level, column, ctx.path);
      if (ref) out.push(ref);
    }
  }
  return out;
}

function readTestEntry(item: YNode, level: 'model' | 'column', column: string | undefined, path: string): TestRef | undefined {
  let name: string | undefined;
  let body: Record<string, unknown> = {};
  if (item.kind === 'scalar') {
    name = stringOf(item);
  } else if (isYMap(item)) {
    const testName = stringOf(entryOf(item, 'test_name')?.value);
    if (testName !== undefined) {
      name = testName;
      body = (toPlain(item) as Record<string, unknown>) ?? {};
    } else if (item.entries.size === 1) {
      const [only] = item.entries.values();
      name = only?.key;
      const args = toPlain(only?.value);
      if (args !== null && typeof args === 'object' && !Array.isArray(args)) body = args as Record<string, unknown>;
    }
  }
  if (!name) return undefined;
  name = name.trim();
  const nested = body.arguments;
  const args: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!RESERVED_TEST_KEYS.has(k)) args[k] = v;
  if (nested !== null && typeof nested === 'object' && !Array.isArray(nested)) Object.assign(args, nested);
  const config = body.config !== null && typeof body.config === 'object' ? (body.config as Record<string, unknown>) : {};
  const ref: TestRef = {
    name,
    columns: testColumns(args, column),
    args,
    enabled: isEnabled(config.enabled) && isEnabled(args.enabled),
    level,
    path,
    line: item.line,
  };
  if (typeof body.name === 'string' && body.name !== name) ref.alias = body.name;
  // Its own `enabled` is more specific than dbt_project.yml's `data_tests:` tree: set, it decides.
  if (config.enabled !== undefined || args.enabled !== undefined) ref.enabledSet = true;
  return ref;
}

/** `enabled: false` (or the string `'false'`) disables; anything computed by Jinja counts as enabled. */
function isEnabled(value: unknown): boolean {
  const v = markJinjaStrings(value);
  if (isComputed(v)) return true;
  return booleanOf(v) !== false;
}

function testColumns(args: Record<string, unknown>, column: string | undefined): string[] {
  if (column !== undefined) return [column];
  for (const key of COLUMN_LIST_ARGS) {
    const v = args[key];
    if (Array.isArray(v)) return v.filter((c): c is string => typeof c === 'string').map((c) => columnKey(c));
    if (typeof v === 'string') return [columnKey(v)];
  }
  const single = args.column_name;
  return typeof single === 'string' ? [columnKey(single)] : [];
}

const CONSTRAINT_TYPES: Record<string, ConstraintType> = {
  not_null: 'not_null',
  unique: 'unique',
  primary_key: 'primary_key',
  foreign_key: 'foreign_key',
  check: 'check',
  custom: 'custom',
};

export function readConstraints(list: YNode | undefined, level: 'model' | 'column', column: string | undefined, path: string): ConstraintRef[] {
  const out: ConstraintRef[] = [];
  if (!list) return out;
  for (const item of itemsOf(list)) {
    const type = stringOf(entryOf(item, 'type')?.value)?.trim().toLowerCase();
    if (!type) continue;
    const columns =
      column !== undefined
        ? [column]
        : itemsOf(entryOf(item, 'columns')?.value)
            .map(stringOf)
            .filter((c): c is string => c !== undefined)
            .map((c) => columnKey(c));
    out.push({ type: CONSTRAINT_TYPES[type] ?? 'custom', columns, level, path, line: item.line });
  }
  return out;
}

export function readColumn(node: YNode, ctx: Ctx): DbtColumn | undefined {
  if (!isYMap(node)) return undefined;
  const name = stringOf(entryOf(node, 'name')?.value);
  if (!name) return undefined;
  const quote = entryOf(node, 'quote')?.value;
  const quoted = quote?.kind === 'scalar' && quote.value === true;
  const key = columnKey(name, quoted);
  const meta = columnMeta(node);
  const column: DbtColumn = {
    name,
    key,
    tests: readTests(node, 'column', key, ctx),
    constraints: readConstraints(entryOf(node, 'constraints')?.value, 'column', key, ctx.path),
    meta,
    path: ctx.path,
    line: node.line,
    endLine: node.endLine,
  };
  if (quoted) column.quote = true;
  const description = stringOf(entryOf(node, 'description')?.value);
  if (description !== undefined) column.description = description;
  const dataType = stringOf(entryOf(node, 'data_type')?.value);
  if (dataType !== undefined) column.dataType = dataType;
  const testsLine = (entryOf(node, 'data_tests') ?? entryOf(node, 'tests'))?.keyLine;
  if (testsLine !== undefined) column.testsLine = testsLine;
  return column;
}

/** A column's `meta`, top-level and under `config:` (the latter wins per key). */
function columnMeta(node: YMap): Record<string, unknown> {
  const top = entryOf(node, 'meta');
  const inConfig = entryOf(entryOf(node, 'config')?.value, 'meta');
  if (!top && !inConfig) return {};
  return { ...plainObject(toPlain(top?.value)), ...plainObject(toPlain(inConfig?.value)) };
}

function plainObject(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
