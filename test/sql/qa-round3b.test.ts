import { describe, expect, it } from 'vitest';
import { analyzeSql } from '../../src/sql/index.js';
import { diff, kinds } from './helpers.js';

describe('QA round 3b: a constant column does not split the groups of `group by all`', () => {
  const base = "select id, sum(a) as s from raw__t group by all";

  it("adding `'web' as channel, current_date() as snapshot_date` is columns added, not a grain change", () => {
    const head = "select id, 'web' as channel, current_date() as snapshot_date, 1 as one, null as nothing, sum(a) as s from raw__t group by all";
    const changes = diff(base, head, 'snowflake', false);
    expect(kinds(changes)).toEqual(['column_added:channel', 'column_added:nothing', 'column_added:one', 'column_added:snapshot_date']);
    expect(changes.every((c) => !c.breaking)).toBe(true);
    // a column that reads a column is still a new grouping column
    expect(kinds(diff(base, 'select id, lower(channel) as channel, sum(a) as s from raw__t group by all', 'snowflake', false))).toEqual(['column_added:channel', 'grain_changed']);
  });

  it('constants are left out of the grouping columns; a column read, a window or a random value is not a constant', () => {
    const shape = analyzeSql("select id, 'web' as channel, 'random()' as label, current_date() as d, random() as r, row_number() over () as rn, sum(a) as s from raw__t group by all", { dialect: 'snowflake' });
    const grain = shape.grain.find((g) => g.kind === 'group_by');
    expect(grain?.text).toBe('group by all (id, r, rn)');
  });
});

describe('QA round 3b: the order of the branches of a `union all` or `union` does not matter', () => {
  const two = (first: string, op: string, second: string): string => `select id, a from ${first}\n${op}\nselect id, a from ${second}\n`;

  it('swapping two `union all` (or `union`) branches reports nothing', () => {
    for (const op of ['union all', 'union']) {
      expect(diff(two('raw__x', op, 'raw__y'), two('raw__y', op, 'raw__x'), 'snowflake', false)).toEqual([]);
      // three branches, rotated, in a CTE read downstream (a filter on it as well)
      const cte = (a: string, b: string, c: string): string => `with u as (select id, a from ${a} ${op} select id, a from ${b} ${op} select id, a from ${c})\nselect id, a from u where a > 0`;
      expect(diff(cte('raw__x', 'raw__y', 'raw__z'), cte('raw__z', 'raw__x', 'raw__y'), 'snowflake', false)).toEqual([]);
    }
  });

  it('an actual change stays a change: values paired otherwise, an edited branch, an `except` swapped, a positional swap', () => {
    // the same branches' columns, but paired across branches otherwise: the rows change
    const paired = diff('select x.id, x.a from raw__x x\nunion all\nselect y.id, y.a from raw__y y', 'select y.id, x.a from raw__x x, raw__y y\nunion all\nselect x.id, y.a from raw__x x, raw__y y', 'snowflake', false);
    expect(paired.length).toBeGreaterThan(0);
    // swapped and one branch edited: that column is told
    expect(kinds(diff(two('raw__x', 'union all', 'raw__y'), 'select id, a from raw__y\nunion all\nselect id, a + 1 as a from raw__x\n', 'snowflake', false))).toEqual(['column_expression_changed:a']);
    // `except` depends on the order
    expect(diff(two('raw__x', 'except', 'raw__y'), two('raw__y', 'except', 'raw__x'), 'snowflake', false).length).toBeGreaterThan(0);
    // a positional swap in the second branch is still breaking, told at that branch
    const swap = diff('select id, a from raw__t where k = 1\nunion all\nselect id, a from raw__t where k = 2', 'select id, a from raw__t where k = 1\nunion all\nselect a, id from raw__t where k = 2', 'snowflake', false);
    expect(swap.find((c) => c.column === 'id')).toMatchObject({ breaking: true, detail: expect.stringContaining('branch 2 of the set operation now gives this column the value it gave `a`') });
  });
});

describe('QA round 3b: three ways of filtering the optional side of a left join get one verdict', () => {
  const plain = 'select o.id, c.name\nfrom raw__o o\nleft join raw__c c on o.cid = c.id';
  const optionalFilter = (changes: ReturnType<typeof diff>): void => {
    expect(changes).toEqual([expect.objectContaining({ kind: 'filter_changed', breaking: false, detail: expect.stringContaining('filter added: ') })]);
    expect(changes[0]!.detail).toContain('on the optional side of a left join');
    expect(changes[0]!.settled).toBeFalsy();
  };

  it('a filter in a joined CTE, a conjunct on the joined relation in ON, the joined relation in a filtering subquery', () => {
    optionalFilter(diff('with cc as (select * from raw__c)\nselect o.id, cc.name\nfrom raw__o o\nleft join cc on o.cid = cc.id', 'with cc as (select * from raw__c where active)\nselect o.id, cc.name\nfrom raw__o o\nleft join cc on o.cid = cc.id', 'snowflake', false));
    const on = diff(plain, `${plain} and c.active`, 'snowflake', false);
    optionalFilter(on);
    expect(on[0]).toMatchObject({ line: 3, detail: expect.stringContaining('`c.active`') });
    optionalFilter(diff(plain, 'select o.id, c.name\nfrom raw__o o\nleft join (select * from raw__c where active) c on o.cid = c.id', 'snowflake', false));
    // the same condition moved from `where` into ON is not the same filter: rows the where removed now appear
    const moved = diff(`${plain}\nwhere c.active`, `${plain} and c.active`, 'snowflake', false);
    expect(moved).toEqual([expect.objectContaining({ kind: 'filter_changed', breaking: true, detail: expect.stringContaining('was a row filter, is now on the optional side of a left join') })]);
    // and back: the filter removed from ON
    expect(diff(`${plain} and c.active`, plain, 'snowflake', false)).toEqual([expect.objectContaining({ kind: 'filter_changed', breaking: false, detail: expect.stringContaining('filter removed: `c.active`') })]);
  });

  it('a change of the join keys, a conjunct in an inner join, or one on the kept side is still a join change', () => {
    expect(kinds(diff(plain, 'select o.id, c.name\nfrom raw__o o\nleft join raw__c c on o.cid = c.id and o.region = c.region', 'snowflake', false))).toEqual(['join_changed']);
    const inner = plain.replace('left join', 'join');
    expect(kinds(diff(inner, `${inner} and c.active`, 'snowflake', false))).toEqual(['join_changed']);
    // a conjunct on the left side of a left join does not filter the optional side: it decides which rows match
    expect(kinds(diff(plain, `${plain} and o.active`, 'snowflake', false))).toEqual(['join_changed']);
    // the subquery aggregates: the target is the same relation, but its grain is told
    expect(kinds(diff(plain, 'select o.id, c.name\nfrom raw__o o\nleft join (select id, max(name) as name from raw__c group by id) c on o.cid = c.id', 'snowflake', false))).not.toContain('join_changed');
  });
});
