/**
 * The checks over a small realistic project read by the real `loadProjects`: every rule's verdict on every model,
 * so a false positive anywhere shows up as an unexpected finding.
 */
import { describe, expect, it } from 'vitest';
import { runChecks } from '../../src/checks/index.js';
import type { CheckContext } from '../../src/checks/types.js';
import { loadProjects } from '../../src/dbt/index.js';
import type { ModelStatus } from '../../src/review/types.js';
import { config, snapshot } from './factory.js';

const FILES: Record<string, string> = {
  'dbt_project.yml': [
    'name: shop',
    'version: "1.0"',
    'config-version: 2',
    'models:',
    '  shop:',
    '    staging:',
    '      +materialized: view',
    '      +meta:',
    '        owner: platform',
    '    marts:',
    '      +materialized: table',
  ].join('\n'),
  'models/staging/_staging.yml': [
    'version: 2',
    'models:',
    '  - name: stg_orders',
    '    description: One row per order.',
    '    columns:',
    '      - name: order_id',
    '        data_tests: [unique, not_null]',
  ].join('\n'),
  'models/staging/stg_orders.sql': [
    "with source as (select * from {{ source('shop', 'orders') }}),",
    'renamed as (',
    '  select id as order_id, customer_id, amount_cents / 100.0 as amount,',
    '    extract(year from created_at) as order_year',
    '  from source',
    ')',
    'select * from renamed',
  ].join('\n'),
  'models/marts/_marts.yml': [
    'version: 2',
    'models:',
    '  - name: fct_orders',
    '    description: Orders with payments.',
    '    config:',
    '      meta:',
    '        owner: finance',
    '    columns:',
    '      - name: order_id',
    '        data_tests:',
    '          - not_null',
    '  - name: fct_events',
    '    description: Events.',
    '    config:',
    '      meta:',
    '        owner: product',
    '        primary_key: event_id',
    '    columns:',
    '      - name: event_id',
    '        data_tests: [unique, not_null]',
  ].join('\n'),
  'models/marts/fct_orders.sql': [
    "{{ config(materialized='incremental', unique_key='order_id') }}",
    "with orders as (select * from {{ ref('stg_orders') }})",
    'select o.order_id, o.amount, p.method',
    'from orders o',
    'left join raw_stripe.payments p on p.order_id = o.order_id',
  ].join('\n'),
  'models/marts/fct_events.sql': [
    "{{ config(materialized='incremental', incremental_strategy='merge') }}",
    "select event_id, occurred_at from {{ source('shop', 'events') }}",
    '{% if is_incremental() %}',
    'where occurred_at > (select max(occurred_at) from {{ this }})',
    '{% endif %}',
  ].join('\n'),
  'models/marts/orders_report.sql': "select order_id, amount from {{ ref('fct_orders') }}",
};

function contexts(statuses: Record<string, ModelStatus>): CheckContext[] {
  const cfg = config();
  const [project] = loadProjects(snapshot(FILES), { ownerKey: cfg.ownerKey });
  return Object.entries(statuses).map(([name, status]) => {
    const model = project!.models.find((m) => m.name === name)!;
    const columns = /select ([\s\S]*?) from/i.exec(model.raw)?.[1];
    return {
      model,
      project: project!,
      status,
      config: cfg,
      changes: [],
      dialect: 'snowflake',
      readFile: (p: string) => FILES[p],
      ...(columns && !columns.includes('*') ? { selectedColumns: columns.split(',').map((c) => c.trim().split(/\s+/).pop()!.replace(/^\w+\./, '')) } : {}),
    };
  });
}

describe('checks over a loaded project', () => {
  it('reports exactly the real problems, each located', () => {
    const findings = runChecks(
      contexts({ stg_orders: 'modified', fct_orders: 'modified', fct_events: 'added', orders_report: 'added' }),
      config(),
    );
    expect(findings.map((f) => `${f.severity} ${f.rule} ${f.model} ${f.path}:${f.line}`).sort()).toEqual(
      [
        'error incremental-unique-key-missing fct_events models/marts/fct_events.sql:1',
        'error key-untested fct_orders models/marts/_marts.yml:10',
        'error key-untested orders_report models/marts/orders_report.sql:1',
        'error owner-missing orders_report models/marts/orders_report.sql:1',
        'warning hardcoded-relation fct_orders models/marts/fct_orders.sql:5',
        'warning model-description-missing orders_report models/marts/orders_report.sql:1',
        'warning naming-layer-prefix orders_report models/marts/orders_report.sql:1',
      ].sort(),
    );
    const key = findings.find((f) => f.rule === 'key-untested')!;
    expect(key.message).toContain('declared by the incremental unique_key');
    expect(key.suggestion).toEqual({ startLine: 10, endLine: 10, replacement: '        data_tests:\n          - unique' });
    const inferred = findings.find((f) => f.rule === 'key-untested' && f.model === 'orders_report')!;
    expect(inferred.message).toContain('inferred: first selected column ending in _id/_key/_sk: order_id');
  });

  it('does not flag an incremental unique_key computed by Jinja', () => {
    const files = { ...FILES, 'models/marts/fct_events.sql': FILES['models/marts/fct_events.sql']!.replace("incremental_strategy='merge'", "incremental_strategy='merge', unique_key=var('event_key')") };
    const cfg = config();
    const [project] = loadProjects(snapshot(files), { ownerKey: cfg.ownerKey });
    const model = project!.models.find((m) => m.name === 'fct_events')!;
    const findings = runChecks([{ model, project: project!, status: 'modified', config: cfg, changes: [] }], cfg);
    expect(findings.map((f) => f.rule)).not.toContain('incremental-unique-key-missing');
  });
});
