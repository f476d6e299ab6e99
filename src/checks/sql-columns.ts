/**
 * `column-unresolved`: the change makes a query of the model read a column from one of its CTEs (or subqueries)
 * that no longer selects it, e.g. `customer_id` dropped from `orders as (select order_id, amount from ...)` while
 * `enriched as (select customer_id ... from orders)` still reads it. The warehouse rejects the model ("invalid
 * identifier"), so it no longer builds. The semantic diff reports it (change `column_unresolved`) only when it is
 * certain: the CTE's columns are known from the SQL alone (no `*` over a relation, no placeholder of Jinja that did
 * not render), the reference is unambiguous, and the base read the same column of that CTE.
 */
import type { Rule } from './types.js';

export const columnUnresolved: Rule = {
  id: 'column-unresolved',
  defaultSeverity: 'error',
  origin: 'rule',
  description:
    'A query of the model reads a column from one of its CTEs (or subqueries) that the change made stop selecting it: the warehouse rejects the unknown column, so the model no longer builds. Reported only when the CTE lists its columns (no `*` over a relation) and the reference is unambiguous.',
  run(ctx) {
    if (ctx.status === 'removed') return [];
    return ctx.changes
      .filter((c) => c.kind === 'column_unresolved')
      .map((c) => ({
        rule: 'column-unresolved',
        model: ctx.model.name,
        ...(c.column !== undefined ? { column: c.column } : {}),
        path: c.path,
        ...(c.line !== undefined ? { line: c.line } : {}),
        message: `${c.detail.trim()}. Select it there again, or stop reading it.`,
      }));
  },
};
