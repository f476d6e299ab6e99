import { describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/config.js';
import { parseWith, type Grammar } from '../../src/sql/dialect.js';
import { diff, kinds } from './helpers.js';

type Node = { type?: string; operator?: string; left?: Node; right?: Node; parentheses?: boolean; column?: unknown; value?: unknown };

/** `(x = 1 OR (y = 2 AND z = 3))`: the grouping of an AND/OR tree, parentheses where the tree nests. */
function grouping(node: Node | undefined): string {
  if (!node) return '?';
  if (node.type === 'binary_expr' && (node.operator === 'AND' || node.operator === 'OR')) return `(${grouping(node.left)} ${node.operator} ${grouping(node.right)})`;
  if (node.type === 'binary_expr') return `${grouping(node.left)}${node.operator}${grouping(node.right)}`;
  if (node.type === 'column_ref') return typeof node.column === 'string' ? node.column : String((node.column as { expr?: { value?: unknown } }).expr?.value);
  return String(node.value);
}

const whereOf = (grammar: Grammar, condition: string): string => grouping((parseWith(grammar, `select a from t where ${condition}`) as { where: Node }).where);

const GRAMMARS: Grammar[] = ['snowflake', 'postgresql', 'redshift', 'bigquery', 'trino', 'hive'];

describe('AND binds tighter than OR, in every grammar', () => {
  it.each(GRAMMARS)('%s: where x=1 or y=2 and z=3 is x=1 or (y=2 and z=3)', (grammar) => {
    expect(whereOf(grammar, 'x=1 or y=2 and z=3')).toBe('(x=1 OR (y=2 AND z=3))');
    expect(whereOf(grammar, 'x=1 and y=2 or z=3')).toBe('((x=1 AND y=2) OR z=3)');
    expect(whereOf(grammar, 'a=1 or b=2 and c=3 or d=4')).toBe('((a=1 OR (b=2 AND c=3)) OR d=4)');
  });

  it.each(GRAMMARS)('%s: parentheses keep their grouping', (grammar) => {
    expect(whereOf(grammar, '(x=1 or y=2) and z=3')).toBe('((x=1 OR y=2) AND z=3)');
    expect(whereOf(grammar, 'a=1 and (b=2 or c=3 and d=4)')).toBe('(a=1 AND (b=2 OR (c=3 AND d=4)))');
  });
});

describe('a change of AND/OR grouping is a change of the filter', () => {
  const base = "select order_id, amount from stg_orders\nwhere (status = 'complete' or status = 'shipped')\n  and is_test = false";
  const head = "select order_id, amount from stg_orders\nwhere status = 'complete' or status = 'shipped'\n  and is_test = false";

  it.each<Dialect>(['snowflake', 'postgres', 'redshift', 'duckdb', 'bigquery', 'trino', 'databricks'])('%s: removing the parentheses is a breaking filter change', (dialect) => {
    const changes = diff(base, head, dialect);
    expect(kinds(changes)).toContain('filter_changed');
    expect(changes.some((c) => c.kind === 'filter_changed' && c.breaking)).toBe(true);
  });

  it('in a select item (a CASE condition), too', () => {
    const changes = diff(
      "select order_id, case when status = 'a' or status = 'b' and amount > 0 then 1 else 0 end as flag from stg_orders",
      "select order_id, case when (status = 'a' or status = 'b') and amount > 0 then 1 else 0 end as flag from stg_orders",
    );
    expect(kinds(changes)).toEqual(['column_expression_changed:flag']);
  });

  it('the same grouping written with and without redundant parentheses is no change', () => {
    expect(diff("select a from stg_orders where x = 1 or y = 2 and z = 3", "select a from stg_orders where x = 1 or (y = 2 and z = 3)")).toEqual([]);
  });
});
