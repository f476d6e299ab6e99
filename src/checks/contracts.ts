/**
 * `public-model-contract-missing`: a model with `access: public` is an interface for other projects and teams;
 * without an enforced contract a change to its columns or types reaches them silently instead of failing the build.
 */
import { knownOutputColumns, outputKey } from './column-tests.js';
import { code, configValue, hasHead, modelPlace } from './model-facts.js';
import type { Rule, RuleHit } from './types.js';

export const publicModelContractMissing: Rule = {
  id: 'public-model-contract-missing',
  defaultSeverity: 'warning',
  origin: 'rule',
  description:
    'A model with `access: public` has no enforced contract (`contract: {enforced: true}`), so a change to its columns or types reaches its consumers instead of failing the build.',
  run(ctx) {
    if (!hasHead(ctx)) return [];
    const { model } = ctx;
    if (model.access?.trim().toLowerCase() !== 'public') return [];
    if (model.contractEnforced !== false) return []; // enforced, or computed by Jinja
    const access = model.config.access;
    const place = access?.path ? { path: access.path, line: access.line ?? 1 } : modelPlace(model);
    return [
      {
        rule: 'public-model-contract-missing',
        model: model.name,
        path: place.path,
        line: place.line,
        message: `Public model \`${model.name}\` has no enforced contract: add \`contract: {enforced: true}\` to its config and a \`data_type\` to every column, so a change to its columns fails the build instead of reaching other teams; or make it \`access: protected\` if no other project reads it.`,
      },
    ];
  },
};

/** Materializations that enforce a contract (dbt rejects one on the others, or a custom one ignores it). */
const CONTRACT_MATERIALIZATIONS: ReadonlySet<string> = new Set(['table', 'view', 'incremental']);

/**
 * `contract-columns-mismatch`: under an enforced contract dbt builds a model only when its SQL outputs exactly the
 * columns of its YAML entry, each with a `data_type`. Reported: a declared column without `data_type` (dbt does not
 * compile the model), a column the SQL outputs but the contract does not list, a listed column the SQL does not output
 * (one with tests is left to `tested-column-missing`). Columns are compared only when the SQL's are surely known
 * (`knownOutputColumns`), without case as the warehouse folds them. Types are not compared: the warehouse decides
 * them, and a cast's type name is not always the one dbt compares.
 */
export const contractColumnsMismatch: Rule = {
  id: 'contract-columns-mismatch',
  defaultSeverity: 'error',
  origin: 'rule',
  description:
    "A model with an enforced contract whose SQL columns differ from the contract's `columns:` (one missing on either side), or a contract column without `data_type`: dbt fails to build the model.",
  run(ctx) {
    const { model } = ctx;
    if (!hasHead(ctx) || model.language !== 'sql' || model.contractEnforced !== true) return [];
    const materialized = configValue(model, 'materialized');
    if (materialized.state === 'unknown' || (materialized.state === 'known' && !CONTRACT_MATERIALIZATIONS.has(String(materialized.value).trim().toLowerCase()))) return [];
    const entry = model.properties?.path ?? model.path;
    const hits: RuleHit[] = [];
    const hit = (column: string, path: string, line: number | undefined, message: string): void => {
      hits.push({ rule: 'contract-columns-mismatch', model: model.name, column, path, ...(line !== undefined ? { line } : {}), message });
    };
    for (const column of model.columns) {
      if (column.dataType === undefined || column.dataType.trim() === '') {
        hit(column.name, column.path, column.line, `Column ${code(column.name)} of \`${model.name}\` has no \`data_type\`, and the model's contract is enforced: dbt does not compile the model (a contract needs the type of every column). Add \`data_type:\` to the column.`);
      }
    }
    const output = knownOutputColumns(ctx);
    if (!output) return hits;
    const declared = new Set(model.columns.map((c) => c.key.toLowerCase()));
    for (const name of ctx.selectedColumns ?? []) {
      if (declared.has(outputKey(name))) continue;
      const line = ctx.selectedColumnLine?.(name);
      hit(name, model.path, line ?? 1, `Column ${code(name)} is in the SQL of \`${model.name}\` but not in its contract (${code(entry)}): the build fails, since an enforced contract lists every column. Add it to the model's \`columns:\` with its \`data_type\`, or remove it from the SQL.`);
    }
    for (const column of model.columns) {
      // `a.b`: a field of a struct column (BigQuery); a tested column: `tested-column-missing` reports it.
      if (output.has(column.key.toLowerCase()) || column.name.includes('.') || column.tests.some((t) => t.enabled)) continue;
      hit(column.name, column.path, column.line, `Column ${code(column.name)} is in the contract of \`${model.name}\` but its SQL does not output it: the build fails. Remove it from \`columns:\`, or add it to the SQL.`);
    }
    return hits;
  },
};
