/**
 * `dbt-pr-reviewer review` end to end over real git repositories: what the JSON contract and the markdown carry,
 * and the exit codes. Runs the whole pipeline (no LLM: tests never reach the network).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Review } from '../../src/review/types.js';
import { commit, git, initRepo, removeTempDirs } from '../sources/git-fixture.js';
import { quietEnv, runCli, spawnCli } from './run-cli.js';

afterAll(removeTempDirs);

const BASE_FILES = {
  'dbt_project.yml': [
    'name: shop',
    'version: "1.0"',
    'config-version: 2',
    'profile: shop',
    'models:',
    '  shop:',
    '    staging:',
    '      +materialized: view',
    '      +meta:',
    '        owner: "@shop/platform"',
    '    marts:',
    '      +materialized: table',
    '      +meta:',
    '        owner: "@shop/analytics"',
    '',
  ].join('\n'),
  'profiles.yml': 'shop:\n  target: prod\n  outputs:\n    prod:\n      type: bigquery\n      project: shop-prod\n      dataset: analytics\n',
  'models/staging/stg_orders.sql': [
    'select',
    '    id as order_id,',
    '    customer_id,',
    '    amount_cents / 100.0 as amount,',
    '    status',
    "from {{ source('shop', 'orders') }}",
    '',
  ].join('\n'),
  'models/staging/_staging.yml': [
    'version: 2',
    'sources:',
    '  - name: shop',
    '    tables:',
    '      - name: orders',
    'models:',
    '  - name: stg_orders',
    '    description: Orders.',
    '    columns:',
    '      - name: order_id',
    '        data_tests: [unique, not_null]',
    '',
  ].join('\n'),
  'models/marts/fct_orders.sql': [
    'select',
    '    order_id,',
    '    customer_id,',
    '    amount',
    "from {{ ref('stg_orders') }}",
    "where status != 'cancelled'",
    '',
  ].join('\n'),
  'models/marts/_marts.yml': [
    'version: 2',
    'models:',
    '  - name: fct_orders',
    '    description: Orders that were not cancelled.',
    '    columns:',
    '      - name: order_id',
    '        data_tests: [unique, not_null]',
    '',
  ].join('\n'),
};

let repo: string;
let base: string;
let formatting: string;
let breaking: string;

beforeAll(() => {
  repo = initRepo();
  base = commit(repo, BASE_FILES, 'base');
  git(repo, 'checkout', '--quiet', '-b', 'formatting');
  formatting = commit(
    repo,
    {
      'models/staging/stg_orders.sql':
        "SELECT id AS order_id, customer_id, amount_cents / 100.0 AS amount, status\nFROM {{ source('shop', 'orders') }}\n",
    },
    'reformat stg_orders',
  );
  git(repo, 'checkout', '--quiet', '-b', 'breaking', base);
  breaking = commit(
    repo,
    {
      'models/staging/stg_orders.sql': [
        'select',
        '    id as order_id,',
        '    amount_cents / 100.0 as amount,',
        '    status',
        "from {{ source('shop', 'orders') }}",
        '',
      ].join('\n'),
    },
    'drop customer_id from stg_orders',
  );
  git(repo, 'checkout', '--quiet', 'main');
});

async function reviewJson(argv: string[], env?: Record<string, string | undefined>): Promise<{ code: number; review: Review; stderr: string }> {
  const run = await runCli(['review', '--repo', repo, '--format', 'json', ...argv], { env });
  if (run.stdout === '') throw new Error(`no output (exit ${run.code}): ${run.stderr}`);
  return { code: run.code, review: JSON.parse(run.stdout) as Review, stderr: run.stderr };
}

describe('review --format json', () => {
  it('prints exactly the Review contract for a breaking change, and exits 1', async () => {
    const { code, review } = await reviewJson(['--base', 'main', '--head', 'breaking']);
    expect(code).toBe(1);
    expect(review.version).toBe(1);
    expect(review.base).toBe(base);
    expect(review.head).toBe(breaking);
    expect(review.conclusion).toBe('failure');
    expect(Object.keys(review)).toEqual(expect.arrayContaining(['version', 'base', 'head', 'conclusion', 'models', 'findings', 'skipped', 'llm']));

    const model = review.models.find((m) => m.name === 'stg_orders');
    expect(model).toMatchObject({
      path: 'models/staging/stg_orders.sql',
      status: 'modified',
      impact: 'column',
      breaking: true,
      owner: { value: '@shop/platform' },
    });
    expect(model?.changes).toContainEqual(expect.objectContaining({ kind: 'column_removed', column: 'customer_id', path: 'models/staging/stg_orders.sql' }));
    expect(model?.downstream).toContainEqual(expect.objectContaining({ name: 'fct_orders', owner: '@shop/analytics', columnsUsed: ['customer_id'] }));

    const finding = review.findings.find((f) => f.rule === 'breaking-column-removed');
    expect(finding).toMatchObject({ severity: 'error', origin: 'semantic', model: 'stg_orders', column: 'customer_id', path: 'models/staging/stg_orders.sql' });
    expect(finding?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(review.llm).toMatchObject({ status: 'skipped', model: null, inputTokens: 0, outputTokens: 0, findingsDropped: 0 });
  });

  it('recognises a formatting-only change: impact none, not breaking, exit 0', async () => {
    const { code, review } = await reviewJson(['--base', 'main', '--head', 'formatting']);
    expect(code).toBe(0);
    expect(review.head).toBe(formatting);
    expect(review.conclusion).not.toBe('failure');
    const model = review.models.find((m) => m.name === 'stg_orders');
    expect(model).toMatchObject({ impact: 'none', breaking: false });
    expect(model?.changes.map((c) => c.kind)).toContain('formatting_only');
    expect(review.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('uses the dialect of the committed profiles.yml and says so', async () => {
    const { review } = await reviewJson(['--base', 'main', '--head', 'formatting']);
    expect(review.dialect).toEqual({ name: 'bigquery', source: 'profiles.yml (`type: bigquery`)' });
  });

  it('defaults --head to HEAD', async () => {
    git(repo, 'checkout', '--quiet', 'breaking');
    try {
      const { review } = await reviewJson(['--base', 'main']);
      expect(review.head).toBe(breaking);
    } finally {
      git(repo, 'checkout', '--quiet', 'main');
    }
  });

  it('--no-llm turns the LLM stage off even with OPENAI_API_KEY set', async () => {
    const env = quietEnv({ OPENAI_API_KEY: 'sk-test-not-used', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
    const { review } = await reviewJson(['--base', 'main', '--head', 'formatting', '--no-llm'], env);
    expect(review.llm.status).toBe('disabled');
    expect(review.llm.detail).toContain('--no-llm');
    expect(review.llm.inputTokens).toBe(0);
  });
});

describe('review --format markdown', () => {
  it('prints the summary: verdict first, the changed models and the downstream owners', async () => {
    const run = await runCli(['review', '--repo', repo, '--base', 'main', '--head', 'breaking', '--no-llm']);
    expect(run.code).toBe(1);
    const [first] = run.stdout.split('\n');
    expect(first).toContain('dbt-pr-reviewer');
    expect(first).toMatch(/❌/);
    expect(run.stdout).toContain('stg_orders');
    expect(run.stdout).toContain('customer_id');
    expect(run.stdout).toContain('fct_orders');
    expect(run.stdout).toContain('@shop/analytics');
  });
});

describe('the configuration is read at the base revision', () => {
  it('ignores a config that the change itself adds or weakens', async () => {
    const r = initRepo();
    const b = commit(r, { ...BASE_FILES, '.github/dbt-pr-reviewer.yml': 'llm:\n  enabled: false\n' });
    const h = commit(r, {
      '.github/dbt-pr-reviewer.yml': 'breakingSeverity: info\nnot-a-key: true\n',
      'models/staging/stg_orders.sql': "select id as order_id, amount_cents / 100.0 as amount, status from {{ source('shop', 'orders') }}\n",
    });
    const run = await runCli(['review', '--repo', r, '--base', b, '--head', h, '--format', 'json'], {
      env: quietEnv({ OPENAI_API_KEY: 'sk-test-not-used' }),
    });
    expect(run.code).toBe(1); // breaking stays an error: the head's `breakingSeverity: info` has no say
    const review = JSON.parse(run.stdout) as Review;
    expect(review.llm.status).toBe('disabled');
    expect(review.llm.detail).toContain('llm.enabled: false');
  });
});

describe('the real process', () => {
  it('runs `review --format json` with the exit code of the conclusion', async () => {
    const run = await spawnCli(['review', '--repo', repo, '--base', 'main', '--head', 'breaking', '--format', 'json']);
    expect(run.code).toBe(1);
    const review = JSON.parse(run.stdout) as Review;
    expect(review).toMatchObject({ version: 1, base, head: breaking, conclusion: 'failure' });
  }, 60_000);

  it('prints one line and no stack trace for an error, exit 2', async () => {
    const run = await spawnCli(['review', '--repo', repo, '--base', 'does-not-exist']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`dbt-pr-reviewer: unknown revision 'does-not-exist' in ${repo}\n`);
  }, 60_000);
});
