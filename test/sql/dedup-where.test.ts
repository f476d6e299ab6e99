import { describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/config.js';
import { diff, kinds } from './helpers.js';

const DIALECTS: Dialect[] = ['snowflake', 'postgres', 'redshift', 'duckdb', 'bigquery', 'trino', 'databricks'];
const ranked = (partition: string, order = 'updated_at desc', outer = 'where rn = 1') =>
  `with ranked as (\n  select order_id, customer_id, status, row_number() over (partition by ${partition} order by ${order}) as rn\n  from stg_orders\n)\nselect order_id, customer_id, status from ranked\n${outer}`;
const subquery = (partition: string) =>
  `select order_id, customer_id, status from (\n  select order_id, customer_id, status, row_number() over (partition by ${partition} order by updated_at desc) as rn\n  from stg_orders\n) t\nwhere rn = 1`;
const qualify = (partition: string) =>
  `select order_id, customer_id, status from stg_orders\nqualify row_number() over (partition by ${partition} order by updated_at desc) = 1`;

describe('the row_number() dedup written as a CTE or subquery with `where rn = 1`', () => {
  it.each(DIALECTS)('%s: is the same as the other forms (no change)', (dialect) => {
    expect(diff(ranked('customer_id'), subquery('customer_id'), dialect)).toEqual([]);
    expect(diff(ranked('customer_id'), ranked('customer_id', 'updated_at desc', 'where 1 >= rn'), dialect)).toEqual([]);
  });

  it.each<Dialect>(['snowflake', 'duckdb'])('%s: is the same as qualify (no change)', (dialect) => {
    expect(diff(qualify('customer_id'), ranked('customer_id'), dialect)).toEqual([]);
    expect(diff(subquery('customer_id'), qualify('customer_id'), dialect)).toEqual([]);
  });

  it('a new partition is a grain change that names the keys, not a filter that reads the same', () => {
    const changes = diff(ranked('customer_id'), ranked('customer_id, status'));
    expect(changes).toEqual([
      expect.objectContaining({
        kind: 'grain_changed',
        breaking: true,
        line: 6,
        detail: '`where rn = 1 (one row per stg_orders.customer_id)` → `where rn = 1 (one row per stg_orders.customer_id, stg_orders.status)`',
      }),
    ]);
  });

  it('another order keeps another row per key; removing the dedup lets duplicates back', () => {
    expect(kinds(diff(ranked('customer_id'), ranked('customer_id', 'created_at desc')))).toEqual(['order_limit_changed']);
    expect(diff(ranked('customer_id'), ranked('customer_id', 'updated_at desc', ''))).toEqual([
      expect.objectContaining({ kind: 'grain_changed', breaking: true, detail: expect.stringContaining('duplicates can reappear') }),
    ]);
  });

  it('a filter beside the dedup is still a filter', () => {
    expect(kinds(diff(ranked('customer_id'), ranked('customer_id', 'updated_at desc', "where rn = 1 and status <> 'test'")))).toEqual(['filter_changed']);
  });
});
