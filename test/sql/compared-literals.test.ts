import { describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/config.js';
import { comparedLiteral } from '../../src/sql/analyze-ast.js';
import { diff, kinds } from './helpers.js';

const DIALECTS: Dialect[] = ['snowflake', 'postgres', 'redshift', 'duckdb', 'bigquery', 'trino', 'databricks'];
const model = (where: string) => `select order_id, amount from stg_orders\nwhere ${where}`;

describe('a compared literal written another way is the same filter', () => {
  it.each(DIALECTS)('%s: numbers in any spelling, a value listed twice', (dialect) => {
    for (const [before, after] of [
      ['amount > 1.0', 'amount > 1'],
      ['amount >= 1e3', 'amount >= 1000'],
      ['amount = 0.50', 'amount = 0.5'],
      ['amount < -2.500', 'amount < -2.5'],
      ['amount between 1.0 and 10.00', 'amount >= 1 and amount <= 10'],
      ["status in ('a', 'b', 'a')", "status in ('b', 'a')"],
      ['amount not in (1.0, 2)', 'amount not in (2, 1)'],
      ['amount = 1.0 or amount = 2', 'amount in (1, 2)'],
    ]) {
      expect(diff(model(before!), model(after!), dialect), `${before} -> ${after}`).toEqual([]);
    }
  });

  it.each(['snowflake', 'postgres', 'duckdb'] as Dialect[])('%s: ILIKE ignores the case of its pattern', (dialect) => {
    expect(diff(model("status ilike 'Complete%'"), model("status ilike 'complete%'"), dialect)).toEqual([]);
    expect(diff(model("status not ilike 'TEST'"), model("status not ilike 'test'"), dialect)).toEqual([]);
  });

  it.each(DIALECTS)('%s: a different value, a LIKE pattern in another case, a number in the select list are changes', (dialect) => {
    expect(kinds(diff(model('amount > 1.0'), model('amount > 1.01'), dialect))).toEqual(['filter_changed']);
    expect(kinds(diff(model("status like 'Complete%'"), model("status like 'complete%'"), dialect))).toEqual(['filter_changed']);
    expect(kinds(diff(model("lower(status) = 'complete'"), model("lower(status) = 'Complete'"), dialect))).toEqual(['filter_changed']);
    expect(kinds(diff(model("status in ('a', 'b')"), model("status in ('a')"), dialect))).toEqual(['filter_changed']);
    const cols = (v: string) => `select order_id, ${v} as weight from stg_orders`;
    expect(diff(cols('1.0'), cols('1'), dialect)).not.toEqual([]);
  });
});

describe('comparedLiteral', () => {
  it('writes a number one way', () => {
    expect(['1.0', '1', '1e0', '01.00', '0.1e1'].map(comparedLiteral)).toEqual(['1', '1', '1', '1', '1']);
    expect(['1e3', '1000.0', '1.5e-1', '-0.0', '-2.50', '.5', '5.', '12345678901234567890.10'].map(comparedLiteral)).toEqual([
      '1000', '1000', '0.15', '0', '-2.5', '0.5', '5', '12345678901234567890.1',
    ]);
  });

  it('leaves anything else as it is', () => {
    for (const text of ["'1.0'", '⟦t⟧.amount', 'null', '.', '-', 'e3', '1e9999', '1.2.3']) expect(comparedLiteral(text)).toBe(text);
  });
});
