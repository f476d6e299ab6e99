import { describe, expect, it } from 'vitest';
import { extractTolerant } from '../../src/sql/tolerant.js';
import { analyzeSql, columnsUsedFrom } from '../../src/sql/index.js';
import { diff } from './helpers.js';

describe('QA: arithmetic is a number', () => {
  it('reports a number cast to text as a breaking type change, and a numeric cast as a non-breaking cast', () => {
    const changes = diff('select order_id,\n  amount_cents / 100.0 as amount\nfrom stg_orders', 'select order_id,\n  (amount_cents / 100.0)::varchar as amount\nfrom stg_orders');
    expect(changes).toEqual([expect.objectContaining({ kind: 'column_type_changed', column: 'amount', breaking: true, line: 2, detail: 'type of `amount` changed: number → text' })]);
    expect(diff('select a * b as x from t', 'select cast(a * b as date) as x from t')).toEqual([expect.objectContaining({ kind: 'column_type_changed', breaking: true })]);
    expect(diff('select a % 7 as x from t', 'select (a % 7)::boolean as x from t')).toEqual([expect.objectContaining({ kind: 'column_type_changed', breaking: true })]);
    // a generic number is compatible with every numeric type: the cast is reported, not a type change
    expect(diff('select x / 100.0 as amount from t', 'select (x / 100.0)::int as amount from t')).toEqual([
      expect.objectContaining({ kind: 'column_expression_changed', column: 'amount', breaking: false, detail: '`amount` is now cast to integer' }),
    ]);
    expect(diff('select cast(x * 2 as float) as y from t', 'select x * 2 as y from t')).toEqual([
      expect.objectContaining({ kind: 'column_expression_changed', column: 'y', breaking: false, detail: 'cast of `y` to float removed' }),
    ]);
  });

  it('infers a number for + and - only when both sides are numbers (dates make them ambiguous, but never text), and never calls it a cast', () => {
    expect(diff('select d + 1 as x from t', 'select (d + 1)::varchar as x from t')).toEqual([expect.objectContaining({ kind: 'column_type_changed', breaking: true, detail: 'type of `x` changed: number or date → text' })]);
    expect(diff('select d + 1 as x from t', 'select (d + 1)::date as x from t')).toEqual([expect.objectContaining({ kind: 'column_expression_changed', breaking: false, detail: '`x` is now cast to date' })]);
    expect(diff('select a * 2 + 1 as x from t', 'select (a * 2 + 1)::varchar as x from t')).toEqual([expect.objectContaining({ kind: 'column_type_changed', breaking: true })]);
    expect(diff('select a - b / 2 as x from t', 'select (a - b / 2)::varchar as x from t')).toEqual([expect.objectContaining({ kind: 'column_type_changed', breaking: true })]);
    expect(diff('select a - b as x from t', 'select (a - b)::varchar as x from t')).toEqual([expect.objectContaining({ kind: 'column_expression_changed', breaking: false, detail: '`x` is now cast to text' })]);
    expect(diff('select amount from stg_orders', 'select amount * 2 as amount from stg_orders')).toEqual([
      expect.objectContaining({ kind: 'column_expression_changed', column: 'amount', breaking: false, detail: '`amount`: `amount` → `amount * 2`' }),
    ]);
  });
});

describe('QA: quoted identifiers per dialect', () => {
  const customers = (first: string, email: string): string => `select\n  id as customer_id,\n  ${first} as first_name,\n  lower(email) as ${email}\nfrom raw__customers`;

  it('Snowflake: a quoted mixed-case alias renames the column, a quoted upper-case one does not', () => {
    expect(diff(customers('first_name', 'email'), customers('first_name', '"Email"'))).toEqual([
      expect.objectContaining({ kind: 'column_renamed', column: 'email', breaking: true, line: 4, detail: 'column `email` renamed to `"Email"`' }),
    ]);
    expect(diff(customers('first_name', 'email'), customers('first_name', '"EMAIL"'))).toEqual([]);
    expect(diff(customers('first_name', 'email'), customers('first_name', '"email"'))).toEqual([expect.objectContaining({ kind: 'column_renamed', breaking: true })]);
  });

  it('Snowflake: a quoted mixed-case source column is another column than the unquoted name', () => {
    expect(diff(customers('"FirstName"', 'email'), customers('firstname', 'email'))).toEqual([
      expect.objectContaining({ kind: 'column_expression_changed', column: 'first_name', line: 3, detail: '`first_name`: `"FirstName"` → `firstname`' }),
    ]);
    expect(diff(customers('"FIRSTNAME"', 'email'), customers('firstname', 'email'))).toEqual([]);
  });

  it('Postgres folds unquoted names to lower case; Redshift (by default), BigQuery, Databricks compare names case-insensitively', () => {
    const dialect = 'postgres';
    expect(diff(customers('first_name', 'email'), customers('first_name', '"email"'), dialect)).toEqual([]);
    expect(diff(customers('first_name', 'email'), customers('first_name', '"Email"'), dialect)).toEqual([expect.objectContaining({ kind: 'column_renamed', column: 'email', breaking: true })]);
    expect(diff(customers('first_name', 'email'), customers('first_name', '"EMAIL"'), dialect)).toEqual([expect.objectContaining({ kind: 'column_renamed', column: 'email', breaking: true })]);
    expect(diff(customers('"FirstName"', 'email'), customers('firstname', 'email'), dialect)).toEqual([expect.objectContaining({ kind: 'column_expression_changed', column: 'first_name' })]);
    // Redshift folds quoted names to lower case too, unless enable_case_sensitive_identifier is on.
    expect(diff(customers('first_name', 'email'), customers('first_name', '"Email"'), 'redshift')).toEqual([]);
    expect(diff(customers('first_name', 'email'), customers('first_name', '`Email`'), 'bigquery')).toEqual([]);
    expect(diff(customers('`FirstName`', 'email'), customers('firstname', 'email'), 'databricks')).toEqual([]);
  });

  it('names quoted columns the same way when the SQL is read by the tolerant reader (parse failed)', () => {
    const names = (dialect: 'snowflake' | 'postgres' | 'redshift') =>
      extractTolerant('select lower(email) as "Email", id as "ID", first_name as "first_name" from raw__customers', dialect)?.columns.map((c) => c.name);
    expect(names('snowflake')).toEqual(['"Email"', 'id', '"first_name"']);
    expect(names('postgres')).toEqual(['"Email"', '"ID"', 'first_name']);
    expect(names('redshift')).toEqual(['email', 'id', 'first_name']);
  });

  it('names a quoted column read from upstream by its quoted name, for the downstream lookup', () => {
    const shape = analyzeSql('select c."FirstName" as first_name, c.email from raw__customers as c', { dialect: 'snowflake' });
    expect(shape.columnsUsed).toEqual({ raw__customers: ['"FirstName"', 'email'] });
    expect(columnsUsedFrom(shape, 'raw__customers')).toEqual(['"FirstName"', 'email']);
  });
});

describe('QA: the order of a row_number() dedup', () => {
  const dedup = (q: string): string => `select\n  id as customer_id,\n  email\nfrom raw__customers\nqualify ${q}`;

  it('reports a changed order as a non-breaking change of which row is kept, not as a grain change (unless rank())', () => {
    const changes = diff(dedup('row_number() over (partition by id order by _loaded_at desc) = 1'), dedup('row_number() over (partition by id order by _loaded_at desc, _file_row_number desc) = 1'));
    expect(changes).toEqual([
      expect.objectContaining({
        kind: 'order_limit_changed',
        breaking: false,
        impact: 'model_wide',
        line: 5,
        detail:
          '`qualify row_number() over (partition by id order by _loaded_at desc) = 1` → `qualify row_number() over (partition by id order by _loaded_at desc, _file_row_number desc) = 1`: still one row per `id`, but which row is kept when there are several (and so the values of the other columns) can change',
      }),
    ]);
    for (const q of ['row_number() over (partition by id order by _loaded_at) <= 1', 'row_number() over (partition by id order by _loaded_at) < 2', '1 = row_number() over (partition by id order by _loaded_at)']) {
      expect(diff(dedup('row_number() over (partition by id order by _loaded_at desc) = 1'), dedup(q))).toEqual([expect.objectContaining({ kind: 'order_limit_changed', breaking: false })]);
    }
    // a changed partition or limit, an added dedup, and the order of rank() (it keeps ties) change the grain
    const kinds = (b: string, h: string): [string, boolean][] => diff(b, h).map((c) => [c.kind, c.breaking]);
    expect(kinds(dedup('row_number() over (partition by id order by a) = 1'), dedup('row_number() over (partition by email order by a) = 1'))).toEqual([['grain_changed', true]]);
    expect(kinds(dedup('row_number() over (partition by id order by a) = 1'), dedup('row_number() over (partition by id order by a) = 2'))).toEqual([['grain_changed', true]]);
    expect(kinds(dedup('rank() over (partition by id order by a) = 1'), dedup('rank() over (partition by id order by a, b) = 1'))).toEqual([['grain_changed', true]]);
    expect(kinds('select\n  id as customer_id,\n  email\nfrom raw__customers', dedup('row_number() over (partition by id order by a) = 1'))).toEqual([['grain_changed', true]]);
  });
});

describe('QA: group by all', () => {
  const revenue = (dims: string): string => `select\n  date_trunc('day', ordered_at) as order_date,\n${dims}  sum(amount) as revenue\nfrom raw__orders\ngroup by all`;

  it('says which grouping column was added, removed or redefined, on its line', () => {
    const grain = (b: string, h: string) => diff(b, h).find((c) => c.kind === 'grain_changed');
    expect(grain(revenue('  country_code,\n'), revenue('  country_code,\n  order_status,\n'))).toMatchObject({
      line: 4,
      breaking: true,
      detail: '`group by all` now also groups by `order_status`: one row per `order_date`, `country_code`, `order_status` now',
    });
    expect(grain(revenue('  country_code,\n'), revenue(''))).toMatchObject({ line: 5, detail: '`group by all` no longer groups by `country_code`: one row per `order_date` now' });
    const week = revenue('  country_code,\n').replace("'day'", "'week'");
    expect(grain(revenue('  country_code,\n'), week)).toMatchObject({ line: 2, detail: '`group by all` groups by a redefined `order_date`: one row per `order_date`, `country_code` now' });
    // an added aggregate is not a grouping column
    expect(diff(revenue('  country_code,\n'), revenue('  country_code,\n  max(ordered_at) as last_ordered_at,\n')).map((c) => c.kind)).toEqual(['column_added']);
  });
});

describe('QA: changes in a union branch or a CTE', () => {
  const activity = (events: string): string =>
    [
      'with orders as (',
      "    select customer_id, 'order' as activity_type, ordered_at as activity_at",
      '    from raw__orders',
      '),',
      '',
      'events as (',
      `    select ${events}`,
      '    from raw__events',
      ')',
      '',
      'select * from orders',
      'union all',
      'select * from events',
    ].join('\n');

  it('reports columns swapped in a union branch as breaking, on the edited line', () => {
    const changes = diff(activity('customer_id, event_type as activity_type, occurred_at as activity_at'), activity('event_type as activity_type, customer_id, occurred_at as activity_at'));
    expect(changes).toEqual([
      expect.objectContaining({
        kind: 'column_expression_changed',
        column: 'customer_id',
        breaking: true,
        line: 7,
        detail:
          '`customer_id`: `customer_id | customer_id` → `customer_id | event_type` (branch 2 of the set operation now gives this column the value it gave `activity_type`: branches match columns by position, not by name, so values moved between columns)',
      }),
      expect.objectContaining({ kind: 'column_expression_changed', column: 'activity_type', breaking: true, line: 7 }),
    ]);
    // an edit of one branch's value is located on that branch, and is not a swap
    const edited = diff(activity('customer_id, event_type as activity_type, occurred_at as activity_at'), activity("customer_id, lower(event_type) as activity_type, occurred_at as activity_at"));
    expect(edited).toEqual([expect.objectContaining({ kind: 'column_expression_changed', column: 'activity_type', breaking: false, line: 7 })]);
    const direct = 'select order_id, amount from stg_orders\nunion all\nselect order_id, amount from raw__refunds';
    expect(diff(direct, direct.replace('select order_id, amount from raw__refunds', 'select order_id,\n  -1 * amount as amount\nfrom raw__refunds'))).toEqual([
      expect.objectContaining({ kind: 'column_expression_changed', column: 'amount', breaking: false, line: 4 }),
    ]);
  });

  it('locates a change made inside a CTE on the CTE line, not on the final select', () => {
    const model = (agg: string): string => `with stats as (\n  select\n    customer_id,\n    ${agg} as lifetime_value\n  from stg_orders\n  group by customer_id\n)\n\nselect\n  customer_id,\n  coalesce(lifetime_value, 0) as lifetime_value\nfrom stats`;
    expect(diff(model('sum(amount)'), model('sum(amount - discount)'))).toEqual([
      expect.objectContaining({ kind: 'column_expression_changed', column: 'lifetime_value', breaking: false, line: 4 }),
    ]);
  });
});

describe('QA: what an added join does', () => {
  const joined = (join: string): string => diff('select o.order_id from stg_orders as o', `select o.order_id\nfrom stg_orders as o\n${join} order_items as i${join === 'cross join' ? '' : ' on o.order_id = i.order_id'}`)[0]!.detail;

  it('says per join type whether rows can be dropped, multiplied or added', () => {
    expect(joined('left join')).toBe('join added: `left join order_items as i on o.order_id = i.order_id` (rows with several matches in `order_items` multiply; rows without a match are kept, with NULLs in the columns of `order_items`)');
    expect(joined('join')).toContain('(rows without a match in `order_items` are dropped, rows with several matches in `order_items` multiply)');
    expect(joined('right join')).toContain('rows without a match in `order_items` are dropped, and rows of `order_items` without a match are added');
    expect(joined('full outer join')).toContain('(rows with several matches in `order_items` multiply; rows of `order_items` without a match are added, with NULLs in the other columns)');
    expect(joined('cross join')).toContain('(every row is repeated once per row of `order_items`)');
  });
});

describe('QA: an edited fan-out', () => {
  it('reports a changed lateral flatten input as one grain change', () => {
    const flat = (path: string): string => `select e.event_id, f.value:sku::varchar as sku\nfrom raw__events as e,\n    lateral flatten(input => e.payload:${path}) as f`;
    const grain = diff(flat('items'), flat('line_items')).filter((c) => c.kind === 'grain_changed');
    expect(grain).toEqual([expect.objectContaining({ breaking: true, line: 3, side: 'head' })]);
    expect(grain[0]!.detail).toMatch(/^fan-out changed: `.*'items'.*` → `.*'line_items'.*`: rows now multiply by another expansion/);
  });
});
