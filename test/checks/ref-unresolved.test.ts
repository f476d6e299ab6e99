/**
 * `ref-unresolved` through the whole review: a ref the change adds to a node the project does not have (a typo,
 * a removed model) is an error on the ref's line; refs to seeds, snapshots, disabled models, other packages, refs
 * the model already had, and any ref of a project that installs packages are not judged.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { nearestName } from '../../src/checks/refs.js';
import { defaultConfig } from '../../src/config.js';
import { createJinjaRenderer } from '../../src/dbt/jinja/index.js';
import { runReview } from '../../src/pipeline.js';
import type { ChangedFile } from '../../src/ports.js';
import type { Finding } from '../../src/review/types.js';
import { memorySnapshot } from '../../src/sources/memory.js';

const renderer = createJinjaRenderer();
afterAll(() => renderer.close());

const BASE: Record<string, string> = {
  'dbt_project.yml': 'name: shop\nprofile: shop\nmodels:\n  shop:\n    +meta:\n      owner: "@data"\n',
  'models/stg_orders.sql': 'select 1 as order_id\n',
  'models/old_orders.sql': "{{ config(enabled=false) }}\nselect 1 as order_id\n",
  'models/fct_orders.sql': "select order_id\nfrom {{ ref('stg_orders') }}\n",
  'seeds/country_codes.csv': 'code,name\nFR,France\n',
  'snapshots/orders_history.sql': "{% snapshot orders_snapshot %}\nselect * from {{ source('raw', 'orders') }}\n{% endsnapshot %}\n",
  'models/_models.yml': 'version: 2\nmodels:\n  - name: fct_orders\n    description: Orders.\n',
};

function diff(base: Record<string, string>, head: Record<string, string>): ChangedFile[] {
  return [...new Set([...Object.keys(base), ...Object.keys(head)])]
    .filter((p) => base[p] !== head[p])
    .map((path) => ({ path, status: base[path] === undefined ? 'added' : head[path] === undefined ? 'removed' : 'modified' }) as ChangedFile);
}

async function refFindings(head: Record<string, string>, base = BASE): Promise<Finding[]> {
  const review = await runReview(
    { base: 'base', head: 'head', config: defaultConfig(), changedFiles: diff(base, head) },
    { base: memorySnapshot(base), head: memorySnapshot(head), renderer, llmAbsentReason: { status: 'disabled', detail: 'test' } },
  );
  return review.findings.filter((f) => f.rule === 'ref-unresolved');
}

const reading = (...refs: string[]) => `select 1 as x\n${refs.map((r) => `-- ${r}\nfrom ${r}\n`).join('')}`;

describe('ref-unresolved', () => {
  it('reports a typo in a new ref on its line, with the name it probably meant', async () => {
    const head = { ...BASE, 'models/fct_orders.sql': "select order_id\nfrom {{ ref('stg_ordrs') }}\n" };
    const [finding, ...more] = await refFindings(head);
    expect(more).toEqual([]);
    expect(finding).toMatchObject({ path: 'models/fct_orders.sql', line: 2, severity: 'error', model: 'fct_orders' });
    expect(finding!.message).toMatch(/^`ref\('stg_ordrs'\)` names no model, seed or snapshot of project `shop`.*did you mean `stg_orders`\?$/);
  });

  it('reports a ref to a model the same change removes, in a new model', async () => {
    const { 'models/stg_orders.sql': _removed, ...rest } = BASE;
    const head = { ...rest, 'models/fct_orders.sql': "select 1 as order_id\n", 'models/rpt_orders.sql': "select * from {{ ref('stg_orders') }}\n" };
    expect((await refFindings(head)).map((f) => [f.path, f.line])).toEqual([['models/rpt_orders.sql', 1]]);
  });

  it('reports a new ref to a disabled model, and one pinning a version the model does not have (dbt parse stops on both)', async () => {
    const versioned = {
      ...BASE,
      'models/dim_customers_v1.sql': 'select 1 as customer_id\n',
      'models/dim_customers_v2.sql': 'select 1 as customer_id, 2 as tier\n',
      'models/_customers.yml': 'version: 2\nmodels:\n  - name: dim_customers\n    latest_version: 2\n    versions:\n      - v: 1\n      - v: 2\n',
    };
    const head = { ...versioned, 'models/rpt_orders.sql': reading("{{ ref('old_orders') }}", "{{ ref('dim_customers', v=5) }}", "{{ ref('dim_customers', v=1) }}") };
    const findings = await refFindings(head, versioned);
    expect(findings.map((f) => [f.line, f.message])).toEqual([
      [2, "`ref('old_orders')` names model `old_orders`, which is disabled (config(enabled=false)), so `dbt parse` stops (\"depends on a node named 'old_orders' which is disabled\"): enable it, or read another model."],
      [4, "`ref('dim_customers', v=5)` pins version 5 of `dim_customers`, which has versions 1, 2, so `dbt parse` stops (the node is not found): pin one of them, or drop `v=` to read the latest."],
    ]);
  });

  it('accepts refs to models, seeds, snapshots, versions and the project by name', async () => {
    const head = {
      ...BASE,
      'models/rpt_orders.sql': reading(
        "{{ ref('stg_orders') }}",
        "{{ ref('country_codes') }}",
        "{{ ref('orders_snapshot') }}",
        "{{ ref('shop', 'fct_orders') }}",
        "{{ ref('fct_orders', v=1) }}",
      ),
    };
    expect(await refFindings(head)).toEqual([]);
  });

  it('reports a ref that differs from a model name only in case (dbt matches names exactly); leaves seeds and snapshots to dbt', async () => {
    const head = { ...BASE, 'models/rpt_orders.sql': reading("{{ ref('STG_Orders') }}", "{{ ref('Country_Codes') }}", "{{ ref('ORDERS_SNAPSHOT') }}") };
    expect((await refFindings(head)).map((f) => [f.line, f.message])).toEqual([
      [2, "`ref('STG_Orders')` names no node of project `shop`: names are matched exactly, so `dbt parse` stops (\"depends on a node named 'STG_Orders' which was not found\"): write `ref('stg_orders')`."],
    ]);
  });

  it('does not judge a ref in a Jinja branch that does not render (dbt records no such ref)', async () => {
    const head = { ...BASE, 'models/rpt_orders.sql': "select 1 as x\n{% if var('legacy', false) %}\nfrom {{ ref('legacy_orders') }}\n{% endif %}\n{% if false %}{{ ref('stg_ordrs') }}{% endif %}\n" };
    expect(await refFindings(head)).toEqual([]);
  });

  it('accepts a snapshot declared in a property file (dbt 1.9)', async () => {
    const head = {
      ...BASE,
      'snapshots/_snapshots.yml': 'snapshots:\n  - name: customers_snapshot\n    relation: source("raw", "customers")\n',
      'models/rpt_customers.sql': "select * from {{ ref('customers_snapshot') }}\n",
    };
    expect(await refFindings(head)).toEqual([]);
  });

  it('leaves refs into other packages, and every ref of a project that installs packages, to dbt', async () => {
    const other = { ...BASE, 'models/rpt_orders.sql': "select * from {{ ref('dbt_project_evaluator', 'fct_nodes') }}\n" };
    expect(await refFindings(other)).toEqual([]);
    const withPackages = { ...BASE, 'packages.yml': 'packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.3.0\n' };
    const head = { ...withPackages, 'models/rpt_orders.sql': "select * from {{ ref('stg_ordrs') }}\n" };
    expect(await refFindings(head, withPackages)).toEqual([]);
  });

  it('does not report a ref the model already had (the problem predates the change)', async () => {
    const base = { ...BASE, 'models/fct_orders.sql': "select order_id\nfrom {{ ref('gone') }}\n" };
    const head = { ...base, 'models/fct_orders.sql': "select order_id, 1 as n\nfrom {{ ref('gone') }}\n" };
    expect(await refFindings(head, base)).toEqual([]);
  });
});

describe('ref-unresolved in exposures and semantic models', () => {
  const exposures = (...refs: string[]) =>
    ['version: 2', 'exposures:', '  - name: dash', '    type: dashboard', '    owner: {name: BI}', '    depends_on:', ...refs.map((r) => `      - ${r}`), ''].join('\n');
  const withExposure = { ...BASE, 'models/exposures.yml': exposures("ref('fct_orders')") };

  it("reports a new ref in an exposure's depends_on at its YAML line, when the change touches only the YAML", async () => {
    const head = { ...withExposure, 'models/exposures.yml': exposures("ref('fct_orders')", "ref('fct_ghost')", "ref('stg_ordrs')") };
    const findings = await refFindings(head, withExposure);
    expect(findings.map((f) => [f.path, f.line, f.severity, f.model, f.message])).toEqual([
      [
        'models/exposures.yml',
        8,
        'error',
        undefined,
        "`ref('fct_ghost')` in exposure `dash` names no model, seed or snapshot of project `shop`, so `dbt parse` stops (\"depends on a node named 'fct_ghost' which was not found\"): fix the name, or add the model it should read.",
      ],
      [
        'models/exposures.yml',
        9,
        'error',
        undefined,
        "`ref('stg_ordrs')` in exposure `dash` names no model, seed or snapshot of project `shop`, so `dbt parse` stops (\"depends on a node named 'stg_ordrs' which was not found\"): did you mean `stg_orders`?",
      ],
    ]);
  });

  it('fails the review on it, as dbt parse fails', async () => {
    const head = { ...withExposure, 'models/exposures.yml': exposures("ref('fct_orders')", "ref('fct_ghost')") };
    const review = await runReview(
      { base: 'base', head: 'head', config: defaultConfig(), changedFiles: diff(withExposure, head) },
      { base: memorySnapshot(withExposure), head: memorySnapshot(head), renderer, llmAbsentReason: { status: 'disabled', detail: 'test' } },
    );
    expect(review.conclusion).toBe('failure');
    expect(review.models).toEqual([]);
  });

  it('reports a new exposure (in a new file) whose ref names a disabled model, a missing version, or a model in another case', async () => {
    const versioned = {
      ...BASE,
      'models/dim_customers_v1.sql': 'select 1 as customer_id\n',
      'models/_customers.yml': 'version: 2\nmodels:\n  - name: dim_customers\n    versions:\n      - v: 1\n',
    };
    const head = { ...versioned, 'models/exposures.yml': exposures("ref('old_orders')", "ref('dim_customers', v=3)", "ref('FCT_Orders')", "ref('dim_customers', v=1)") };
    expect((await refFindings(head, versioned)).map((f) => [f.line, f.message])).toEqual([
      [7, "`ref('old_orders')` in exposure `dash` names model `old_orders`, which is disabled (config(enabled=false)), so `dbt parse` stops (\"depends on a node named 'old_orders' which is disabled\"): enable it, or read another model."],
      [8, "`ref('dim_customers', v=3)` in exposure `dash` pins version 3 of `dim_customers`, which has version 1, so `dbt parse` stops (the node is not found): pin one of them, or drop `v=` to read the latest."],
      [9, "`ref('FCT_Orders')` in exposure `dash` names no node of project `shop`: names are matched exactly, so `dbt parse` stops (\"depends on a node named 'FCT_Orders' which was not found\"): write `ref('fct_orders')`."],
    ]);
  });

  it('does not report a ref the exposure already had, and accepts refs to seeds, snapshots, other packages and sources', async () => {
    const broken = { ...BASE, 'models/exposures.yml': exposures("ref('fct_ghost')") };
    const edited = { ...broken, 'models/exposures.yml': exposures("ref('fct_ghost')").replace('owner: {name: BI}', 'owner: {name: BI Team}') };
    expect(await refFindings(edited, broken)).toEqual([]);
    const head = {
      ...withExposure,
      'models/exposures.yml': exposures("ref('fct_orders')", "ref('country_codes')", "ref('orders_snapshot')", "ref('metrics_pkg', 'fct_revenue')", "source('raw', 'orders')"),
    };
    expect(await refFindings(head, withExposure)).toEqual([]);
  });

  it("reports a semantic model whose model: refs a missing model, at the model: key, and not one that already did", async () => {
    const semantic = (model: string, extra = '') =>
      ['semantic_models:', '  - name: orders', `    model: ${model}`, '    entities:', '      - name: order_id', '        type: primary', extra, ''].join('\n');
    const head = { ...BASE, 'models/semantic.yml': semantic("ref('fct_ordres')") };
    const findings = await refFindings(head);
    expect(findings.map((f) => [f.path, f.line, f.message])).toEqual([
      [
        'models/semantic.yml',
        3,
        "`ref('fct_ordres')` in semantic model `orders` names no model, seed or snapshot of project `shop`, so `dbt parse` stops (\"depends on a node named 'fct_ordres' which was not found\"): did you mean `fct_orders`?",
      ],
    ]);
    const base = { ...BASE, 'models/semantic.yml': semantic("ref('gone')") };
    expect(await refFindings({ ...BASE, 'models/semantic.yml': semantic("ref('gone')", '    description: Orders.') }, base)).toEqual([]);
    expect(await refFindings({ ...BASE, 'models/semantic.yml': semantic('"{{ ref(\'fct_orders\') }}"') })).toEqual([]);
  });

  it('does not judge the refs of a disabled exposure or semantic model (dbt resolves none of them)', async () => {
    const disabledExposure = exposures("ref('fct_ghost')").replace('    type: dashboard', '    type: dashboard\n    config: {enabled: false}');
    expect(await refFindings({ ...BASE, 'models/exposures.yml': disabledExposure })).toEqual([]);
    const semantic = ['semantic_models:', '  - name: orders', "    model: ref('fct_ghost')", '    enabled: false', ''].join('\n');
    expect(await refFindings({ ...BASE, 'models/semantic.yml': semantic })).toEqual([]);
    // (enabled: it is judged)
    expect(await refFindings({ ...BASE, 'models/semantic.yml': semantic.replace('enabled: false', 'enabled: true') })).toHaveLength(1);
  });
});

describe('nearestName', () => {
  it('suggests the closest name within two edits, and none for short or distant names', () => {
    expect(nearestName('ordrs', ['orders', 'customers'])).toBe('orders');
    expect(nearestName('stg_ordrs', ['stg_orders', 'old_orders', 'fct_orders'])).toBe('stg_orders'); // 1 edit beats 3
    expect(nearestName('stg_ordres', ['stg_orders', 'stg_order'])).toBe('stg_order'); // both 2 edits: the first in code-unit order
    expect(nearestName('abc', ['abd'])).toBeUndefined(); // too short to guess
    expect(nearestName('payments', ['orders'])).toBeUndefined();
  });
});
