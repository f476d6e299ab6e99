import { describe, expect, it } from 'vitest';
import { load, lines, loadOne, modelNamed, PROJECT } from './helpers.js';

const SELECT = 'select 1 as id\n';

describe('loadProjects: discovery', () => {
  it('loads every dbt_project.yml of a monorepo; a nested project owns its subtree', () => {
    const projects = load({
      'dbt_project.yml': lines('name: platform'),
      'models/base.sql': SELECT,
      'analytics/dbt_project.yml': lines('name: analytics', 'model-paths: ["transform"]'),
      'analytics/transform/marts/fct_sales.sql': SELECT,
      'analytics/models/not_a_model.sql': SELECT,
      'README.md': '# hi',
    });
    expect(projects.map((p) => [p.name, p.root, p.projectFile])).toEqual([
      ['platform', '', 'dbt_project.yml'],
      ['analytics', 'analytics', 'analytics/dbt_project.yml'],
    ]);
    const [platform, analytics] = projects;
    expect(platform!.models.map((m) => m.uniqueId)).toEqual(['model.platform.base']);
    expect(analytics!.models.map((m) => [m.uniqueId, m.path, m.folders])).toEqual([
      ['model.analytics.fct_sales', 'analytics/transform/marts/fct_sales.sql', ['marts']],
    ]);
    expect(analytics!.modelPaths).toEqual(['transform']);
  });

  it('skips dbt_packages/, target/ and node_modules/, and the configured ignore globs', () => {
    const projects = load(
      {
        'dbt_project.yml': PROJECT,
        'models/keep.sql': SELECT,
        'models/scratch/tmp.sql': SELECT,
        'dbt_packages/dbt_utils/dbt_project.yml': lines('name: dbt_utils'),
        'dbt_packages/dbt_utils/models/x.sql': SELECT,
        'target/compiled/shop/models/keep.sql': SELECT,
        'node_modules/pkg/dbt_project.yml': lines('name: nope'),
      },
      ['models/scratch/**'],
    );
    expect(projects).toHaveLength(1);
    expect(projects[0]!.models.map((m) => m.name)).toEqual(['keep']);
  });

  it('returns no project when there is no dbt_project.yml', () => {
    expect(load({ 'models/a.sql': SELECT })).toEqual([]);
  });

  it('reads vars, macro paths and macros with their lines', () => {
    const project = loadOne({
      'dbt_project.yml': lines('name: shop', 'macro-paths: ["macros", "more_macros"]', 'vars:', '  start_date: "2020-01-01"'),
      'macros/cents.sql': lines('{# helpers #}', '{% macro cents_to_dollars(col, scale=2) %}', '  ({{ col }} / 100)::numeric(16, {{ scale }})', '{% endmacro %}', '', '{%- macro other() -%}1{%- endmacro -%}'),
      'more_macros/x.sql': lines('{% macro x() %}x{% endmacro %}'),
    });
    expect(project.vars).toEqual({ start_date: '2020-01-01' });
    expect(project.macros.map((m) => [m.name, m.path, m.line])).toEqual([
      ['cents_to_dollars', 'macros/cents.sql', 2],
      ['other', 'macros/cents.sql', 6],
      ['x', 'more_macros/x.sql', 1],
    ]);
    expect(project.macros[0]!.source).toBe(
      '{% macro cents_to_dollars(col, scale=2) %}\n  ({{ col }} / 100)::numeric(16, {{ scale }})\n{% endmacro %}',
    );
  });

  it('reports a YAML syntax error with its line and still loads the rest of the project', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/a.sql': SELECT,
      'models/b.sql': SELECT,
      'models/bad.yml': lines('models:', '  - name: a', '    columns: [id', '  - name: b'),
      'models/good.yml': lines('models:', '  - name: b', '    description: B'),
    });
    expect(project.problems).toEqual([expect.objectContaining({ rule: 'yaml-invalid', path: 'models/bad.yml', line: 4 })]);
    expect(project.models.map((m) => m.name)).toEqual(['a', 'b']);
    expect(modelNamed(project, 'b').properties?.description).toBe('B');
  });

  it('reports a dbt_project.yml without a name', () => {
    const project = loadOne({ 'dbt_project.yml': lines('version: 2'), 'models/a.sql': SELECT });
    expect(project.problems).toEqual([expect.objectContaining({ rule: 'dbt-project-invalid', path: 'dbt_project.yml' })]);
    expect(project.models).toHaveLength(1);
  });

  it('reports properties for a model that has no file, and duplicate properties', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/a.sql': SELECT,
      'models/one.yml': lines('models:', '  - name: a', '  - name: ghost'),
      'models/two.yml': lines('version: 2', 'models:', '  - name: a'),
    });
    expect(project.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ rule: 'properties-orphan', path: 'models/one.yml', line: 3 }),
        expect.objectContaining({ rule: 'properties-duplicate', path: 'models/two.yml', line: 3 }),
      ]),
    );
    expect(modelNamed(project, 'a').properties?.path).toBe('models/one.yml');
  });

  it('lists property files, groups with owners and exposures with their refs', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/orders.sql': SELECT,
      'models/notes.yml': lines('just: data'),
      'models/_groups.yml': lines(
        'groups:', // 1
        '  - name: finance', // 2
        '    owner:', // 3
        '      name: Finance Team', // 4
        '      email: finance@x.io', // 5
        'exposures:', // 6
        '  - name: revenue_dashboard', // 7
        '    type: dashboard', // 8
        '    owner: {name: BI, email: bi@x.io}', // 9
        '    depends_on:', // 10
        "      - ref('orders')", // 11
        '      - ref("finance", "fct_revenue")', // 12
        "      - source('stripe', 'payments')", // 13
      ),
    });
    expect(project.propertyFiles).toEqual(['models/_groups.yml']);
    expect(project.groups).toEqual([{ name: 'finance', path: 'models/_groups.yml', line: 2, owner: { name: 'Finance Team', email: 'finance@x.io' } }]);
    expect(project.exposures).toEqual([
      {
        name: 'revenue_dashboard',
        type: 'dashboard',
        path: 'models/_groups.yml',
        line: 7,
        owner: { name: 'BI', email: 'bi@x.io' },
        dependsOn: ['orders', 'fct_revenue'],
        refs: [
          { name: 'orders', line: 11 },
          { name: 'fct_revenue', package: 'finance', line: 12 },
        ],
      },
    ]);
  });
});

describe('loadProjects: property nodes', () => {
  it('keeps 1-based lines of the model entry, description, columns, tests, constraints and meta keys', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/orders.sql': SELECT,
      'models/_orders.yml': lines(
        'version: 2', // 1
        '', // 2
        'models:', // 3
        '  - name: orders', // 4
        '    description: >', // 5
        '      All orders.', // 6
        '    config:', // 7
        '      meta:', // 8
        '        owner: sales', // 9
        '    data_tests:', // 10
        '      - dbt_utils.expression_is_true:', // 11
        '          arguments: {expression: "amount >= 0"}', // 12
        '    columns:', // 13
        '      - name: order_id', // 14
        '        description: PK', // 15
        '        data_type: int', // 16
        '        constraints:', // 17
        '          - type: not_null', // 18
        '        data_tests:', // 19
        '          - unique', // 20
        '      - name: amount', // 21
      ),
    });
    const orders = modelNamed(project, 'orders');
    expect(orders.properties).toEqual({
      path: 'models/_orders.yml',
      line: 4,
      endLine: 21,
      description: 'All orders.\n',
      descriptionLine: 5,
      columnsLine: 13,
      testsLine: 10,
    });
    expect(orders.meta.owner).toMatchObject({ line: 9 });
    expect(orders.tests[0]).toMatchObject({ name: 'dbt_utils.expression_is_true', line: 11, level: 'model', args: { expression: 'amount >= 0' } });
    const [id, amount] = orders.columns;
    expect(id).toMatchObject({ name: 'order_id', key: 'order_id', line: 14, endLine: 20, description: 'PK', dataType: 'int', testsLine: 19 });
    expect(id!.constraints[0]).toMatchObject({ type: 'not_null', line: 18, level: 'column', columns: ['order_id'] });
    expect(id!.tests[0]).toMatchObject({ name: 'unique', line: 20, columns: ['order_id'] });
    expect(amount).toMatchObject({ name: 'amount', line: 21 });
  });

  it('resolves YAML anchors and merge keys', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/orders.sql': SELECT,
      'models/refunds.sql': SELECT,
      'models/_m.yml': lines(
        'x-defaults: &defaults', // 1
        '  config:', // 2
        '    materialized: table', // 3
        '    meta: {owner: finance}', // 4
        'x-id: &id_column', // 5
        '  name: id', // 6
        '  data_tests: [unique, not_null]', // 7
        'models:', // 8
        '  - name: orders', // 9
        '    <<: *defaults', // 10
        '    columns:', // 11
        '      - *id_column', // 12
        '  - <<: *defaults', // 13
        '    name: refunds', // 14
        '    config: {materialized: view}', // 15
      ),
    });
    const orders = modelNamed(project, 'orders');
    expect(orders.config.materialized).toMatchObject({ value: 'table', line: 3 });
    expect(orders.meta.owner?.value).toBe('finance');
    expect(orders.columns.map((c) => [c.name, c.tests.map((t) => t.name)])).toEqual([['id', ['unique', 'not_null']]]);
    // an explicit key wins over the merged one
    const refunds = modelNamed(project, 'refunds');
    expect(refunds.config.materialized).toMatchObject({ value: 'view', line: 15 });
    expect(refunds.meta.owner).toBeUndefined();
  });

  it('lowercases unquoted column names for comparison and keeps quoted ones', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/a.sql': SELECT,
      'models/_m.yml': lines('models:', '  - name: a', '    columns:', '      - name: Order_ID', '      - name: CamelCase', '        quote: true'),
    });
    expect(modelNamed(project, 'a').columns.map((c) => [c.name, c.key])).toEqual([
      ['Order_ID', 'order_id'],
      ['CamelCase', 'CamelCase'],
    ]);
  });

  it('extracts ref() and source() calls with their lines', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/a.sql': lines(
        "select * from {{ ref('orders') }}",
        'join {{ ref( "finance" , "fct_revenue" ) }} using (id)',
        "join {{ ref('dim_customers', v=2) }} using (id)",
        'join {{ ref("dim_products", version="3") }} using (id)',
        "join {{ source('stripe','payments') }} using (id)",
        "{# {{ ref('commented_out') }} #}",
        'where xref(1) = 1',
      ),
    });
    const a = modelNamed(project, 'a');
    expect(a.refs).toEqual([
      { name: 'orders', line: 1 },
      { name: 'fct_revenue', package: 'finance', line: 2 },
      { name: 'dim_customers', version: '2', line: 3 },
      { name: 'dim_products', version: '3', line: 4 },
    ]);
    expect(a.sources).toEqual([{ source: 'stripe', table: 'payments', line: 5 }]);
  });

  it('reads waivers from meta and from SQL comments, noting a missing reason', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/a.sql': lines(
        '-- dbt-pr-reviewer: disable=owner-missing, key-untested reason: legacy table, owned by ops',
        'select 1',
        '/* dbt-pr-reviewer: disable=hardcoded-relation */',
      ),
      'models/_m.yml': lines(
        'models:', // 1
        '  - name: a', // 2
        '    config:', // 3
        '      meta:', // 4
        '        dbt_pr_reviewer:', // 5
        '          skip: [naming-layer-prefix]', // 6
        '          reason: "kept for BI compatibility"', // 7
      ),
    });
    expect(modelNamed(project, 'a').waivers).toEqual([
      { kind: 'meta', rules: ['naming-layer-prefix'], reason: 'kept for BI compatibility', path: 'models/_m.yml', line: 5 },
      { kind: 'sql-comment', rules: ['owner-missing', 'key-untested'], reason: 'legacy table, owned by ops', path: 'models/a.sql', line: 1 },
      { kind: 'sql-comment', rules: ['hardcoded-relation'], path: 'models/a.sql', line: 3 },
    ]);
  });

  it('reports two model files with the same name', () => {
    const project = loadOne({ 'dbt_project.yml': PROJECT, 'models/a/orders.sql': SELECT, 'models/b/orders.sql': SELECT });
    expect(project.models.map((m) => m.path)).toEqual(['models/a/orders.sql']);
    expect(project.problems).toEqual([expect.objectContaining({ rule: 'model-duplicate', path: 'models/b/orders.sql' })]);
  });

  it('accepts files sharing a model name when at most one is enabled, and loads the enabled one', () => {
    const disabledCopy = loadOne({ 'dbt_project.yml': PROJECT, 'models/a/orders.sql': `{{ config(enabled=false) }}\n${SELECT}`, 'models/b/orders.sql': SELECT });
    expect(disabledCopy.models.map((m) => [m.path, m.enabled])).toEqual([['models/b/orders.sql', true]]);
    expect(disabledCopy.problems).toEqual([]);
    // Folders switched on per target (Fivetran's packages): enabled by Jinja, not known here, never a duplicate.
    const perTarget = `${PROJECT}models:\n  shop:\n    snowflake:\n      +enabled: "{{ target.type == 'snowflake' }}"\n    bigquery:\n      +enabled: "{{ target.type == 'bigquery' }}"\n`;
    const switched = loadOne({ 'dbt_project.yml': perTarget, 'models/bigquery/orders.sql': SELECT, 'models/snowflake/orders.sql': SELECT });
    expect(switched.models.map((m) => m.path)).toEqual(['models/bigquery/orders.sql']);
    expect(switched.problems).toEqual([]);
    const folderOff = `${PROJECT}models:\n  shop:\n    a:\n      +enabled: false\n`;
    expect(loadOne({ 'dbt_project.yml': folderOff, 'models/a/orders.sql': SELECT, 'models/b/orders.sql': SELECT }).models.map((m) => m.path)).toEqual(['models/b/orders.sql']);
  });
});

describe('loadProjects: versions', () => {
  const files = {
    'dbt_project.yml': PROJECT,
    'models/marts/dim_customers_v1.sql': SELECT,
    'models/marts/dim_customers.sql': SELECT,
    'models/marts/customers_legacy.sql': SELECT,
    'models/marts/_customers.yml': lines(
      'models:', // 1
      '  - name: dim_customers', // 2
      '    latest_version: 2', // 3
      '    columns:', // 4
      '      - name: customer_id', // 5
      '        data_tests: [unique, not_null]', // 6
      '      - name: full_name', // 7
      '      - name: country', // 8
      '    versions:', // 9
      '      - v: 1', // 10
      '      - v: 2', // 11
      '        columns:', // 12
      '          - include: all', // 13
      '            exclude: [full_name]', // 14
      '          - name: first_name', // 15
      '      - v: 0', // 16
      '        defined_in: customers_legacy', // 17
      '        columns:', // 18
      '          - include: [customer_id]', // 19
    ),
  };

  it('makes each version its own model, finding its file by suffix, latest unsuffixed file or defined_in', () => {
    const project = loadOne(files);
    expect(project.models.map((m) => [m.uniqueId, m.name, m.version, m.path])).toEqual([
      ['model.shop.dim_customers.v0', 'dim_customers', '0', 'models/marts/customers_legacy.sql'],
      ['model.shop.dim_customers.v2', 'dim_customers', '2', 'models/marts/dim_customers.sql'],
      ['model.shop.dim_customers.v1', 'dim_customers', '1', 'models/marts/dim_customers_v1.sql'],
    ]);
    expect(modelNamed(project, 'dim_customers', '1').latestVersion).toBe('2');
    expect(modelNamed(project, 'dim_customers', '2').fqn).toEqual(['shop', 'marts', 'dim_customers', 'v2']);
  });

  it('applies include/exclude to the columns of each version', () => {
    const project = loadOne(files);
    const keys = (v: string) => modelNamed(project, 'dim_customers', v).columns.map((c) => c.key);
    expect(keys('1')).toEqual(['customer_id', 'full_name', 'country']);
    expect(keys('2')).toEqual(['customer_id', 'country', 'first_name']);
    expect(keys('0')).toEqual(['customer_id']);
    expect(modelNamed(project, 'dim_customers', '2').columns[0]!.tests.map((t) => t.name)).toEqual(['unique', 'not_null']);
  });

  it('reports a version whose file is missing', () => {
    const project = loadOne({
      'dbt_project.yml': PROJECT,
      'models/dim_x_v1.sql': SELECT,
      'models/_x.yml': lines('models:', '  - name: dim_x', '    versions:', '      - v: 1', '      - v: 2', '      - v: 3'),
    });
    // v3 is the latest: it may live in dim_x.sql, which is missing too
    expect(project.problems.map((p) => [p.rule, p.line])).toEqual([
      ['properties-orphan', 5],
      ['properties-orphan', 6],
    ]);
    expect(project.models.map((m) => m.uniqueId)).toEqual(['model.shop.dim_x.v1']);
  });
});
