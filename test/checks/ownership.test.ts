import { describe, expect, it } from 'vitest';
import { ownerMissing } from '../../src/checks/ownership.js';
import { config, context, entry, loadedContext, model, project } from './factory.js';

const PROJECT = 'name: shop\nversion: "1.0"\nconfig-version: 2\n';

function files(yaml: string[], extra: Record<string, string> = {}): Record<string, string> {
  return {
    'dbt_project.yml': PROJECT,
    'models/marts/fct_orders.sql': "select order_id from {{ ref('stg_orders') }}",
    'models/marts/_marts.yml': yaml.join('\n') + '\n',
    ...extra,
  };
}

describe('owner-missing', () => {
  it('reports a model without owner at its YAML entry, with a config.meta suggestion in the file\'s indentation', () => {
    const yaml = ['version: 2', 'models:', '  - name: fct_orders', '    description: Orders', '    columns:', '      - name: order_id'];
    const [hit] = ownerMissing.run(loadedContext(files(yaml), 'fct_orders'));
    expect(hit).toMatchObject({ rule: 'owner-missing', model: 'fct_orders', path: 'models/marts/_marts.yml', line: 3 });
    expect(hit!.message).toContain('add `owner: <team or person>` under `config: meta:` in its entry in `models/marts/_marts.yml`');
    expect(hit!.message).toContain('`+meta: {owner: ...}` for `models/marts/` in `dbt_project.yml`');
    expect(hit!.suggestion).toEqual({
      startLine: 3,
      endLine: 3,
      replacement: ['  - name: fct_orders', '    config:', '      meta:', '        owner: "<owner>"'].join('\n'),
    });
    expect(hit!.message).toContain('replace it before committing');
  });

  it('proposes the owner shared by the other models of the folder', () => {
    const yaml = [
      'version: 2',
      'models:',
      '  - name: fct_orders',
      '  - name: fct_payments',
      '    config:',
      '      meta:',
      '        owner: finance-team',
    ];
    const ctx = loadedContext(files(yaml, { 'models/marts/fct_payments.sql': 'select 1 as payment_id' }), 'fct_orders');
    const [hit] = ownerMissing.run(ctx);
    expect(hit!.message).toContain('The other models in `models/marts/` are owned by `finance-team`');
    expect(hit!.suggestion!.replacement).toBe(['  - name: fct_orders', '    config:', '      meta:', '        owner: finance-team'].join('\n'));
  });

  it('adds meta under an existing config block, and owner under an existing meta block (4-space file)', () => {
    const withConfig = ['version: 2', 'models:', '    -   name: fct_orders', '        config:', '            materialized: table'];
    const [a] = ownerMissing.run(loadedContext(files(withConfig), 'fct_orders'));
    expect(a!.suggestion).toEqual({
      startLine: 4,
      endLine: 4,
      replacement: ['        config:', '            meta:', '                owner: "<owner>"'].join('\n'),
    });
    const withMeta = ['version: 2', 'models:', '  - name: fct_orders', '    config:', '      meta:', '        tier: gold'];
    const [b] = ownerMissing.run(loadedContext(files(withMeta), 'fct_orders'));
    expect(b!.suggestion).toEqual({ startLine: 5, endLine: 5, replacement: ['      meta:', '        owner: "<owner>"'].join('\n') });
    expect(b!.line).toBe(5);
  });

  it('gives no suggestion when the entry is not plain block YAML', () => {
    const flow = ['version: 2', 'models:', '  - {name: fct_orders, description: x}'];
    const [hit] = ownerMissing.run(loadedContext(files(flow), 'fct_orders'));
    expect(hit).toBeDefined();
    expect(hit!.suggestion).toBeUndefined();
    const inlineConfig = ['version: 2', 'models:', '  - name: fct_orders', '    config: {materialized: table}'];
    expect(ownerMissing.run(loadedContext(files(inlineConfig), 'fct_orders'))[0]!.suggestion).toBeUndefined();
  });

  it('points at line 1 of the SQL file when the model has no YAML entry', () => {
    const ctx = loadedContext({ 'dbt_project.yml': PROJECT, 'models/marts/fct_orders.sql': 'select 1 as order_id' }, 'fct_orders');
    const [hit] = ownerMissing.run(ctx);
    expect(hit).toMatchObject({ path: 'models/marts/fct_orders.sql', line: 1 });
    expect(hit!.message).toContain('in a property YAML entry for `fct_orders`');
    expect(hit!.suggestion).toBeUndefined();
  });

  it('accepts an owner from dbt_project.yml, from config() and from a group', () => {
    const fromProject = {
      'dbt_project.yml': PROJECT + 'models:\n  shop:\n    marts:\n      +meta:\n        owner: analytics\n',
      'models/marts/fct_orders.sql': 'select 1 as order_id',
    };
    expect(ownerMissing.run(loadedContext(fromProject, 'fct_orders'))).toEqual([]);
    const fromSql = { 'dbt_project.yml': PROJECT, 'models/marts/fct_orders.sql': "{{ config(meta={'owner': 'sales'}) }}\nselect 1 as order_id" };
    expect(ownerMissing.run(loadedContext(fromSql, 'fct_orders'))).toEqual([]);
    const fromGroup = files(
      ['version: 2', 'groups:', '  - name: finance', '    owner:', '      name: Finance', 'models:', '  - name: fct_orders', '    config:', '      group: finance'],
    );
    expect(ownerMissing.run(loadedContext(fromGroup, 'fct_orders'))).toEqual([]);
  });

  it('uses the configured owner key', () => {
    const yaml = ['version: 2', 'models:', '  - name: fct_orders', '    config:', '      meta:', '        owner: someone'];
    const cfg = config({ ownerKey: 'team' });
    const [hit] = ownerMissing.run(loadedContext(files(yaml), 'fct_orders', { config: cfg }));
    expect(hit!.message).toContain('add `team: <team or person>`');
    expect(hit!.suggestion).toEqual({ startLine: 5, endLine: 5, replacement: '      meta:\n        team: "<owner>"' });
  });

  it('treats a placeholder owner as missing', () => {
    const m = model({ name: 'fct_orders', meta: { owner: entry('<owner>', 'models/_m.yml', 7, { level: 'properties' }) } });
    const [hit] = ownerMissing.run(context(m, { project: project([m]) }));
    expect(hit!.message).toContain('has a placeholder owner');
    expect(hit!.suggestion).toBeUndefined();
    const real = model({ name: 'fct_orders', meta: { owner: entry('data-eng') } });
    expect(ownerMissing.run(context(real))).toEqual([]);
  });

  it('does not judge removed models', () => {
    expect(ownerMissing.run(context(model({ name: 'gone' }), { status: 'removed' }))).toEqual([]);
  });
});
