import { describe, expect, it } from 'vitest';
import { businessKeyOf, entityOf, keyTestStatus } from '../../src/dbt/index.js';
import { keyConfig, lines, loadOne, modelNamed, PROJECT } from './helpers.js';

function project(name: string, yml: string, sql = 'select 1 as id\n') {
  const p = loadOne({ 'dbt_project.yml': PROJECT, [`models/${name}.sql`]: sql, 'models/_m.yml': yml });
  return modelNamed(p, name);
}

const opts = { config: keyConfig };

describe('businessKeyOf: declaration order', () => {
  it('1. a model-level primary_key constraint wins over everything else', () => {
    const m = project(
      'fct_orders',
      lines(
        'models:',
        '  - name: fct_orders',
        '    config: {meta: {primary_key: order_id}, materialized: incremental, unique_key: id}',
        '    constraints:',
        '      - type: primary_key',
        '        columns: [order_id, line_no]',
      ),
    );
    expect(businessKeyOf(m, opts)).toMatchObject({ columns: ['order_id', 'line_no'], how: 'constraint', path: 'models/_m.yml', line: 5 });
  });

  it('1b. a column-level primary_key constraint', () => {
    const m = project('fct_orders', lines('models:', '  - name: fct_orders', '    columns:', '      - name: Order_Key', '        constraints:', '          - type: primary_key'));
    expect(businessKeyOf(m, opts)).toMatchObject({ columns: ['order_key'], how: 'constraint', line: 6 });
  });

  it('2. meta.primary_key / meta.business_key, as a string or a list, with configurable keys', () => {
    const listKey = project('fct_orders', lines('models:', '  - name: fct_orders', '    meta:', '      business_key: [order_id, line_no]'));
    expect(businessKeyOf(listKey, opts)).toMatchObject({ columns: ['order_id', 'line_no'], how: 'meta', line: 4 });
    expect(businessKeyOf(listKey, opts)?.detail).toBe('declared by meta.business_key at models/_m.yml:4');
    const stringKey = project('fct_orders', lines('models:', '  - name: fct_orders', '    config:', '      meta: {grain: order_id}'));
    expect(businessKeyOf(stringKey, { config: { ...keyConfig, metaKeys: ['grain'] } })).toMatchObject({ columns: ['order_id'], how: 'meta' });
  });

  it('3. the incremental unique_key, string or list (ignored on non-incremental models)', () => {
    const inc = project('fct_orders', 'models: []\n', lines("{{ config(materialized='incremental', unique_key=['order_id', 'line_no']) }}", 'select 1'));
    expect(businessKeyOf(inc, opts)).toMatchObject({ columns: ['order_id', 'line_no'], how: 'unique_key', path: 'models/fct_orders.sql', line: 1 });
    const table = project('fct_orders', 'models: []\n', lines("{{ config(materialized='table', unique_key='x_ref') }}", 'select 1'));
    expect(businessKeyOf(table, opts)?.how).not.toBe('unique_key');
  });

  it('4. the columns of a compound uniqueness test', () => {
    const m = project(
      'fct_order_lines',
      lines('models:', '  - name: fct_order_lines', '    data_tests:', '      - dbt_utils.unique_combination_of_columns:', '          combination_of_columns: [order_id, line_no]'),
    );
    expect(businessKeyOf(m, opts)).toMatchObject({ columns: ['order_id', 'line_no'], how: 'compound_test', line: 4 });
  });

  it('5. infers the entity id from the model name, and says so', () => {
    const m = project('dim_customers', lines('models:', '  - name: dim_customers', '    columns:', '      - name: region_id', '      - name: customer_id'));
    expect(businessKeyOf(m, opts)).toMatchObject({ columns: ['customer_id'], how: 'inferred', path: 'models/_m.yml', line: 5 });
    expect(businessKeyOf(m, opts)?.detail).toContain('inferred');
  });

  it('5b. else infers the first selected column ending in _id/_key/_sk, from the SQL column order', () => {
    const m = project('fct_sessions', 'models: []\n');
    expect(businessKeyOf(m, { ...opts, selectedColumns: ['started_at', 'Visitor_SK', 'page_id'] })).toMatchObject({
      columns: ['visitor_sk'],
      how: 'inferred',
      path: 'models/fct_sessions.sql',
    });
    expect(businessKeyOf(m, { ...opts, selectedColumns: ['started_at', 'amount'] })).toBeUndefined();
  });

  it('derives the entity: layer prefix removed, source removed, singular', () => {
    expect(entityOf('fct_orders')).toBe('order');
    expect(entityOf('dim_customers')).toBe('customer');
    expect(entityOf('stg_stripe__payments')).toBe('payment');
    expect(entityOf('int_categories')).toBe('category');
    expect(entityOf('dim_addresses')).toBe('address');
    expect(entityOf('dim_order_statuses')).toBe('order_status');
    expect(entityOf('customers')).toBe('customer');
  });
});

describe('keyTestStatus', () => {
  it('is tested with unique and not_null on the key column', () => {
    const m = project('dim_customers', lines('models:', '  - name: dim_customers', '    columns:', '      - name: customer_id', '        data_tests: [unique, not_null]'));
    const key = businessKeyOf(m, opts)!;
    expect(keyTestStatus(m, key, opts)).toEqual({ tested: true, missing: [], missingTests: [] });
  });

  it('is untested when a test is missing, and says where to add it (the column entry)', () => {
    const m = project(
      'dim_customers',
      lines('models:', '  - name: dim_customers', '    columns:', '      - name: customer_id', '        data_tests:', '          - not_null', '      - name: name'),
    );
    const status = keyTestStatus(m, businessKeyOf(m, opts)!, opts);
    expect(status.tested).toBe(false);
    expect(status.missing).toEqual(['unique on customer_id']);
    expect(status.suggestion).toEqual({
      path: 'models/_m.yml',
      line: 4,
      endLine: 6,
      target: 'column',
      column: 'customer_id',
      columns: ['customer_id'],
      tests: ['unique'],
      testsLine: 5,
    });
  });

  it('points at the model entry when the key column has no YAML entry', () => {
    const m = project('fct_orders', lines('models:', '  - name: fct_orders', '    description: Orders'));
    const key = businessKeyOf(m, { ...opts, selectedColumns: ['order_id', 'amount'] })!;
    const status = keyTestStatus(m, key, opts);
    expect(status.missing).toEqual(['unique on order_id', 'not_null on order_id']);
    expect(status.suggestion).toMatchObject({ path: 'models/_m.yml', line: 2, target: 'model', column: 'order_id', tests: ['unique', 'not_null'] });
  });

  it('does not count disabled tests', () => {
    const m = project(
      'dim_customers',
      lines('models:', '  - name: dim_customers', '    columns:', '      - name: customer_id', '        data_tests:', '          - not_null', '          - unique:', '              config: {enabled: false}'),
    );
    expect(keyTestStatus(m, businessKeyOf(m, opts)!, opts).missing).toEqual(['unique on customer_id']);
  });

  it('counts constraints: a primary_key constraint proves both', () => {
    const m = project('dim_customers', lines('models:', '  - name: dim_customers', '    columns:', '      - name: customer_id', '        constraints: [{type: primary_key}]'));
    expect(keyTestStatus(m, businessKeyOf(m, opts)!, opts).tested).toBe(true);
  });

  it('takes a column tested unique and not null as the key when the model name names none, before a column ending in _id', () => {
    const m = project(
      'fct_revenue_daily',
      lines('models:', '  - name: fct_revenue_daily', '    columns:', '      - name: store_id', '      - name: revenue_date', '        data_tests: [unique, not_null]'),
    );
    const key = businessKeyOf(m, opts)!;
    expect(key).toMatchObject({ columns: ['revenue_date'], how: 'unique_test', path: 'models/_m.yml', line: 5 });
    expect(keyTestStatus(m, key, opts).tested).toBe(true);
    // a column tested unique only (a nullable alternate key) is not taken: the _id column is
    const alternate = project(
      'dim_customer_profiles',
      lines('models:', '  - name: dim_customer_profiles', '    columns:', '      - name: email', '        data_tests: [unique]', '      - name: customer_id', '        data_tests: [unique, not_null]'),
    );
    expect(businessKeyOf(alternate, opts)).toMatchObject({ columns: ['customer_id'] });
    expect(keyTestStatus(alternate, businessKeyOf(alternate, opts)!, opts).tested).toBe(true);
  });

  it('does not accept unique and not_null on different columns', () => {
    const m = project(
      'dim_customers',
      lines('models:', '  - name: dim_customers', '    columns:', '      - name: customer_id', '        data_tests: [not_null]', '      - name: email', '        data_tests: [unique]'),
    );
    expect(keyTestStatus(m, businessKeyOf(m, opts)!, opts).missing).toEqual(['unique on customer_id']);
  });

  it('compound key: tested by a compound test covering it plus not_null on each column', () => {
    const yml = (notNullOnLine: boolean) =>
      lines(
        'models:',
        '  - name: fct_order_lines',
        '    data_tests:',
        '      - dbt_utils.unique_combination_of_columns:',
        '          arguments: {combination_of_columns: [order_id, line_no]}',
        '    columns:',
        '      - name: order_id',
        '        data_tests: [not_null]',
        '      - name: line_no',
        ...(notNullOnLine ? ['        data_tests: [not_null]'] : []),
      );
    const tested = project('fct_order_lines', yml(true));
    expect(keyTestStatus(tested, businessKeyOf(tested, opts)!, opts).tested).toBe(true);
    const partly = project('fct_order_lines', yml(false));
    const status = keyTestStatus(partly, businessKeyOf(partly, opts)!, opts);
    expect(status.missing).toEqual(['not_null on line_no']);
    expect(status.suggestion).toMatchObject({ target: 'column', column: 'line_no', line: 9 });
  });

  it('compound key without a uniqueness test asks for one on the model entry', () => {
    const m = project('fct_order_lines', lines('models:', '  - name: fct_order_lines', '    meta: {primary_key: [order_id, line_no]}'));
    const status = keyTestStatus(m, businessKeyOf(m, opts)!, opts);
    expect(status.missing).toEqual([
      'dbt_utils.unique_combination_of_columns on (order_id, line_no)',
      'not_null on order_id',
      'not_null on line_no',
    ]);
    expect(status.suggestion).toMatchObject({ target: 'model', line: 2, tests: ['dbt_utils.unique_combination_of_columns'], columns: ['order_id', 'line_no'] });
  });

  it('dbt_constraints.primary_key with column_names proves uniqueness and not-null of a compound key', () => {
    const m = project(
      'fct_order_lines',
      lines('models:', '  - name: fct_order_lines', '    data_tests:', '      - dbt_constraints.primary_key:', '          column_names: [order_id, line_no]'),
    );
    expect(keyTestStatus(m, businessKeyOf(m, opts)!, opts)).toMatchObject({ tested: true });
  });
});
