import { describe, expect, it } from 'vitest';
import { isComputed } from '../../src/dbt/index.js';
import { lines, loadOne, modelNamed, PROJECT } from './helpers.js';

const SELECT = 'select 1 as id\n';

describe('config precedence: dbt_project.yml tree', () => {
  it('walks the models tree along the folder path, the most specific folder winning', () => {
    const project = loadOne({
      'dbt_project.yml': lines(
        'name: shop', // 1
        'models:', // 2
        '  +persist_docs: {relation: true}', // 3
        '  shop:', // 4
        '    +materialized: view', // 5
        '    marts:', // 6
        '      +materialized: table', // 7
        '      finance:', // 8
        '        +schema: finance', // 9
      ),
      'models/marts/finance/fct_revenue.sql': SELECT,
      'models/marts/dim_dates.sql': SELECT,
      'models/staging/stg_orders.sql': SELECT,
    });
    const revenue = modelNamed(project, 'fct_revenue');
    expect(revenue.config.materialized).toMatchObject({ value: 'table', path: 'dbt_project.yml', line: 7, level: 'dbt_project' });
    expect(revenue.config.materialized?.origin).toBe('+materialized for models/marts');
    expect(revenue.config.schema).toMatchObject({ value: 'finance', line: 9, origin: '+schema for models/marts/finance' });
    expect(revenue.config.persist_docs).toMatchObject({ value: { relation: true }, line: 3, origin: '+persist_docs for all models' });
    expect(modelNamed(project, 'dim_dates').config.schema).toBeUndefined();
    expect(modelNamed(project, 'stg_orders').config.materialized).toMatchObject({ value: 'view', line: 5 });
  });

  it('reads `+key` as config, a mapping without `+` as a folder and a scalar without `+` as config', () => {
    const project = loadOne({
      'dbt_project.yml': lines(
        'name: shop', // 1
        'models:', // 2
        '  shop:', // 3
        '    materialized: table', // 4  scalar without + -> config
        '    meta:', // 5  mapping without + -> a folder named "meta", not config
        '      owner: nobody', // 6
        '    staging:', // 7
        '      +meta:', // 8
        '        owner: data-eng', // 9
        '      tags: [raw]', // 10 list without + -> config
      ),
      'models/staging/stg_orders.sql': SELECT,
      'models/meta/meta_model.sql': SELECT,
    });
    const stg = modelNamed(project, 'stg_orders');
    expect(stg.config.materialized).toMatchObject({ value: 'table', line: 4, origin: 'materialized for models' });
    expect(stg.meta.owner).toMatchObject({ value: 'data-eng', line: 9, origin: '+meta.owner for models/staging' });
    expect(stg.tags).toEqual(['raw']);
    // The `meta:` mapping is a folder: it configures nothing for models outside models/meta ...
    expect(modelNamed(project, 'meta_model').meta.owner).toBeUndefined();
    // ... and `owner: nobody` inside it is a scalar config named `owner` for that folder, not meta.
    expect(modelNamed(project, 'meta_model').config.owner).toMatchObject({ value: 'nobody', line: 6 });
  });

  it('can target one model by name in the tree', () => {
    const project = loadOne({
      'dbt_project.yml': lines('name: shop', 'models:', '  shop:', '    marts:', '      fct_orders:', '        +materialized: incremental'),
      'models/marts/fct_orders.sql': SELECT,
      'models/marts/fct_items.sql': SELECT,
    });
    expect(modelNamed(project, 'fct_orders').config.materialized).toMatchObject({ value: 'incremental', line: 6 });
    expect(modelNamed(project, 'fct_items').config.materialized).toBeUndefined();
  });

  it('ignores the config of another project name key', () => {
    const project = loadOne({
      'dbt_project.yml': lines('name: shop', 'models:', '  other_pkg:', '    +materialized: table'),
      'models/a.sql': SELECT,
    });
    expect(modelNamed(project, 'a').config.materialized).toBeUndefined();
  });
});

describe('config precedence: property file and SQL', () => {
  it('property file `config:` overrides dbt_project.yml, and top-level keys move into config', () => {
    const project = loadOne({
      'dbt_project.yml': lines('name: shop', 'models:', '  shop:', '    +materialized: view', '    +access: protected'),
      'models/orders.sql': SELECT,
      'models/_models.yml': lines(
        'models:', // 1
        '  - name: orders', // 2
        '    access: public', // 3
        '    group: finance', // 4
        '    config:', // 5
        '      materialized: table', // 6
      ),
    });
    const orders = modelNamed(project, 'orders');
    expect(orders.config.materialized).toMatchObject({ value: 'table', level: 'properties', path: 'models/_models.yml', line: 6 });
    expect(orders.config.materialized?.origin).toBe('config.materialized');
    expect(orders.access).toBe('public');
    expect(orders.config.access).toMatchObject({ line: 3, origin: 'access' });
    expect(orders.group).toBe('finance');
  });

  it('SQL config() overrides the property file, keyword form', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/orders.sql': lines('{{', '  config(', "    materialized='incremental',", "    unique_key=['order_id', 'line_no'],", '  )', '}}', 'select 1'),
      'models/_models.yml': lines('models:', '  - name: orders', '    config:', '      materialized: table'),
    });
    const orders = modelNamed(project, 'orders');
    expect(orders.config.materialized).toMatchObject({ value: 'incremental', level: 'sql', path: 'models/orders.sql', line: 3 });
    expect(orders.config.materialized?.origin).toBe("config(materialized='incremental')");
    expect(orders.config.unique_key).toMatchObject({ value: ['order_id', 'line_no'], line: 4, unknown: false });
  });

  it('SQL config() in dict form, and several calls merge', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/orders.sql': lines(
        "{{ config({'materialized': 'table', 'tags': ['a'], 'enabled': True, 'persist_docs': None}) }}",
        "{{ config(schema='finance', tags=('b',), full_refresh=false, batch=1.5) }}",
        'select 1',
      ),
    });
    const orders = modelNamed(project, 'orders');
    expect(orders.config.materialized).toMatchObject({ value: 'table', line: 1 });
    expect(orders.config.schema).toMatchObject({ value: 'finance', line: 2 });
    expect(orders.config.enabled?.value).toBe(true);
    expect(orders.config.full_refresh?.value).toBe(false);
    expect(orders.config.batch?.value).toBe(1.5);
    expect(orders.tags).toEqual(['a', 'b']);
  });

  it('reads dbt.config() of Python models', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/py_orders.py': lines(
        'def model(dbt, session):',
        '    # dbt.config(materialized="view") is only a comment',
        '    dbt.config(materialized="incremental", unique_key="id")',
        '    return dbt.ref("orders")',
      ),
    });
    const py = modelNamed(project, 'py_orders');
    expect(py.language).toBe('python');
    expect(py.config.materialized).toMatchObject({ value: 'incremental', line: 3 });
    expect(py.refs).toEqual([{ name: 'orders', line: 4 }]);
  });

  it('ignores config() inside Jinja comments and outside Jinja blocks', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/orders.sql': lines("{# {{ config(materialized='table') }} #}", "select config(1) as x -- not jinja"),
    });
    expect(modelNamed(project, 'orders').config.materialized).toBeUndefined();
  });

  it('meta merges shallowly per key across levels, keeping each key’s provenance', () => {
    const project = loadOne({
      'dbt_project.yml': lines(
        'name: shop', // 1
        'models:', // 2
        '  shop:', // 3
        '    +meta:', // 4
        '      owner: {name: Platform, email: platform@x.io}', // 5
        '      tier: 3', // 6
        '      pii: false', // 7
      ),
      'models/orders.sql': lines("{{ config(meta={'pii': True}) }}", 'select 1'),
      'models/_models.yml': lines('models:', '  - name: orders', '    config:', '      meta:', '        owner: finance-team'),
    });
    const orders = modelNamed(project, 'orders');
    // a more specific owner replaces the whole owner value (not a deep merge of name/email)
    expect(orders.meta.owner).toMatchObject({ value: 'finance-team', path: 'models/_models.yml', line: 5, origin: 'config.meta.owner' });
    expect(orders.meta.tier).toMatchObject({ value: 3, path: 'dbt_project.yml', line: 6 });
    expect(orders.meta.pii).toMatchObject({ value: true, path: 'models/orders.sql', line: 1, level: 'sql' });
    expect(orders.config.meta?.value).toEqual({ owner: 'finance-team', tier: 3, pii: true });
  });

  it('tags append across levels without duplicates', () => {
    const project = loadOne({
      'dbt_project.yml': lines('name: shop', 'models:', '  +tags: [nightly]', '  shop:', '    +tags: finance'),
      'models/orders.sql': lines("{{ config(tags=['finance', 'pii']) }}", 'select 1'),
      'models/_models.yml': lines('models:', '  - name: orders', '    config:', '      tags: [core]'),
    });
    expect(modelNamed(project, 'orders').tags).toEqual(['nightly', 'finance', 'core', 'pii']);
  });

  it('docs and contract merge key by key; other keys are replaced', () => {
    const project = loadOne({
      'dbt_project.yml': lines('name: shop', 'models:', '  shop:', '    +contract: {enforced: true}', '    +docs: {show: false, node_color: red}'),
      'models/orders.sql': SELECT,
      'models/_models.yml': lines('models:', '  - name: orders', '    config:', '      contract: {alias_types: false}', '      docs: {show: true}'),
    });
    const orders = modelNamed(project, 'orders');
    expect(orders.contractEnforced).toBe(true);
    expect(orders.config['contract.enforced']).toMatchObject({ path: 'dbt_project.yml', line: 4 });
    expect(orders.config.docs?.value).toEqual({ show: true, node_color: 'red' });
  });

  it('a Jinja-computed value is present but unknown', () => {
    const project = loadOne({
      'dbt_project.yml': lines('name: shop', 'models:', '  shop:', '    +schema: "{{ env_var(\'SCHEMA\') }}"'),
      'models/orders.sql': lines(
        "{{ config(materialized=var('mat', 'table'), alias='orders_' ~ target.name, enabled=target.name == 'prod', meta={'owner': env_var('OWNER'), 'team': 'core'}) }}",
        'select 1',
      ),
    });
    const orders = modelNamed(project, 'orders');
    expect(orders.config.schema?.unknown).toBe(true);
    expect(orders.config.materialized).toMatchObject({ unknown: true, line: 1 });
    expect(isComputed(orders.config.materialized?.value)).toBe(true);
    expect(orders.config.alias?.unknown).toBe(true);
    expect(orders.config.enabled?.unknown).toBe(true);
    expect(orders.enabled).toBe(true); // unknown enabled counts as enabled
    expect(orders.meta.owner?.unknown).toBe(true);
    expect(orders.meta.team).toMatchObject({ value: 'core', unknown: false });
  });

  it('flags config(**settings) as opaque, with its line', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/orders.sql': lines('{% set settings = {"materialized": "table"} %}', '{{ config(**settings) }}', 'select 1'),
    });
    expect(modelNamed(project, 'orders').configOpaque).toEqual({ path: 'models/orders.sql', line: 2 });
  });

  it('reports meta both at the top level and under config (meta-conflict), and keeps loading', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/orders.sql': SELECT,
      'models/customers.sql': SELECT,
      'models/_models.yml': lines(
        'models:', // 1
        '  - name: orders', // 2
        '    meta: {owner: a}', // 3
        '    config:', // 4
        '      meta: {owner: b}', // 5
        '  - name: customers', // 6
        '    description: fine', // 7
      ),
    });
    expect(project.problems).toEqual([
      expect.objectContaining({ rule: 'meta-conflict', path: 'models/_models.yml', line: 3 }),
    ]);
    expect(modelNamed(project, 'orders').meta.owner?.value).toBe('b');
    expect(modelNamed(project, 'customers').properties?.description).toBe('fine');
  });

  it('disables models at each level: project folder, property file, SQL', () => {
    const project = loadOne({
      'dbt_project.yml': lines('name: shop', 'models:', '  shop:', '    legacy:', '      +enabled: false'),
      'models/legacy/old.sql': SELECT,
      'models/yml_off.sql': SELECT,
      'models/sql_off.sql': lines('{{ config(enabled=False) }}', 'select 1'),
      'models/reenabled.sql': lines('{{ config(enabled=true) }}', 'select 1'),
      'models/legacy/back.sql': lines('{{ config(enabled=true) }}', 'select 1'),
      'models/_m.yml': lines('models:', '  - name: yml_off', '    config:', '      enabled: false', '  - name: reenabled', '    config: {enabled: false}'),
    });
    expect(modelNamed(project, 'old')).toMatchObject({ enabled: false });
    expect(modelNamed(project, 'old').config.enabled).toMatchObject({ path: 'dbt_project.yml', line: 5 });
    expect(modelNamed(project, 'yml_off')).toMatchObject({ enabled: false });
    expect(modelNamed(project, 'sql_off')).toMatchObject({ enabled: false });
    expect(modelNamed(project, 'reenabled').enabled).toBe(true);
    expect(modelNamed(project, 'back').enabled).toBe(true);
  });

  it('reads YAML 1.1 booleans as dbt (PyYAML) does: `enabled: no` disables', () => {
    const project = loadOne({
      'dbt_project.yml': lines('name: shop', 'models:', '  shop:', '    old:', '      +enabled: no'),
      'models/old/a.sql': SELECT,
      'models/b.sql': SELECT,
    });
    expect(modelNamed(project, 'a').enabled).toBe(false);
    expect(modelNamed(project, 'b').enabled).toBe(true);
  });

  it('applies a version’s config over the model entry’s config', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/dim_customers_v1.sql': SELECT,
      'models/dim_customers_v2.sql': SELECT,
      'models/_m.yml': lines(
        'models:',
        '  - name: dim_customers',
        '    config: {materialized: table, alias: dim_customers}',
        '    versions:',
        '      - v: 1',
        '        config: {alias: dim_customers_legacy}',
        '      - v: 2',
      ),
    });
    expect(modelNamed(project, 'dim_customers', '1').config.alias?.value).toBe('dim_customers_legacy');
    expect(modelNamed(project, 'dim_customers', '2').config.alias?.value).toBe('dim_customers');
    expect(modelNamed(project, 'dim_customers', '1').config.materialized?.value).toBe('table');
  });
});
