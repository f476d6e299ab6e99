/** Removing or disabling one version of a versioned model says which version went, not that the model did. */
import { describe, expect, it } from 'vitest';
import { lines, reviewBetween } from './review-between.js';

const review = reviewBetween();

const PROJECT = lines('name: shop', "version: '1.0'", 'config-version: 2', 'profile: shop', 'models:', '  shop:', '    +meta: {owner: "@o"}');
const props = (...v1: string[]) =>
  lines(
    'version: 2',
    'models:',
    '  - name: dim_customers',
    '    description: d',
    '    latest_version: 2',
    '    columns:',
    '      - name: customer_id',
    '        data_tests: [unique, not_null]',
    '    versions:',
    '      - v: 2',
    ...v1,
  );
const BASE = {
  'dbt_project.yml': PROJECT,
  'models/dim_customers_v1.sql': 'select 1 as customer_id\n',
  'models/dim_customers_v2.sql': 'select 1 as customer_id, 2 as segment\n',
  'models/props.yml': props('      - v: 1'),
};

describe('one version of a versioned model removed', () => {
  it('disabled: the finding names the version', async () => {
    const r = await review(BASE, { ...BASE, 'models/props.yml': props('      - v: 1', '        config:', '          enabled: false') });
    expect(r.models.map((m) => [m.name, m.version, m.status])).toEqual([['dim_customers', '1', 'removed']]);
    expect(r.models[0]!.changes).toEqual([
      expect.objectContaining({ kind: 'model_removed', detail: 'dim_customers v1 is now disabled (versions[].config.enabled)', path: 'models/props.yml', line: 13 }),
    ]);
    const hit = r.findings.find((f) => f.rule === 'breaking-model-removed')!;
    expect(hit.message).toMatch(/^Version 1 of model `dim_customers` was removed \(dim_customers v1 is now disabled/);
  });

  it('deleted: the finding names the version', async () => {
    const { 'models/dim_customers_v1.sql': _gone, ...rest } = BASE;
    const r = await review(BASE, { ...rest, 'models/props.yml': props() });
    const hit = r.findings.find((f) => f.rule === 'breaking-model-removed')!;
    expect(hit.message).toMatch(/^Version 1 of model `dim_customers` was removed \(dim_customers v1 was removed\)/);
    expect(hit).toMatchObject({ path: 'models/dim_customers_v1.sql', line: 1, side: 'base' });
  });

  it('an unversioned model removed is still "Model `x` was removed"', async () => {
    const base = { 'dbt_project.yml': PROJECT, 'models/fct_a.sql': 'select 1 as a_id\n' };
    const r = await review(base, { 'dbt_project.yml': PROJECT });
    expect(r.findings.find((f) => f.rule === 'breaking-model-removed')!.message).toMatch(/^Model `fct_a` was removed: keep it/);
  });
});
