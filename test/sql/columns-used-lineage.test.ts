import { describe, expect, it } from 'vitest';
import { analyzeSql, columnsUsedFrom } from '../../src/sql/index.js';

const upstream = (rel: string) => (rel === 'fct_orders' ? ['order_id', 'customer_id', 'amount', 'discount_total'] : undefined);

describe('columnsUsedFrom (what the result depends on)', () => {
  it('does not count columns that only pass through an import CTE', () => {
    const shape = analyzeSql(
      `with orders as (select * from fct_orders)
select customer_id, sum(amount) as lifetime_value from orders group by customer_id`,
      { dialect: 'snowflake', upstreamColumns: upstream },
    );
    expect(columnsUsedFrom(shape, 'fct_orders')).toEqual(['amount', 'customer_id']);
  });

  it('counts columns used only in filters and join conditions', () => {
    const shape = analyzeSql(
      `with orders as (select * from fct_orders)
select o.order_id from orders as o join customers as c on o.customer_id = c.customer_id where o.discount_total > 0`,
      { dialect: 'snowflake', upstreamColumns: upstream },
    );
    expect(columnsUsedFrom(shape, 'fct_orders')).toEqual(['customer_id', 'discount_total', 'order_id']);
  });

  it('counts every column when the final select passes them all through', () => {
    const shape = analyzeSql('select * from fct_orders', { dialect: 'snowflake', upstreamColumns: upstream });
    expect(columnsUsedFrom(shape, 'fct_orders')).toEqual(['amount', 'customer_id', 'discount_total', 'order_id']);
  });

  it('says * when it passes through columns it cannot list', () => {
    const shape = analyzeSql('select * from fct_orders', { dialect: 'snowflake', upstreamColumns: () => undefined });
    expect(columnsUsedFrom(shape, 'fct_orders')).toEqual(['*']);
  });
});
