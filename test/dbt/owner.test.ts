import { describe, expect, it } from 'vitest';
import { ownerOf } from '../../src/dbt/index.js';
import { lines, loadOne, modelNamed, PROJECT } from './helpers.js';

const SELECT = 'select 1 as id\n';

describe('ownerOf', () => {
  it('reads a string owner inherited from a dbt_project.yml folder, naming the file, line and scope', () => {
    const project = loadOne({
      'dbt_project.yml': lines('name: shop', 'models:', '  shop:', '    marts:', '      +meta:', '        owner: finance-team'),
      'models/marts/fct_orders.sql': SELECT,
    });
    expect(ownerOf(modelNamed(project, 'fct_orders'), project, 'owner')).toEqual({
      value: 'finance-team',
      source: 'dbt_project.yml:6 (+meta.owner for models/marts)',
    });
  });

  it('formats a {name, email} owner and uses the configured owner key', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/orders.sql': SELECT,
      'models/_m.yml': lines('models:', '  - name: orders', '    meta:', '      team_owner:', '        name: Ana', '        email: ana@x.io'),
    });
    const orders = modelNamed(project, 'orders');
    expect(ownerOf(orders, project, 'team_owner')).toEqual({ value: 'Ana <ana@x.io>', source: 'models/_m.yml:4 (meta.team_owner)' });
    expect(ownerOf(orders, project, 'owner')).toBeNull();
  });

  it('takes the owner from SQL config() over YAML', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/orders.sql': lines("{{ config(meta={'owner': 'sql-team'}) }}", 'select 1'),
      'models/_m.yml': lines('models:', '  - name: orders', '    config:', '      meta: {owner: yaml-team}'),
    });
    expect(ownerOf(modelNamed(project, 'orders'), project, 'owner')).toEqual({
      value: 'sql-team',
      source: "models/orders.sql:1 (config(meta={'owner': …}))",
    });
  });

  it('counts an owner computed by Jinja as present', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/orders.sql': lines("{{ config(meta={'owner': var('default_owner')}) }}", 'select 1'),
      'models/other.sql': lines("{{ config(meta=var('meta_defaults')) }}", 'select 1'),
    });
    expect(ownerOf(modelNamed(project, 'orders'), project, 'owner')?.value).toBe('(computed by Jinja)');
    expect(ownerOf(modelNamed(project, 'other'), project, 'owner')?.value).toBe('(computed by Jinja)');
  });

  it('counts an owner set only inside {% if %} (e.g. for one target) as present but unknown, not as set', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/orders.sql': lines("{% if target.name == 'dev' %}", "{{ config(meta={'owner': '@dev-sandbox'}, materialized='view') }}", '{% endif %}', 'select 1'),
      'models/after.sql': lines("{% if target.name == 'dev' %}select 2{% endif %}", "{{ config(meta={'owner': '@core'}) }}", 'select 1'),
    });
    const orders = modelNamed(project, 'orders');
    expect(ownerOf(orders, project, 'owner')?.value).toBe('(computed by Jinja)');
    expect(orders.config.materialized?.unknown).toBe(true);
    expect(ownerOf(modelNamed(project, 'after'), project, 'owner')?.value).toBe('@core');
  });

  it('falls back to the owner of the model’s group', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/orders.sql': SELECT,
      'models/_m.yml': lines(
        'groups:',
        '  - name: finance',
        '    owner: {name: Finance, email: fin@x.io}',
        'models:',
        '  - name: orders',
        '    config: {group: finance}',
      ),
    });
    expect(ownerOf(modelNamed(project, 'orders'), project, 'owner')).toEqual({ value: 'Finance <fin@x.io>', source: 'models/_m.yml:2 (owner of group finance)' });
  });

  it('never takes an exposure owner as the model owner, and returns null when there is none', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/orders.sql': SELECT,
      'models/_m.yml': lines(
        'exposures:',
        '  - name: dash',
        '    type: dashboard',
        '    owner: {name: BI, email: bi@x.io}',
        "    depends_on: [\"ref('orders')\"]",
        'models:',
        '  - name: orders',
        '    meta: {owner: ""}',
      ),
    });
    expect(ownerOf(modelNamed(project, 'orders'), project, 'owner')).toBeNull();
  });
});
