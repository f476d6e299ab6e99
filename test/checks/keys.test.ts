import { describe, expect, it } from 'vitest';
import { keyMissing, keyUntested } from '../../src/checks/keys.js';
import { config, context, loadedContext, model } from './factory.js';

const PROJECT = 'name: shop\nversion: "1.0"\nconfig-version: 2\n';

function files(yaml: string[] | undefined, sql = "select order_id, amount from {{ ref('stg_orders') }}"): Record<string, string> {
  const out: Record<string, string> = { 'dbt_project.yml': PROJECT, 'models/marts/fct_orders.sql': sql };
  if (yaml) out['models/marts/_marts.yml'] = yaml.join('\n') + '\n';
  return out;
}

describe('key-untested', () => {
  it('reports an inferred key that lacks unique, says how it was found, and suggests adding the tests to its column', () => {
    const yaml = ['version: 2', 'models:', '  - name: fct_orders', '    columns:', '      - name: order_id', '        description: The order'];
    const [hit] = keyUntested.run(loadedContext(files(yaml), 'fct_orders', { selectedColumns: ['order_id', 'amount'] }));
    expect(hit).toMatchObject({ rule: 'key-untested', model: 'fct_orders', column: 'order_id', path: 'models/marts/_marts.yml', line: 5 });
    expect(hit!.message).toContain('The business key `order_id` of `fct_orders` (inferred from the model name');
    expect(hit!.message).toContain('add `unique on order_id` and `not_null on order_id`');
    expect(hit!.suggestion).toEqual({
      startLine: 5,
      endLine: 5,
      replacement: ['      - name: order_id', '        data_tests:', '          - unique', '          - not_null'].join('\n'),
    });
  });

  it('adds only the missing test to an existing tests list, keeping the file\'s key name', () => {
    const yaml = ['version: 2', 'models:', '  - name: fct_orders', '    columns:', '      - name: order_id', '        tests:', '          - not_null'];
    const [hit] = keyUntested.run(loadedContext(files(yaml), 'fct_orders'));
    expect(hit!.message).toContain('add `unique on order_id`');
    expect(hit!.message).not.toContain('not_null on');
    expect(hit!.suggestion).toEqual({ startLine: 6, endLine: 6, replacement: '        tests:\n          - unique' });
    expect(hit!.line).toBe(6);
  });

  it('adds a column entry under an existing columns: list when the key column has none', () => {
    const yaml = ['version: 2', 'models:', '  - name: fct_orders', '    columns:', '      - name: amount'];
    const [hit] = keyUntested.run(loadedContext(files(yaml), 'fct_orders', { selectedColumns: ['order_id', 'amount'] }));
    expect(hit!.suggestion).toEqual({
      startLine: 4,
      endLine: 4,
      replacement: ['    columns:', '      - name: order_id', '        data_tests:', '          - unique', '          - not_null'].join('\n'),
    });
  });

  it('adds a columns: block to a model entry without one', () => {
    const yaml = ['version: 2', 'models:', '  - name: fct_orders', '    description: Orders'];
    const [hit] = keyUntested.run(loadedContext(files(yaml), 'fct_orders', { selectedColumns: ['order_id'] }));
    expect(hit!.suggestion).toEqual({
      startLine: 3,
      endLine: 3,
      replacement: ['  - name: fct_orders', '    columns:', '      - name: order_id', '        data_tests:', '          - unique', '          - not_null'].join('\n'),
    });
  });

  it('without a property entry: points at the SQL file and says to add one, no suggestion', () => {
    const [hit] = keyUntested.run(loadedContext(files(undefined), 'fct_orders', { selectedColumns: ['order_id'] }));
    expect(hit).toMatchObject({ path: 'models/marts/fct_orders.sql', line: 1 });
    expect(hit!.message).toContain('has no property YAML entry yet');
    expect(hit!.suggestion).toBeUndefined();
  });

  it('accepts unique + not_null, a primary_key constraint, and a compound test with not_null on each column', () => {
    const tested = ['version: 2', 'models:', '  - name: fct_orders', '    columns:', '      - name: order_id', '        data_tests: [unique, not_null]'];
    expect(keyUntested.run(loadedContext(files(tested), 'fct_orders'))).toEqual([]);
    const constraint = ['version: 2', 'models:', '  - name: fct_orders', '    columns:', '      - name: order_id', '        constraints:', '          - type: primary_key'];
    expect(keyUntested.run(loadedContext(files(constraint), 'fct_orders'))).toEqual([]);
    const compound = [
      'version: 2',
      'models:',
      '  - name: fct_orders',
      '    data_tests:',
      '      - dbt_utils.unique_combination_of_columns:',
      '          combination_of_columns: [order_id, line_no]',
      '    columns:',
      '      - name: order_id',
      '        data_tests: [not_null]',
      '      - name: line_no',
      '        data_tests: [not_null]',
    ];
    expect(keyUntested.run(loadedContext(files(compound), 'fct_orders'))).toEqual([]);
  });

  it('explains a compound key without a committable suggestion', () => {
    const yaml = ['version: 2', 'models:', '  - name: fct_orders', '    config:', '      meta:', '        primary_key: [order_id, line_no]'];
    const [hit] = keyUntested.run(loadedContext(files(yaml), 'fct_orders'));
    expect(hit!.message).toContain('(`order_id`, `line_no`)');
    expect(hit!.message).toContain('declared by meta.primary_key');
    expect(hit!.message).toContain('combination_of_columns: [order_id, line_no]');
    expect(hit!.suggestion).toBeUndefined();
    expect(hit!.column).toBeUndefined();
  });

  it('suggests not_null for the one compound-key column that lacks it, and nothing when several do', () => {
    const base = [
      'version: 2',
      'models:',
      '  - name: fct_orders',
      '    data_tests:',
      '      - dbt_utils.unique_combination_of_columns:',
      '          combination_of_columns: [order_id, line_no]',
      '    columns:',
      '      - name: order_id',
    ];
    const one = [...base, '        data_tests: [not_null]', '      - name: line_no'];
    const [a] = keyUntested.run(loadedContext(files(one), 'fct_orders'));
    expect(a!.message).toContain('add `not_null on line_no`');
    expect(a!.suggestion).toEqual({ startLine: 10, endLine: 10, replacement: '      - name: line_no\n        data_tests:\n          - not_null' });
    const [b] = keyUntested.run(loadedContext(files([...base, '      - name: line_no']), 'fct_orders'));
    expect(b!.message).toContain('add `not_null on order_id` and `not_null on line_no`');
    expect(b!.suggestion).toBeUndefined();
  });

  it('only judges the configured key layers and skips ephemeral models', () => {
    const yaml = ['version: 2', 'models:', '  - name: fct_orders', '    columns:', '      - name: order_id'];
    const onlyStaging = config({ businessKey: { layers: ['staging'] } });
    expect(keyUntested.run(loadedContext(files(yaml), 'fct_orders', { config: onlyStaging }))).toEqual([]);
    const onlyMarts = config({ businessKey: { layers: ['marts'] } });
    expect(keyUntested.run(loadedContext(files(yaml), 'fct_orders', { config: onlyMarts }))).toHaveLength(1);
    const ephemeral = files(yaml, "{{ config(materialized='ephemeral') }}\nselect order_id from {{ ref('a') }}");
    expect(keyUntested.run(loadedContext(ephemeral, 'fct_orders'))).toEqual([]);
  });
});

describe('key-missing', () => {
  it('reports a model with no declared or inferable key when its columns are known', () => {
    const [hit] = keyMissing.run(context(model({ name: 'agg_revenue', folders: ['marts'] }), { selectedColumns: ['day', 'revenue'] }));
    expect(hit).toMatchObject({ rule: 'key-missing', path: 'models/marts/agg_revenue.sql', line: 1 });
    expect(hit!.message).toContain('`config: meta: primary_key: ...`');
  });

  it('stays silent when the columns are unknown, or a key exists', () => {
    expect(keyMissing.run(context(model({ name: 'agg_revenue' })))).toEqual([]);
    expect(keyMissing.run(context(model({ name: 'agg_revenue' }), { selectedColumns: ['day', 'customer_key'] }))).toEqual([]);
  });
});
