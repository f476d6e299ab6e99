import { describe, expect, it } from 'vitest';
import { baseType } from '../../src/sql/index.js';
import { diff } from './helpers.js';

describe('canonicalisation: equivalent SQL compares equal', () => {
  const same = (a: string, b: string, dialect: Parameters<typeof diff>[2] = 'snowflake'): void => {
    expect(diff(a, b, dialect)).toEqual([]);
  };

  it('ignores comments, layout and the case of keywords and unquoted names', () => {
    same('select order_id, sum(amount) as total from stg_orders group by order_id', '-- one row per order\nSELECT Order_ID,\n  SUM(amount) AS total /* x */\nFROM stg_orders GROUP BY order_id');
  });

  it('drops `where true` and `1 = 1`', () => {
    same('select a from t', 'select a from t where 1 = 1');
    same('select a from t where b > 0', 'select a from t where true and b > 0');
  });

  it('sorts the operands of commutative operators', () => {
    same('select amount + discount as g from stg_orders', 'select discount + amount as g from stg_orders');
    same('select a from t where x = 1 and y = 2', 'select a from t where y = 2 and 1 = x');
    same('select a from t where x < 5', 'select a from t where 5 > x');
  });

  it('treats count(1) as count(*)', () => {
    same('select c, count(*) as n from stg_orders group by c', 'select c, count(1) as n from stg_orders group by c', 'redshift');
  });

  it('treats x::t as cast(x as t)', () => {
    same('select created_at::date as d from stg_orders', 'select cast(created_at as date) as d from stg_orders');
  });

  it('compares types by base type', () => {
    expect(baseType('varchar(2)', 'snowflake')).toBe(baseType('varchar(3)', 'snowflake'));
    expect(baseType('number(18,2)', 'snowflake')).not.toBe(baseType('integer', 'snowflake'));
    expect(baseType('number(38,0)', 'snowflake')).toBe('integer');
    expect(baseType('int', 'postgres')).not.toBe(baseType('text', 'postgres'));
    expect(baseType('string', 'bigquery')).toBe(baseType('varchar', 'snowflake'));
    expect(baseType('timestamp_ntz', 'snowflake')).not.toBe(baseType('timestamp_tz', 'snowflake'));
  });

  it('makes CTE renames, table alias renames and subquery-to-CTE refactors invisible', () => {
    same('with orders as (select * from stg_orders) select order_id from orders', 'with base_orders as (select * from stg_orders) select order_id from base_orders');
    same('select o.order_id, c.email from stg_orders as o join stg_customers as c on o.customer_id = c.customer_id', 'select ord.order_id, cust.email from stg_orders as ord join stg_customers as cust on ord.customer_id = cust.customer_id');
    same('select customer_id, total from (select customer_id, sum(amount) as total from stg_orders group by customer_id) as t', 'with totals as (select customer_id, sum(amount) as total from stg_orders group by customer_id) select customer_id, total from totals');
  });

  it('ignores unused CTEs', () => {
    same('select a from t', "with unused as (select * from other where x = 'y') select a from t");
  });

  it('resolves group by ordinals to the selected expressions', () => {
    same('select customer_id, status, count(*) as n from stg_orders group by 1, 2', 'select status, customer_id, count(*) as n from stg_orders group by 1, 2');
  });

  it('ignores column order', () => {
    same('select order_id, customer_id, amount from stg_orders', 'select customer_id, order_id, amount from stg_orders');
  });

  it('folds identifier case per dialect for output names', () => {
    same('select ORDER_ID from stg_orders', 'select order_id from stg_orders');
  });
});
