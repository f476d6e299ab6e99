/**
 * Tests are matched by what they check (kind, columns, arguments), not by their custom name: naming a test
 * (`- unique: {name: x}`, `- {name: x, test_name: not_null}`) removes nothing.
 */
import { describe, expect, it } from 'vitest';
import type { Review } from '../../src/review/types.js';
import { lines, reviewBetween } from './review-between.js';

const review = reviewBetween();

const PROJECT = lines('name: shop', "version: '1.0'", 'config-version: 2', 'profile: shop', 'models:', '  shop:', '    +meta: {owner: "@o"}');
const SQL = "select 1 as order_id, 'x' as status\n";
const props = (...tests: string[]) =>
  lines('version: 2', 'models:', '  - name: fct_orders', '    description: d', '    columns:', '      - name: order_id', '        data_tests:', ...tests, '      - name: status');

async function reviewTests(before: string[], after: string[]): Promise<Review> {
  const base = { 'dbt_project.yml': PROJECT, 'models/fct_orders.sql': SQL, 'models/p.yml': props(...before) };
  return review(base, { ...base, 'models/p.yml': props(...after) });
}

const testChanges = (r: Review) =>
  r.models.flatMap((m) => m.changes).filter((c) => c.kind === 'test_added' || c.kind === 'test_removed').map((c) => `${c.kind}: ${c.detail}`);

describe('a test given a custom name is the same test', () => {
  it('naming `unique` (nested name:) and `not_null` (name: + test_name:) removes and adds nothing', async () => {
    const r = await reviewTests(
      ['          - unique', '          - not_null'],
      ['          - unique:', '              name: fct_orders_pk_unique', '          - name: fct_orders_pk_not_null', '            test_name: not_null'],
    );
    expect(testChanges(r)).toEqual([]);
    expect(r.findings.filter((f) => f.rule === 'test-removed' || f.rule === 'key-untested')).toEqual([]);
    expect(r.conclusion).toBe('success');
  });

  it('renaming a named test, or dropping its name, changes nothing either', async () => {
    const r = await reviewTests(
      ['          - unique: {name: pk_unique}', '          - {name: pk_nn, test_name: not_null}'],
      ['          - unique: {name: fct_orders_pk_unique}', '          - not_null'],
    );
    expect(testChanges(r)).toEqual([]);
    expect(r.findings.filter((f) => f.rule === 'test-removed')).toEqual([]);
  });

  it('a named test that is really removed is still reported, with its name', async () => {
    const r = await reviewTests(['          - unique: {name: pk_unique}', '          - not_null'], ['          - not_null']);
    expect(testChanges(r)).toEqual(['test_removed: test unique (pk_unique) on order_id removed']);
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'test-removed', column: 'order_id', line: 8, side: 'base' }));
  });

  it('of two tests of one kind on a column, the one whose arguments are gone is the removed one, whatever the names', async () => {
    const r = await reviewTests(
      ["          - accepted_values: {name: a, values: ['x']}", "          - accepted_values: {name: b, values: ['y']}"],
      ["          - accepted_values: {name: b, values: ['x']}"],
    );
    expect(testChanges(r)).toEqual(['test_removed: test accepted_values (b) on order_id removed']);
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'test-removed', line: 9, side: 'base' }));
  });
});
