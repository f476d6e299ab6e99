import { describe, expect, it } from 'vitest';
import { diff } from './helpers.js';

const distinct = 'select distinct customer_id, status from raw__orders';
const grouped = (by: string): string => `select customer_id, status from raw__orders group by ${by}`;

describe('`select distinct a, b` and `select a, b ... group by a, b` without aggregates are the same rows', () => {
  for (const dialect of ['snowflake', 'postgres', 'bigquery', 'databricks', 'duckdb', 'trino', 'redshift'] as const) {
    it(`${dialect}: distinct ↔ group by of every selected column (by name, ordinal or all) is no change`, () => {
      for (const by of ['customer_id, status', 'status, customer_id', '1, 2']) {
        expect(diff(distinct, grouped(by), dialect, false), by).toEqual([]);
        expect(diff(grouped(by), distinct, dialect, false), by).toEqual([]);
      }
    });
  }

  it('`group by all` without aggregates is a distinct too; constants do not count', () => {
    expect(diff(distinct, grouped('all'), 'snowflake', false)).toEqual([]);
    const withConstant = "select distinct customer_id, status, 'web' as channel from raw__orders";
    expect(diff(withConstant, "select customer_id, status, 'web' as channel from raw__orders group by customer_id, status", 'snowflake', false)).toEqual([]);
  });

  it('a column added to both the select and the group by still widens the grain: a breaking change on the group by line', () => {
    const before = 'select customer_id, status\nfrom raw__orders\ngroup by customer_id, status';
    const after = 'select customer_id, status, region\nfrom raw__orders\ngroup by customer_id, status, region';
    expect(diff(before, after, 'snowflake', false)).toEqual([
      expect.objectContaining({ kind: 'column_added', column: 'region' }),
      { kind: 'distinct_changed', detail: '`group by customer_id, status` → `group by customer_id, status, region`', line: 3, side: 'head', impact: 'model_wide', breaking: true },
    ]);
  });

  it('a column added to a select distinct widens it the same way', () => {
    expect(diff(distinct, 'select distinct customer_id, status, region from raw__orders', 'snowflake', false)).toEqual([
      expect.objectContaining({ kind: 'column_added', column: 'region' }),
      expect.objectContaining({ kind: 'distinct_changed', detail: '`select distinct customer_id, status` → `select distinct customer_id, status, region`', breaking: true }),
    ]);
  });

  it('not the same rows: a group by of fewer columns than selected, or one with an aggregate HAVING, is still reported', () => {
    const fewer = 'select customer_id, max(status) as status from raw__orders group by customer_id';
    expect(diff(distinct, fewer, 'snowflake', false).map((c) => c.kind).sort()).toEqual(['column_expression_changed', 'distinct_changed', 'grain_changed']);
    const having = `${grouped('customer_id, status')} having count(*) > 1`;
    expect(diff(distinct, having, 'snowflake', false).map((c) => c.kind).sort()).toEqual(['distinct_changed', 'filter_changed', 'grain_changed']);
  });

  it('adding or removing a DISTINCT is still one distinct_changed with its consequence', () => {
    const plain = 'select customer_id, status from raw__orders';
    expect(diff(plain, distinct, 'snowflake', false)).toEqual([expect.objectContaining({ kind: 'distinct_changed', detail: 'added: `select distinct customer_id, status` (duplicate rows collapse)', breaking: true })]);
    expect(diff(distinct, plain, 'snowflake', false)).toEqual([expect.objectContaining({ kind: 'distinct_changed', detail: 'removed: `select distinct customer_id, status` (duplicates can reappear)', breaking: true })]);
    expect(diff(plain, grouped('customer_id, status'), 'snowflake', false)).toEqual([expect.objectContaining({ kind: 'distinct_changed', detail: 'added: `group by customer_id, status` (duplicate rows collapse)', breaking: true })]);
  });

  it('a column of a DISTINCT computed otherwise changes which rows collapse; one only renamed does not', () => {
    const upper = 'select distinct upper(status) as status_key, customer_id from raw__orders';
    const lower = 'select distinct lower(status) as status_key, customer_id from raw__orders';
    expect(diff(upper, lower, 'snowflake', false).map((c) => [c.kind, c.breaking]).sort()).toEqual([['column_expression_changed', false], ['distinct_changed', true]]);
    const byPosition = (e: string) => `select ${e}(status) as status_key, customer_id from raw__orders group by 1, 2`;
    expect(diff(byPosition('upper'), byPosition('lower'), 'snowflake', false).map((c) => c.kind).sort()).toEqual(['column_expression_changed', 'distinct_changed']);
    const renamed = 'select distinct upper(status) as status_code, customer_id from raw__orders';
    expect(diff(upper, renamed, 'snowflake', false).map((c) => c.kind)).toEqual(['column_renamed']);
  });
});
