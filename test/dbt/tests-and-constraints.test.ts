import { describe, expect, it } from 'vitest';
import { lines, loadOne, modelNamed, PROJECT } from './helpers.js';

const SELECT = 'select 1 as id\n';

function modelWith(yml: string) {
  const project = loadOne({ 'dbt_project.yml': PROJECT, 'models/orders.sql': SELECT, 'models/_m.yml': yml });
  return { project, orders: modelNamed(project, 'orders') };
}

describe('test entries', () => {
  it('reads every column test shape dbt accepts', () => {
    const { orders } = modelWith(
      lines(
        'models:', // 1
        '  - name: orders', // 2
        '    columns:', // 3
        '      - name: status', // 4
        '        data_tests:', // 5
        '          - not_null', // 6
        '          - unique:', // 7
        '              config: {severity: warn}', // 8
        '          - accepted_values:', // 9
        "              values: ['placed', 'shipped']", // 10
        '          - accepted_values:', // 11
        '              arguments:', // 12
        "                values: ['a']", // 13
        '              config: {where: "x > 1"}', // 14
        '          - name: status_is_known', // 15
        '            test_name: accepted_values', // 16
        "            values: ['placed']", // 17
        '          - dbt_utils.not_empty_string', // 18
        '          - relationships: {to: "ref(\'customers\')", field: id, name: fk_customer}', // 19
      ),
    );
    const tests = orders.columns[0]!.tests;
    expect(tests.map((t) => [t.name, t.alias, t.line, t.columns, t.enabled])).toEqual([
      ['not_null', undefined, 6, ['status'], true],
      ['unique', undefined, 7, ['status'], true],
      ['accepted_values', undefined, 9, ['status'], true],
      ['accepted_values', undefined, 11, ['status'], true],
      ['accepted_values', 'status_is_known', 15, ['status'], true],
      ['dbt_utils.not_empty_string', undefined, 18, ['status'], true],
      ['relationships', 'fk_customer', 19, ['status'], true],
    ]);
    expect(tests[2]!.args).toEqual({ values: ['placed', 'shipped'] });
    expect(tests[3]!.args).toEqual({ values: ['a'] });
    expect(tests[4]!.args).toEqual({ values: ['placed'] });
  });

  it('reads the older `tests:` key too', () => {
    const { orders } = modelWith(lines('models:', '  - name: orders', '    tests:', '      - unique: {column_name: id}', '    columns:', '      - name: id', '        tests: [not_null]'));
    expect(orders.tests).toEqual([expect.objectContaining({ name: 'unique', columns: ['id'], level: 'model', line: 4 })]);
    expect(orders.columns[0]!.tests).toEqual([expect.objectContaining({ name: 'not_null', columns: ['id'] })]);
  });

  it('reports `tests` and `data_tests` on the same node', () => {
    const { project, orders } = modelWith(lines('models:', '  - name: orders', '    columns:', '      - name: id', '        data_tests: [unique]', '        tests: [not_null]'));
    expect(project.problems).toEqual([expect.objectContaining({ rule: 'tests-conflict', line: 6 })]);
    expect(orders.columns[0]!.tests.map((t) => t.name)).toEqual(['unique', 'not_null']);
  });

  it('marks a test with `config: {enabled: false}` as disabled; a Jinja-computed enabled counts as enabled', () => {
    const { orders } = modelWith(
      lines(
        'models:',
        '  - name: orders',
        '    columns:',
        '      - name: id',
        '        data_tests:',
        '          - unique:',
        '              config:',
        '                enabled: false',
        '          - not_null:',
        '              config:',
        "                enabled: \"{{ target.name == 'prod' }}\"",
      ),
    );
    expect(orders.columns[0]!.tests.map((t) => [t.name, t.enabled])).toEqual([
      ['unique', false],
      ['not_null', true],
    ]);
  });

  it('reads the columns of model-level compound tests', () => {
    const { orders } = modelWith(
      lines(
        'models:',
        '  - name: orders',
        '    data_tests:',
        '      - dbt_utils.unique_combination_of_columns:',
        '          combination_of_columns: [order_id, Line_No]',
        '      - dbt_constraints.primary_key:',
        '          arguments:',
        '            column_names: [order_id, line_no]',
        '      - dbt_expectations.expect_compound_columns_to_be_unique:',
        '          column_list: ["order_id", "line_no"]',
      ),
    );
    expect(orders.tests.map((t) => [t.name, t.columns, t.level])).toEqual([
      ['dbt_utils.unique_combination_of_columns', ['order_id', 'line_no'], 'model'],
      ['dbt_constraints.primary_key', ['order_id', 'line_no'], 'model'],
      ['dbt_expectations.expect_compound_columns_to_be_unique', ['order_id', 'line_no'], 'model'],
    ]);
  });
});

describe('constraints', () => {
  it('reads column-level and model-level constraints with their lines', () => {
    const { orders } = modelWith(
      lines(
        'models:', // 1
        '  - name: orders', // 2
        '    config:', // 3
        '      contract: {enforced: true}', // 4
        '    constraints:', // 5
        '      - type: primary_key', // 6
        '        columns: [order_id, line_no]', // 7
        '      - type: check', // 8
        '        expression: "amount > 0"', // 9
        '    columns:', // 10
        '      - name: order_id', // 11
        '        data_type: int', // 12
        '        constraints:', // 13
        '          - type: not_null', // 14
        '          - type: foreign_key', // 15
        '            expression: "customers (id)"', // 16
        '          - type: something_new', // 17
      ),
    );
    expect(orders.contractEnforced).toBe(true);
    expect(orders.constraints).toEqual([
      { type: 'primary_key', columns: ['order_id', 'line_no'], level: 'model', path: 'models/_m.yml', line: 6 },
      { type: 'check', columns: [], level: 'model', path: 'models/_m.yml', line: 8 },
    ]);
    expect(orders.columns[0]!.constraints.map((c) => [c.type, c.columns, c.line])).toEqual([
      ['not_null', ['order_id'], 14],
      ['foreign_key', ['order_id'], 15],
      ['custom', ['order_id'], 17],
    ]);
  });
});
