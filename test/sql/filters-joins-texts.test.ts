import { describe, expect, it } from 'vitest';
import { diff } from './helpers.js';

const joinChanges = (base: string, head: string) =>
  diff(base, head).filter((c) => c.kind === 'join_changed').map((c) => ({ detail: c.detail, line: c.line, side: c.side, breaking: c.breaking, settled: c.settled ?? false }));

const sel = 'select o.order_id, c.first_name\nfrom stg_orders o\n';
const j = (type: string): string => `${sel}${type} stg_customers c on o.customer_id = c.customer_id`;

describe('what a join type change does to the rows (c59)', () => {
  it('left → full: the joined side\'s unmatched rows are added, with NULLs on the other side (not "now kept")', () => {
    expect(joinChanges(j('left join'), j('full outer join'))).toEqual([
      {
        detail:
          "join type of `stg_customers` changed: left → full (rows of `stg_customers` without a match are now added, with NULLs in the other side's columns: a key taken from the other side is NULL on them, so its `not_null` and `unique` tests can fail)",
        line: 3,
        side: 'head',
        breaking: true,
        settled: false,
      },
    ]);
  });

  it('full → left, right → inner, inner → full: each side that stops or starts being kept', () => {
    expect(joinChanges(j('full join'), j('left join'))[0]!.detail).toBe('join type of `stg_customers` changed: full → left (rows of `stg_customers` without a match no longer appear)');
    expect(joinChanges(j('right join'), j('join'))[0]!.detail).toBe('join type of `stg_customers` changed: right → inner (rows of `stg_customers` without a match no longer appear)');
    expect(joinChanges(j('join'), j('full join'))[0]!.detail).toMatch(
      /^join type of `stg_customers` changed: inner → full \(rows without a match in `stg_customers` are now kept, with NULLs in its columns; rows of `stg_customers` without a match are now added, /,
    );
  });

  it('a left join written as a right join with its sides swapped is no change', () => {
    const right = 'select o.order_id, c.first_name\nfrom stg_customers c\nright join stg_orders o on o.customer_id = c.customer_id';
    expect(diff(j('left join'), right)).toEqual([]);
    // with a filter of the optional side in its ON, the same side either way
    expect(diff(`${j('left join')} and c.country = 'NL'`, `${right} and c.country = 'NL'`)).toEqual([]);
    // the sides really swapped (the other relation's rows are kept) is a change
    const flipped = 'select o.order_id, c.first_name\nfrom stg_customers c\nleft join stg_orders o on o.customer_id = c.customer_id';
    expect(joinChanges(j('left join'), flipped).length).toBeGreaterThan(0);
  });
});

describe('what removing a join does to the rows (c47)', () => {
  it('a removed inner join: the rows it dropped now appear', () => {
    expect(joinChanges(`${sel}join stg_customers c on c.customer_id = o.customer_id`, 'select o.order_id\nfrom stg_orders o')).toEqual([
      {
        detail:
          'join removed: `inner join stg_customers c on c.customer_id = o.customer_id` (rows without a match in `stg_customers`, which it dropped, now appear, and rows that matched several rows of `stg_customers` now appear once)',
        line: 3,
        side: 'base',
        breaking: true,
        settled: false,
      },
    ]);
  });

  it('a removed left join drops no row: only the multiplied rows appear once', () => {
    expect(joinChanges(j('left join'), 'select o.order_id\nfrom stg_orders o')[0]!.detail).toBe(
      'join removed: `left join stg_customers c on o.customer_id = c.customer_id` (rows that matched several rows of `stg_customers` now appear once)',
    );
  });
});
