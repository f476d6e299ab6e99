/**
 * `incremental-schema-change`: an incremental model (at both revisions) whose output columns change, under an
 * `on_schema_change` that does not carry the change to the existing table. dbt's own documentation of the setting:
 * - `ignore` (the default): a new column does not appear in the table; a removed column makes the next incremental
 *   run fail (dbt inserts the table's columns, and the query no longer selects it); the table keeps its column types;
 * - `fail`: any difference between the query's columns and the table's fails the next incremental run;
 * - `append_new_columns`: new columns are added, types are not changed (`sync_all_columns` handles every case).
 * Each of these needs a `--full-refresh` of the model (or a manual `alter table`), which nothing in a merged PR runs.
 * Not judged: a model that becomes (or stops being) incremental, a setting computed by Jinja, columns behind an
 * unresolved `*` (the diff reports no column then).
 */
import type { ModelChange } from '../review/types.js';
import { codeSpan as code } from '../review/code-span.js';
import { configString, configValue } from './model-facts.js';
import type { CheckContext, Rule, RuleHit } from './types.js';

type Mode = 'ignore' | 'fail' | 'append_new_columns' | 'sync_all_columns';
const MODES: ReadonlySet<string> = new Set<Mode>(['ignore', 'fail', 'append_new_columns', 'sync_all_columns']);

const COLUMN_KINDS: ReadonlySet<ModelChange['kind']> = new Set(['column_added', 'column_removed', 'column_renamed', 'column_type_changed']);

/** What the next incremental run does with this change under `mode`, or undefined when the table follows it. */
function consequence(change: ModelChange, mode: Mode): string | undefined {
  const column = change.column !== undefined ? code(change.column) : 'a column';
  if (mode === 'sync_all_columns') return undefined;
  if (mode === 'fail') return `the next incremental run fails on ${column}: \`fail\` stops a run whose columns differ from the table's`;
  switch (change.kind) {
    case 'column_added':
      return mode === 'ignore' ? `${column} is not added to the existing table: incremental runs leave it out` : undefined;
    case 'column_removed':
    case 'column_renamed':
      return mode === 'ignore'
        ? `the next incremental run fails: dbt inserts the table's columns, and the query no longer selects ${column}`
        : undefined;
    case 'column_type_changed':
      return `the table keeps the old type of ${column}: new rows are converted to it, or the run fails when they cannot be`;
    default:
      return undefined;
  }
}

export const incrementalSchemaChange: Rule = {
  id: 'incremental-schema-change',
  defaultSeverity: 'warning',
  origin: 'rule',
  description:
    'An incremental model changes its columns under an `on_schema_change` that does not apply the change to the existing table (`ignore`, the default: new columns are left out and a removed one fails the run; `fail`; type changes under `append_new_columns`): it needs a `--full-refresh` or `on_schema_change: sync_all_columns`.',
  run(ctx: CheckContext): RuleHit[] {
    const { model, baseModel } = ctx;
    if (ctx.status !== 'modified' || !baseModel) return [];
    if (configString(model, 'materialized') !== 'incremental' || configString(baseModel, 'materialized') !== 'incremental') return [];
    const setting = configValue(model, 'on_schema_change');
    if (setting.state === 'unknown') return [];
    const mode = setting.state === 'known' ? String(setting.value).trim().toLowerCase() : 'ignore';
    if (!MODES.has(mode)) return [];
    const fullRefresh = configValue(model, 'full_refresh');
    const refreshBlocked = fullRefresh.state === 'known' && (fullRefresh.value === false || String(fullRefresh.value).toLowerCase() === 'false');
    const how =
      setting.state === 'known'
        ? `\`on_schema_change: ${mode}\` (${code(`${setting.entry.path}${setting.entry.line !== undefined ? `:${setting.entry.line}` : ''}`)})`
        : '`on_schema_change` unset (dbt defaults to `ignore`)';
    const advice = refreshBlocked
      ? `\`full_refresh: false\` blocks a full refresh of this model: alter the table by hand before the next run, or set \`on_schema_change: sync_all_columns\``
      : `run ${code(`dbt run --full-refresh -s ${model.name}`)} once this is merged, or set \`on_schema_change: sync_all_columns\` (or \`append_new_columns\` for added columns)`;

    const hits: RuleHit[] = [];
    const seen = new Set<string>();
    for (const change of ctx.changes) {
      if (!COLUMN_KINDS.has(change.kind)) continue;
      const what = consequence(change, mode as Mode);
      if (!what) continue;
      // The full and the is_incremental() renders report the same column change: once per column and kind.
      const key = `${change.kind}\u0000${change.column ?? change.detail}`;
      if (seen.has(key)) continue;
      seen.add(key);
      hits.push({
        rule: 'incremental-schema-change',
        model: model.name,
        ...(change.column !== undefined ? { column: change.column } : {}),
        path: change.path,
        ...(change.line !== undefined ? { line: change.line } : {}),
        ...(change.side ? { side: change.side } : {}),
        message: `Incremental model ${code(model.name)} with ${how}: ${what}. ${capitalise(advice)}.`,
      });
    }
    return hits;
  },
};

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
