/**
 * Semantic models as downstream users, through the whole review: a semantic model reads the model its `model:`
 * refs, and its entities, dimensions and measures name that model's columns. A change that removes or renames the
 * model lists it; one that removes columns lists it only when it uses one of them. The JSON entry and the summary
 * say what it is, where, who owns it and which columns it uses.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import { createJinjaRenderer } from '../../src/dbt/jinja/index.js';
import { columnsOfExpr } from '../../src/dbt/semanticModels.js';
import { runReview } from '../../src/pipeline.js';
import type { ChangedFile } from '../../src/ports.js';
import { renderSummaryMarkdown as renderMarkdown } from '../../src/review/markdown.js';
import type { Review } from '../../src/review/types.js';
import { memorySnapshot } from '../../src/sources/memory.js';

const renderer = createJinjaRenderer();
afterAll(() => renderer.close());

const SEMANTIC = [
  'semantic_models:',
  '  - name: orders',
  "    model: ref('fct_orders')",
  '    config:',
  '      meta: {owner: "@metrics"}',
  '    defaults:',
  '      agg_time_dimension: ordered_at',
  '    entities:',
  '      - name: order_id',
  '        type: primary',
  '      - name: customer',
  '        type: foreign',
  '        expr: customer_id',
  '    dimensions:',
  '      - name: ordered_at',
  '        type: time',
  '        type_params: {time_granularity: day}',
  '      - name: is_large',
  '        type: categorical',
  "        expr: case when amount > 100 and status <> 'void' then true else false end",
  '    measures:',
  '      - name: revenue',
  '        agg: sum',
  '        expr: amount',
  '      - name: order_count',
  '        agg: count',
  '        expr: 1',
  'metrics:',
  '  - name: revenue',
  '    label: Revenue',
  '    type: simple',
  '    type_params: {measure: revenue}',
  '',
].join('\n');

const BASE: Record<string, string> = {
  'dbt_project.yml': 'name: shop\nprofile: shop\nmodels:\n  shop:\n    +meta:\n      owner: "@data"\n',
  'models/stg_orders.sql': "select id as order_id, customer_id, amount, status, ordered_at, note from {{ source('raw', 'orders') }}\n",
  'models/fct_orders.sql': "select order_id, customer_id, amount, status, ordered_at, note\nfrom {{ ref('stg_orders') }}\n",
  'models/_models.yml':
    'version: 2\nsources:\n  - name: raw\n    tables: [{name: orders}]\nmodels:\n  - name: fct_orders\n    description: Orders.\n    columns:\n      - name: order_id\n        data_tests: [unique, not_null]\n',
  'models/semantic/orders.yml': SEMANTIC,
  'models/exposures.yml': "version: 2\nexposures:\n  - name: dash\n    type: dashboard\n    owner: {name: BI}\n    depends_on:\n      - ref('fct_orders')\n",
};

function diff(base: Record<string, string>, head: Record<string, string>): ChangedFile[] {
  return [...new Set([...Object.keys(base), ...Object.keys(head)])]
    .filter((p) => base[p] !== head[p])
    .map((path) => ({ path, status: base[path] === undefined ? 'added' : head[path] === undefined ? 'removed' : 'modified' }) as ChangedFile);
}

async function review(head: Record<string, string>, base = BASE, changedFiles = diff(base, head)): Promise<Review> {
  return runReview(
    { base: 'base', head: 'head', config: defaultConfig(), changedFiles },
    { base: memorySnapshot(base), head: memorySnapshot(head), renderer, llmAbsentReason: { status: 'disabled', detail: 'test' } },
  );
}

/** What `--format json` prints of a model's downstream list. */
function downstreamOf(r: Review, model: string): unknown[] {
  const report = r.models.find((m) => m.name === model);
  if (!report) throw new Error(`no report of ${model}: ${r.models.map((m) => m.name).join(', ')}`);
  return JSON.parse(JSON.stringify(report.downstream)) as unknown[];
}

const withoutColumns = (...columns: string[]) => {
  const kept = ['order_id', 'customer_id', 'amount', 'status', 'ordered_at', 'note'].filter((c) => !columns.includes(c));
  return { ...BASE, 'models/fct_orders.sql': `select ${kept.join(', ')}\nfrom {{ ref('stg_orders') }}\n` };
};

describe('semantic models downstream', () => {
  it('does not list a disabled semantic model', async () => {
    const disabled = SEMANTIC.replace('    config:\n', '    config:\n      enabled: false\n');
    expect(disabled).not.toBe(SEMANTIC);
    const base = { ...BASE, 'models/semantic/orders.yml': disabled };
    const r = await review({ ...withoutColumns('amount'), 'models/semantic/orders.yml': disabled }, base);
    expect(downstreamOf(r, 'fct_orders').filter((d) => (d as { type: string }).type === 'semantic_model')).toEqual([]);
  });

  it('lists a semantic model that uses a removed column (a measure expr), with its owner, in the JSON and the summary', async () => {
    const r = await review(withoutColumns('amount'));
    expect(downstreamOf(r, 'fct_orders')).toEqual([
      { name: 'dash', type: 'exposure', path: 'models/exposures.yml', owner: 'BI', columnsUsed: [] },
      { name: 'orders', type: 'semantic_model', path: 'models/semantic/orders.yml', owner: '@metrics', columnsUsed: ['amount'] },
    ]);
    expect(renderMarkdown(r)).toContain('  - semantic model `orders`, uses `amount` — owner @metrics');
  });

  it("takes its group's owner when its meta names none", async () => {
    const grouped = SEMANTIC.replace('      meta: {owner: "@metrics"}', '      group: finance');
    const base = { ...BASE, 'models/semantic/orders.yml': grouped, 'models/_groups.yml': 'groups:\n  - name: finance\n    owner: {name: Finance, email: fin@x.io}\n' };
    const r = await review({ ...withoutColumns('amount'), 'models/semantic/orders.yml': grouped, 'models/_groups.yml': base['models/_groups.yml'] }, base);
    expect(downstreamOf(r, 'fct_orders')).toContainEqual({ name: 'orders', type: 'semantic_model', path: 'models/semantic/orders.yml', owner: 'Finance <fin@x.io>', columnsUsed: ['amount'] });
  });

  it('finds the columns a dimension uses by its name (no expr), an entity by its expr, and the identifiers of a SQL expr', async () => {
    const r = await review(withoutColumns('ordered_at', 'customer_id', 'status'));
    const semantic = downstreamOf(r, 'fct_orders').find((d) => (d as { type: string }).type === 'semantic_model');
    expect(semantic).toMatchObject({ name: 'orders', columnsUsed: ['customer_id', 'ordered_at', 'status'] });
  });

  it('does not list a semantic model when the removed column is one it does not use (the exposure is still listed)', async () => {
    const r = await review(withoutColumns('note'));
    expect(r.models[0]!.breaking).toBe(true);
    expect(downstreamOf(r, 'fct_orders')).toEqual([{ name: 'dash', type: 'exposure', path: 'models/exposures.yml', owner: 'BI', columnsUsed: [] }]);
    expect(renderMarkdown(r)).not.toContain('semantic model');
  });

  it('does not take a measure name (with an expr) or a keyword for a column', async () => {
    // `revenue` is a measure's name, `order_count` counts `1`: neither is a column of fct_orders
    const base = { ...BASE, 'models/fct_orders.sql': "select order_id, customer_id, amount, status, ordered_at, note, 1 as revenue, 2 as order_count, 3 as \"case\"\nfrom {{ ref('stg_orders') }}\n" };
    const r = await review(withoutColumns(), base);
    expect(downstreamOf(r, 'fct_orders').map((d) => (d as { type: string }).type)).toEqual(['exposure']);
  });

  it('lists it when the model is renamed or removed (its ref no longer resolves), with no columns', async () => {
    const { 'models/fct_orders.sql': sql, ...rest } = BASE;
    const renamed = { ...rest, 'models/fct_sales.sql': sql!, 'models/_models.yml': BASE['models/_models.yml']!.replace('name: fct_orders', 'name: fct_sales') };
    const changedFiles: ChangedFile[] = [
      { path: 'models/fct_sales.sql', previousPath: 'models/fct_orders.sql', status: 'renamed' },
      { path: 'models/_models.yml', status: 'modified' },
    ];
    const r = await review(renamed, BASE, changedFiles);
    expect(downstreamOf(r, 'fct_sales')).toContainEqual({ name: 'orders', type: 'semantic_model', path: 'models/semantic/orders.yml', owner: '@metrics', columnsUsed: [] });
    const removed = await review({ ...rest, 'models/_models.yml': 'version: 2\nsources:\n  - name: raw\n    tables: [{name: orders}]\n' });
    expect(downstreamOf(removed, 'fct_orders')).toContainEqual({ name: 'orders', type: 'semantic_model', path: 'models/semantic/orders.yml', owner: '@metrics', columnsUsed: [] });
  });

  it('lists it when the model is disabled', async () => {
    const head = { ...BASE, 'models/fct_orders.sql': `{{ config(enabled=false) }}\n${BASE['models/fct_orders.sql']!}` };
    const r = await review(head);
    expect(r.models[0]!.breaking).toBe(true);
    expect(downstreamOf(r, 'fct_orders')).toContainEqual(expect.objectContaining({ name: 'orders', type: 'semantic_model' }));
  });

  it('marks the columns unknown when an expr is Jinja, and then lists it for a removed column it may use', async () => {
    const jinja = SEMANTIC.replace('        expr: amount', "        expr: \"{{ var('amount_column') }}\"");
    const base = { ...BASE, 'models/semantic/orders.yml': jinja };
    const r = await review({ ...withoutColumns('note'), 'models/semantic/orders.yml': jinja }, base);
    expect(downstreamOf(r, 'fct_orders')).toContainEqual({
      name: 'orders',
      type: 'semantic_model',
      path: 'models/semantic/orders.yml',
      owner: '@metrics',
      columnsUsed: [],
      columnsUnknown: true,
    });
    expect(renderMarkdown(r)).toContain('semantic model `orders`, an `expr` of it could not be read to tell which columns it uses — owner @metrics');
  });

  it('is found in an unchanged property file that also describes other models, and one that holds nothing else (the review reads only the files that mention a changed model)', async () => {
    const others = Array.from({ length: 30 }, (_, i) => `stg_other_${i}`);
    const big: Record<string, string> = { ...BASE };
    for (const name of others) big[`models/${name}.sql`] = 'select 1 as id\n';
    big['models/semantic/orders.yml'] = [
      'version: 2',
      'models:',
      ...others.flatMap((name) => [`  - name: ${name}`, '    description: Other.']),
      SEMANTIC.replace("name: orders\n", 'name: orders\n'),
    ].join('\n');
    big['models/semantic/payments.yml'] = SEMANTIC.replace('name: orders', 'name: payments').replace("ref('fct_orders')", "ref('stg_other_1')");
    big['models/semantic/refunds.yml'] = SEMANTIC.replace('name: orders', 'name: refunds');
    const head = { ...big, 'models/fct_orders.sql': "select order_id, customer_id, status, ordered_at, note\nfrom {{ ref('stg_orders') }}\n" };
    const r = await review(head, big);
    expect(downstreamOf(r, 'fct_orders').filter((d) => (d as { type: string }).type === 'semantic_model')).toEqual([
      { name: 'orders', type: 'semantic_model', path: 'models/semantic/orders.yml', owner: '@metrics', columnsUsed: ['amount'] },
      { name: 'refunds', type: 'semantic_model', path: 'models/semantic/refunds.yml', owner: '@metrics', columnsUsed: ['amount'] },
    ]);
  });

  it('lists a semantic model on a model that passes a removed column on with select *', async () => {
    const base = {
      ...BASE,
      'models/semantic/orders.yml': SEMANTIC.replace("ref('fct_orders')", "ref('fct_orders_wide')"),
      'models/fct_orders_wide.sql': "select * from {{ ref('fct_orders') }}\n",
    };
    const r = await review({ ...base, 'models/fct_orders.sql': "select order_id, customer_id, status, ordered_at, note\nfrom {{ ref('stg_orders') }}\n" }, base);
    expect(downstreamOf(r, 'fct_orders')).toContainEqual({
      name: 'orders',
      type: 'semantic_model',
      path: 'models/semantic/orders.yml',
      owner: '@metrics',
      columnsUsed: ['amount'],
      via: 'fct_orders_wide',
      passedThrough: true,
    });
  });
});

describe('columnsOfExpr', () => {
  it('reads a column name, a quoted one, and the identifiers of a SQL expression', () => {
    expect(columnsOfExpr('amount')).toEqual(['amount']);
    expect(columnsOfExpr(' "Order Total" ')).toEqual(['Order Total']);
    expect(columnsOfExpr("case when status = 'paid' then amount_usd else 0 end")).toEqual(['status', 'amount_usd']);
    expect(columnsOfExpr("date_trunc('day', o.ordered_at)::date")).toEqual(['ordered_at']);
    expect(columnsOfExpr('cast(amount as decimal(10, 2)) * fx_rate')).toEqual(['amount', 'fx_rate']);
    expect(columnsOfExpr('coalesce(discount, 0) is not null')).toEqual(['discount']);
    expect(columnsOfExpr('1')).toEqual([]);
    expect(columnsOfExpr('true')).toEqual([]);
  });

  it('gives up on what it cannot read: Jinja, a subquery, an unterminated quote', () => {
    expect(columnsOfExpr("{{ var('col') }}")).toBeUndefined();
    expect(columnsOfExpr('(select max(x) from t)')).toBeUndefined();
    expect(columnsOfExpr("status = 'open")).toBeUndefined();
  });
});
