import { describe, expect, it } from 'vitest';
import { diff } from './helpers.js';

/** What a user sees of each change: kind, detail, line and side, breaking, settled. */
const seen = (base: string, head: string) =>
  diff(base, head).map((c) => ({ kind: c.kind, detail: c.detail, line: c.line, side: c.side, breaking: c.breaking, settled: c.settled ?? false }));

describe('filter conjuncts are paired by what they test, not by position', () => {
  it('a removed predicate is reported as removed, the one that was widened as changed (c77)', () => {
    const base = "select o.order_id, o.amount\nfrom stg_orders o\nwhere o.is_test = false\n  and o.status = 'complete'";
    const head = "select o.order_id, o.amount\nfrom stg_orders o\nwhere o.status in ('complete', 'shipped')";
    expect(seen(base, head)).toEqual([
      { kind: 'filter_changed', detail: "filter `o.status = 'complete'` → `o.status in ('complete', 'shipped')`", line: 3, side: 'head', breaking: true, settled: false },
      { kind: 'filter_changed', detail: 'filter removed: `o.is_test = false` (rows that were excluded now appear)', line: 3, side: 'base', breaking: true, settled: true },
    ]);
  });

  it('pairs the predicate on the same column even when it is written second (c76)', () => {
    const base = "select o.order_id\nfrom stg_orders o\nwhere o.status = 'complete'\n  and o.region = 'eu'";
    const head = "select o.order_id\nfrom stg_orders o\nwhere o.region in ('eu', 'uk')";
    expect(seen(base, head)).toEqual([
      { kind: 'filter_changed', detail: "filter `o.region = 'eu'` → `o.region in ('eu', 'uk')`", line: 3, side: 'head', breaking: true, settled: false },
      { kind: 'filter_changed', detail: "filter removed: `o.status = 'complete'` (rows that were excluded now appear)", line: 3, side: 'base', breaking: true, settled: true },
    ]);
  });

  it('of two predicates on one column, pairs the most alike', () => {
    const base = "select order_id from stg_orders\nwhere status <> 'void'\n  and amount > 0\n  and status = 'complete'";
    const head = "select order_id from stg_orders\nwhere amount > 0\n  and status in ('complete', 'shipped')";
    const details = seen(base, head).map((c) => c.detail);
    expect(details).toEqual([
      "filter `status = 'complete'` → `status in ('complete', 'shipped')`",
      "filter removed: `status <> 'void'` (rows that were excluded now appear)",
    ]);
  });

  it('a predicate replaced by one on unrelated columns is a removed and an added filter, each with its consequence', () => {
    const changes = seen('select order_id from stg_orders\nwhere status = 1', 'select order_id from stg_orders\nwhere amount > 10');
    expect(changes).toEqual([
      { kind: 'filter_changed', detail: 'filter added: `amount > 10` (rows for which it is false or NULL are removed for every consumer)', line: 2, side: 'head', breaking: true, settled: true },
      { kind: 'filter_changed', detail: 'filter removed: `status = 1` (rows that were excluded now appear)', line: 2, side: 'base', breaking: true, settled: true },
    ]);
  });

  it('the same test moved to another column stays one change', () => {
    expect(seen("select order_id from stg_orders\nwhere status = 'x'", "select order_id from stg_orders\nwhere discount = 'x'").map((c) => [c.detail, c.settled])).toEqual([
      ["filter `status = 'x'` → `discount = 'x'`", false],
    ]);
  });

  it('a where predicate is not paired with a having one', () => {
    const base = 'select customer_id, count(*) as n from stg_orders\nwhere amount > 0\ngroup by customer_id\nhaving count(*) > 1';
    const head = 'select customer_id, count(*) as n from stg_orders\ngroup by customer_id\nhaving count(*) > 5';
    expect(seen(base, head).map((c) => [c.detail, c.side, c.settled])).toEqual([
      ['filter `having count(*) > 1` → `having count(*) > 5`', 'head', false],
      ['filter removed: `amount > 0` (rows that were excluded now appear)', 'base', true],
    ]);
  });

  it('a predicate that reads no column still pairs by position', () => {
    expect(seen('select order_id from stg_orders\nwhere 1 = 0', 'select order_id from stg_orders\nwhere amount > 0').map((c) => c.detail)).toEqual([
      'filter `1 = 0` → `amount > 0`',
    ]);
  });
});
