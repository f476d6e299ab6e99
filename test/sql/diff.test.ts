import { describe, expect, it } from 'vitest';
import { impactOf } from '../../src/sql/index.js';
import { diff, impact, kinds } from './helpers.js';

describe('diffShapes: column changes', () => {
  it('reports an added column as additive, not breaking, on its head line', () => {
    const changes = diff('select order_id from stg_orders', 'select order_id,\n  status\nfrom stg_orders');
    expect(changes).toEqual([expect.objectContaining({ kind: 'column_added', column: 'status', impact: 'additive', breaking: false, line: 2, side: 'head' })]);
  });

  it('reports a removed column as breaking, located in the base SQL', () => {
    const changes = diff('select order_id,\n  status\nfrom stg_orders', 'select order_id from stg_orders');
    expect(changes).toEqual([expect.objectContaining({ kind: 'column_removed', column: 'status', impact: 'column', breaking: true, line: 2, side: 'base' })]);
  });

  it('pairs a removed and an added column with the same expression into a rename', () => {
    const changes = diff('select order_id, status from stg_orders', 'select order_id, status as order_status from stg_orders');
    expect(kinds(changes)).toEqual(['column_renamed:status']);
    expect(changes[0]!.detail).toContain('order_status');
    expect(changes[0]!.breaking).toBe(true);
  });

  it('follows a rename made inside a CTE to the output', () => {
    const base = 'with base as (select customer_id, first_name from stg_customers) select customer_id, first_name from base';
    const head = 'with base as (select customer_id, first_name as given_name from stg_customers) select customer_id, given_name from base';
    expect(kinds(diff(base, head))).toEqual(['column_renamed:first_name']);
  });

  it('reports a base type change as breaking and a size change as nothing', () => {
    expect(kinds(diff('select cast(amount as number(18, 2)) as amount from stg_orders', 'select cast(amount as integer) as amount from stg_orders'))).toEqual(['column_type_changed:amount']);
    expect(diff('select cast(amount as number(18, 2)) as amount from stg_orders', 'select cast(amount as integer) as amount from stg_orders')[0]!.breaking).toBe(true);
    expect(diff('select cast(c as varchar(2)) as c from stg_customers', 'select cast(c as varchar(3)) as c from stg_customers')).toEqual([]);
    expect(kinds(diff("select 1 as id", "select '1' as id"))).toContain('column_type_changed:id');
  });

  it('sees a `::` cast of a parenthesised expression (node-sql-parser gives it as the select item itself)', () => {
    const base = 'select order_id, amount_cents::number(18, 2) / 100 as amount from stg_orders';
    const head = 'select order_id, (amount_cents::number(18, 2) / 100)::varchar as amount from stg_orders';
    expect(diff('select order_id, amount as amount from stg_orders', 'select order_id, (amount)::varchar as amount from stg_orders')).toEqual([
      expect.objectContaining({ kind: 'column_expression_changed', column: 'amount', detail: '`amount` is now cast to text' }),
    ]);
    expect(diff(base, head).map((c) => c.column)).toEqual(['amount']);
  });

  it('reports a redefined column as a column-level, non-breaking expression change with old and new text', () => {
    const changes = diff('select order_id, discount from stg_orders', 'select order_id, coalesce(discount, 0) as discount from stg_orders', 'databricks');
    expect(changes).toEqual([expect.objectContaining({ kind: 'column_expression_changed', column: 'discount', impact: 'column', breaking: false })]);
    expect(changes[0]!.detail).toContain('coalesce(discount, 0)');
  });

  it('reports a newly cast column as an expression change that names the cast', () => {
    const changes = diff('select order_id, created_at from stg_orders', 'select order_id, created_at::date as created_at from stg_orders');
    expect(kinds(changes)).toEqual(['column_expression_changed:created_at']);
    expect(changes[0]!.detail).toContain('date');
  });

  it('sees a change in one branch of a union as a column change', () => {
    const base = 'select order_id, amount from stg_orders\nunion all\nselect order_id, amount from stg_refunds';
    const head = 'select order_id, amount from stg_orders\nunion all\nselect order_id, -1 * amount as amount from stg_refunds';
    expect(kinds(diff(base, head))).toEqual(['column_expression_changed:amount']);
    expect(impact(base, head)).toBe('column');
  });

  it('expands select * with the upstream columns and lists what an explicit list drops', () => {
    const changes = diff('select * from stg_customers', 'select customer_id, first_name, last_name, email from stg_customers');
    expect(kinds(changes)).toEqual(['column_removed:country', 'column_removed:created_at']);
  });

  it('knows which columns `* except` / `* exclude` removes, with or without the upstream schema', () => {
    expect(kinds(diff('select * from stg_customers', 'select * except (email) from stg_customers', 'bigquery'))).toEqual(['column_removed:email']);
    expect(kinds(diff('select * from stg_customers', 'select * exclude (email) from stg_customers', 'snowflake', false))).toEqual(['column_removed:email']);
  });

  it('says it cannot list removed columns when * over an unknown relation becomes a list', () => {
    const changes = diff('select * from stg_unknown', 'select a, b from stg_unknown', 'snowflake', false);
    expect(changes.some((c) => c.kind === 'unknown' && c.impact === 'unknown')).toBe(true);
  });

  it('sees a column added inside a CTE that flows through select *', () => {
    const base = 'with renamed as (select order_id, customer_id from stg_orders) select * from renamed';
    const head = 'with renamed as (select order_id, customer_id, order_date from stg_orders) select * from renamed';
    expect(kinds(diff(base, head))).toEqual(['column_added:order_date']);
  });
});

describe('diffShapes: model-wide changes', () => {
  it('reports an added filter as model_wide and breaking, on its line', () => {
    const changes = diff('select order_id from stg_orders', "select order_id from stg_orders\nwhere status = 'completed'", 'bigquery');
    expect(changes).toEqual([expect.objectContaining({ kind: 'filter_changed', impact: 'model_wide', breaking: true, line: 2 })]);
    expect(changes[0]!.detail).toContain("status = 'completed'");
  });

  it('reports a changed comparison as old → new', () => {
    const changes = diff('select order_id from stg_orders where amount > 0', 'select order_id from stg_orders where amount >= 0', 'redshift');
    expect(changes[0]!.detail).toContain('amount > 0');
    expect(changes[0]!.detail).toContain('amount >= 0');
  });

  it('counts a filter added inside an upstream CTE', () => {
    const base = 'with orders as (select * from stg_orders)\nselect customer_id, count(*) as n from orders group by customer_id';
    const head = "with orders as (select * from stg_orders\n  where status != 'cancelled')\nselect customer_id, count(*) as n from orders group by customer_id";
    expect(diff(base, head)).toEqual([expect.objectContaining({ kind: 'filter_changed', line: 2 })]);
  });

  it('reports having and removed filters', () => {
    expect(kinds(diff('select customer_id, sum(amount) as t from stg_orders group by customer_id', 'select customer_id, sum(amount) as t from stg_orders group by customer_id having sum(amount) > 10', 'databricks'))).toEqual(['filter_changed']);
    const removed = diff("select a from stg_orders where status = 'x'", 'select a from stg_orders');
    expect(removed[0]).toMatchObject({ kind: 'filter_changed', side: 'base' });
  });

  it('reports join type, condition, added joins and redefined join keys', () => {
    const j = (type: string, extra = ''): string => `select o.order_id, c.email\nfrom stg_orders as o\n${type} stg_customers as c on o.customer_id = c.customer_id${extra}`;
    const typeChange = diff(j('join'), j('left join'));
    expect(typeChange).toEqual([expect.objectContaining({ kind: 'join_changed', line: 3 })]);
    expect(typeChange[0]!.detail).toContain('inner → left');
    // a condition on the joined relation alone in a left join's ON filters its optional side: the rows are kept
    expect(diff(j('left join'), j('left join', " and c.country = 'NL'"))).toEqual([expect.objectContaining({ kind: 'filter_changed', breaking: false })]);
    expect(kinds(diff(j('join'), j('join', " and c.country = 'NL'")))).toEqual(['join_changed']);
    const added = diff('select o.order_id from stg_orders as o', 'select o.order_id, i.product_id\nfrom stg_orders as o\njoin order_items as i on o.order_id = i.order_id');
    expect(kinds(added)).toEqual(['column_added:product_id', 'join_changed']);
    expect(impactOf(added)).toBe('model_wide');
    const cte = (expr: string): string => `with customers as (select ${expr} as customer_id, email from stg_customers)\nselect o.order_id, c.email from stg_orders as o\njoin customers as c on o.customer_id = c.customer_id`;
    expect(kinds(diff(cte('customer_id'), cte('coalesce(merged_into_customer_id, customer_id)')))).toEqual(['join_changed']);
  });

  it('marks as settled only the changes whose detail states the whole effect: a whole predicate, left <-> inner', () => {
    const settledOf = (b: string, h: string): [string, boolean][] => diff(b, h).map((c) => [c.kind, c.settled === true]);
    const added = diff('select order_id from stg_orders', "select order_id from stg_orders\nwhere status != 'x'");
    expect(added[0]).toMatchObject({ kind: 'filter_changed', settled: true });
    expect(added[0]!.detail).toContain('false or NULL');
    expect(settledOf("select a from stg_orders where status = 'x'", 'select a from stg_orders')).toEqual([['filter_changed', true]]);
    // a predicate replaced by another: which rows change needs judgement
    expect(settledOf('select a from stg_orders where amount > 0', 'select a from stg_orders where amount >= 10')).toEqual([['filter_changed', false]]);
    const j = (type: string, on = 'o.customer_id = c.customer_id'): string => `select o.order_id, c.email\nfrom stg_orders as o\n${type} stg_customers as c on ${on}`;
    expect(settledOf(j('left join'), j('join'))).toEqual([['join_changed', true]]);
    expect(diff(j('join'), j('left join'))[0]!.detail).toContain('now kept, with NULLs');
    expect(settledOf(j('join'), j('full join'))).toEqual([['join_changed', false]]);
    expect(settledOf(j('left join'), j('left join', 'o.customer_id = c.id'))).toEqual([['join_changed', false]]);
    expect(settledOf('select o.order_id from stg_orders as o', 'select o.order_id from stg_orders as o\njoin items as i on o.order_id = i.order_id')).toEqual([['join_changed', false]]);
  });

  it('reports a group by change as a grain change that outweighs the added column', () => {
    const changes = diff('select customer_id, count(*) as n from stg_orders\ngroup by customer_id', 'select customer_id, order_date, count(*) as n from stg_orders\ngroup by customer_id, order_date', 'postgres');
    expect(kinds(changes)).toEqual(['column_added:order_date', 'grain_changed']);
    expect(impactOf(changes)).toBe('model_wide');
    expect(changes.find((c) => c.kind === 'grain_changed')!.line).toBe(2);
  });

  it('reports row-level to aggregate as a grain change', () => {
    expect(kinds(diff('select customer_id, amount as a from stg_orders', 'select customer_id, sum(amount) as a from stg_orders group by customer_id'))).toEqual(['column_expression_changed:a', 'grain_changed']);
  });

  it('reports qualify and distinct changes', () => {
    expect(kinds(diff('select customer_id, email from h', 'select customer_id, email from h\nqualify row_number() over (partition by customer_id order by updated_at desc) = 1'))).toEqual(['grain_changed']);
    expect(kinds(diff('select a, b from t', 'select distinct a, b from t', 'bigquery'))).toEqual(['distinct_changed']);
    expect(kinds(diff('select distinct on (a) a, b from t order by a', 'select distinct on (a, c) a, b from t order by a, c', 'postgres'))).toEqual(['distinct_changed']);
  });

  it('reports union → union all and an added branch', () => {
    expect(kinds(diff('select a from t union select a from u', 'select a from t union all select a from u'))).toEqual(['set_operation_changed']);
    expect(kinds(diff("select a, 'web' as c from t", "select a, 'web' as c from t union all select a, 'store' as c from u"))).toEqual(['set_operation_changed']);
  });

  it('treats ORDER BY without LIMIT as a no-op, and a LIMIT or OFFSET as model_wide', () => {
    expect(diff('select a from t order by a', 'select a from t order by a desc')).toEqual([]);
    expect(kinds(diff('select a from t order by a desc', 'select a from t order by a desc limit 100', 'postgres'))).toEqual(['order_limit_changed']);
    expect(kinds(diff('select a from t order by a', 'select a from t order by a offset 1', 'postgres'))).toEqual(['order_limit_changed']);
  });

  it('reports a swapped relation once, without flagging every column', () => {
    const changes = diff('select order_id, amount from stg_orders', 'select order_id, amount from stg_orders_v2');
    expect(kinds(changes)).toEqual(['source_changed']);
    expect(changes[0]!.detail).toContain('stg_orders_v2');
    const join = diff('select o.id, c.segment from o left join dim_customers as c on o.cid = c.cid', 'select o.id, c.segment from o left join dim_customers_scd as c on o.cid = c.cid');
    expect(kinds(join)).toEqual(['source_changed']);
  });

  it('reports fan-out (explode, lateral flatten) as model_wide', () => {
    expect(impact('select event_id from raw__events', 'select event_id, explode(tags) as tag from raw__events', 'databricks')).toBe('model_wide');
    const flat = diff('select e.event_id from raw__events as e', 'select e.event_id, f.value::string as tag\nfrom raw__events as e,\nlateral flatten(input => e.tags) as f');
    expect(kinds(flat)).toEqual(['column_added:tag', 'grain_changed']);
    expect(flat.find((c) => c.kind === 'grain_changed')!.line).toBe(3);
  });

  it('marks the model unknown only when a side cannot be read at all', () => {
    const changes = diff('select a from t', ')))(((');
    expect(impactOf(changes)).toBe('unknown');
  });
});

describe('impactOf', () => {
  it('takes the strongest impact; unknown unless something certain is model-wide', () => {
    const c = (impact: 'none' | 'additive' | 'column' | 'model_wide' | 'unknown') => ({ kind: 'unknown' as const, detail: '', side: 'head' as const, impact, breaking: false });
    expect(impactOf([])).toBe('none');
    expect(impactOf([c('additive'), c('column')])).toBe('column');
    expect(impactOf([c('model_wide'), c('additive')])).toBe('model_wide');
    expect(impactOf([c('column'), c('unknown')])).toBe('unknown');
    expect(impactOf([c('model_wide'), c('unknown')])).toBe('model_wide');
  });
});

describe('diffShapes: details are markdown-safe', () => {
  it('quotes SQL that holds backticks (BigQuery names) in a longer code span, so the rest of the message stays text', () => {
    const changes = diff('select order_id from `my-proj.raw.orders`', "select order_id from `my-proj.raw.orders`\nwhere `status` != 'test'", 'bigquery', false);
    const filter = changes.find((c) => c.kind === 'filter_changed');
    expect(filter?.detail).toMatch(/^filter added: `` `status` != 'test' `` \(/);
  });
});
