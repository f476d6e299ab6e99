import { describe, expect, it } from 'vitest';
import { analyzeSql, columnsUsedFrom } from '../../src/sql/index.js';

const upstreamColumns = (relation: string) => (relation === 'customers' ? ['customer_id', 'first_name', 'last_name'] : undefined);

describe('which CTEs a CTE sees', () => {
  it('a CTE named like the relation it reads reads that relation, not itself', () => {
    const shape = analyzeSql('with customers as (\n  select customer_id, first_name from customers\n)\nselect * from customers', { dialect: 'snowflake', upstreamColumns });
    expect(shape.columns.map((c) => `${c.name}=${c.expr}`)).toEqual(['customer_id=⟦customers⟧.customer_id', 'first_name=⟦customers⟧.first_name']);
    expect(columnsUsedFrom(shape, 'customers')).toEqual(['customer_id', 'first_name']);
  });

  it('a CTE does not see the CTEs defined after it; the main query sees them all', () => {
    const shape = analyzeSql('with a as (select customer_id from b),\nb as (select customer_id, first_name from customers)\nselect a.customer_id, b.first_name from a join b using (customer_id)', { dialect: 'snowflake', upstreamColumns });
    // `b` in the first CTE is a relation of the warehouse named b
    expect(shape.columns[0]!.expr).toBe('⟦b⟧.customer_id');
    expect(shape.columns[1]!.expr).toBe('⟦customers⟧.first_name');
  });

  it('under `with recursive` a CTE sees itself', () => {
    const shape = analyzeSql('with recursive r as (select 1 as n union all select n + 1 from r where n < 3)\nselect n from r', { dialect: 'postgres' });
    expect(shape.parse).toBe('full');
    expect([...shape.relations]).not.toContain('r');
  });
});
