import { describe, expect, it } from 'vitest';
import { diff } from './helpers.js';

const seen = (base: string, head: string) =>
  diff(base, head).map((c) => ({ kind: c.kind, detail: c.detail, line: c.line, side: c.side, breaking: c.breaking, settled: c.settled ?? false }));

const sel = 'select o.order_id, o.amount, c.first_name\nfrom stg_orders o\n';

describe('a join made inner (or outer) with its ON unchanged is one change, the type (c08)', () => {
  it('left → inner: the ON conditions on the joined side now drop rows, said once', () => {
    const on = '    on o.customer_id = c.customer_id and c.is_active\nwhere o.status = \'complete\'';
    expect(seen(`${sel}left join stg_customers c\n${on}`, `${sel}join stg_customers c\n${on}`)).toEqual([
      {
        kind: 'join_changed',
        detail: 'join type of `stg_customers` changed: left → inner (rows without a match, or whose matches all fail `c.is_active`, are now dropped)',
        line: 3,
        side: 'head',
        breaking: true,
        settled: true,
      },
    ]);
  });

  it('inner → left: those rows are kept again', () => {
    const on = '    on o.customer_id = c.customer_id and c.is_active';
    expect(seen(`${sel}join stg_customers c\n${on}`, `${sel}left join stg_customers c\n${on}`).map((c) => [c.kind, c.detail, c.settled])).toEqual([
      ['join_changed', 'join type of `stg_customers` changed: inner → left (rows without a match, or whose matches all fail `c.is_active`, are now kept, with NULLs in its columns)', true],
    ]);
  });

  it('with the condition also removed and a where edit (c05): no filter is named wrongly, no condition change of equal texts', () => {
    const base = `${sel}left join stg_customers c\n    on o.customer_id = c.customer_id and c.is_active\nwhere o.status = 'complete'`;
    const head = `${sel}join stg_customers c\n    on o.customer_id = c.customer_id\nwhere o.status in ('complete', 'shipped')`;
    expect(seen(base, head)).toEqual([
      { kind: 'filter_changed', detail: "filter `o.status = 'complete'` → `o.status in ('complete', 'shipped')`", line: 5, side: 'head', breaking: true, settled: false },
      {
        kind: 'filter_changed',
        detail: 'filter removed: `c.is_active` (it was on the optional side of a left join that is now inner: joined columns that were NULL where it was false now have values, and a row can now match more joined rows)',
        line: 4,
        side: 'base',
        breaking: false,
        settled: false,
      },
      { kind: 'join_changed', detail: 'join type of `stg_customers` changed: left → inner (rows without a match are now dropped)', line: 3, side: 'head', breaking: true, settled: true },
    ]);
  });
});

describe('an inner join\'s ON and the where are one set of row filters (c36)', () => {
  it('a predicate moved from where into the ON of an inner join, or back, is no change', () => {
    const inWhere = `${sel}join stg_customers c on o.customer_id = c.customer_id\nwhere c.is_active`;
    const inOn = `${sel}join stg_customers c on o.customer_id = c.customer_id and c.is_active`;
    expect(diff(inWhere, inOn)).toEqual([]);
    expect(diff(inOn, inWhere)).toEqual([]);
  });

  it('a comma join with its key in where, written as an inner join, is no change', () => {
    expect(diff(`${sel}, stg_customers c\nwhere o.customer_id = c.customer_id`, `${sel}join stg_customers c on o.customer_id = c.customer_id`)).toEqual([]);
  });

  it('a predicate moved into the ON and changed is one join change that says so, not a settled removal', () => {
    const base = `${sel}join stg_customers c on o.customer_id = c.customer_id\nwhere c.country = 'NL'`;
    const head = `${sel}join stg_customers c on o.customer_id = c.customer_id and c.country in ('NL', 'BE')`;
    expect(seen(base, head)).toEqual([
      {
        kind: 'join_changed',
        detail:
          "join condition changed: `inner join stg_customers c on o.customer_id = c.customer_id` → `inner join stg_customers c on o.customer_id = c.customer_id and c.country in ('NL', 'BE')` (the `where` filter `c.country = 'NL'` moved into this ON and changed: in an inner join, an ON condition filters the rows as a `where` one does)",
        line: 3,
        side: 'head',
        breaking: true,
        settled: false,
      },
    ]);
  });

  it('the same move next to a right join is not the same query, and is reported', () => {
    const tail = '\nright join stg_customers d on d.customer_id = o.customer_id';
    const inWhere = `${sel}join stg_customers c on o.customer_id = c.first_name${tail}\nwhere c.country = 'NL'`;
    const inOn = `${sel}join stg_customers c on o.customer_id = c.first_name and c.country = 'NL'${tail}`;
    expect(diff(inWhere, inOn).map((c) => c.kind).sort()).toEqual(['filter_changed', 'join_changed']);
  });

  it('the left-join version of the move still says which rows it now keeps', () => {
    const inWhere = `${sel}left join stg_customers c on o.customer_id = c.customer_id\nwhere c.is_active`;
    const inOn = `${sel}left join stg_customers c on o.customer_id = c.customer_id and c.is_active`;
    expect(seen(inWhere, inOn)).toEqual([
      {
        kind: 'filter_changed',
        detail: 'filter `c.is_active` was a row filter, is now on the optional side of a left join (`c.is_active`): rows it removed can now appear',
        line: 3,
        side: 'head',
        breaking: true,
        settled: false,
      },
    ]);
  });
});
