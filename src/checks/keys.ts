/**
 * Business-key rules: `key-untested` (the declared or inferred key lacks uniqueness and not-null proofs) and
 * `key-missing` (no key can be declared nor inferred). Which key a model has and whether it is tested is decided by
 * `businessKeyOf` / `keyTestStatus` of the project model; this file turns the verdict into findings with a
 * committable YAML suggestion where the fix is mechanical (one key column: add `unique`/`not_null`).
 */
import { businessKeyOf, DEFAULT_LAYER_PREFIXES, keyTestStatus, projectDisabling, type KeyTestStatus, type KeyTestSuggestion } from '../dbt/index.js';
import type { BusinessKey, DbtModel } from '../dbt/types.js';
import type { Suggestion } from '../review/types.js';
import { code, configString, hasHead, listCode, modelPlace, type Place } from './model-facts.js';
import type { CheckContext, Rule, RuleHit } from './types.js';
import { spaces, YamlLines } from './yaml-edit.js';

/** Whether the key rules look at this model: head exists, not ephemeral, and in a configured key layer. */
function keyRequired(ctx: CheckContext): boolean {
  if (!hasHead(ctx)) return false;
  if (configString(ctx.model, 'materialized') === 'ephemeral') return false; // no relation to test
  const layers = ctx.config.businessKey.layers.map((l) => l.toLowerCase());
  if (layers.length === 0) return true;
  const first = ctx.model.folders[0]?.toLowerCase();
  return first !== undefined && layers.includes(first);
}

const keys = new WeakMap<CheckContext, { key: BusinessKey | undefined }>();

/** The model's business key (both key rules ask for it: computed once per model). */
function keyOf(ctx: CheckContext): BusinessKey | undefined {
  let known = keys.get(ctx);
  if (!known) keys.set(ctx, (known = { key: findKey(ctx) }));
  return known.key;
}

function findKey(ctx: CheckContext): BusinessKey | undefined {
  const layerPrefixes = [...new Set([...Object.values(ctx.config.layers).flat(), ...DEFAULT_LAYER_PREFIXES])];
  return businessKeyOf(ctx.model, {
    config: ctx.config.businessKey,
    layerPrefixes,
    ...(ctx.selectedColumns ? { selectedColumns: ctx.selectedColumns } : {}),
  });
}

export const keyUntested: Rule = {
  id: 'key-untested',
  defaultSeverity: 'error',
  origin: 'rule',
  description:
    'The model\'s business key (declared, or inferred from the model name / columns) is not proven unique and not null by tests or constraints: duplicated or null keys then reach every join downstream.',
  run(ctx) {
    if (!keyRequired(ctx)) return [];
    const key = keyOf(ctx);
    if (!key) return [];
    const status = keyTestStatus(ctx.model, key, { config: ctx.config.businessKey, project: ctx.project });
    if (status.tested) return [];
    // Tested by the YAML, but dbt_project.yml disables those tests: the fix is there, not in the YAML.
    if (keyTestStatus(ctx.model, key, { config: ctx.config.businessKey }).tested) return [disabledByProjectHit(ctx, key)];
    return [untestedHit(ctx, key, status)];
  },
};

function disabledByProjectHit(ctx: CheckContext, key: BusinessKey): RuleHit {
  const { model } = ctx;
  const keyText = key.columns.length === 1 ? `\`${key.columns[0]}\`` : `(${key.columns.map((c) => `\`${c}\``).join(', ')})`;
  const scopes = [...model.tests, ...model.columns.flatMap((c) => c.tests)].flatMap((t) => projectDisabling(t, ctx.project) ?? []);
  const scope = scopes[0]!;
  const at = `${scope.path}${scope.line !== undefined ? `:${scope.line}` : ''}`;
  const hit: RuleHit = {
    rule: 'key-untested',
    model: model.name,
    path: scope.path,
    ...(scope.line !== undefined ? { line: scope.line } : {}),
    message: `The business key ${keyText} of \`${model.name}\` (${key.detail}) is not tested: its tests in \`${model.properties?.path ?? model.path}\` are disabled by \`${scope.origin}\` (${code(at)}). Remove that setting (or enable the tests of this model's folder), so duplicated or null keys fail the build instead of reaching downstream joins.`,
  };
  if (key.columns.length === 1) hit.column = key.columns[0]!;
  return hit;
}

function untestedHit(ctx: CheckContext, key: BusinessKey, status: KeyTestStatus): RuleHit {
  const { model } = ctx;
  const keyText = key.columns.length === 1 ? `\`${key.columns[0]}\`` : `(${key.columns.map((c) => `\`${c}\``).join(', ')})`;
  const missing = status.missing.map((m) => `\`${m}\``).join(' and ');
  const compoundTest = status.missingTests.find((m) => m.columns.length > 1)?.test;
  const how =
    compoundTest === undefined
      ? ''
      : compoundTest === 'dbt_utils.unique_combination_of_columns'
        ? ` (a compound key: add \`${compoundTest}\` with \`combination_of_columns: [${key.columns.join(', ')}]\` to the model's \`data_tests:\`, and \`not_null\` to each key column)`
        : ` (a compound key: add \`${compoundTest}\` over ${keyText} to the model's \`data_tests:\`, and \`not_null\` to each key column)`;
  // Mechanical only when every missing test goes on one column.
  const oneColumn = new Set(status.missingTests.flatMap((m) => m.columns)).size === 1;
  const suggestion = status.suggestion && oneColumn ? keySuggestion(ctx, status.suggestion) : undefined;
  const place = untestedPlace(model, key, status, suggestion);
  const nowhere = model.properties?.path ? '' : ` (the model has no property YAML entry yet: add one with a \`columns:\` entry for ${keyText})`;
  const hit: RuleHit = {
    rule: 'key-untested',
    model: model.name,
    path: place.path,
    line: place.line,
    message: `The business key ${keyText} of \`${model.name}\` (${key.detail}) is not tested: add ${missing}${how}${nowhere}, so duplicated or null keys fail the build instead of reaching downstream joins.`,
  };
  if (key.columns.length === 1) hit.column = key.columns[0]!;
  if (suggestion) hit.suggestion = suggestion;
  return hit;
}

/** Where the tests go (the column or model YAML entry), else where the key is declared, else the model. */
function untestedPlace(model: DbtModel, key: BusinessKey, status: KeyTestStatus, suggestion: Suggestion | undefined): Place {
  const where = status.suggestion;
  if (where && suggestion) return { path: where.path, line: suggestion.startLine };
  if (where) return { path: where.path, line: where.line };
  if (key.line !== undefined && key.how !== 'inferred') return { path: key.path, line: key.line };
  return modelPlace(model);
}

/** Builds the YAML insertion for the missing single-column tests, in the file's own indentation. */
function keySuggestion(ctx: CheckContext, where: KeyTestSuggestion): Suggestion | undefined {
  if (!ctx.readFile || where.column === undefined || where.tests.length === 0) return undefined;
  if (ctx.model.version !== undefined) return undefined; // version-level columns (include/exclude): not mechanical
  const text = ctx.readFile(where.path);
  if (text === undefined) return undefined;
  const yaml = new YamlLines(text);
  const step = yaml.indentStep();
  const testsKey = /^\s*data_tests\s*:/m.test(text) || !/^\s*tests\s*:/m.test(text) ? 'data_tests' : 'tests';
  const items = (column: number): string[] => where.tests.map((t) => `${spaces(column)}- ${t}`);

  if (where.target === 'column') {
    const yamlColumn = ctx.model.columns.find((c) => c.key === where.column);
    const entry = yaml.entryAt(where.line, yamlColumn?.name ?? where.column);
    if (!entry) return undefined;
    const existing = entry.keys.get('data_tests') ?? entry.keys.get('tests');
    if (existing !== undefined) {
      const block = yaml.blockUnder(existing, entry.keyColumn);
      if (!block || (!block.sequence && block.keys.size > 0)) return undefined;
      const column = block.sequence ? block.childColumn : entry.keyColumn + step;
      return yaml.insertAfter(existing, items(column));
    }
    return yaml.insertAfter(entry.nameLine, [`${spaces(entry.keyColumn)}${testsKey}:`, ...items(entry.keyColumn + step)]);
  }

  const entry = yaml.entryAt(where.line, ctx.model.name);
  if (!entry) return undefined;
  const columnEntry = (dash: number): string[] => [
    `${spaces(dash)}- name: ${where.column}`,
    `${spaces(dash + 2)}${testsKey}:`,
    ...items(dash + 2 + step),
  ];
  const columnsLine = entry.keys.get('columns');
  if (columnsLine !== undefined) {
    const block = yaml.blockUnder(columnsLine, entry.keyColumn);
    if (!block || (!block.sequence && block.keys.size > 0)) return undefined;
    return yaml.insertAfter(columnsLine, columnEntry(block.sequence ? block.childColumn : entry.keyColumn + step));
  }
  return yaml.insertAfter(entry.nameLine, [`${spaces(entry.keyColumn)}columns:`, ...columnEntry(entry.keyColumn + step)]);
}

export const keyMissing: Rule = {
  id: 'key-missing',
  defaultSeverity: 'warning',
  origin: 'rule',
  description:
    'No business key is declared (primary_key constraint, `meta.primary_key`, incremental `unique_key`, compound uniqueness test) and none can be inferred from the model name, a column tested unique, or its `_id`/`_key`/`_sk` columns.',
  run(ctx) {
    if (!keyRequired(ctx)) return [];
    // Without the model's columns (SQL not analysable, no YAML columns) a key cannot be inferred: say nothing.
    if (ctx.selectedColumns === undefined && ctx.model.columns.length === 0) return [];
    if (keyOf(ctx)) return [];
    return [missingHit(ctx.model, ctx)];
  },
};

function missingHit(model: DbtModel, ctx: CheckContext): RuleHit {
  const place = modelPlace(model);
  const metaKey = ctx.config.businessKey.metaKeys[0] ?? 'primary_key';
  const suffixes = listCode(ctx.config.businessKey.inferSuffixes, 'or');
  return {
    rule: 'key-missing',
    model: model.name,
    path: place.path,
    line: place.line,
    message: `Model \`${model.name}\` has no business key: none is declared and no column could be inferred (none matches the model's entity or ends in ${suffixes}). Declare the column(s) that identify one row with \`config: meta: ${metaKey}: ...\` (or a \`primary_key\` constraint) and test them with \`unique\` and \`not_null\`.`,
  };
}
