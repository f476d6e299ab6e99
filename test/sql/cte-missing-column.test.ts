import { describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/config.js';
import { analyzeSql, diffShapes } from '../../src/sql/index.js';
import { diff } from './helpers.js';

/** The exploratory case c03: `orders` stops selecting `customer_id`, `enriched` still reads it. */
const C03_BASE = `with orders as (
    select order_id, customer_id, amount, status
    from stg_orders
),
enriched as (
    select order_id, customer_id, amount, status
    from orders
)
select order_id, customer_id, amount, status from enriched`;
const C03_HEAD = C03_BASE.replace('select order_id, customer_id, amount, status\n    from stg_orders', 'select order_id, amount, status\n    from stg_orders');

const DIALECTS: Dialect[] = ['snowflake', 'bigquery', 'postgres', 'redshift', 'databricks', 'duckdb', 'trino'];

const unresolved = (base: string, head: string, dialect: Dialect = 'snowflake', withUpstream = true) => diff(base, head, dialect, withUpstream).filter((c) => c.kind === 'column_unresolved');

describe('a column dropped from an inner CTE but still read from it', () => {
  it('is told as a column that no longer resolves, at the line that reads it, naming the CTE and its line, in every dialect', () => {
    for (const dialect of DIALECTS) {
      const changes = diff(C03_BASE, C03_HEAD, dialect);
      expect(changes, dialect).toEqual([
        {
          kind: 'column_unresolved',
          column: 'customer_id',
          detail: '`customer_id` is read from CTE `orders` (line 1), which no longer selects it: the model will not compile',
          line: 6,
          side: 'head',
          impact: 'model_wide',
          breaking: false,
          settled: true,
          // the review names template lines there (see test/checks/column-unresolved.test.ts)
          lineMentions: [{ form: 'defined', lines: [1], text: ' (line 1)' }],
        },
      ]);
      // not the misleading "redefined upstream column"
      expect(changes.some((c) => c.detail.includes('redefined upstream')), dialect).toBe(false);
    }
  });

  it('a reference qualified by the CTE alias, several references, a subquery of the FROM', () => {
    const base = 'with o as (select order_id, customer_id, amount from stg_orders)\nselect o.order_id,\n  o.customer_id,\n  o.customer_id || \'-\' as label\nfrom o\nwhere o.customer_id is not null';
    const head = base.replace('select order_id, customer_id, amount from', 'select order_id, amount from');
    const changes = diff(base, head);
    // one change per column and CTE, at the first reference; the filter and the columns reading it are not told
    expect(changes).toEqual([expect.objectContaining({ kind: 'column_unresolved', column: 'customer_id', line: 3, detail: '`customer_id` is read from CTE `o` (line 1), which no longer selects it: the model will not compile (also read on lines 4, 6)' })]);

    const sub = 'select t.order_id, t.customer_id\nfrom (\n  select order_id, customer_id from stg_orders\n) t';
    const subHead = sub.replace('select order_id, customer_id from', 'select order_id from');
    expect(diff(sub, subHead)).toEqual([expect.objectContaining({ kind: 'column_unresolved', column: 'customer_id', line: 1, detail: expect.stringContaining('`customer_id` is read from subquery `t`') })]);
  });

  it('a join condition or a group by reading it is not told as a change of its own', () => {
    const base = 'with o as (select order_id, customer_id, amount from stg_orders)\nselect o.customer_id, sum(o.amount) as total\nfrom o\njoin stg_customers c on c.customer_id = o.customer_id\ngroup by o.customer_id';
    const head = base.replace('select order_id, customer_id, amount from', 'select order_id, amount from');
    expect(diff(base, head)).toEqual([expect.objectContaining({ kind: 'column_unresolved', column: 'customer_id', line: 2 })]);
  });

  it('records the references and what each CTE gave in the shape', () => {
    const shape = analyzeSql(C03_HEAD, { dialect: 'snowflake' });
    expect(shape.missingColumns).toEqual([{ column: 'customer_id', kind: 'cte', name: 'orders', definedLine: 1, line: 6 }]);
    expect(shape.derivedColumnsRead?.orders).toEqual(['amount', 'order_id', 'status']);
    expect(analyzeSql(C03_BASE, { dialect: 'snowflake' }).missingColumns).toBeUndefined();
  });
});

describe('a column dropped from an inner CTE: nothing is told unless it is certain', () => {
  it('the CTE reads `*` from a ref (its columns come from outside, if at all known)', () => {
    const head = C03_HEAD.replace('select order_id, amount, status\n    from stg_orders', 'select *\n    from stg_orders');
    // with the upstream columns known (YAML may not list them all) and unknown
    for (const withUpstream of [true, false]) {
      const changes = unresolved(C03_BASE, head.replace('from stg_orders', 'from stg_payments'), 'snowflake', withUpstream);
      expect(changes).toEqual([]);
    }
    expect(analyzeSql(head.replace('from stg_orders', 'from stg_payments'), { dialect: 'snowflake', upstreamColumns: () => ['order_id', 'amount'] }).missingColumns).toBeUndefined();
  });

  it('the column is still provided: under an alias, by a star over the CTE, in other case or quoted', () => {
    expect(unresolved(C03_BASE, C03_HEAD.replace('select order_id, amount, status\n    from', 'select order_id, cust_id as customer_id, amount, status\n    from'))).toEqual([]);
    const starBase = 'with a as (select order_id, customer_id from stg_orders),\nb as (select * from a)\nselect order_id, customer_id from b';
    expect(unresolved(starBase, starBase.replace('select * from a', 'select a.* from a'))).toEqual([]);
    expect(unresolved(C03_BASE, C03_HEAD.replace('select order_id, amount, status\n    from', 'select order_id, CUSTOMER_ID, amount, status\n    from'))).toEqual([]);
    // a quoted name that differs only in case: the dialects disagree on whether it is the same column
    for (const dialect of ['snowflake', 'postgres', 'bigquery'] as const) {
      const q = dialect === 'bigquery' ? '`Customer_Id`' : '"Customer_Id"';
      expect(unresolved(C03_BASE, C03_HEAD.replace('select order_id, amount, status\n    from', `select order_id, ${q}, amount, status\n    from`), dialect), dialect).toEqual([]);
    }
  });

  it('the reference is to another relation of a join, or unqualified with several relations in the FROM', () => {
    const base = 'with o as (select order_id, customer_id, amount from stg_orders)\nselect o.order_id, c.customer_id, customer_id as cid\nfrom o\njoin stg_customers c on c.customer_id = o.order_id';
    const head = base.replace('select order_id, customer_id, amount from', 'select order_id, amount from');
    expect(unresolved(base, head)).toEqual([]);
    // USING and NATURAL joins
    const using = 'with o as (select order_id, customer_id from stg_orders),\nc as (select customer_id, email from stg_customers)\nselect order_id, customer_id, email from o join c using (customer_id)';
    expect(unresolved(using, using.replace('select order_id, customer_id from stg_orders', 'select order_id from stg_orders'))).toEqual([]);
    const natural = using.replace('join c using (customer_id)', 'natural join c');
    expect(unresolved(natural, natural.replace('select order_id, customer_id from stg_orders', 'select order_id from stg_orders'))).toEqual([]);
  });

  it('the column was already missing in the base, or the base did not read it from that CTE', () => {
    const broken = C03_HEAD.replace('select order_id, amount, status\n    from', 'select order_id, status, amount\n    from');
    expect(unresolved(C03_HEAD, broken)).toEqual([]);
    // a reference the change adds (the base never read `customer_id` from `orders`): not judged
    const base = 'with orders as (select order_id, amount from stg_orders)\nselect order_id, amount from orders';
    expect(unresolved(base, 'with orders as (select order_id, amount from stg_orders)\nselect order_id, customer_id, amount from orders')).toEqual([]);
  });

  it('a correlated subquery or a lateral subquery can read the name from the enclosing query', () => {
    const base = `with o as (select order_id, customer_id, amount from stg_orders),
c as (select customer_id, email from stg_customers)
select c.email, (select count(*) from o where customer_id = c.customer_id) as n
from c`;
    // the subquery's unqualified customer_id now resolves to c.customer_id: a valid (if different) query
    expect(unresolved(base, base.replace('select order_id, customer_id, amount from stg_orders', 'select order_id, amount from stg_orders'))).toEqual([]);
    const lateral = `with o as (select order_id, customer_id, amount from stg_orders),
c as (select customer_id, email from stg_customers)
select c.email, l.n
from c, lateral (select count(*) as n from o where o.amount > 0 and customer_id = 1) l`;
    expect(unresolved(lateral, lateral.replace('select order_id, customer_id, amount from stg_orders', 'select order_id, amount from stg_orders'))).toEqual([]);
    // the enclosing query reads a ref whose known columns (from YAML) do not list `region`: it may have it
    const outer = `with o as (select order_id, region, amount from stg_orders)
select c.customer_id, l.n
from stg_customers c, lateral (select count(*) as n from o where region = 'eu') l`;
    expect(unresolved(outer, outer.replace('select order_id, region, amount from', 'select order_id, amount from'))).toEqual([]);
  });

  it("a select alias read by a later item or by qualify, a lambda's parameter, a date part, a niladic function", () => {
    const alias = 'with o as (select order_id, amount, customer_id from stg_orders)\nselect order_id, amount * 2 as customer_id, customer_id + 1 as next_id from o';
    expect(unresolved(alias, alias.replace(', customer_id from stg_orders', ' from stg_orders'))).toEqual([]);
    const qualify = 'with o as (select order_id, amount, rn from stg_orders)\nselect order_id, row_number() over (partition by order_id order by amount) as rn from o qualify rn = 1';
    expect(unresolved(qualify, qualify.replace(', rn from stg_orders', ' from stg_orders'))).toEqual([]);
    const lambda = 'with o as (select order_id, items, x from stg_orders)\nselect order_id, transform(items, x -> x + 1) as items2 from o';
    expect(unresolved(lambda, lambda.replace(', x from stg_orders', ' from stg_orders'), 'snowflake')).toEqual([]);
    const dates = 'with o as (select order_id, created_at, shipped_at, day from stg_orders)\nselect order_id, datediff(day, created_at, shipped_at) as d, current_date as today from o';
    expect(unresolved(dates, dates.replace(', day from stg_orders', ' from stg_orders'))).toEqual([]);
  });

  it('a CTE whose columns the warehouse names (an unaliased expression), a PIVOT, a placeholder of Jinja that did not render', () => {
    const unnamed = 'with o as (select order_id, count(*), customer_id from stg_orders group by 1, 3)\nselect order_id, count, customer_id from o';
    expect(unresolved(unnamed, unnamed.replace(', customer_id from stg_orders group by 1, 3', ' from stg_orders group by 1'), 'postgres')).toEqual([]);
    const placeholder = 'with o as (select order_id, __var_extra_cols__, customer_id from stg_orders)\nselect order_id, customer_id from o';
    expect(unresolved(placeholder, placeholder.replace(', customer_id from stg_orders', ' from stg_orders'))).toEqual([]);
  });

  it('a star that also gives a table function\'s columns, a FROM alias that names the columns anew', () => {
    // `value` comes from `flatten` (and `item` from `unnest`) once `o` no longer has it
    const flatten = 'with o as (select order_id, items, value from stg_orders),\np as (select * from o, lateral flatten(input => o.items) f)\nselect order_id, value from p';
    expect(unresolved(flatten, flatten.replace('items, value from', 'items from'))).toEqual([]);
    const unnest = 'with o as (select order_id, items, item from stg_orders),\np as (select * from o, unnest(o.items) as item)\nselect order_id, item from p';
    expect(unresolved(unnest, unnest.replace('items, item from', 'items from'), 'bigquery')).toEqual([]);
    const renamed = 'with o as (select order_id, x from stg_orders)\nselect x from o as s(x, y)';
    expect(unresolved(renamed, renamed.replace('order_id, x from', 'order_id, amount from'), 'postgres')).toEqual([]);
  });

  it('a star over the CTE that now excludes the column is followed (the column is gone)', () => {
    const base = 'with o as (select order_id, status from stg_orders),\np as (select * from o)\nselect order_id, status from p';
    for (const [dialect, star] of [['snowflake', '* exclude (status)'], ['bigquery', '* except (status)'], ['duckdb', '* exclude (status)']] as const) {
      expect(unresolved(base, base.replace('select * from o', `select ${star} from o`), dialect), dialect).toEqual([expect.objectContaining({ column: 'status', line: 3, detail: expect.stringContaining('read from CTE `p` (line 2)') })]);
    }
  });

  it('the analysis stays exact through the shapes of both revisions (the diff of the same shapes is empty)', () => {
    const opts = { dialect: 'snowflake' as const };
    expect(diffShapes(analyzeSql(C03_HEAD, opts), analyzeSql(C03_HEAD, opts))).toEqual([]);
  });
});

describe('a column that keeps its text but reads a CTE column that was redefined', () => {
  // the exploratory case c43: `amount + tax as gross` → `amount as gross` in CTE `calc`
  const base = `with base as (
    select id as order_id, amount, tax, status
    from shop__orders
),
calc as (
    select order_id, amount + tax as gross, status
    from base
),
agg as (
    select status, sum(gross) as gross_total from calc group by status
)
select c.order_id, c.gross, a.gross_total
from calc c
join agg a on a.status = c.status`;
  const head = base.replace('amount + tax as gross', 'amount as gross');

  it('names the CTE and is located on the line that changed, in dialects with and without positions', () => {
    for (const dialect of ['snowflake', 'postgres', 'databricks'] as const) {
      const changes = diff(base, head, dialect, false);
      expect(changes, dialect).toEqual([
        expect.objectContaining({ kind: 'column_expression_changed', column: 'gross', line: 6, detail: '`gross` keeps its text `c.gross` but reads `gross` of CTE `calc`, which changed on line 6: its values change' }),
        expect.objectContaining({ kind: 'column_expression_changed', column: 'gross_total', line: 6, detail: '`gross_total` keeps its text `a.gross_total` but reads `gross` of CTE `calc`, which changed on line 6: its values change' }),
      ]);
    }
  });

  it('keeps the line it names apart, for the review to map it to a template line', () => {
    const changes = diff(base, head, 'snowflake', false);
    expect(changes.map((c) => c.lineMentions)).toEqual([
      [{ form: 'changed', lines: [6], text: ', which changed on line 6' }],
      [{ form: 'changed', lines: [6], text: ', which changed on line 6' }],
    ]);
  });
});

describe('the line of the read, in grammars without positions', () => {
  // the exploratory case c65: `customer_id` is also named by CTE `customers`, which reads another relation
  const base = `with orders as (
  select order_id, customer_id, amount from stg_orders
),
customers as (
  select customer_id, name from stg_customers
),
final as (
  select o.order_id, o.amount,
    o.customer_id
  from orders o
)
select * from final`;
  const head = base.replace('select order_id, customer_id, amount from', 'select order_id, amount from');

  it('is in the query that reads the CTE, not an earlier mention of the name by another CTE', () => {
    for (const dialect of DIALECTS) {
      expect(unresolved(base, head, dialect), dialect).toEqual([expect.objectContaining({ column: 'customer_id', line: 9, detail: '`customer_id` is read from CTE `orders` (line 1), which no longer selects it: the model will not compile' })]);
    }
  });

  it("in the model's own query: a mention outside every CTE, the qualified one first", () => {
    const main = `with orders as (
  select order_id, customer_id, amount from stg_orders
),
customers as (select customer_id, name from stg_customers)
select c.name, o.order_id,
  o.customer_id
from orders o
join customers c on c.name = o.order_id`;
    const mainHead = main.replace('select order_id, customer_id, amount from', 'select order_id, amount from');
    for (const dialect of DIALECTS) {
      expect(unresolved(main, mainHead, dialect), dialect).toEqual([expect.objectContaining({ column: 'customer_id', line: 6 })]);
    }
  });

  it('the line numbers the detail names are kept apart for the review to map them to template lines', () => {
    const b = 'with o as (select order_id, customer_id, amount from stg_orders)\nselect o.order_id,\n  o.customer_id,\n  o.customer_id || \'-\' as label\nfrom o';
    const [change] = unresolved(b, b.replace('order_id, customer_id, amount from', 'order_id, amount from'));
    expect(change?.lineMentions).toEqual([
      { form: 'defined', lines: [1], text: ' (line 1)' },
      { form: 'also', lines: [4], text: ' (also read on line 4)' },
    ]);
  });
});
