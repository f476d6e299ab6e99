import { describe, expect, it } from 'vitest';
import { analyzeSql, columnsUsedFrom } from '../../src/sql/index.js';

describe('columnsUsedFrom', () => {
  it('lists the columns of each upstream relation the query reads, through CTEs and aliases', () => {
    const shape = analyzeSql(
      `with orders as (select order_id, customer_id, amount from stg_orders where status = 'paid')
select o.order_id, c.email, sum(o.amount) as total
from orders as o
left join stg_customers as c on o.customer_id = c.customer_id
group by 1, 2`,
      { dialect: 'snowflake' },
    );
    expect(columnsUsedFrom(shape, 'stg_orders')).toEqual(['amount', 'customer_id', 'order_id', 'status']);
    expect(columnsUsedFrom(shape, 'stg_customers')).toEqual(['customer_id', 'email']);
    expect(columnsUsedFrom(shape, 'other')).toEqual([]);
  });

  it('expands * with known upstream columns and says * when they are unknown', () => {
    const known = analyzeSql('select * from stg_orders', { dialect: 'snowflake', upstreamColumns: () => ['a', 'b'] });
    expect(columnsUsedFrom(known, 'stg_orders')).toEqual(['a', 'b']);
    const unknown = analyzeSql('select * from stg_orders', { dialect: 'snowflake' });
    expect(columnsUsedFrom(unknown, 'stg_orders')).toEqual(['*']);
  });
});
