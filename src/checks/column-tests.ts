/**
 * `tested-column-missing`: a column of the model's property entry carries data tests, but the model's SQL does not
 * output it (a column renamed or removed in the SQL while the YAML kept the old name, or a test added on a column
 * that does not exist). dbt runs the test against a column the relation does not have, so the build fails. Judged
 * only when the model's output columns are fully known (its SQL analysed, every `*` resolved).
 */
import { containsPlaceholder } from '../dbt/jinja/placeholders.js';
import { columnKey } from '../dbt/propertyNodes.js';
import { lookupProjectVar } from '../dbt/vars.js';
import { code, hasHead } from './model-facts.js';
import type { CheckContext, Rule, RuleHit } from './types.js';

export const testedColumnMissing: Rule = {
  id: 'tested-column-missing',
  defaultSeverity: 'error',
  origin: 'rule',
  description:
    "A column with data tests in the model's property entry is not one of the columns its SQL outputs: dbt runs the tests against a column that does not exist, and the build fails.",
  run(ctx) {
    const output = knownOutputColumns(ctx);
    if (!output) return [];
    const hits: RuleHit[] = [];
    for (const column of ctx.model.columns) {
      const tests = column.tests.filter((t) => t.enabled);
      // `a.b`: a field of a struct column (BigQuery), not a column of its own.
      if (tests.length === 0 || column.name.includes('.') || output.has(column.key.toLowerCase())) continue;
      hits.push({
        rule: 'tested-column-missing',
        model: ctx.model.name,
        column: column.name,
        path: column.path,
        ...(column.line !== undefined ? { line: column.line } : {}),
        message: `Column ${code(column.name)} of \`${ctx.model.name}\` has ${tests.map((t) => code(t.alias ?? t.name)).join(', ')} in ${code(column.path)}, but the model's SQL does not output it: the tests fail the build. Rename the entry to the column's new name, or remove it with its tests.`,
      });
    }
    return hits;
  },
};

/**
 * The head's output columns as lower-case keys, when they are surely known: the SQL analysed with every `*`
 * resolved, and no var, env var or macro the review could not resolve (rendered as a placeholder, or looped over as
 * one). Compared without case: warehouses differ in how they fold names and quotes, and a false error blocks a PR.
 */
export function knownOutputColumns(ctx: CheckContext): Set<string> | undefined {
  if (!hasHead(ctx) || ctx.selectedColumns === undefined) return undefined;
  if (ctx.renderedSql === undefined || containsPlaceholder(ctx.renderedSql) || readsUnsetVar(ctx.model.raw, ctx.project.vars, ctx.project.name)) return undefined;
  return new Set(ctx.selectedColumns.map(outputKey));
}

/** The key `knownOutputColumns` holds for an output column name. */
export function outputKey(name: string): string {
  return columnKey(name, true).toLowerCase();
}

/** Whether the template reads a var without a default that the project does not set (it comes from `--vars`). */
function readsUnsetVar(template: string, vars: Record<string, unknown>, projectName: string): boolean {
  for (const m of template.matchAll(/\bvar\(\s*['"]([^'"]+)['"]\s*\)/g)) if (!lookupProjectVar(vars, projectName, m[1]!).found) return true;
  return false;
}
