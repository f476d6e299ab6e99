/**
 * `incremental-unique-key-missing`: an incremental model whose strategy matches rows by `unique_key` (`merge`,
 * `delete+insert`) but has none. Without it dbt's merge matches nothing (`on false`) and delete+insert skips the
 * delete, so every re-processed row is inserted again: duplicates. When no strategy is set, the adapter's default
 * decides (merge on Snowflake, BigQuery and Databricks; delete+insert on DuckDB; append on Postgres, Redshift and
 * Trino, which needs no key). `microbatch`, `insert_overwrite`, `append` and custom strategies are not judged, nor
 * is any value computed by Jinja.
 */
import type { Dialect } from '../config.js';
import type { DbtModel } from '../dbt/types.js';
import { configString, configValue, dialectOf, hasHead } from './model-facts.js';
import type { Rule } from './types.js';

/** The strategy dbt uses when `incremental_strategy` is not set, per adapter. */
export const DEFAULT_INCREMENTAL_STRATEGY: Record<Dialect, string> = {
  snowflake: 'merge',
  bigquery: 'merge',
  databricks: 'merge',
  duckdb: 'delete+insert',
  postgres: 'append',
  redshift: 'append',
  trino: 'append',
};

const KEYED_STRATEGIES = new Set(['merge', 'delete+insert']);

export const incrementalUniqueKeyMissing: Rule = {
  id: 'incremental-unique-key-missing',
  defaultSeverity: 'error',
  origin: 'rule',
  description:
    'An incremental model uses a strategy that matches rows by `unique_key` (`merge`, `delete+insert`, or the adapter default when unset) without a `unique_key`: re-processed rows are inserted again as duplicates.',
  run(ctx) {
    if (!hasHead(ctx)) return [];
    const model = ctx.model;
    if (configString(model, 'materialized') !== 'incremental') return [];
    const strategyValue = configValue(model, 'incremental_strategy');
    if (strategyValue.state === 'unknown') return [];
    if (strategyValue.state === 'known' && typeof strategyValue.value !== 'string') return [];
    const dialect = dialectOf(ctx);
    const explicit = strategyValue.state === 'known' ? String(strategyValue.value).trim().toLowerCase() : undefined;
    const strategy = explicit ?? DEFAULT_INCREMENTAL_STRATEGY[dialect];
    if (!KEYED_STRATEGIES.has(strategy)) return [];
    const key = configValue(model, 'unique_key');
    if (key.state === 'unknown') return [];
    if (key.state === 'known' && !isEmptyKey(key.value)) return [];

    const materialized = model.config.materialized!;
    const where = strategyValue.state === 'known' ? strategyValue.entry : materialized;
    const how = explicit !== undefined ? `\`incremental_strategy: ${explicit}\`` : `the ${dialect} default strategy \`${strategy}\``;
    const effect =
      strategy === 'merge'
        ? 'dbt merges on nothing and inserts every row again'
        : 'dbt skips the delete and inserts every row again';
    return [
      {
        rule: 'incremental-unique-key-missing',
        model: model.name,
        path: where.path,
        ...(where.line !== undefined ? { line: where.line } : {}),
        message: `Incremental model \`${model.name}\` uses ${how} without a \`unique_key\`: ${effect}, so rows processed twice are duplicated. Set \`unique_key\` to the column(s) that identify a row (next to \`materialized\`), or use \`incremental_strategy: append\` if duplicates cannot occur.`,
      },
    ];
  },
};

/**
 * Whether an incremental model surely matches re-processed rows on a `unique_key` (a keyed strategy, explicit or the
 * adapter's default, and a key): then running a row again replaces it instead of duplicating it.
 */
export function mergesOnUniqueKey(model: DbtModel, dialect: Dialect): boolean {
  const strategy = configValue(model, 'incremental_strategy');
  if (strategy.state === 'unknown' || (strategy.state === 'known' && typeof strategy.value !== 'string')) return false;
  const name = strategy.state === 'known' ? String(strategy.value).trim().toLowerCase() : DEFAULT_INCREMENTAL_STRATEGY[dialect];
  const key = configValue(model, 'unique_key');
  return KEYED_STRATEGIES.has(name) && key.state === 'known' && !isEmptyKey(key.value);
}

function isEmptyKey(value: unknown): boolean {
  if (typeof value === 'string') return value.trim() === '';
  if (Array.isArray(value)) return value.length === 0;
  return false;
}
