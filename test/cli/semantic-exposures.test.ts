/**
 * `dbt-pr-reviewer review --format json` over a git repository whose project has a semantic model and an exposure
 * on `fct_orders` (the exploratory tester's case N6): what the JSON says when a column the semantic model uses is
 * removed, when the model is renamed, and when the exposure gains a ref to a model that does not exist.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commit, git, initRepo, removeTempDirs } from '../sources/git-fixture.js';
import { reviewWithoutTiming, runCli } from './run-cli.js';

afterAll(removeTempDirs);

const FILES: Record<string, string> = {
  'dbt_project.yml': "name: shop\nversion: '1.0'\nconfig-version: 2\nprofile: shop\nmodels:\n  shop:\n    +meta: {owner: \"@o\"}\n",
  'models/fct_orders.sql': "select order_id, customer_id, amount, ordered_at from {{ source('raw','orders') }}\n",
  'models/p.yml':
    'version: 2\nsources:\n  - name: raw\n    tables: [{name: orders}]\nmodels:\n  - name: fct_orders\n    description: d\n    columns:\n      - name: order_id\n        data_tests: [unique, not_null]\n',
  'models/semantic/orders.yml': [
    'semantic_models:',
    '  - name: orders',
    "    model: ref('fct_orders')",
    '    defaults:',
    '      agg_time_dimension: ordered_at',
    '    entities:',
    '      - name: order_id',
    '        type: primary',
    '    dimensions:',
    '      - name: ordered_at',
    '        type: time',
    '        type_params:',
    '          time_granularity: day',
    '    measures:',
    '      - name: revenue',
    '        agg: sum',
    '        expr: amount',
    'metrics:',
    '  - name: revenue',
    '    label: Revenue',
    '    type: simple',
    '    type_params:',
    '      measure: revenue',
    '',
  ].join('\n'),
  'models/exposures.yml': "version: 2\nexposures:\n  - name: dash\n    type: dashboard\n    owner: {name: BI, email: bi@x.com}\n    depends_on:\n      - ref('fct_orders')\n",
};

let repo: string;
let base: string;

beforeAll(() => {
  repo = initRepo();
  base = commit(repo, FILES, 'base');
});

async function reviewOf(branch: string, files: Record<string, string | null>, mv?: [string, string]) {
  git(repo, 'checkout', '--quiet', '-b', branch, base);
  if (mv) git(repo, 'mv', ...mv);
  const head = commit(repo, files, branch);
  const run = await runCli(['review', '--repo', repo, '--base', base, '--head', head, '--format', 'json', '--no-llm', '--no-cache']);
  return { code: run.code, review: reviewWithoutTiming(run.stdout) };
}

const SEMANTIC_ENTRY = { name: 'orders', type: 'semantic_model', path: 'models/semantic/orders.yml', owner: null };
const EXPOSURE_ENTRY = { name: 'dash', type: 'exposure', path: 'models/exposures.yml', owner: 'BI <bi@x.com>', columnsUsed: [] };

describe('review --format json: semantic models and exposures', () => {
  it('lists the semantic model that uses a removed column, next to the exposure', async () => {
    const { code, review } = await reviewOf('drop-amount', { 'models/fct_orders.sql': "select order_id, customer_id, ordered_at from {{ source('raw','orders') }}\n" });
    expect(code).toBe(1);
    expect(review.models.map((m) => [m.name, m.breaking, m.downstream])).toEqual([['fct_orders', true, [EXPOSURE_ENTRY, { ...SEMANTIC_ENTRY, columnsUsed: ['amount'] }]]]);
  });

  it('lists the semantic model when its model is renamed', async () => {
    const { review } = await reviewOf('rename', { 'models/p.yml': FILES['models/p.yml']!.replace('name: fct_orders', 'name: fct_sales') }, ['models/fct_orders.sql', 'models/fct_sales.sql']);
    expect(review.models.map((m) => [m.name, m.status, m.downstream])).toEqual([['fct_sales', 'renamed', [EXPOSURE_ENTRY, { ...SEMANTIC_ENTRY, columnsUsed: [] }]]]);
  });

  it("reports the exposure's new ref to a model that does not exist, at its line, and nothing about the new metric", async () => {
    const { code, review } = await reviewOf('ghost', {
      'models/semantic/orders.yml': `${FILES['models/semantic/orders.yml']!}  - name: revenue2\n    label: R2\n    type: simple\n    type_params:\n      measure: revenue\n`,
      'models/exposures.yml': `${FILES['models/exposures.yml']!}      - ref('fct_ghost')\n`,
    });
    expect(code).toBe(1);
    expect(review.conclusion).toBe('failure');
    expect(review.findings.map((f) => [f.rule, f.severity, f.path, f.line])).toEqual([['ref-unresolved', 'error', 'models/exposures.yml', 8]]);
    expect(review.findings[0]!.message).toContain("`ref('fct_ghost')` in exposure `dash` names no model, seed or snapshot of project `shop`");
  });
});
