/**
 * Cases from exploratory reviews: rewrites that select the same rows (no change), struct fields, scalar subqueries,
 * union branch filters, select aliases in WHERE and set-returning functions.
 */
import { describe, expect, it } from 'vitest';
import { diff } from './helpers.js';

const where = (condition: string): string => `select order_id from stg_orders where ${condition}`;

/** Predicates written another way that select the same rows are no change (they were reported as breaking filters). */
describe('equivalent predicates', () => {
  it.each([
    ['between and two bounds', 'amount between 1 and 10', 'amount >= 1 and amount <= 10'],
    ['<> and not =', "status <> 'x'", "not status = 'x'"],
    ['<> and not (=)', "status <> 'x'", "not (status = 'x')"],
    ['<= and not (>)', 'amount <= 1', 'not (amount > 1)'],
    ['is not null and not (is null)', 'status is not null', 'not (status is null)'],
    ['an OR of equalities and IN', "(status = 'a' or status = 'b')", "status in ('b', 'a')"],
    ['IN with an OR and a longer IN', "status in ('a', 'b') or status = 'c'", "status in ('a', 'b', 'c')"],
    ['De Morgan over OR', "not (status = 'a' or amount > 1)", "status <> 'a' and amount <= 1"],
    ['De Morgan over AND', "not (status = 'a' and amount > 1)", "status <> 'a' or amount <= 1"],
    ['a double negation', "not (not (status = 'a'))", "status = 'a'"],
  ])('%s', (_name, before, after) => {
    expect(diff(where(before), where(after))).toEqual([]);
    expect(diff(where(after), where(before))).toEqual([]);
  });

  it('a bound of a BETWEEN that changed is told as that bound', () => {
    expect(diff(where('amount between 1 and 10'), where('amount between 1 and 20')).map((c) => c.detail)).toEqual(['filter `amount <= 10` → `amount <= 20`']);
  });

  it('a conjunct that De Morgan gives and the change drops is told as written under its not', () => {
    expect(diff(where("not (status = 'a' or amount > 1)"), where("status <> 'a'")).map((c) => c.detail)).toEqual(['filter removed: `not amount > 1` (rows that were excluded now appear)']);
  });

  it('what selects other rows is still a change', () => {
    expect(diff(where("status = 'a' or status = 'b' or status = 'c'"), where("status in ('a', 'b')")).map((c) => c.kind)).toEqual(['filter_changed']);
    expect(diff(where("status = 'a' or amount = 1"), where("status in ('a')")).map((c) => c.kind)).toEqual(['filter_changed']);
    expect(diff(where('amount not between 1 and 10'), where('amount >= 1 and amount <= 10')).length).toBeGreaterThan(0);
  });
});

describe('struct fields (BigQuery)', () => {
  it('which field of a struct column is read is part of the value and of the filter', () => {
    const select = (field: string) => `select o.order_id, o.customer.${field} as customer_field from stg_orders o`;
    expect(diff(select('name'), select('email'), 'bigquery').map((c) => c.detail)).toEqual(['`customer_field`: `o.customer.name` → `o.customer.email`']);
    const filtered = (field: string) => `select o.order_id from stg_orders o where o.customer.${field} = 'gold'`;
    expect(diff(filtered('tier'), filtered('segment'), 'bigquery').map((c) => c.kind)).toEqual(['filter_changed']);
    expect(diff(select('name'), select('name'), 'bigquery')).toEqual([]);
  });
});

describe('scalar subqueries in the select list', () => {
  it('a correlated count is a column added: not the model aggregated to one row, nor a new source of rows', () => {
    const base = 'select o.order_id, o.amount from stg_orders o';
    const head = 'select o.order_id, o.amount,\n  (select count(*) from stg_customers c where c.customer_id = o.customer_id) as n\nfrom stg_orders o';
    expect(diff(base, head).map((c) => c.kind)).toEqual(['column_added']);
  });

  it('a relation that the rows come from is still a source change', () => {
    expect(diff('select order_id from stg_orders', 'select o.order_id from stg_orders o join stg_customers c on c.customer_id = o.customer_id').map((c) => c.kind)).toContain('join_changed');
    expect(diff('select order_id from stg_orders where amount > 0', 'select order_id from stg_orders where amount > (select avg(amount) from stg_customers)').map((c) => c.kind)).toContain('filter_changed');
  });
});

describe('filters of union branches', () => {
  const union = (first: string, second: string) =>
    `select order_id, 'web' as channel from stg_orders where status = '${first}'\nunion all\nselect order_id, 'app' as channel from stg_orders where status = '${second}'`;

  it("a filter changed in one branch is that branch's filter changed, not one added while another branch keeps the old one", () => {
    expect(diff(union('web', 'app'), union('web', 'web')).map((c) => [c.kind, c.detail, c.line])).toEqual([['filter_changed', "filter `status = 'app'` → `status = 'web'`", 3]]);
  });

  it('the same branches in another order are the same rows', () => {
    const a = "select order_id from stg_orders where status = 'a'\nunion all\nselect order_id from stg_customers where status = 'b'";
    const b = "select order_id from stg_customers where status = 'b'\nunion all\nselect order_id from stg_orders where status = 'a'";
    expect(diff(a, b)).toEqual([]);
  });
});

describe('a WHERE name that is also a select alias', () => {
  it('names the FROM column when the alias is a constant or reads a column of its name (Snowflake resolves the FROM first)', () => {
    const union = (second: string) =>
      `select order_id, 'web' as channel from raw_orders where channel = 'web'\nunion all\nselect order_id, 'app' as channel from raw_orders where channel = '${second}'`;
    expect(diff(union('app'), union('web'), 'snowflake', false).map((c) => [c.kind, c.detail, c.line])).toEqual([['filter_changed', "filter `channel = 'app'` → `channel = 'web'`", 3]]);
    const upper = (value: string) => `select order_id, upper(status) as status from raw_orders where status = '${value}'`;
    expect(diff(upper('a'), upper('b'), 'snowflake', false).map((c) => c.detail)).toEqual(["filter `status = 'a'` → `status = 'b'`"]);
  });

  it('an alias computed from other columns is still the alias', () => {
    const doubled = (n: number) => `select order_id, amount * 2 as doubled from raw_orders where doubled > ${n}`;
    const [change] = diff(doubled(10), doubled(20), 'snowflake', false);
    expect(change).toMatchObject({ kind: 'filter_changed' });
  });
});

describe('Postgres set-returning functions in the select list', () => {
  it.each([
    ["jsonb_array_elements(items) ->> 'sku' as sku"],
    ['jsonb_array_elements_text(tags) as tag'],
    ["regexp_split_to_table(tags, ',') as tag"],
  ])('%s multiplies the rows: a fan-out', (column) => {
    const changes = diff('select order_id from stg_orders', `select order_id, ${column} from stg_orders`, 'postgres');
    expect(changes.map((c) => [c.kind, c.breaking])).toEqual([['column_added', false], ['grain_changed', true]]);
  });
});
