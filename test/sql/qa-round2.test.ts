import { describe, expect, it } from 'vitest';
import { diff } from './helpers.js';

const unknown = (base: string, head: string, dialect: 'snowflake' | 'postgres' = 'snowflake') => diff(base, head, dialect, false);

describe('QA round 2: a `*` over a relation with unknown columns still yields the columns the base read from it', () => {
  const star = 'select *\nfrom raw__customers';
  const starNote = expect.objectContaining({ kind: 'column_added', breaking: false, line: 1, detail: 'now selects `*` over `raw__customers` (its columns are unknown)' });

  it('reports no removal of a column the base selected by its bare name, and keeps the unknown-star note', () => {
    expect(unknown('select\n    customer_id,\n    email,\n    first_name\nfrom raw__customers', star)).toEqual([starNote]);
    // a column the star does not yield is still removed: excluded, or read from another relation
    expect(unknown('select\n    customer_id,\n    email\nfrom raw__customers', 'select * exclude (email)\nfrom raw__customers')).toEqual([
      expect.objectContaining({ kind: 'column_removed', column: 'email', breaking: true, line: 3, side: 'base' }),
      expect.objectContaining({ kind: 'column_added', breaking: false }),
    ]);
    const join = 'from raw__orders o join raw__customers c on o.customer_id = c.id';
    expect(unknown(`select\n    o.customer_id,\n    c.email\n${join}`, `select o.*\n${join}`)).toEqual([
      expect.objectContaining({ kind: 'column_removed', column: 'email', breaking: true, line: 3, side: 'base' }),
      expect.objectContaining({ kind: 'column_added', detail: 'now selects `*` over `raw__orders` (its columns are unknown)' }),
    ]);
  });

  it('reports an aliased column as renamed back to its source name, a redefined one as an expression change', () => {
    expect(unknown('select\n    id as customer_id,\n    lower(email) as email,\n    first_name::varchar as first_name\nfrom raw__customers', star)).toEqual([
      expect.objectContaining({ kind: 'column_expression_changed', column: 'email', breaking: false, line: 1, detail: '`email`: `lower(email)` → `email`' }),
      expect.objectContaining({ kind: 'column_expression_changed', column: 'first_name', breaking: false, line: 1, detail: 'cast of `first_name` to text removed' }),
      expect.objectContaining({ kind: 'column_renamed', column: 'customer_id', breaking: true, line: 1, detail: 'column `customer_id` renamed to `id` (the `*` yields it under its own name)' }),
      starNote,
    ]);
  });
});

describe('QA round 2: a chained cast has the type of its last cast', () => {
  const orders = (expr: string): string => `select\n    id as order_id,\n    ${expr} as order_date\nfrom raw__orders`;

  it('`x::date` → `x::timestamp_ntz::date` is still a date: no type change', () => {
    for (const dialect of ['snowflake', 'postgres'] as const) {
      const changes = unknown(orders('created_at::date'), orders(dialect === 'snowflake' ? 'created_at::timestamp_ntz::date' : 'created_at::timestamp::date'), dialect);
      expect(changes.map((c) => c.kind)).not.toContain('column_type_changed');
      expect(changes).toEqual([expect.objectContaining({ kind: 'column_expression_changed', column: 'order_date', breaking: false, line: 3 })]);
    }
  });

  it('`x::date` → `x::date::varchar` (or a nested cast()) is a breaking type change date → text, and only that', () => {
    for (const dialect of ['snowflake', 'postgres'] as const) {
      const typeChange = [expect.objectContaining({ kind: 'column_type_changed', column: 'order_date', breaking: true, line: 3, detail: 'type of `order_date` changed: date → text' })];
      expect(unknown(orders('created_at::date'), orders('created_at::date::varchar'), dialect)).toEqual(typeChange);
      expect(unknown(orders('cast(created_at as date)'), orders('cast(cast(created_at as date) as varchar)'), dialect)).toEqual(typeChange);
    }
    // and back: the outer cast removed
    expect(unknown(orders('created_at::date::varchar'), orders('created_at::date'))).toEqual([expect.objectContaining({ kind: 'column_type_changed', breaking: true, detail: 'type of `order_date` changed: text → date' })]);
  });
});

describe('QA round 2: result families of common functions', () => {
  const select = (...items: string[]): string => `select\n    order_id,\n${items.map((i) => `    ${i}`).join(',\n')}\nfrom raw__orders`;

  it('a number (round, datediff, x + 1, count) cast or converted to text is a breaking type change, on both dialects', () => {
    for (const dialect of ['snowflake', 'postgres'] as const) {
      const changes = unknown(
        select('round(amount_cents / 100.0, 2) as amount', "datediff('day', created_at, shipped_at) as days_to_ship", 'quantity + 1 as quantity_incl_gift', 'count(*) over () as n'),
        select('round(amount_cents / 100.0, 2)::varchar as amount', "datediff('day', created_at, shipped_at)::varchar as days_to_ship", '(quantity + 1)::varchar as quantity_incl_gift', 'to_varchar(count(*) over ()) as n'),
        dialect,
      );
      expect(changes.filter((c) => c.kind === 'column_type_changed')).toEqual([
        expect.objectContaining({ column: 'amount', breaking: true, line: 3, detail: 'type of `amount` changed: number → text' }),
        expect.objectContaining({ column: 'days_to_ship', breaking: true, line: 4, detail: 'type of `days_to_ship` changed: number → text' }),
        expect.objectContaining({ column: 'quantity_incl_gift', breaking: true, line: 5, detail: 'type of `quantity_incl_gift` changed: number or date → text' }),
        expect.objectContaining({ column: 'n', breaking: true, line: 6, detail: 'type of `n` changed: integer → text' }),
      ]);
      // no note claims an outer cast was removed: `count(*)` had none
      expect(changes.find((c) => c.column === 'n' && c.kind === 'column_expression_changed')?.detail).toBe('`n`: `count(*) over ()` → `to_varchar(count(*) over ())`');
    }
  });

  it('a date formatted with to_char is a type change date → text, and its cast was not removed', () => {
    const changes = unknown(select('created_at::date as order_date'), select("to_char(created_at::date, 'YYYY-MM-DD') as order_date"));
    expect(changes).toEqual([
      expect.objectContaining({ kind: 'column_type_changed', column: 'order_date', breaking: true, line: 3, detail: 'type of `order_date` changed: date → text' }),
      expect.objectContaining({ kind: 'column_expression_changed', column: 'order_date', breaking: false, line: 3, detail: "`order_date`: `created_at::date` → `to_char(created_at::date, 'YYYY-MM-DD')`" }),
    ]);
    // an unknown function of the cast value: no type is claimed, and no cast was removed
    expect(unknown(select('created_at::date as d'), select('my_udf(created_at::date) as d'))).toEqual([expect.objectContaining({ kind: 'column_expression_changed', breaking: false, detail: '`d`: `created_at::date` → `my_udf(created_at::date)`' })]);
    // an outer cast that is gone is still named
    expect(unknown(select('x::int as a'), select('my_udf(x) as a'))).toEqual([expect.objectContaining({ kind: 'column_expression_changed', detail: '`a`: `x::int` → `my_udf(x)` (cast to integer removed)' })]);
  });

  it('infers only what every dialect agrees on: date_trunc is a date or a timestamp, trunc of a date is unknown', () => {
    // date_trunc gives a date in Snowflake and a timestamp in Postgres: a cast to either is not a type change, to text is
    expect(unknown(select("date_trunc('month', created_at) as m"), select("date_trunc('month', created_at)::date as m"))).toEqual([
      expect.objectContaining({ kind: 'column_expression_changed', breaking: false, detail: '`m` is now cast to date' }),
    ]);
    expect(unknown(select("date_trunc('month', created_at) as m"), select("date_trunc('month', created_at)::varchar as m"))).toEqual([
      expect.objectContaining({ kind: 'column_type_changed', breaking: true, detail: 'type of `m` changed: date or timestamp → text' }),
    ]);
    expect(unknown(select("trunc(created_at, 'month') as m"), select("trunc(created_at, 'month')::varchar as m"))).toEqual([
      expect.objectContaining({ kind: 'column_expression_changed', breaking: false, detail: '`m` is now cast to text' }),
    ]);
    expect(unknown(select('trunc(amount, 2) as m', 'lower(email) as e', 'x = 1 as b'), select('trunc(amount, 2)::varchar as m', 'upper(email)::int as e', '(x = 1)::varchar as b')).filter((c) => c.kind === 'column_type_changed')).toEqual([
      expect.objectContaining({ column: 'm', detail: 'type of `m` changed: number → text' }),
      expect.objectContaining({ column: 'e', detail: 'type of `e` changed: text → integer' }),
      expect.objectContaining({ column: 'b', detail: 'type of `b` changed: boolean → text' }),
    ]);
  });
});

describe('QA round 2: BigQuery and Databricks function names', () => {
  it('keeps the function name (the BigQuery grammar gives it apart): lower → upper is a change, round() is a number', () => {
    for (const dialect of ['bigquery', 'databricks'] as const) {
      expect(diff('select lower(email) as email from raw__customers', 'select upper(email) as email from raw__customers', dialect, false)).toEqual([
        expect.objectContaining({ kind: 'column_expression_changed', column: 'email', detail: '`email`: `lower(email)` → `upper(email)`' }),
      ]);
      expect(diff('select round(amount, 2) as amount from raw__orders', 'select cast(round(amount, 2) as string) as amount from raw__orders', dialect, false)).toEqual([
        expect.objectContaining({ kind: 'column_type_changed', column: 'amount', breaking: true, detail: 'type of `amount` changed: number → text' }),
      ]);
    }
  });
});

describe('QA round 2: a filter on the optional side of an outer join keeps the rows', () => {
  const model = (join: string, where: string): string =>
    `with orders as (\n    select * from raw__orders\n),\n\ncustomers as (\n    select * from raw__customers${where}\n),\n\nfinal as (\n    select\n        orders.order_id,\n        orders.customer_id,\n        customers.country_code\n    from orders\n    ${join} customers\n        on orders.customer_id = customers.customer_id\n)\n\nselect * from final`;
  const where = '\n    where country_code is not null';

  it('a filter added in a CTE that is the right side of a left join is a non-breaking, unsettled, model-wide change', () => {
    const changes = unknown(model('left join', ''), model('left join', where));
    expect(changes).toHaveLength(1);
    expect(changes[0]).toEqual({
      kind: 'filter_changed',
      detail: 'filter added: `country_code is not null` (on the optional side of a left join: every row of the other side is kept, and the joined columns become NULL where the filter is false or NULL; a row that matched several joined rows can now match fewer)',
      line: 7,
      side: 'head',
      impact: 'model_wide',
      breaking: false,
    });
    // removed, or edited: the same
    expect(unknown(model('left join', where), model('left join', ''))).toEqual([expect.objectContaining({ kind: 'filter_changed', side: 'base', line: 7, breaking: false, detail: expect.stringContaining('filter removed: `country_code is not null` (on the optional side of a left join') })]);
    expect(unknown(model('left join', where), model('left join', '\n    where country_code <> \'XX\''))).toEqual([expect.objectContaining({ kind: 'filter_changed', line: 7, breaking: false })]);
  });

  it('the left side of a right join and a subquery are optional sides too; an inner join, a full join and a CTE also read directly are not', () => {
    const right = (w: string): string => `select o.order_id, c.country_code\nfrom (select * from raw__orders${w}) o\nright join raw__customers c on o.customer_id = c.customer_id`;
    expect(unknown(right(''), right(' where status = 1'))).toEqual([expect.objectContaining({ kind: 'filter_changed', breaking: false, line: 2, detail: expect.stringContaining('(on the optional side of a right join: every row of the other side is kept') })]);
    const sub = (w: string): string => `select o.order_id, c.country_code\nfrom raw__orders o\nleft join (select * from raw__customers${w}) c on o.customer_id = c.customer_id`;
    expect(unknown(sub(''), sub(' where status = 1'))).toEqual([expect.objectContaining({ kind: 'filter_changed', breaking: false, line: 3 })]);

    expect(unknown(model('inner join', ''), model('inner join', where))).toEqual([expect.objectContaining({ kind: 'filter_changed', breaking: true, settled: true, detail: 'filter added: `country_code is not null` (rows for which it is false or NULL are removed for every consumer)' })]);
    // a side of a full join loses its unmatched rows where the filter is false
    const full = unknown(model('full join', ''), model('full join', where));
    expect(full).toEqual([expect.objectContaining({ kind: 'filter_changed', breaking: true, detail: expect.stringContaining('on a side of a full join') })]);
    expect(full[0]!.settled).toBeUndefined();
    const twice = (w: string): string => `with c as (select * from raw__customers${w})\nselect o.order_id, c.country_code\nfrom raw__orders o\nleft join c on o.customer_id = c.customer_id\nunion all\nselect c.id, c.country_code from c`;
    expect(unknown(twice(''), twice(' where status = 1'))).toEqual([expect.objectContaining({ kind: 'filter_changed', breaking: true, settled: true })]);
  });
});

describe('QA round 2: a condition ANDed to a row_number() dedup in qualify is a row filter', () => {
  const model = (q: string): string => `select\n    id as customer_id,\n    email,\n    is_deleted,\n    updated_at\nfrom raw__customers\nqualify row_number() over (partition by id order by updated_at desc) = 1${q}`;

  it('reports a breaking filter_changed at its line, the dedup (grain) unchanged', () => {
    expect(unknown(model(''), model(' and not is_deleted'))).toEqual([
      expect.objectContaining({ kind: 'filter_changed', breaking: true, line: 7, side: 'head', detail: 'filter added: `qualify not is_deleted` (rows for which it is false or NULL are removed for every consumer)' }),
    ]);
    expect(unknown(model(''), model('\n    and not is_deleted'))).toEqual([expect.objectContaining({ kind: 'filter_changed', breaking: true, line: 8 })]);
    expect(unknown(model(' and not is_deleted'), model(''))).toEqual([expect.objectContaining({ kind: 'filter_changed', breaking: true, side: 'base', detail: 'filter removed: `qualify not is_deleted` (rows that were excluded now appear)' })]);
    // the dedup's key is still the grain
    expect(unknown(model(' and not is_deleted'), model(' and not is_deleted').replace('partition by id', 'partition by email'))).toEqual([expect.objectContaining({ kind: 'grain_changed', breaking: true })]);
  });
});

describe('QA round 2: a set-operation branch added or removed', () => {
  const two = "select customer_id, 'order' as activity_type, ordered_at as activity_at\nfrom raw__orders\nunion all\nselect customer_id, event_type as activity_type, occurred_at as activity_at\nfrom raw__events\n";
  const three = `${two}union all\nselect customer_id, 'refund' as activity_type, refunded_at as activity_at\nfrom raw__refunds\n`;
  const second = 'select customer_id, event_type as activity_type, occurred_at as activity_at\nfrom raw__events\n';

  it('an appended branch is reported on its first line, with what it appends', () => {
    for (const dialect of ['snowflake', 'postgres'] as const) {
      expect(unknown(two, three, dialect)).toEqual([
        { kind: 'set_operation_changed', detail: 'a `union all` branch was added: rows from `raw__refunds` are appended', line: 7, side: 'head', impact: 'model_wide', breaking: true },
      ]);
      expect(unknown(three, two, dialect)).toEqual([expect.objectContaining({ kind: 'set_operation_changed', detail: 'a `union all` branch was removed: rows from `raw__refunds` no longer appear', line: 7, side: 'base' })]);
    }
  });

  it('a removed first branch is reported on its base line; the branch left is the query, not removed', () => {
    for (const dialect of ['snowflake', 'postgres'] as const) {
      expect(unknown(two, second, dialect)).toEqual([
        { kind: 'set_operation_changed', detail: 'a `union all` branch was removed: rows from `raw__orders` no longer appear', line: 1, side: 'base', impact: 'model_wide', breaking: true },
      ]);
      expect(unknown(two, two.replace('union all', 'union'), dialect)).toEqual([expect.objectContaining({ kind: 'set_operation_changed', detail: '`union all` → `union` (duplicate rows are now removed)', line: 4 })]);
    }
  });
});

describe('QA round 2: texts as written', () => {
  it('shows a type the grammar lacks as written, not as the placeholder the parser was given', () => {
    const orders = (expr: string): string => `select\n    id as order_id,\n    ${expr} as order_date\nfrom raw__orders`;
    expect(unknown(orders('created_at::date'), orders('created_at::timestamp_ntz::date'), 'postgres')).toEqual([
      expect.objectContaining({ kind: 'column_expression_changed', detail: '`order_date`: `created_at::date` → `created_at::timestamp_ntz::date`' }),
    ]);
  });
});
