import { describe, expect, it } from 'vitest';
import { diffModelConfig, modelKey, projectConfigFingerprint } from '../../src/dbt/index.js';
import type { DbtModel } from '../../src/dbt/types.js';
import { lines, loadOne, modelNamed, PROJECT } from './helpers.js';

type Files = Record<string, string>;

function orders(files: Files): DbtModel {
  return modelNamed(loadOne({ 'dbt_project.yml': PROJECT, ...files }), 'orders');
}

function diff(base: Files, head: Files) {
  return diffModelConfig(orders(base), orders(head));
}

const sql = (config: string) => lines(`{{ config(${config}) }}`, 'select 1 as id');

describe('diffModelConfig', () => {
  it('materialization to ephemeral is model-wide and breaking; table <-> view is not', () => {
    expect(diff({ 'models/orders.sql': sql("materialized='table'") }, { 'models/orders.sql': sql("materialized='ephemeral'") })).toEqual([
      expect.objectContaining({ kind: 'materialization_changed', impact: 'model_wide', breaking: true, path: 'models/orders.sql', line: 1 }),
    ]);
    expect(diff({ 'models/orders.sql': sql("materialized='table'") }, { 'models/orders.sql': 'select 1 as id\n' })).toEqual([
      {
        kind: 'materialization_changed',
        detail: 'materialized: table -> view',
        impact: 'none',
        breaking: false,
        path: 'models/orders.sql',
        line: 1,
        side: 'base', // where `config(materialized='table')` was
      },
    ]);
  });

  it('an enforced contract with constraints going from table to view breaks the contract', () => {
    const yml = lines(
      'models:',
      '  - name: orders',
      '    config: {contract: {enforced: true}}',
      '    columns:',
      '      - name: id',
      '        data_type: int',
      '        constraints: [{type: not_null}]',
    );
    const changes = diff(
      { 'models/orders.sql': sql("materialized='table'"), 'models/_m.yml': yml },
      { 'models/orders.sql': sql("materialized='view'"), 'models/_m.yml': yml },
    );
    expect(changes.map((c) => [c.kind, c.impact, c.breaking])).toEqual([
      ['materialization_changed', 'none', false],
      ['contract_changed', 'model_wide', true],
    ]);
  });

  it('unique_key and incremental_strategy changes of an incremental model are model-wide and breaking', () => {
    const changes = diff(
      { 'models/orders.sql': sql("materialized='incremental', unique_key='id', incremental_strategy='merge'") },
      { 'models/orders.sql': sql("materialized='incremental', unique_key=['id', 'line'], incremental_strategy='append'") },
    );
    expect(changes).toEqual([
      expect.objectContaining({ kind: 'unique_key_changed', detail: 'unique_key: id -> [id, line]', impact: 'model_wide', breaking: true, line: 1 }),
      expect.objectContaining({ kind: 'incremental_strategy_changed', detail: 'incremental_strategy: merge -> append', impact: 'model_wide', breaking: true }),
    ]);
    // same key written differently: no change
    expect(
      diff({ 'models/orders.sql': sql("materialized='incremental', unique_key=['ID', 'line']") }, { 'models/orders.sql': sql("materialized='incremental', unique_key=['line', 'id']") }),
    ).toEqual([]);
  });

  it('an incremental model rebuilt as a table (or the reverse) is a materialization change, not a unique_key change', () => {
    const incremental = sql("materialized='incremental', unique_key='order_id'");
    const table = sql("materialized='table'");
    for (const [base, head] of [[incremental, table], [table, incremental]] as const) {
      expect(diff({ 'models/orders.sql': base }, { 'models/orders.sql': head }).map((c) => [c.kind, c.breaking])).toEqual([['materialization_changed', false]]);
    }
  });

  it('a setting that becomes computed by Jinja (set for one target only) is an unknown change, not nothing', () => {
    const base = { 'models/orders.sql': "{{ config(materialized='table') }}\nselect 1 as id\n" };
    const head = { 'models/orders.sql': "{% if target.name == 'prod' %}{{ config(enabled=false) }}{% endif %}\n{{ config(materialized='table') }}\nselect 1 as id\n" };
    const changes = diff(base, head);
    expect(changes).toEqual([expect.objectContaining({ kind: 'unknown', impact: 'none', breaking: false, path: 'models/orders.sql', line: 1 })]);
    expect(changes[0]!.detail).toMatch(/^enabled: \(not set\) -> computed by Jinja .*: it depends on the run, so it is not judged$/);
  });

  it('alias, schema and database changes change the relation identity', () => {
    const changes = diff(
      { 'models/orders.sql': 'select 1\n', 'dbt_project.yml': lines('name: shop', 'models:', '  shop:', '    +schema: sales') },
      { 'models/orders.sql': sql("alias='orders_v2', schema='finance'"), 'dbt_project.yml': lines('name: shop', 'models:', '  shop:', '    +schema: sales') },
    );
    expect(changes.map((c) => [c.kind, c.detail, c.impact, c.breaking])).toEqual([
      ['relation_identity_changed', 'alias: (model name) -> orders_v2', 'model_wide', true],
      ['relation_identity_changed', 'schema: sales -> finance', 'model_wide', true],
    ]);
  });

  it('never judges a Jinja-computed value: a setting that becomes computed is a note, not a finding', () => {
    const changes = diff({ 'models/orders.sql': sql("materialized='table', schema='a'") }, { 'models/orders.sql': sql("materialized=var('m'), schema=env_var('S')") });
    expect(changes.map((c) => [c.kind, c.impact, c.breaking])).toEqual([
      ['unknown', 'none', false],
      ['unknown', 'none', false],
    ]);
    expect(diff({ 'models/orders.sql': sql("materialized=var('m')") }, { 'models/orders.sql': sql("materialized=var('n')") })).toEqual([]);
  });

  describe('contracts', () => {
    const contract = (enforced: boolean, columns: string[]) =>
      lines('models:', '  - name: orders', `    config: {contract: {enforced: ${enforced}}}`, '    columns:', ...columns);

    it('turning an enforced contract off is breaking; turning it on is not', () => {
      const on = { 'models/orders.sql': 'select 1\n', 'models/_m.yml': contract(true, ['      - name: id']) };
      const off = { 'models/orders.sql': 'select 1\n', 'models/_m.yml': contract(false, ['      - name: id']) };
      expect(diff(on, off)).toEqual([
        expect.objectContaining({ kind: 'contract_changed', detail: 'contract enforcement turned off', impact: 'model_wide', breaking: true, path: 'models/_m.yml', line: 3 }),
      ]);
      expect(diff(off, on)).toEqual([expect.objectContaining({ kind: 'contract_changed', impact: 'none', breaking: false })]);
    });

    it('a contracted column removed, or its base type changed, is breaking; a length change is not', () => {
      const base = contract(true, ['      - name: id', '        data_type: int', '      - name: code', '        data_type: varchar(2)', '      - name: note', '        data_type: text']);
      const head = contract(true, ['      - name: id', '        data_type: text', '      - name: code', '        data_type: VARCHAR(3)']);
      const changes = diff({ 'models/orders.sql': 'select 1\n', 'models/_m.yml': base }, { 'models/orders.sql': 'select 1\n', 'models/_m.yml': head });
      expect(changes.map((c) => [c.kind, c.column, c.breaking, c.line])).toEqual([
        ['contract_changed', 'id', true, 5],
        ['contract_changed', 'note', true, 9],
      ]);
      expect(changes[0]!.detail).toBe('data_type of contracted column id: int -> text');
    });

    it('a constraint removed from an enforced contract is breaking; without a contract it is not', () => {
      const withConstraint = (enforced: boolean) => contract(enforced, ['      - name: id', '        constraints: [{type: not_null}]']);
      const without = (enforced: boolean) => contract(enforced, ['      - name: id']);
      const enforced = diff({ 'models/orders.sql': 'select 1\n', 'models/_m.yml': withConstraint(true) }, { 'models/orders.sql': 'select 1\n', 'models/_m.yml': without(true) });
      expect(enforced).toEqual([
        expect.objectContaining({ kind: 'constraint_removed', column: 'id', impact: 'model_wide', breaking: true, path: 'models/_m.yml', line: 6 }),
      ]);
      const loose = diff({ 'models/orders.sql': 'select 1\n', 'models/_m.yml': withConstraint(false) }, { 'models/orders.sql': 'select 1\n', 'models/_m.yml': without(false) });
      expect(loose).toEqual([expect.objectContaining({ kind: 'constraint_removed', impact: 'none', breaking: false })]);
    });
  });

  it('reports tests added and removed (naming test and column), not breaking', () => {
    const base = lines('models:', '  - name: orders', '    columns:', '      - name: id', '        data_tests: [unique, not_null]');
    const head = lines('models:', '  - name: orders', '    columns:', '      - name: id', '        data_tests:', '          - not_null', '          - accepted_values: {values: [1]}');
    const changes = diff({ 'models/orders.sql': 'select 1\n', 'models/_m.yml': base }, { 'models/orders.sql': 'select 1\n', 'models/_m.yml': head });
    expect(changes).toEqual([
      { kind: 'test_added', detail: 'test accepted_values on id added', column: 'id', path: 'models/_m.yml', line: 7, impact: 'none', breaking: false },
      { kind: 'test_removed', detail: 'test unique on id removed', column: 'id', path: 'models/_m.yml', line: 5, side: 'base', impact: 'none', breaking: false },
    ]);
  });

  it('a test disabled counts as removed', () => {
    const base = lines('models:', '  - name: orders', '    columns:', '      - name: id', '        data_tests: [unique]');
    const head = lines('models:', '  - name: orders', '    columns:', '      - name: id', '        data_tests:', '          - unique: {config: {enabled: false}}');
    expect(diff({ 'models/orders.sql': 'select 1\n', 'models/_m.yml': base }, { 'models/orders.sql': 'select 1\n', 'models/_m.yml': head }).map((c) => c.kind)).toEqual([
      'test_removed',
    ]);
  });

  it('reports description and owner changes as non-breaking', () => {
    const yml = (description: string, owner: string) =>
      lines('models:', '  - name: orders', `    description: ${description}`, `    meta: {owner: ${owner}}`, '    columns:', '      - name: id', `        description: ${description} id`);
    const changes = diff({ 'models/orders.sql': 'select 1\n', 'models/_m.yml': yml('Old', 'ana') }, { 'models/orders.sql': 'select 1\n', 'models/_m.yml': yml('New', 'bo') });
    expect(changes.map((c) => [c.kind, c.column, c.line, c.impact, c.breaking])).toEqual([
      ['description_changed', undefined, 3, 'none', false],
      ['description_changed', 'id', 6, 'none', false],
      ['owner_changed', undefined, 4, 'none', false],
    ]);
    expect(changes[2]!.detail).toBe('owner: ana -> bo');
  });

  it('a model disabled or deleted is removed: model-wide and breaking; a new model is added', () => {
    const base = orders({ 'models/orders.sql': 'select 1\n' });
    const disabled = orders({ 'models/orders.sql': sql('enabled=false') });
    expect(diffModelConfig(base, disabled)).toEqual([
      expect.objectContaining({ kind: 'model_removed', impact: 'model_wide', breaking: true, path: 'models/orders.sql', line: 1 }),
    ]);
    expect(diffModelConfig(base, undefined)).toEqual([expect.objectContaining({ kind: 'model_removed', breaking: true, path: 'models/orders.sql' })]);
    expect(diffModelConfig(undefined, base)).toEqual([expect.objectContaining({ kind: 'model_added', breaking: false })]);
    expect(diffModelConfig(disabled, disabled)).toEqual([]);
  });

  it('reports nothing when nothing changed', () => {
    const files = {
      'models/orders.sql': sql("materialized='incremental', unique_key='id'"),
      'models/_m.yml': lines('models:', '  - name: orders', '    description: x', '    columns:', '      - name: id', '        data_tests: [unique]'),
    };
    expect(diff(files, files)).toEqual([]);
  });
});

describe('identity across revisions', () => {
  it('modelKey is the unique id, stable across revisions', () => {
    expect(modelKey(orders({ 'models/orders.sql': 'select 1\n' }))).toBe('model.shop.orders');
    expect(modelKey(orders({ 'models/sub/orders.sql': 'select 2\n' }))).toBe('model.shop.orders');
  });

  it('projectConfigFingerprint changes only when the inherited dbt_project.yml config changes', () => {
    const withProject = (yml: string) =>
      modelNamed(loadOne({ 'dbt_project.yml': yml, 'models/marts/orders.sql': 'select 1\n', 'models/staging/stg.sql': 'select 1\n' }), 'orders');
    const a = withProject(lines('name: shop', 'models:', '  shop:', '    marts:', '      +materialized: table'));
    const moved = withProject(lines('name: shop', '# a comment shifts lines', 'models:', '  shop:', '    marts:', '      +materialized: table'));
    const otherFolder = withProject(lines('name: shop', 'models:', '  shop:', '    marts:', '      +materialized: table', '    staging:', '      +materialized: view'));
    const changed = withProject(lines('name: shop', 'models:', '  shop:', '    marts:', '      +materialized: incremental'));
    expect(projectConfigFingerprint(moved)).toBe(projectConfigFingerprint(a));
    expect(projectConfigFingerprint(otherFolder)).toBe(projectConfigFingerprint(a));
    expect(projectConfigFingerprint(changed)).not.toBe(projectConfigFingerprint(a));
  });
});
