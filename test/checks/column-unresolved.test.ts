/**
 * `column-unresolved`: a change that drops a column from a CTE that another query of the model still reads from it
 * makes the model fail to compile. The review says so as an error at the reading line, instead of telling a
 * redefined column.
 */
import { describe, expect, it } from 'vitest';
import type { ReviewerConfig } from '../../src/config.js';
import type { Review } from '../../src/review/types.js';
import { lines, reviewBetween } from './review-between.js';

const review = reviewBetween();

const PROJECT = lines('name: shop', "version: '1.0'", 'config-version: 2', 'profile: shop', 'models:', '  shop:', '    +meta: {owner: "@o"}');
const STG = 'select 1 as order_id, 2 as customer_id, 3.0 as amount\n';

const fct = (ordersColumns: string) =>
  lines(
    'with orders as (',
    `    select ${ordersColumns} from {{ ref('stg_orders') }}`,
    '),',
    'enriched as (',
    '    select order_id, customer_id, amount * 2 as amount2',
    '    from orders',
    ')',
    'select * from enriched',
  );

async function reviewFct(before: string, after: string, extra: Record<string, string> = {}, config: Partial<ReviewerConfig> = {}): Promise<Review> {
  const base = { 'dbt_project.yml': PROJECT, 'models/stg_orders.sql': STG, 'models/fct_orders.sql': before, ...extra };
  return review(base, { ...base, 'models/fct_orders.sql': after }, config);
}

describe('column-unresolved', () => {
  it('a column dropped from an inner CTE but still read from it: an error at the line that reads it, the check fails', async () => {
    const r = await reviewFct(fct('order_id, customer_id, amount'), fct('order_id, amount'));
    const finding = r.findings.find((f) => f.rule === 'column-unresolved');
    expect(finding).toMatchObject({
      severity: 'error',
      origin: 'rule',
      model: 'fct_orders',
      column: 'customer_id',
      path: 'models/fct_orders.sql',
      line: 5,
      message: '`customer_id` is read from CTE `orders` (line 1), which no longer selects it: the model will not compile. Select it there again, or stop reading it.',
    });
    expect(finding?.side).toBeUndefined();
    expect(r.conclusion).toBe('failure');
    const model = r.models.find((m) => m.name === 'fct_orders')!;
    expect(model.changes).toEqual([expect.objectContaining({ kind: 'column_unresolved', column: 'customer_id', line: 5, path: 'models/fct_orders.sql' })]);
    // not the misleading "reads a redefined upstream column" change
    expect(model.changes.some((c) => c.kind === 'column_expression_changed' || c.detail.includes('redefined'))).toBe(false);
    expect(r.findings.filter((f) => f.rule.startsWith('breaking-'))).toEqual([]);
  });

  it('nothing when the CTE reads `*` from the ref, still selects the column, or when it was already missing', async () => {
    const quiet = (r: Review) => expect(r.findings.filter((f) => f.rule === 'column-unresolved')).toEqual([]);
    quiet(await reviewFct(fct('order_id, customer_id, amount'), fct('*')));
    quiet(await reviewFct(fct('order_id, customer_id, amount'), fct('amount, customer_id, order_id')));
    quiet(await reviewFct(fct('order_id, amount'), fct('amount, order_id')));
  });

  it('nothing when the column read is another relation\'s, in a join', async () => {
    const joined = (ordersColumns: string) =>
      lines(
        'with orders as (',
        `    select ${ordersColumns} from {{ ref('stg_orders') }}`,
        ')',
        'select o.order_id, c.customer_id',
        'from orders o',
        "join {{ ref('stg_customers') }} c on c.customer_id = o.order_id",
      );
    const r = await reviewFct(joined('order_id, customer_id'), joined('order_id'), { 'models/stg_customers.sql': 'select 2 as customer_id\n' });
    expect(r.findings.filter((f) => f.rule === 'column-unresolved')).toEqual([]);
  });

  it('can be turned off or waived like any rule', async () => {
    const waived = fct('order_id, amount').replace('with orders', "-- dbt-pr-reviewer: disable=column-unresolved reason: dropped on purpose, fixed in the next PR\nwith orders");
    const r = await reviewFct(fct('order_id, customer_id, amount'), waived);
    expect(r.findings.filter((f) => f.rule === 'column-unresolved')).toEqual([]);
  });
  describe('no error where the name read is not the CTE', () => {
    const quietReview = async (before: string, after: string, extra: Record<string, string> = {}) => {
      const r = await reviewFct(before, after, extra);
      expect(r.findings.filter((f) => f.rule === 'column-unresolved' || f.rule.startsWith('breaking-'))).toEqual([]);
      return r;
    };

    it('a ref() to a model named like a CTE of the model (dbt qualifies the ref, so it never reads the CTE)', async () => {
      const model = (cols: string) =>
        lines(
          'with orders as (',
          `  select ${cols} from {{ ref('stg_orders') }}`,
          '),',
          'mart as (',
          "  select order_id, customer_id from {{ ref('orders') }}",
          ')',
          'select o.order_id, o.amount, m.customer_id',
          'from orders o join mart m on m.order_id = o.order_id',
        );
      await quietReview(model('order_id, customer_id, amount'), model('order_id, customer_id as buyer_id, amount'), { 'models/orders.sql': 'select 1 as order_id, 2 as customer_id\n' });
    });

    it("a CTE named like the model itself and `{{ this }}`, and a CTE that reads the model it is named after", async () => {
      const incremental = (updated: string) =>
        lines(
          "{{ config(materialized='incremental', unique_key='order_id') }}",
          'with fct_orders as (',
          `  select order_id, amount, 1 as ${updated} from {{ ref('stg_orders') }}`,
          ')',
          '{% if is_incremental() %}',
          ', existing as (select order_id, updated_at from {{ this }})',
          '{% endif %}',
          `select o.order_id, o.amount, o.${updated} as updated_at from fct_orders o`,
          '{% if is_incremental() %}',
          `left join existing e on e.order_id = o.order_id where e.order_id is null or o.${updated} > e.updated_at`,
          '{% endif %}',
        );
      await quietReview(incremental('updated_at'), incremental('src_updated_at'));
      const selfNamed = (cols: string) => lines('with stg_orders as (', `  select ${cols} from {{ ref('stg_orders') }}`, ')', 'select order_id, amount from stg_orders');
      await quietReview(selfNamed('order_id, customer_id, amount'), selfNamed('order_id, amount'));
    });

    it("a set operation's ORDER BY names its columns as the first branch does", async () => {
      const union = (second: string) =>
        lines(
          "with a as (select order_id, customer_id from {{ ref('stg_orders') }}),",
          `b as (select order_id, customer_id${second === 'buyer_id' ? ' as buyer_id' : ''} from {{ ref('stg_orders') }})`,
          'select customer_id, order_id from a',
          'union all',
          `select ${second}, order_id from b`,
          'order by customer_id',
          'limit 100',
        );
      const r = await quietReview(union('customer_id'), union('buyer_id'));
      expect(r.models.flatMap((m) => m.changes).filter((c) => c.kind !== 'formatting_only')).toEqual([]);
    });
  });
  describe('the lines the message names are template lines (Jinja before the CTE shifts the rendered ones)', () => {
    const HEADER = ['{{', '  config(', "    materialized='table'", '  )', '}}', "{% set x = {", "  'a': 1,", "  'b': 2", '} %}'];

    it("the CTE's line and the other lines that read the column", async () => {
      const model = (cols: string) =>
        lines(
          ...HEADER,
          'with orders as (', // 10
          `  select ${cols} from {{ ref('stg_orders') }}`,
          ')',
          'select order_id,',
          '  customer_id,', // 14
          "  customer_id || '-' as label", // 15
          'from orders',
          'where customer_id is not null', // 17
        );
      const r = await reviewFct(model('order_id, customer_id, amount'), model('order_id, amount'));
      const finding = r.findings.find((f) => f.rule === 'column-unresolved');
      expect(finding).toMatchObject({
        line: 14,
        message: '`customer_id` is read from CTE `orders` (line 10), which no longer selects it: the model will not compile (also read on lines 15, 17). Select it there again, or stop reading it.',
      });
    });

    it('on a grammar without positions too (postgres): the line that reads it, not an earlier mention by another CTE', async () => {
      const model = (cols: string) =>
        lines(
          ...HEADER,
          'with orders as (', // 10
          `  select ${cols} from {{ ref('stg_orders') }}`,
          '),',
          'customers as (',
          "  select customer_id from {{ ref('stg_orders') }}", // 14
          '),',
          'final as (',
          '  select o.order_id,',
          '    o.customer_id', // 18
          '  from orders o',
          ')',
          'select * from final',
        );
      const r = await reviewFct(model('order_id, customer_id, amount'), model('order_id, amount'), {}, { dialect: 'postgres' });
      expect(r.findings.find((f) => f.rule === 'column-unresolved')).toMatchObject({ line: 18, message: expect.stringContaining('`customer_id` is read from CTE `orders` (line 10), which no longer selects it') });
    });

    it('the line where a redefined CTE column changed, also when a loop writes it', async () => {
      const model = (expr: string) =>
        lines(
          "{% set cols = ['amount', 'discount'] %}",
          '{# a comment',
          '   spanning',
          '   lines #}',
          'with a as (',
          '  select order_id,',
          '  {% for c in cols %}',
          `    ${expr} as {{ c }}{% if not loop.last %},{% endif %}`, // 8
          '  {% endfor %}',
          "  from {{ ref('stg_orders') }}",
          ')',
          'select order_id, amount, discount from a',
        );
      const stg = { 'models/stg_orders.sql': 'select 1 as order_id, 2 as customer_id, 3.0 as amount, 4.0 as discount\n' };
      const r = await reviewFct(model('{{ c }}'), model('{{ c }} * 100'), stg);
      const changes = r.models.find((m) => m.name === 'fct_orders')!.changes.filter((c) => c.kind === 'column_expression_changed');
      expect(changes.map((c) => [c.column, c.line, c.detail])).toEqual([
        ['amount', 8, '`amount` keeps its text `amount` but reads `amount` of CTE `a`, which changed on line 8: its values change'],
        ['discount', 8, '`discount` keeps its text `discount` but reads `discount` of CTE `a`, which changed on line 8: its values change'],
      ]);
    });

    it("leaves out the CTE's line when a macro writes the CTE among other lines (no template line is known)", async () => {
      const macro = (cols: string) => lines('{% macro orders_cte() %}', 'with orders as (', `  select ${cols} from {{ ref('stg_orders') }}`, ')', '{% endmacro %}');
      const model = lines("{{ config(materialized='table') }}", '{{ orders_cte() }}', 'select order_id,', '  customer_id', 'from orders');
      const base = { 'dbt_project.yml': PROJECT, 'models/stg_orders.sql': STG, 'models/fct_orders.sql': model, 'macros/orders_cte.sql': macro('order_id, customer_id, amount') };
      const r = await review(base, { ...base, 'macros/orders_cte.sql': macro('order_id, amount') });
      const finding = r.findings.find((f) => f.rule === 'column-unresolved');
      expect(finding).toMatchObject({ line: 4, message: '`customer_id` is read from CTE `orders`, which no longer selects it: the model will not compile (through the change of macro `orders_cte` (macros/orders_cte.sql)). Select it there again, or stop reading it.' });
    });
  });
});
