/**
 * `data_tests: <project>: +enabled: false` (or the older `tests:` key) in dbt_project.yml disables the data tests
 * under it: they no longer count (DESIGN: "`enabled: false` does not count"), so the tests no longer run
 * (`test-removed`) and the key is untested (`key-untested`), located at that setting.
 */
import { describe, expect, it } from 'vitest';
import type { Review } from '../../src/review/types.js';
import { lines, reviewBetween } from './review-between.js';

const review = reviewBetween();

const PROJECT = lines('name: shop', "version: '1.0'", 'config-version: 2', 'profile: shop', 'models:', '  shop:', '    +meta: {owner: "@o"}');
const entry = (name: string, key: string) =>
  [`  - name: ${name}`, '    description: d', '    columns:', `      - name: ${key}`, '        data_tests: [unique, not_null]'];
const BASE = {
  'dbt_project.yml': PROJECT,
  'models/marts/fct_a.sql': 'select 1 as a_id\n',
  'models/marts/_marts.yml': lines('version: 2', 'models:', ...entry('fct_a', 'a_id')),
  'models/staging/stg_b.sql': 'select 1 as b_id\n',
  'models/staging/_staging.yml': lines('version: 2', 'models:', ...entry('stg_b', 'b_id')),
};

const summary = (r: Review) => r.findings.filter((f) => f.rule === 'test-removed' || f.rule === 'key-untested').map((f) => `${f.rule} ${f.model} ${f.path}:${f.line}`);

describe('data tests disabled in dbt_project.yml', () => {
  it('`data_tests: shop: +enabled: false`: every test of the project no longer runs, at that line, though no model file changed', async () => {
    const r = await review(BASE, { ...BASE, 'dbt_project.yml': PROJECT + lines('data_tests:', '  shop:', '    +enabled: false') });
    expect(summary(r).sort()).toEqual([
      'key-untested fct_a dbt_project.yml:10',
      'key-untested stg_b dbt_project.yml:10',
      'test-removed fct_a dbt_project.yml:10',
      'test-removed fct_a dbt_project.yml:10',
      'test-removed stg_b dbt_project.yml:10',
      'test-removed stg_b dbt_project.yml:10',
    ]);
    const fct = r.models.find((m) => m.name === 'fct_a')!;
    expect(fct.changes).toContainEqual(
      expect.objectContaining({ kind: 'test_removed', column: 'a_id', detail: 'test unique on a_id disabled by `data_tests: shop: +enabled: false`', path: 'dbt_project.yml', line: 10 }),
    );
    const removed = r.findings.find((f) => f.rule === 'test-removed')!;
    expect(removed).not.toHaveProperty('side');
    expect(removed.message).toContain('no longer runs');
    const untested = r.findings.find((f) => f.rule === 'key-untested' && f.model === 'fct_a')!;
    expect(untested.message).toContain('its tests in `models/marts/_marts.yml` are disabled by `data_tests: shop: +enabled: false` (`dbt_project.yml:10`)');
    expect(untested).not.toHaveProperty('suggestion'); // adding the same tests again would not run them either
    expect(r.conclusion).toBe('failure');
  });

  it('the older `tests:` key, at the root, does the same', async () => {
    const r = await review(BASE, { ...BASE, 'dbt_project.yml': PROJECT + lines('tests:', '  +enabled: false') });
    expect(summary(r)).toContain('key-untested fct_a dbt_project.yml:9');
    expect(summary(r).filter((s) => s.startsWith('test-removed'))).toHaveLength(4);
  });

  it('a folder level applies to the property files of that folder only, and a deeper level enables them again', async () => {
    const marts = await review(BASE, { ...BASE, 'dbt_project.yml': PROJECT + lines('data_tests:', '  shop:', '    marts:', '      +enabled: false') });
    expect(summary(marts).sort()).toEqual(['key-untested fct_a dbt_project.yml:11', 'test-removed fct_a dbt_project.yml:11', 'test-removed fct_a dbt_project.yml:11']);
    const reenabled = await review(BASE, {
      ...BASE,
      'dbt_project.yml': PROJECT + lines('data_tests:', '  shop:', '    +enabled: false', '    marts:', '      +enabled: true'),
    });
    expect(summary(reenabled).filter((s) => s.includes('fct_a'))).toEqual([]);
    expect(summary(reenabled).filter((s) => s.includes('stg_b'))).toHaveLength(3);
  });

  it("a test's own `config: {enabled: true}` is more specific than dbt_project.yml: it still runs", async () => {
    const own = lines('version: 2', 'models:', '  - name: fct_a', '    description: d', '    columns:', '      - name: a_id', '        data_tests:', '          - unique:', '              config: {enabled: true}', '          - not_null:', '              config: {enabled: true}');
    const base = { ...BASE, 'models/marts/_marts.yml': own };
    const r = await review(base, { ...base, 'dbt_project.yml': PROJECT + lines('data_tests:', '  shop:', '    +enabled: false') });
    expect(summary(r).filter((s) => s.includes('fct_a'))).toEqual([]);
    expect(summary(r).filter((s) => s.includes('stg_b'))).toHaveLength(3);
  });

  it('another package, or a value computed by Jinja, disables nothing here', async () => {
    for (const tests of [lines('data_tests:', '  other_pkg:', '    +enabled: false'), lines('data_tests:', '  shop:', '    +enabled: "{{ target.name == \'prod\' }}"')]) {
      const r = await review(BASE, { ...BASE, 'dbt_project.yml': PROJECT + tests });
      expect(summary(r)).toEqual([]);
    }
  });
});
