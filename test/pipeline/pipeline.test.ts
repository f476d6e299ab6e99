import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig, type ReviewerConfig } from '../../src/config.js';
import { createJinjaRenderer } from '../../src/dbt/jinja/index.js';
import { renderSummaryMarkdown } from '../../src/review/markdown.js';
import { runReview } from '../../src/pipeline.js';
import { memorySnapshot } from '../../src/sources/memory.js';
import type { ChangedFile, ShapeCache } from '../../src/ports.js';
import type { ModelShape } from '../../src/sql/types.js';
import type { Review } from '../../src/review/types.js';

const renderer = createJinjaRenderer();
afterAll(() => renderer.close());

const PROJECT = `name: shop
version: "1.0.0"
profile: shop
models:
  shop:
    +meta:
      owner: "@data-platform"
    staging:
      +materialized: view
    marts:
      +materialized: table
      +meta:
        owner: "@analytics"
`;

const BASE: Record<string, string> = {
  'dbt_project.yml': PROJECT,
  'models/staging/_sources.yml': `version: 2
sources:
  - name: raw
    tables:
      - name: orders
        columns: [{name: id}, {name: customer_id}, {name: status}, {name: amount}, {name: ordered_at}]
`,
  'models/staging/stg_orders.sql': `with source as (
    select * from {{ source('raw', 'orders') }}
)
select
    id as order_id,
    customer_id,
    status,
    amount,
    ordered_at
from source
`,
  'models/staging/_staging.yml': `version: 2
models:
  - name: stg_orders
    description: One row per order.
    columns:
      - name: order_id
        data_tests: [unique, not_null]
`,
  'models/marts/fct_orders.sql': `select
    order_id,
    customer_id,
    status,
    amount
from {{ ref('stg_orders') }}
where status != 'test'
`,
  'models/marts/customer_revenue.sql': `select customer_id, sum(amount) as revenue
from {{ ref('stg_orders') }}
group by customer_id
`,
  'models/marts/_marts.yml': `version: 2
models:
  - name: fct_orders
    description: Orders.
    columns:
      - name: order_id
        data_tests: [unique, not_null]
  - name: customer_revenue
    description: Revenue per customer.
    columns:
      - name: customer_id
        data_tests: [unique, not_null]
exposures:
  - name: finance_dashboard
    type: dashboard
    owner: {name: Finance, email: finance@example.com}
    depends_on: [ref('fct_orders')]
`,
};

function diff(base: Record<string, string>, head: Record<string, string>): ChangedFile[] {
  const out: ChangedFile[] = [];
  for (const path of new Set([...Object.keys(base), ...Object.keys(head)])) {
    if (base[path] === head[path]) continue;
    out.push({ path, status: base[path] === undefined ? 'added' : head[path] === undefined ? 'removed' : 'modified' });
  }
  return out;
}

async function review(head: Record<string, string>, base = BASE, config: ReviewerConfig = defaultConfig(), shapes?: ShapeCache): Promise<Review> {
  return runReview(
    { base: 'base', head: 'head', config, changedFiles: diff(base, head) },
    { base: memorySnapshot(base), head: memorySnapshot(head), renderer, llmAbsentReason: { status: 'disabled', detail: 'test' }, ...(shapes ? { shapes } : {}) },
  );
}

describe('runReview', () => {
  it('reports nothing for a change outside dbt models', async () => {
    const r = await review({ ...BASE, 'README.md': 'hello' });
    expect(r.models).toEqual([]);
    expect(r.conclusion).toBe('success');
  });

  it('finds a removed column, its downstream users that read it, and their owners', async () => {
    const head = { ...BASE, 'models/staging/stg_orders.sql': BASE['models/staging/stg_orders.sql']!.replace('    status,\n', '') };
    const r = await review(head);
    const stg = r.models.find((m) => m.name === 'stg_orders')!;
    expect(stg.impact).toBe('column');
    expect(stg.breaking).toBe(true);
    // located on the removed line, in the base revision
    expect(stg.changes).toContainEqual(expect.objectContaining({ kind: 'column_removed', column: 'status', path: 'models/staging/stg_orders.sql', line: 7, side: 'base' }));
    expect(stg.owner?.value).toBe('@data-platform');
    const fct = stg.downstream.find((d) => d.name === 'fct_orders')!;
    expect(fct.owner).toBe('@analytics');
    expect(fct.columnsUsed).toEqual(['status']);
    const revenue = stg.downstream.find((d) => d.name === 'customer_revenue')!;
    expect(revenue.columnsUsed).toEqual([]);
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'breaking-column-removed', severity: 'error', origin: 'semantic', line: 7, side: 'base' }));
    expect(r.conclusion).toBe('failure');
  });

  it('does not claim a dependant uses the removed column when its SQL can only be read tolerantly', async () => {
    // an undecodable byte (U+FFFD) stops every parser: the tolerant reading knows the relations, not which of their columns are read
    const withOdd: Record<string, string> = { ...BASE, 'models/marts/odd_orders.sql': "select order_id, amount, \ufffd as weird from {{ ref('stg_orders') }}\n" };
    const head = { ...withOdd, 'models/staging/stg_orders.sql': withOdd['models/staging/stg_orders.sql']!.replace('    status,\n', '') };
    const r = await review(head, withOdd);
    const stg = r.models.find((m) => m.name === 'stg_orders')!;
    expect(stg.downstream.find((d) => d.name === 'odd_orders')).toMatchObject({ columnsUsed: [], columnsUnknown: true });
    // a parsed dependant that does not read it is not marked unknown
    expect(stg.downstream.find((d) => d.name === 'customer_revenue')).not.toHaveProperty('columnsUnknown');
    expect(stg.downstream.find((d) => d.name === 'fct_orders')).toMatchObject({ columnsUsed: ['status'] });
  });

  it('follows a removed column through a select * dependant to the readers that use it (they fail; the dependant still builds)', async () => {
    const withPassing: Record<string, string> = {
      ...BASE,
      'models/marts/int_orders.sql': "select * from {{ ref('stg_orders') }}\n",
      'models/marts/rpt_status.sql': "select order_id, status from {{ ref('int_orders') }}\n",
      'models/marts/rpt_ids.sql': "select order_id from {{ ref('int_orders') }}\n",
    };
    const head = { ...withPassing, 'models/staging/stg_orders.sql': withPassing['models/staging/stg_orders.sql']!.replace('    status,\n', '') };
    const r = await review(head, withPassing);
    const stg = r.models.find((m) => m.name === 'stg_orders')!;
    expect(stg.downstream.find((d) => d.name === 'int_orders')).toMatchObject({ columnsUsed: ['status'] });
    expect(stg.downstream.find((d) => d.name === 'rpt_status')).toMatchObject({ columnsUsed: ['status'], via: 'int_orders', passedThrough: true, owner: '@analytics' });
    expect(stg.downstream.some((d) => d.name === 'rpt_ids')).toBe(false);
    expect(renderSummaryMarkdown(r)).toContain('`rpt_status` (through `int_orders`, which selects them on), uses `status` — owner @analytics');
  });

  it('a reader whose ref follows a model the change renames reads the same rows: no source change of its own', async () => {
    const { 'models/staging/stg_orders.sql': orders, ...rest } = BASE;
    const head = {
      ...rest,
      'models/staging/stg_sales.sql': orders!,
      'models/staging/_staging.yml': BASE['models/staging/_staging.yml']!.replace('- name: stg_orders', '- name: stg_sales'),
      'models/marts/fct_orders.sql': BASE['models/marts/fct_orders.sql']!.replace("ref('stg_orders')", "ref('stg_sales')"),
      'models/marts/customer_revenue.sql': BASE['models/marts/customer_revenue.sql']!.replace("ref('stg_orders')", "ref('stg_sales')"),
    };
    const changedFiles: ChangedFile[] = [
      { path: 'models/staging/stg_sales.sql', previousPath: 'models/staging/stg_orders.sql', status: 'renamed' },
      ...['models/staging/_staging.yml', 'models/marts/fct_orders.sql', 'models/marts/customer_revenue.sql'].map((path) => ({ path, status: 'modified' as const })),
    ];
    const r = await runReview(
      { base: 'base', head: 'head', config: defaultConfig(), changedFiles },
      { base: memorySnapshot(BASE), head: memorySnapshot(head), renderer, llmAbsentReason: { status: 'disabled', detail: 'test' } },
    );
    expect(r.models.find((m) => m.name === 'stg_sales')).toMatchObject({ status: 'renamed', breaking: true });
    for (const name of ['fct_orders', 'customer_revenue']) expect(r.models.find((m) => m.name === name), name).toMatchObject({ impact: 'none', breaking: false });
    expect(r.findings.filter((f) => f.rule === 'breaking-source-changed')).toEqual([]);
  });

  it('follows readers through an ephemeral dependant (it is inlined into them), and names it', async () => {
    const withEphemeral: Record<string, string> = {
      ...BASE,
      'models/marts/int_enriched.sql': "{{ config(materialized='ephemeral') }}\nselect order_id, status from {{ ref('stg_orders') }}\n",
      'models/marts/fct_enriched.sql': "select order_id, status from {{ ref('int_enriched') }}\n",
    };
    const head = { ...withEphemeral, 'models/staging/stg_orders.sql': withEphemeral['models/staging/stg_orders.sql']!.replace('    status,\n', '') };
    const r = await review(head, withEphemeral);
    const stg = r.models.find((m) => m.name === 'stg_orders')!;
    expect(stg.downstream.find((d) => d.name === 'fct_enriched')).toMatchObject({ via: 'int_enriched', owner: '@analytics' });
    expect(stg.downstream.filter((d) => d.name === 'fct_enriched')).toHaveLength(1);
  });

  it('reads a dependant\'s own property file for its owner, and lists only direct dependants', async () => {
    // stg_orders -> fct_orders (owner in its own YAML) -> orders_daily (further downstream, not a user of stg_orders)
    const withChain: Record<string, string> = {
      ...BASE,
      'models/marts/orders_daily.sql': "select status, count(*) as orders from {{ ref('fct_orders') }} group by status\n",
      'models/marts/_orders_daily.yml': 'version: 2\nmodels:\n  - name: orders_daily\n    config:\n      meta: {owner: "@ops"}\n',
      'models/marts/_marts.yml': BASE['models/marts/_marts.yml']!.replace('    description: Orders.\n', '    description: Orders.\n    config:\n      meta: {owner: "@finance"}\n'),
    };
    const head = { ...withChain, 'models/staging/stg_orders.sql': withChain['models/staging/stg_orders.sql']!.replace('    status,\n', '') };
    const r = await review(head, withChain);
    const stg = r.models.find((m) => m.name === 'stg_orders')!;
    expect(stg.downstream.map((d) => `${d.type} ${d.name} ${d.owner}`).sort()).toEqual(['model customer_revenue @analytics', 'model fct_orders @finance']);
    expect(stg.downstream.find((d) => d.name === 'fct_orders')).toMatchObject({ owner: '@finance', columnsUsed: ['status'] });
    expect(stg.downstream.some((d) => d.name === 'orders_daily')).toBe(false);
  });

  it.each([
    ['named <name>_v<N>', 'dim_customers_v1', 'dim_customers_v2', ''],
    ['named by defined_in', 'dim_customers_legacy', 'dim_customers_current', 'defined_in'],
  ])('lists the dependants of a changed version whose file is %s (they ref the model by its name)', async (_layout, v1, v2, definedIn) => {
    const definedAt = (file: string) => (definedIn ? `        defined_in: ${file}\n` : '');
    const versioned: Record<string, string> = {
      ...BASE,
      [`models/marts/${v1}.sql`]: "select customer_id, status from {{ ref('stg_orders') }}\n",
      [`models/marts/${v2}.sql`]: "select customer_id, status, amount from {{ ref('stg_orders') }}\n",
      'models/marts/_dim_customers.yml': `version: 2\nmodels:\n  - name: dim_customers\n    latest_version: 2\n    versions:\n      - v: 1\n${definedAt(v1)}      - v: 2\n${definedAt(v2)}`,
      'models/marts/customer_status.sql': "select status, count(*) as customers from {{ ref('dim_customers') }} group by status\n",
      'models/marts/_customer_status.yml': 'version: 2\nmodels:\n  - name: customer_status\n    config:\n      meta: {owner: "@crm"}\n',
    };
    const head = { ...versioned, [`models/marts/${v2}.sql`]: "select customer_id, amount from {{ ref('stg_orders') }}\n" };
    const r = await review(head, versioned);
    const dim = r.models.find((m) => m.path === `models/marts/${v2}.sql`)!;
    expect(dim.changes).toContainEqual(expect.objectContaining({ kind: 'column_removed', column: 'status' }));
    expect(dim.downstream).toContainEqual(expect.objectContaining({ name: 'customer_status', owner: '@crm', columnsUsed: ['status'] }));
  });

  it('lists as users of a changed version only the models that read it: pinned to it, or unpinned when it is the latest', async () => {
    const versioned: Record<string, string> = {
      ...BASE,
      'models/marts/dim_customers_v1.sql': "select customer_id, status from {{ ref('stg_orders') }}\n",
      'models/marts/dim_customers_v2.sql': "select customer_id, status, amount from {{ ref('stg_orders') }}\n",
      'models/marts/_dim_customers.yml': 'version: 2\nmodels:\n  - name: dim_customers\n    latest_version: 2\n    versions:\n      - v: 1\n      - v: 2\n',
      'models/marts/latest_status.sql': "select status, count(*) as n from {{ ref('dim_customers') }} group by status\n",
      'models/marts/v1_status.sql': "select status, count(*) as n from {{ ref('dim_customers', v=1) }} group by status\n",
      'models/marts/v2_status.sql': "select status, count(*) as n from {{ ref('dim_customers', version=2) }} group by status\n",
      'models/marts/_exposures.yml':
        "version: 2\nexposures:\n  - name: old_report\n    type: dashboard\n    owner: {name: BI}\n    depends_on: [\"ref('dim_customers', v=1)\"]\n  - name: new_report\n    type: dashboard\n    owner: {name: BI}\n    depends_on: [\"ref('dim_customers')\"]\n",
    };
    const usersOf = async (file: string): Promise<string[]> => {
      const head = { ...versioned, [file]: versioned[file]!.replace('customer_id, status', 'customer_id') };
      const r = await review(head, versioned);
      return r.models.find((m) => m.path === file)!.downstream.map((d) => d.name).sort();
    };
    expect(await usersOf('models/marts/dim_customers_v2.sql')).toEqual(['latest_status', 'new_report', 'v2_status']);
    expect(await usersOf('models/marts/dim_customers_v1.sql')).toEqual(['old_report', 'v1_status']);
  });

  it('compares the previous and the new latest version when latest_version moves: unpinned refs read the new one', async () => {
    const yml = (latest: number) => `version: 2\nmodels:\n  - name: dim_customers\n    latest_version: ${latest}\n    versions:\n      - v: 1\n      - v: 2\n`;
    const versioned: Record<string, string> = {
      ...BASE,
      'models/marts/dim_customers_v1.sql': "select customer_id,\n  status\nfrom {{ ref('stg_orders') }}\n",
      'models/marts/dim_customers_v2.sql': "select customer_id from {{ ref('stg_orders') }}\n",
      'models/marts/_dim_customers.yml': yml(1),
      'models/marts/status_report.sql': "select status, count(*) as n from {{ ref('dim_customers') }} group by status\n",
      'models/marts/pinned_report.sql': "select status from {{ ref('dim_customers', v=1) }}\n",
    };
    const r = await review({ ...versioned, 'models/marts/_dim_customers.yml': yml(2) }, versioned);
    expect(r.models.map((m) => [m.name, m.version, m.path])).toEqual([['dim_customers', '2', 'models/marts/dim_customers_v2.sql']]);
    const [v2] = r.models;
    expect(v2!.changes).toEqual([
      expect.objectContaining({ kind: 'latest_version_changed', path: 'models/marts/_dim_customers.yml', line: 4, breaking: false }),
      expect.objectContaining({ kind: 'column_removed', column: 'status', breaking: true, path: 'models/marts/_dim_customers.yml', line: 4, detail: expect.stringContaining("for unpinned `ref('dim_customers')` (v1 → v2)") }),
    ]);
    expect(v2!.downstream).toEqual([expect.objectContaining({ name: 'status_report', columnsUsed: ['status'] })]);
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'breaking-column-removed', severity: 'error' }));
  });

  it('judges a changed incremental window by how rows are written: merged on unique_key or appended', async () => {
    const model = (config: string, window: string) =>
      `{{ config(materialized='incremental'${config}) }}\nselect order_id, customer_id, status, amount, ordered_at\nfrom {{ ref('stg_orders') }}\n{% if is_incremental() %}\nwhere ${window}\n{% endif %}\n`;
    const since = 'ordered_at > (select max(ordered_at) from {{ this }})';
    const wider = "ordered_at > (select dateadd(day, -3, max(ordered_at)) from {{ this }})";
    for (const [config, breaking] of [[", unique_key='order_id'", false], ['', true], [", unique_key='order_id', incremental_strategy='append'", true]] as const) {
      const base = { ...BASE, 'models/marts/fct_orders.sql': model(config, since) };
      const r = await review({ ...base, 'models/marts/fct_orders.sql': model(config, wider) }, base);
      const change = r.models.find((m) => m.name === 'fct_orders')!.changes.find((c) => c.kind === 'filter_changed');
      expect(change).toMatchObject({ breaking, impact: 'model_wide', line: 5, detail: expect.stringContaining('is_incremental()') });
      expect(r.findings.some((f) => f.rule === 'breaking-filter-changed')).toBe(breaking);
    }
    // a condition beside the window decides which rows load at all: breaking, merged or not
    const keyed = ", unique_key='order_id'";
    const base = { ...BASE, 'models/marts/fct_orders.sql': model(keyed, since) };
    const r = await review({ ...base, 'models/marts/fct_orders.sql': model(keyed, `${since} and amount > 0`) }, base);
    expect(r.models.find((m) => m.name === 'fct_orders')!.changes).toContainEqual(expect.objectContaining({ kind: 'filter_changed', breaking: true }));
  });

  it("says that a row filter changed on an incremental model reaches the rows it already loaded only with a full refresh", async () => {
    const model = (filter: string) => `{{ config(materialized='incremental', unique_key='order_id') }}\nselect order_id, status, amount\nfrom {{ ref('stg_orders') }}\nwhere ${filter}\n`;
    const base = { ...BASE, 'models/marts/fct_orders.sql': model("status != 'test'") };
    const r = await review({ ...base, 'models/marts/fct_orders.sql': model("status not in ('test', 'demo')") }, base);
    const change = r.models.find((m) => m.name === 'fct_orders')!.changes.find((c) => c.kind === 'filter_changed');
    expect(change).toMatchObject({ breaking: true, detail: expect.stringMatching(/ \(an incremental model: the rows it already loaded change only with `--full-refresh`\)$/) });
  });

  it('expands `*` over a model whose YAML documents only some columns with the columns of its SQL', async () => {
    // stg_orders documents order_id only; its SQL selects five columns
    const head = { ...BASE, 'models/marts/fct_orders.sql': "select *\nfrom {{ ref('stg_orders') }}\nwhere status != 'test'\n" };
    const r = await review(head);
    const fct = r.models.find((m) => m.name === 'fct_orders')!;
    expect(fct.changes.map((c) => `${c.kind}:${c.column ?? ''}`)).toEqual(['column_added:ordered_at']);
    expect(r.findings.filter((f) => f.rule === 'breaking-column-removed')).toEqual([]);
  });

  it('reviews the models (and macros) that read a project var whose value dbt_project.yml changed', async () => {
    const withVars: Record<string, string> = {
      ...BASE,
      'dbt_project.yml': `${PROJECT}vars:\n  min_amount: 0\n  currency: USD\n`,
      'macros/amount.sql': "{% macro min_amount() %}{{ var('min_amount') }}{% endmacro %}\n",
      'models/marts/fct_orders.sql': "select order_id, customer_id, status, amount\nfrom {{ ref('stg_orders') }}\nwhere amount >= {{ min_amount() }}\n",
      'models/marts/customer_revenue.sql': "select customer_id, sum(amount) as revenue, '{{ var(\"currency\") }}' as currency\nfrom {{ ref('stg_orders') }}\ngroup by customer_id\n",
    };
    const r = await review({ ...withVars, 'dbt_project.yml': withVars['dbt_project.yml']!.replace('min_amount: 0', 'min_amount: 500') }, withVars);
    expect(r.models.map((m) => m.name)).toEqual(['fct_orders']);
    expect(r.models[0]!.changes).toEqual([expect.objectContaining({ kind: 'filter_changed', breaking: true, detail: expect.stringMatching(/ \(through the change of var `min_amount` \(dbt_project\.yml\)\)$/) })]);
    const currency = await review({ ...withVars, 'dbt_project.yml': withVars['dbt_project.yml']!.replace('currency: USD', 'currency: EUR') }, withVars);
    expect(currency.models.map((m) => [m.name, m.changes.map((c) => c.kind)])).toEqual([['customer_revenue', ['column_expression_changed']]]);
    // a var scoped to the project (`vars: {shop: {...}}`)
    const scoped = { ...withVars, 'dbt_project.yml': `${PROJECT}vars:\n  shop:\n    min_amount: 0\n    currency: USD\n` };
    const scopedChange = await review({ ...scoped, 'dbt_project.yml': scoped['dbt_project.yml']!.replace('currency: USD', 'currency: EUR') }, scoped);
    expect(scopedChange.models.map((m) => m.name)).toEqual(['customer_revenue']);
  });

  it('reviews the models that read a source whose identifier or schema the change moved', async () => {
    const sources = BASE['models/staging/_sources.yml']!;
    const moved = sources.replace('      - name: orders\n', '      - name: orders\n        identifier: orders_v2\n');
    const r = await review({ ...BASE, 'models/staging/_sources.yml': moved });
    expect(r.models.map((m) => m.name)).toEqual(['stg_orders']);
    expect(r.models[0]!.changes).toEqual([
      expect.objectContaining({ kind: 'source_changed', breaking: true, path: 'models/staging/_sources.yml', line: 6, detail: expect.stringContaining("`source('raw', 'orders')` now reads `(target database).raw.orders_v2` instead of `(target database).raw.orders`") }),
    ]);
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'breaking-source-changed', path: 'models/staging/_sources.yml', line: 6 }));
    const schema = await review({ ...BASE, 'models/staging/_sources.yml': sources.replace('  - name: raw\n', '  - name: raw\n    schema: raw_v2\n') });
    expect(schema.models[0]!.changes).toEqual([expect.objectContaining({ kind: 'source_changed', line: 4, detail: expect.stringContaining('`(target database).raw_v2.orders`') })]);
    // a change of case names the same (unquoted) relation
    const upper = { ...BASE, 'models/staging/_sources.yml': sources.replace('  - name: raw\n', '  - name: raw\n    schema: RAW\n') };
    expect((await review({ ...BASE, 'models/staging/_sources.yml': sources.replace('  - name: raw\n', '  - name: raw\n    schema: raw\n') }, upper)).models).toEqual([]);
    // documenting a column moves nothing
    expect((await review({ ...BASE, 'models/staging/_sources.yml': sources.replace('{name: status}', '{name: status, description: Order status}') })).models).toEqual([]);
  });

  it('does not analyse a changed model whose file the edge did not read, and says why', async () => {
    // its owner is set in its SQL, which the head did not read
    const project = PROJECT.replace('      +meta:\n        owner: "@analytics"\n', '').replace('    +meta:\n      owner: "@data-platform"\n', '');
    const base = { ...BASE, 'dbt_project.yml': project, 'models/marts/fct_orders.sql': `{{ config(meta={'owner': '@sales'}) }}\n${BASE['models/marts/fct_orders.sql']}` };
    const head = { ...base, 'models/marts/fct_orders.sql': '' };
    const r = await runReview(
      { base: 'base', head: 'head', config: defaultConfig(), changedFiles: diff(base, head), unread: [{ path: 'models/marts/fct_orders.sql', reason: 'binary file; not read' }] },
      { base: memorySnapshot(base), head: memorySnapshot(head), renderer, llmAbsentReason: { status: 'disabled', detail: 'test' } },
    );
    const fct = r.models.find((m) => m.name === 'fct_orders')!;
    expect(fct).toMatchObject({ impact: 'unknown', unknownReason: 'its file was not read: binary file; not read' });
    expect(r.skipped).toContainEqual({ path: 'models/marts/fct_orders.sql', reason: 'its file was not read: binary file; not read' });
    // nothing is judged on a file the review could not read (its text looks empty)
    expect(fct.changes.map((c) => c.kind)).toEqual(['unknown']);
    expect(r.findings.filter((f) => f.model === 'fct_orders')).toEqual([]);
    expect(r.conclusion).toBe('neutral');
  });

  it('reports the versions entry a deleted version file leaves behind, and locates a removed latest_version at the entry', async () => {
    const yml = (latest: string) => `version: 2\nmodels:\n  - name: dim_customers\n${latest}    versions:\n      - v: 1\n      - v: 2\n`;
    const versioned: Record<string, string> = {
      ...BASE,
      'models/marts/dim_customers_v1.sql': "select customer_id, status from {{ ref('stg_orders') }}\n",
      'models/marts/dim_customers_v2.sql': "select customer_id from {{ ref('stg_orders') }}\n",
      'models/marts/_dim_customers.yml': yml('    latest_version: 1\n'),
    };
    const head = { ...versioned };
    delete head['models/marts/dim_customers_v2.sql'];
    const r = await review(head, versioned);
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'properties-orphan', path: 'models/marts/_dim_customers.yml', model: 'dim_customers_v2' }));
    // without latest_version the highest version is the latest: v2 now, located at the model's entry
    const unset = await review({ ...versioned, 'models/marts/_dim_customers.yml': yml('') }, versioned);
    expect(unset.models.find((m) => m.version === '2')!.changes[0]).toMatchObject({ kind: 'latest_version_changed', path: 'models/marts/_dim_customers.yml', line: 3 });
  });

  it('reads a property file the change renamed and broke as it was before the rename', async () => {
    const head: Record<string, string> = { ...BASE, 'models/marts/_props.yml': BASE['models/marts/_marts.yml']!.replace('description: Orders.', 'description: [Orders') };
    delete head['models/marts/_marts.yml'];
    const r = await runReview(
      { base: 'base', head: 'head', config: defaultConfig(), changedFiles: [{ path: 'models/marts/_props.yml', previousPath: 'models/marts/_marts.yml', status: 'renamed' }] },
      { base: memorySnapshot(BASE), head: memorySnapshot(head), renderer, llmAbsentReason: { status: 'disabled', detail: 'test' } },
    );
    expect(r.findings.map((f) => f.rule)).toEqual(['yaml-invalid']);
  });

  it('reports tests left on a column the SQL no longer outputs, and tests added on a column it never had', async () => {
    const renamed = await review({ ...BASE, 'models/staging/stg_orders.sql': BASE['models/staging/stg_orders.sql']!.replace('id as order_id', 'id as order_key') });
    expect(renamed.findings).toContainEqual(
      expect.objectContaining({ rule: 'tested-column-missing', severity: 'error', column: 'order_id', path: 'models/staging/_staging.yml', line: 6, message: expect.stringContaining('`unique`, `not_null`') }),
    );
    const added = await review({ ...BASE, 'models/marts/_marts.yml': BASE['models/marts/_marts.yml']!.replace('      - name: order_id\n', '      - name: refund_reason\n        data_tests: [not_null]\n      - name: order_id\n') });
    expect(added.findings.filter((f) => f.rule === 'tested-column-missing').map((f) => f.column)).toEqual(['refund_reason']);
    // not judged: a column named with other case and quote: true, a struct field, columns made by an unknown var
    const sql = "select\n  id as OrderId,\n  info,\n  {% for m in var('methods') %}amount_{{ m }},{% endfor %}\n  1 as n\nfrom {{ ref('stg_orders') }}\n";
    const yml = 'version: 2\nmodels:\n  - name: fct_wide\n    columns:\n      - name: OrderId\n        quote: true\n        data_tests: [unique]\n      - name: info.customer_id\n        data_tests: [not_null]\n      - name: amount_card\n        data_tests: [not_null]\n';
    const unknown = await review({ ...BASE, 'models/marts/fct_wide.sql': sql, 'models/marts/_wide.yml': yml });
    expect(unknown.findings.filter((f) => f.rule === 'tested-column-missing')).toEqual([]);
    const known = await review({ ...BASE, 'models/marts/fct_wide.sql': sql.replace(/\{% for[^\n]*\n/, ''), 'models/marts/_wide.yml': yml });
    expect(known.findings.filter((f) => f.rule === 'tested-column-missing').map((f) => f.column)).toEqual(['amount_card']);
    // a column the SQL outputs: nothing
    expect((await review({ ...BASE, 'models/marts/_marts.yml': BASE['models/marts/_marts.yml']!.replace('description: Orders.', 'description: All orders.') })).findings.filter((f) => f.rule === 'tested-column-missing')).toEqual([]);
  });

  it('recognises a formatting-only change', async () => {
    const head = {
      ...BASE,
      'models/marts/fct_orders.sql': `SELECT order_id, customer_id, status, amount\nFROM {{ ref('stg_orders') }}\n-- test orders are excluded\nWHERE status != 'test'\n`,
    };
    const r = await review(head);
    const fct = r.models.find((m) => m.name === 'fct_orders')!;
    expect(fct.impact).toBe('none');
    expect(fct.changes.map((c) => c.kind)).toEqual(['formatting_only']);
    expect(r.conclusion).toBe('success');
  });

  it('marks a model changed when only its YAML entry changed, not its neighbours in the same file', async () => {
    const head = {
      ...BASE,
      'models/marts/_marts.yml': BASE['models/marts/_marts.yml']!.replace('description: Orders.', 'description: One row per order.'),
    };
    const r = await review(head);
    expect(r.models.map((m) => m.name)).toEqual(['fct_orders']);
    expect(r.models[0]!.changes.map((c) => c.kind)).toContain('description_changed');
    expect(r.models[0]!.impact).toBe('none');
  });

  it('marks models changed when the config they inherit from dbt_project.yml changed', async () => {
    const head = { ...BASE, 'dbt_project.yml': PROJECT.replace('+materialized: table', '+materialized: ephemeral') };
    const r = await review(head);
    expect(r.models.map((m) => m.name).sort()).toEqual(['customer_revenue', 'fct_orders']);
    for (const m of r.models) {
      expect(m.breaking).toBe(true);
      expect(m.changes).toContainEqual(expect.objectContaining({ kind: 'materialization_changed', path: 'dbt_project.yml' }));
    }
  });

  it('does not compare the models of a project whose dbt_project.yml the change broke: it reports the file and says why', async () => {
    for (const broken of [PROJECT.replace('owner: "@analytics"', '{owner: "@analytics"'), PROJECT.replace('name: shop\n', '')]) {
      const r = await review({ ...BASE, 'dbt_project.yml': broken });
      expect(r.models).toEqual([]);
      expect(r.findings.map((f) => [f.rule, f.path])).toEqual([[broken.includes('name:') ? 'yaml-invalid' : 'dbt-project-invalid', 'dbt_project.yml']]);
      expect(r.skipped).toContainEqual({ path: 'dbt_project.yml', reason: expect.stringContaining('the models of this project are not compared until it is fixed') });
      expect(r.conclusion).toBe('failure');
    }
  });

  it('a change to a project whose dbt_project.yml was already unreadable is not a pass: the review is incomplete', async () => {
    const brokenBase = { ...BASE, 'dbt_project.yml': PROJECT.replace('name: shop\n', '') };
    const sqlPath = Object.keys(BASE).find((p) => p.endsWith('fct_orders.sql'))!;
    const r = await review({ ...brokenBase, [sqlPath]: `${BASE[sqlPath]!}\n-- touched\n` }, brokenBase);
    expect(r.models).toEqual([]);
    expect(r.findings).toEqual([]); // the file's problem predates the change
    expect(r.skipped).toContainEqual({ path: 'dbt_project.yml', reason: expect.stringContaining('the models of this project are not compared until it is fixed') });
    expect(r.conclusion).toBe('neutral');
    // A change outside the project's folder is not held back by it.
    const outside = await review({ ...brokenBase, 'README.md': 'hello' }, brokenBase);
    expect(outside.conclusion).toBe('success');
  });

  it('pairs the models of a renamed project by file: their config under the old name no longer applies', async () => {
    const head = { ...BASE, 'dbt_project.yml': PROJECT.replace('name: shop', 'name: shop_v2') };
    const r = await review(head);
    expect(new Set(r.models.map((m) => m.status))).toEqual(new Set(['modified']));
    expect(r.models.find((m) => m.name === 'fct_orders')!.changes).toContainEqual(expect.objectContaining({ kind: 'materialization_changed', detail: 'materialized: table -> view' }));
  });

  it('reports a second property entry that a new file adds for a described model, in whichever order the files sort', async () => {
    const entry = 'version: 2\nmodels:\n  - name: stg_orders\n    description: Orders, again.\n';
    for (const path of ['models/staging/_docs.yml', 'models/staging/_zdocs.yml']) {
      const r = await review({ ...BASE, [path]: entry });
      expect(r.findings).toContainEqual(
        expect.objectContaining({ rule: 'properties-duplicate', severity: 'error', path, line: 3, message: expect.stringContaining('models/staging/_staging.yml:3') }),
      );
      expect(r.conclusion).toBe('failure');
    }
  });

  it('reports the property entry a removed model file leaves behind, and not the orphans that were there before', async () => {
    const withOldOrphan: Record<string, string> = { ...BASE, 'models/marts/_old.yml': 'version: 2\nmodels:\n  - name: long_gone\n' };
    const head = { ...withOldOrphan };
    delete head['models/marts/customer_revenue.sql'];
    const r = await review(head, withOldOrphan);
    const orphans = r.findings.filter((f) => f.rule === 'properties-orphan');
    expect(orphans).toEqual([expect.objectContaining({ path: 'models/marts/_marts.yml', line: 8, model: 'customer_revenue' })]);
  });

  it('reviews a model whose dbt_project.yml settings changed in ways the rules do not judge, and a change of group owner', async () => {
    const hooked = await review({ ...BASE, 'dbt_project.yml': PROJECT.replace('      +materialized: table\n', '      +materialized: table\n      +post-hook: "grant select on {{ this }} to role bi"\n') });
    expect(hooked.models.map((m) => m.name).sort()).toEqual(['customer_revenue', 'fct_orders']);
    const groups = 'version: 2\ngroups:\n  - name: finance\n    owner: {name: Finance}\n  - name: ops\n    owner: {name: Ops}\n';
    const inGroup = (group: string) => BASE['models/marts/_marts.yml']!.replace('    description: Orders.\n', `    description: Orders.\n    config: {group: ${group}}\n`);
    const project = PROJECT.replace('      +meta:\n        owner: "@analytics"\n', '').replace('    +meta:\n      owner: "@data-platform"\n', '');
    const base = { ...BASE, 'dbt_project.yml': project, 'models/_groups.yml': groups, 'models/marts/_marts.yml': inGroup('finance') };
    const moved = await review({ ...base, 'models/marts/_marts.yml': inGroup('ops') }, base);
    expect(moved.models.find((m) => m.name === 'fct_orders')!.changes).toContainEqual(expect.objectContaining({ kind: 'owner_changed', detail: 'owner: Finance -> Ops' }));
  });

  it('leaves models alone when dbt_project.yml only makes a default explicit', async () => {
    const r = await review({ ...BASE, 'dbt_project.yml': PROJECT.replace('      +materialized: table\n', '      +materialized: table\n      +enabled: true\n') });
    expect(r.models).toEqual([]);
    expect(r.conclusion).toBe('success');
  });

  it('reports an owner change made in dbt_project.yml under the configured owner key', async () => {
    const project = PROJECT.replace('owner: "@analytics"', 'team: "@analytics"');
    const config = defaultConfig();
    config.ownerKey = 'team';
    const r = await review({ ...BASE, 'dbt_project.yml': project.replace('team: "@analytics"', 'team: "@finance"') }, { ...BASE, 'dbt_project.yml': project }, config);
    expect(r.models.map((m) => m.name).sort()).toEqual(['customer_revenue', 'fct_orders']);
    expect(r.models[0]!.changes).toEqual([expect.objectContaining({ kind: 'owner_changed', detail: 'owner: @analytics -> @finance', path: 'dbt_project.yml' })]);
  });

  it('points models left outside a changed model-paths at that setting', async () => {
    const r = await review({ ...BASE, 'dbt_project.yml': PROJECT.replace('profile: shop\n', 'profile: shop\nmodel-paths: ["src"]\n') });
    expect(r.models.map((m) => m.status)).toEqual(['removed', 'removed', 'removed']);
    for (const m of r.models) {
      expect(m.changes).toEqual([expect.objectContaining({ kind: 'model_removed', path: 'dbt_project.yml', line: 4, detail: `${m.name} is no longer a model: \`${m.path}\` is outside \`model-paths\` (src)` })]);
    }
  });

  it('lists the readers of a renamed model that still ref its old name', async () => {
    const head: Record<string, string> = { ...BASE, 'models/marts/fct_customer_revenue.sql': BASE['models/marts/customer_revenue.sql']! };
    delete head['models/marts/customer_revenue.sql'];
    const withReader: Record<string, string> = { ...BASE, 'models/marts/revenue_report.sql': "select * from {{ ref('customer_revenue') }}\n" };
    const r = await runReview(
      { base: 'base', head: 'head', config: defaultConfig(), changedFiles: [{ path: 'models/marts/fct_customer_revenue.sql', previousPath: 'models/marts/customer_revenue.sql', status: 'renamed' }] },
      { base: memorySnapshot(withReader), head: memorySnapshot({ ...head, 'models/marts/revenue_report.sql': withReader['models/marts/revenue_report.sql']! }), renderer, llmAbsentReason: { status: 'disabled', detail: 'test' } },
    );
    const renamed = r.models.find((m) => m.status === 'renamed')!;
    expect(renamed.name).toBe('fct_customer_revenue');
    expect(renamed.downstream.map((d) => d.name)).toEqual(['revenue_report']);
  });

  it('lets a deprecated model that nothing reads be removed: the deprecation is completed, not a breaking change', async () => {
    const legacy: Record<string, string> = {
      ...BASE,
      'models/marts/legacy_export.sql': "select order_id from {{ ref('stg_orders') }}\n",
      'models/marts/_legacy.yml': 'version: 2\nmodels:\n  - name: legacy_export\n    deprecation_date: 2024-01-01\n',
    };
    const head = { ...legacy };
    delete head['models/marts/legacy_export.sql'];
    delete head['models/marts/_legacy.yml'];
    const r = await review(head, legacy);
    const removed = r.models.find((m) => m.name === 'legacy_export')!;
    expect(removed).toMatchObject({ status: 'removed', breaking: false });
    expect(removed.changes[0]!.detail).toContain('its deprecation was announced (deprecation_date: 2024-01-01) and nothing in the project reads it');
    expect(r.findings.filter((f) => f.rule === 'breaking-model-removed')).toEqual([]);
    // still read: breaking
    const read: Record<string, string> = { ...legacy, 'models/marts/legacy_report.sql': "select * from {{ ref('legacy_export') }}\n" };
    const stillRead = { ...read };
    delete stillRead['models/marts/legacy_export.sql'];
    expect((await review(stillRead, read)).models.find((m) => m.name === 'legacy_export')!.breaking).toBe(true);
  });

  it('reports a removed model as breaking with the models that still ref it', async () => {
    const head = { ...BASE };
    delete head['models/marts/customer_revenue.sql'];
    const r = await review(head);
    const removed = r.models.find((m) => m.name === 'customer_revenue')!;
    expect(removed.status).toBe('removed');
    expect(removed.impact).toBe('model_wide');
    expect(removed.breaking).toBe(true);
  });

  it('leaves a model alone when a disabled copy of it is added under the same name, wherever it sorts', async () => {
    for (const folder of ['models/staging/next', 'models/staging/a_next']) {
      const r = await review({ ...BASE, [`${folder}/stg_orders.sql`]: `{{ config(enabled=false) }}\n${BASE['models/staging/stg_orders.sql']}` });
      expect(r.models).toEqual([]);
      expect(r.findings).toEqual([]);
    }
  });

  it('treats a disabled model as removed', async () => {
    const head = { ...BASE, 'models/marts/customer_revenue.sql': `{{ config(enabled=false) }}\n${BASE['models/marts/customer_revenue.sql']}` };
    const r = await review(head);
    const m = r.models.find((x) => x.name === 'customer_revenue')!;
    expect(m.status).toBe('removed');
    expect(m.breaking).toBe(true);
  });

  it('points a model disabled in its property entry or in dbt_project.yml at the line that disabled it', async () => {
    const inYaml = { ...BASE, 'models/marts/_marts.yml': BASE['models/marts/_marts.yml']!.replace('    description: Revenue per customer.\n', '    description: Revenue per customer.\n    config:\n      enabled: false\n') };
    const inProject = { ...BASE, 'dbt_project.yml': `${PROJECT}      customer_revenue:\n        +enabled: false\n` };
    for (const [head, path, line] of [[inYaml, 'models/marts/_marts.yml', 11], [inProject, 'dbt_project.yml', 15]] as const) {
      const r = await review(head);
      expect(r.models.find((x) => x.name === 'customer_revenue')!.changes).toEqual([
        expect.objectContaining({ kind: 'model_removed', path, line, detail: expect.stringContaining('now disabled') }),
      ]);
      expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'breaking-model-removed', path, line }));
    }
  });

  it('tells an edit of a model\'s config() by its config changes, without a "Jinja-only change" beside them', async () => {
    const incremental = (config: string) => `{{ config(${config}) }}\n${BASE['models/marts/fct_orders.sql']}`;
    const base = { ...BASE, 'models/marts/fct_orders.sql': incremental("materialized='incremental', unique_key='order_id'") };
    const r = await review({ ...BASE, 'models/marts/fct_orders.sql': incremental("materialized='table'") }, base);
    const fct = r.models.find((m) => m.name === 'fct_orders')!;
    expect(fct.changes.map((c) => [c.kind, c.breaking])).toEqual([['materialization_changed', false]]);
    expect(r.findings.map((f) => f.rule)).not.toContain('breaking-unique-key-changed');
    // a config() call added on its own lines: the render differs by whitespace only
    const added = await review({ ...BASE, 'models/marts/fct_orders.sql': `{{ config(materialized='view') }}\n\n${BASE['models/marts/fct_orders.sql']}` });
    expect(added.models.find((m) => m.name === 'fct_orders')!.changes.map((c) => c.kind)).toEqual(['materialization_changed']);
  });

  it('reports the columns an incremental model gains or loses under on_schema_change ignore (the default): a full refresh is needed', async () => {
    const incremental = (config: string, columns: string) =>
      `{{ config(materialized='incremental', unique_key='order_id'${config}) }}\nselect ${columns}\nfrom {{ ref('stg_orders') }}\n{% if is_incremental() %}\nwhere ordered_at > (select max(ordered_at) from {{ this }})\n{% endif %}\n`;
    const base = { ...BASE, 'models/marts/fct_orders.sql': incremental('', 'order_id, customer_id, status, amount') };
    const r = await review({ ...BASE, 'models/marts/fct_orders.sql': incremental('', 'order_id, customer_id, status, amount, ordered_at') }, base);
    expect(r.findings.filter((f) => f.rule === 'incremental-schema-change')).toEqual([
      expect.objectContaining({ severity: 'warning', column: 'ordered_at', path: 'models/marts/fct_orders.sql', line: 2, message: expect.stringContaining('is not added to the existing table') }),
    ]);
    const removed = await review({ ...BASE, 'models/marts/fct_orders.sql': incremental('', 'order_id, customer_id, amount') }, base);
    expect(removed.findings.filter((f) => f.rule === 'incremental-schema-change')).toEqual([
      expect.objectContaining({ column: 'status', message: expect.stringContaining('the next incremental run fails') }),
    ]);
    // the columns follow the table: nothing to say
    const synced = await review({ ...BASE, 'models/marts/fct_orders.sql': incremental(", on_schema_change='sync_all_columns'", 'order_id, customer_id, amount') }, base);
    expect(synced.findings.map((f) => f.rule)).not.toContain('incremental-schema-change');
  });

  it('holds a model with an enforced contract to its columns: one the SQL adds, one the contract keeps, one without data_type', async () => {
    const contract = (columns: string) =>
      `version: 2\nmodels:\n  - name: fct_orders\n    description: Orders.\n    config:\n      contract: {enforced: true}\n    columns:\n${columns}`;
    const typed = '      - name: order_id\n        data_type: int\n      - name: customer_id\n        data_type: int\n      - name: status\n        data_type: varchar\n      - name: amount\n        data_type: number\n';
    const base = { ...BASE, 'models/marts/_marts.yml': contract(typed) };
    // in agreement: nothing
    const same = await review({ ...base, 'models/marts/fct_orders.sql': BASE['models/marts/fct_orders.sql']!.replace("!= 'test'", "not in ('test', 'demo')") }, base);
    expect(same.findings.map((f) => f.rule)).not.toContain('contract-columns-mismatch');
    // a column added to the SQL only, at its select line
    const added = await review({ ...base, 'models/marts/fct_orders.sql': BASE['models/marts/fct_orders.sql']!.replace('    amount\n', '    amount,\n    ordered_at\n') }, base);
    expect(added.findings.filter((f) => f.rule === 'contract-columns-mismatch')).toEqual([
      expect.objectContaining({ severity: 'error', column: 'ordered_at', path: 'models/marts/fct_orders.sql', line: 6, message: expect.stringContaining('not in its contract') }),
    ]);
    // a contract column without data_type, and one the SQL does not output
    const yaml = contract(typed.replace('        data_type: varchar\n', '') + '      - name: discount\n        data_type: number\n');
    const drifted = await review({ ...base, 'models/marts/_marts.yml': yaml }, base);
    expect(drifted.findings.filter((f) => f.rule === 'contract-columns-mismatch').map((f) => [f.column, f.path, f.line, f.message.split(':')[0]])).toEqual([
      ['status', 'models/marts/_marts.yml', 12, "Column `status` of `fct_orders` has no `data_type`, and the model's contract is enforced"],
      ['discount', 'models/marts/_marts.yml', 15, 'Column `discount` is in the contract of `fct_orders` but its SQL does not output it'],
    ]);
  });

  it('reports an added model as additive and runs the rules on it', async () => {
    const head = { ...BASE, 'models/marts/orders_summary.sql': `select status, count(*) as orders from {{ ref('fct_orders') }} group by status\n` };
    const config = defaultConfig();
    config.rules['owner-missing'] = 'error';
    const r = await review(head, BASE, config);
    const m = r.models.find((x) => x.name === 'orders_summary')!;
    expect(m.status).toBe('added');
    expect(m.impact).toBe('additive');
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'naming-layer-prefix', path: 'models/marts/orders_summary.sql' }));
  });

  it('honours ignore globs and says what it skipped', async () => {
    const config = defaultConfig();
    config.ignore = ['models/marts/**'];
    const head = { ...BASE, 'models/marts/fct_orders.sql': 'select 1 as order_id\n' };
    const r = await review(head, BASE, config);
    expect(r.models).toEqual([]);
    expect(r.skipped).toContainEqual({ path: 'models/marts/fct_orders.sql', reason: 'ignored by the `ignore` setting' });
  });

  it('marks a model whose Jinja cannot render as unknown, says why, and goes on', async () => {
    const head = {
      ...BASE,
      'models/marts/fct_orders.sql': `{{ exceptions.raise_compiler_error('boom') }}\nselect 1 as order_id\n`,
      'models/marts/customer_revenue.sql': BASE['models/marts/customer_revenue.sql']!.replace('sum(amount)', 'sum(amount) - 0'),
    };
    const r = await review(head);
    const broken = r.models.find((m) => m.name === 'fct_orders')!;
    expect(broken.impact).toBe('unknown');
    expect(broken.unknownReason).toMatch(/boom/);
    expect(r.skipped.map((s) => s.path)).toContain('models/marts/fct_orders.sql');
    expect(r.models.find((m) => m.name === 'customer_revenue')!.impact).not.toBe('unknown');
  });
});

describe('downstream in a repository with two dbt projects', () => {
  const project = (dir: string, name: string, owner: string, extra: Record<string, string> = {}): Record<string, string> => ({
    [`${dir}/dbt_project.yml`]: `name: ${name}\nversion: '1.0'\nprofile: ${name}\nmodels:\n  ${name}:\n    +meta:\n      owner: ${owner}\n`,
    [`${dir}/models/stg_orders.sql`]: 'select order_id, amount, status from raw_orders\n',
    [`${dir}/models/fct_orders.sql`]: "select order_id, amount from {{ ref('stg_orders') }}\n",
    ...extra,
  });
  const base = {
    ...project('analytics', 'analytics', 'analytics-team'),
    ...project('finance', 'finance', 'finance-team', { 'finance/models/fct_analytics_orders.sql': "select order_id, amount from {{ ref('analytics', 'stg_orders') }}\n" }),
  };

  it("lists each project's own readers of a changed model, and a reader that names the other project as a package", async () => {
    const head = { ...base, 'analytics/models/stg_orders.sql': 'select order_id, status from raw_orders\n' };
    const r = await review(head, base);
    const stg = r.models.find((m) => m.path === 'analytics/models/stg_orders.sql')!;
    expect(stg.breaking).toBe(true);
    expect(stg.downstream.map((d) => [d.path, d.owner])).toEqual([
      ['analytics/models/fct_orders.sql', 'analytics-team'],
      ['finance/models/fct_analytics_orders.sql', 'finance-team'],
    ]);
  });
});

describe('a YAML key set twice (dbt keeps the last value and warns)', () => {
  it('is a warning on the repeated key, and the rest of the change is still reviewed', async () => {
    const head = {
      ...BASE,
      'dbt_project.yml': `${BASE['dbt_project.yml']!}vars:\n  start: 1\nvars:\n  start: 2\n`,
      'models/staging/stg_orders.sql': BASE['models/staging/stg_orders.sql']!.replace('    status,\n', ''),
    };
    const r = await review(head);
    const line = head['dbt_project.yml']!.split('\n').lastIndexOf('vars:') + 1;
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'yaml-duplicate-key', severity: 'warning', path: 'dbt_project.yml', line }));
    expect(r.findings.some((f) => f.rule === 'yaml-invalid')).toBe(false);
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'breaking-column-removed', column: 'status' }));
  });
});

describe('a dbt project removed or moved', () => {
  it('removing dbt_project.yml removes every model of the project (dbt builds none of them): breaking, not a silent pass', async () => {
    const head = { ...BASE };
    delete head['dbt_project.yml'];
    const r = await review(head);
    expect(r.models.length).toBeGreaterThan(0);
    expect(r.models.every((m) => m.status === 'removed' && m.breaking)).toBe(true);
    const orders = r.models.find((m) => m.name === 'stg_orders')!;
    expect(orders.changes[0]!.detail).toBe('stg_orders is no longer built: the file of its dbt project, `dbt_project.yml`, was removed');
    expect(r.findings.filter((f) => f.rule === 'breaking-model-removed')).toHaveLength(r.models.length);
    expect(r.conclusion).toBe('failure');
  });

  it('moving the project to another folder pairs it with itself: only what changed is reported', async () => {
    const moved = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).map(([path, text]) => [`analytics/${path}`, text]));
    const head = moved({ ...BASE, 'models/staging/stg_orders.sql': BASE['models/staging/stg_orders.sql']!.replace('    status,\n', '') });
    const r = await review(head);
    // (every file moved: each model is paired with itself, not removed and added again)
    expect(r.models.filter((m) => m.status === 'added' || m.status === 'removed')).toEqual([]);
    expect(r.models.filter((m) => m.impact !== 'none').map((m) => m.name)).toEqual(['stg_orders']);
    expect(r.models.find((m) => m.name === 'stg_orders')!.changes.map((c) => c.kind)).toEqual(['column_removed']);
  });
});

describe('a new model that cannot be analysed', () => {
  it('is not a silent pass: it is listed as not analysed and the review is neutral, not success', async () => {
    const head = { ...BASE, 'models/marts/fct_payments.sql': "select order_id, {{ cents_to_dolars('amount') }} as amount from {{ ref('stg_orders') }}\n" };
    const r = await review(head);
    const added = r.models.find((m) => m.name === 'fct_payments')!;
    expect(added.status).toBe('added');
    expect(added.changes.map((c) => c.kind)).toEqual(['model_added', 'unknown']);
    expect(added.impact).toBe('unknown');
    expect(added.unknownReason).toMatch(/^new model not analysed: Jinja could not be rendered: .*cents_to_dolars/);
    expect(r.skipped).toContainEqual({ path: 'models/marts/fct_payments.sql', reason: added.unknownReason });
    expect(r.conclusion).toBe('neutral');
  });

  it('a new model that renders is additive and complete', async () => {
    const r = await review({ ...BASE, 'models/marts/fct_payments.sql': "select order_id, amount from {{ ref('stg_orders') }}\n" });
    const added = r.models.find((m) => m.name === 'fct_payments')!;
    expect(added).toMatchObject({ impact: 'additive' });
    expect(added.unknownReason).toBeUndefined();
    expect(r.skipped).toEqual([]);
  });
});

describe('runReview with a shape cache', () => {
  /** A cache that counts what it serves, and freezes what it keeps: a review that modified a shared shape throws. */
  class CountingCache implements ShapeCache {
    readonly entries = new Map<string, ModelShape>();
    hits = 0;
    misses = 0;
    get(key: string): ModelShape | undefined {
      const shape = this.entries.get(key);
      if (shape) this.hits += 1;
      else this.misses += 1;
      return shape;
    }
    set(key: string, shape: ModelShape): void {
      this.entries.set(key, deepFreeze(shape));
    }
  }

  function deepFreeze<T>(value: T): T {
    if (value && typeof value === 'object' && !Object.isFrozen(value)) {
      Object.freeze(value);
      for (const v of Object.values(value)) deepFreeze(v);
    }
    return value;
  }

  it('reviews the same change again without analysing any SQL, with the same result', async () => {
    const head = {
      ...BASE,
      'models/staging/stg_orders.sql': BASE['models/staging/stg_orders.sql']!.replace('    status,\n', ''),
      'models/marts/customer_revenue.sql': BASE['models/marts/customer_revenue.sql']!.replace('group by customer_id', 'where amount > 0\ngroup by customer_id'),
    };
    const uncached = await review(head);
    const cache = new CountingCache();
    const first = await review(head, BASE, defaultConfig(), cache);
    expect(first).toEqual(uncached);
    // base and head of both changed models, and the dependant fct_orders read for the columns it uses
    expect(cache.entries.size).toBeGreaterThanOrEqual(5);
    expect(cache.hits).toBe(0);

    const misses = cache.misses;
    const second = await review(head, BASE, defaultConfig(), cache);
    expect(second).toEqual(uncached);
    expect(cache.misses).toBe(misses);
    expect(cache.hits).toBe(misses);
  });

  it('analyses again what the change made different: the edited model only', async () => {
    const cache = new CountingCache();
    const head = { ...BASE, 'models/staging/stg_orders.sql': BASE['models/staging/stg_orders.sql']!.replace('    status,\n', '') };
    await review(head, BASE, defaultConfig(), cache);
    const stored = new Set(cache.entries.keys());
    // one more push: the filter of fct_orders changes too
    const pushed = { ...head, 'models/marts/fct_orders.sql': BASE['models/marts/fct_orders.sql']!.replace("!= 'test'", "not in ('test', 'demo')") };
    const r = await review(pushed, BASE, defaultConfig(), cache);
    expect(r).toEqual(await review(pushed));
    expect(r.models.find((m) => m.name === 'fct_orders')!.changes).toContainEqual(expect.objectContaining({ kind: 'filter_changed' }));
    // Only fct_orders was analysed again (its head, and its base now that it is a changed model itself): the
    // shapes of stg_orders and of its other reader came from the cache.
    const added = [...cache.entries].filter(([key]) => !stored.has(key)).map(([, shape]) => shape);
    expect(added.map((shape) => shape.filters.map((f) => f.text))).toEqual(expect.arrayContaining([["status != 'test'"], ["status not in ('test', 'demo')"]]));
    for (const shape of added) expect(shape.columns.map((c) => c.name)).toEqual(['order_id', 'customer_id', 'status', 'amount']);
  });
});

describe('runReview with macros', () => {
  const withMacro = (body: string): Record<string, string> => ({
    ...BASE,
    'macros/cents_to_dollars.sql': `{% macro cents_to_dollars(col) %}\n    ({{ col }} / 100)::numeric(16, 2)\n{% endmacro %}\n`.replace('({{ col }} / 100)', body),
    'macros/money.sql': `{% macro money(col) %}{{ cents_to_dollars(col) }}{% endmacro %}\n`,
    'models/marts/customer_revenue.sql': `select customer_id, sum({{ money('amount') }}) as revenue\nfrom {{ ref('stg_orders') }}\ngroup by customer_id\n`,
  });

  it('re-analyses models that call a changed macro, also through another macro', async () => {
    const base = withMacro('({{ col }} / 100)');
    const head = withMacro('({{ col }} / 1000)');
    const r = await review(head, base);
    const m = r.models.find((x) => x.name === 'customer_revenue')!;
    expect(m).toBeDefined();
    expect(m.changes).toContainEqual(expect.objectContaining({ kind: 'column_expression_changed', column: 'revenue' }));
    expect(m.impact).toBe('column');
    // the model's own file did not change: its change says which macro did (through the macro that calls it)
    const revenue = m.changes.find((c) => c.column === 'revenue')!;
    expect(revenue.detail).toMatch(/ \(through the change of macro `cents_to_dollars` \(macros\/cents_to_dollars\.sql\)\)$/);
  });
});

describe('runReview on a project where an unowned model has owned siblings', () => {
  // No folder-level owner: each marts model is owned through its own property file, which names no other model.
  const project = 'name: shop\nversion: "1.0.0"\nprofile: shop\n';
  const base: Record<string, string> = {
    'dbt_project.yml': project,
    'models/marts/fct_a.sql': 'select 1 as id\n',
    'models/marts/fct_b.sql': 'select 2 as id\n',
    'models/marts/fct_a.yml': 'models:\n  - name: fct_a\n    config:\n      meta:\n        owner: finance-team\n',
    'models/marts/fct_b.yml': 'models:\n  - name: fct_b\n    config:\n      meta:\n        owner: finance-team\n',
    'models/staging/stg_x.sql': 'select 3 as id\n',
    'models/staging/stg_x.yml': 'models:\n  - name: stg_x\n    config:\n      meta:\n        owner: platform\n',
  };

  it('names the owner its siblings share, as a full load of every property file does', async () => {
    const head = { ...base, 'models/marts/fct_new.sql': 'select 4 as id\n' };
    const r = await review(head, base);
    const hit = r.findings.find((f) => f.rule === 'owner-missing' && f.path === 'models/marts/fct_new.sql');
    expect(hit?.message).toContain('The other models in `models/marts/` are owned by `finance-team`');
  });
});

describe('runReview on hostile YAML', () => {
  it('reports an alias bomb in a property file as invalid YAML and reviews the rest', async () => {
    const bomb = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i += 1) bomb.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    bomb.push('models:', '  - name: fct_orders', '    meta: *a8');
    const head = { ...BASE, 'models/marts/_bomb.yml': bomb.join('\n'), 'models/marts/fct_orders.sql': BASE['models/marts/fct_orders.sql']!.replace('    amount\n', '    amount,\n    1 as n\n') };
    const r = await review(head);
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'yaml-invalid', path: 'models/marts/_bomb.yml', message: expect.stringContaining('alias bomb') }));
    expect(r.models.find((m) => m.name === 'fct_orders')?.changes).toContainEqual(expect.objectContaining({ kind: 'column_added', column: 'n' }));
  });

  it('locates what it reads from a broken property file at the base lines it read, saying so', async () => {
    const before = BASE['models/staging/_staging.yml']!.replace('    description: One row per order.\n', '');
    const base: Record<string, string> = { ...BASE, 'models/staging/_staging.yml': before };
    const broken = `# two lines\n# more\n${before.replace('[unique, not_null]', '[unique, not_null')}`;
    const head = { ...base, 'models/staging/_staging.yml': broken, 'models/staging/stg_orders.sql': base['models/staging/stg_orders.sql']!.replace('    ordered_at\n', '    ordered_at,\n    1 as n\n') };
    const r = await review(head, base);
    const inFile = r.findings.filter((f) => f.path === 'models/staging/_staging.yml').map((f) => [f.rule, f.line, f.side]);
    expect(inFile).toContainEqual(['yaml-invalid', 8, undefined]); // the head's line
    expect(inFile).toContainEqual(['model-description-missing', 3, 'base']); // `- name: stg_orders` in the text read
    expect(inFile.every(([rule, , side]) => rule === 'yaml-invalid' || side === 'base')).toBe(true);
  });

  it('reports a property file the change broke as invalid YAML, not as the tests and docs of its models removed', async () => {
    const broken = BASE['models/marts/_marts.yml']!.replace('description: Orders.', 'description: [Orders in EUR');
    const head = { ...BASE, 'models/marts/_marts.yml': broken, 'models/marts/fct_orders.sql': BASE['models/marts/fct_orders.sql']!.replace('    amount\n', '    amount,\n    1 as n\n') };
    const r = await review(head);
    expect(r.findings.map((f) => f.rule)).toEqual(['yaml-invalid']);
    expect(r.models.map((m) => [m.name, m.changes.map((c) => c.kind)])).toEqual([['fct_orders', ['column_added']]]);
  });
});
