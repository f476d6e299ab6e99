/**
 * `tested-column-missing`: a column of the model's property entry carries data tests, but the model's SQL does not
 * output it (a column renamed or removed in the SQL while the YAML kept the old name, or a test added on a column
 * that does not exist). dbt runs the test against a column the relation does not have, so the build fails. Judged
 * only when the model's output columns are fully known (its SQL analysed, every `*` resolved).
 */
import { columnKey } from '../dbt/propertyNodes.js';
import { code, hasHead } from './model-facts.js';
import type { Rule, RuleHit } from './types.js';

export const testedColumnMissing: Rule = {
  id: 'tested-column-missing',
  defaultSeverity: 'error',
  origin: 'rule',
  description:
    "A column with data tests in the model's property entry is not one of the columns its SQL outputs: dbt runs the tests against a column that does not exist, and the build fails.",
  run(ctx) {
    if (!hasHead(ctx) || ctx.selectedColumns === undefined) return [];
    const output = new Set(ctx.selectedColumns.map((c) => columnKey(c)));
    const hits: RuleHit[] = [];
    for (const column of ctx.model.columns) {
      const tests = column.tests.filter((t) => t.enabled);
      if (tests.length === 0 || output.has(column.key)) continue;
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
