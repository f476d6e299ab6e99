/**
 * `dbt-pr-reviewer demo`: the bundled Juniper Outfitters change, and what its review must report
 * (examples/demo/README.md lists the same expectations).
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoRepository } from '../../src/cli/demo.js';
import type { Review } from '../../src/review/types.js';
import { changedFiles, gitSnapshot } from '../../src/sources/git.js';
import { git } from '../sources/git-fixture.js';
import { runCli, spawnCli } from './run-cli.js';

describe('the demo repository', () => {
  it('has two commits, base then head, with the same shas on every run, and is removed afterwards', async () => {
    const first = await buildDemoRepository();
    const second = await buildDemoRepository();
    try {
      expect(git(first.repo, 'rev-parse', `${first.head}^`).trim()).toBe(first.base);
      expect([second.base, second.head]).toEqual([first.base, first.head]);
      const files = await changedFiles(first.repo, first.base, first.head);
      expect(files.map((f) => `${f.status} ${f.path}`).sort()).toEqual([
        'added models/marts/_marts.yml',
        'added models/marts/marketing/_marketing.yml',
        'added models/marts/marketing/dim_customer_segments.sql',
        'added models/marts/orders_summary.sql',
        'modified models/marts/core/_core.yml',
        'modified models/marts/core/fct_orders.sql',
        'modified models/staging/shop/_shop__models.yml',
        'modified models/staging/shop/stg_shop__customers.sql',
        'modified models/staging/shop/stg_shop__products.sql',
      ]);
      const head = await gitSnapshot(first.repo, first.head);
      expect(head.read('.github/dbt-pr-reviewer.yml')).toContain('breakingSeverity: error');
      expect(head.paths().filter((p) => p.endsWith('.sql') && p.startsWith('models/'))).toHaveLength(13);
    } finally {
      await first.cleanup();
      await second.cleanup();
    }
    expect(existsSync(first.dir)).toBe(false);
    expect(existsSync(second.dir)).toBe(false);
  });
});

describe('the demo review', () => {
  let review: Review;
  let code: number;
  beforeAll(async () => {
    const run = await runCli(['demo', '--format', 'json']);
    code = run.code;
    if (run.stdout === '') throw new Error(`demo printed nothing (exit ${run.code}): ${run.stderr}`);
    review = JSON.parse(run.stdout) as Review;
  }, 120_000);

  const model = (name: string) => {
    const m = review.models.find((x) => x.name === name);
    if (!m) throw new Error(`the review does not list ${name}: ${review.models.map((x) => x.name).join(', ')}`);
    return m;
  };
  const findings = (rule: string) => review.findings.filter((f) => f.rule === rule);

  it('fails the change and still exits 0 (the demo ran)', () => {
    expect(review.conclusion).toBe('failure');
    expect(code).toBe(0);
  });

  it('(a) lists the column removed from fct_orders, the downstream model that uses it and its owner', () => {
    const orders = model('fct_orders');
    expect(orders).toMatchObject({ status: 'modified', breaking: true, impact: 'column' });
    expect(orders.owner?.value).toBe('@juniper-outfitters/commerce-analytics');
    expect(orders.changes).toContainEqual(expect.objectContaining({ kind: 'column_removed', column: 'discount_total' }));
    const revenue = orders.downstream.find((d) => d.name === 'fct_revenue_daily');
    expect(revenue?.columnsUsed).toEqual(['discount_total']);
    expect(revenue?.owner ?? '').toMatch(/Finance Analytics|finance-analytics@juniperoutfitters\.com/);
    const customers = orders.downstream.find((d) => d.name === 'dim_customers');
    expect(customers?.columnsUsed).toEqual([]);
    expect(findings('breaking-column-removed')).toContainEqual(
      expect.objectContaining({ severity: 'error', model: 'fct_orders', column: 'discount_total', path: 'models/marts/core/fct_orders.sql' }),
    );
  });

  it('(b) flags the new model without an owner, and only that one', () => {
    expect(model('dim_customer_segments')).toMatchObject({ status: 'added', owner: null });
    expect(findings('owner-missing').map((f) => f.model)).toEqual(['dim_customer_segments']);
  });

  it('(c) flags the business key without unique/not_null tests', () => {
    const hits = findings('key-untested');
    expect(hits).toContainEqual(expect.objectContaining({ model: 'dim_customer_segments', column: 'customer_id' }));
    expect(hits.map((f) => f.model)).not.toContain('orders_summary');
  });

  it('(d) flags the model in marts/ without a layer prefix', () => {
    expect(findings('naming-layer-prefix').map((f) => f.model)).toEqual(['orders_summary']);
    expect(model('orders_summary').owner?.value).toBe('@juniper-outfitters/operations');
  });

  it('(e) recognises the reformatted stg_shop__products as formatting only', () => {
    const products = model('stg_shop__products');
    expect(products).toMatchObject({ impact: 'none', breaking: false });
    expect(products.changes.map((c) => c.kind)).toContain('formatting_only');
  });

  it('(f) reports the added column of stg_shop__customers as additive', () => {
    const customers = model('stg_shop__customers');
    expect(customers).toMatchObject({ impact: 'additive', breaking: false });
    expect(customers.owner?.value).toBe('@juniper-outfitters/data-platform');
    expect(customers.changes).toContainEqual(expect.objectContaining({ kind: 'column_added', column: 'accepts_marketing' }));
  });

  it('detects snowflake from the committed profiles.yml', () => {
    expect(review.dialect?.name).toBe('snowflake');
    expect(review.dialect?.source).toContain('profiles.yml');
  });
});

describe('the demo as a user runs it', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'dbt-pr-reviewer-demo-tmp-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('prints the markdown review and leaves no temporary files behind', async () => {
    const run = await spawnCli(['demo'], { env: { ...process.env, OPENAI_API_KEY: undefined, TMPDIR: tmp } });
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toMatch(/❌/);
    for (const text of ['fct_orders', 'discount_total', 'fct_revenue_daily', 'dim_customer_segments', 'orders_summary', 'stg_shop__products']) {
      expect(run.stdout).toContain(text);
    }
    expect(run.stderr).toContain('Juniper Outfitters');
    // (tsx keeps its own cache folder there; the demo's repositories are `dbt-pr-reviewer-demo-*`)
    expect(readdirSync(tmp).filter((name) => name.startsWith('dbt-pr-reviewer-demo-'))).toEqual([]);
  }, 120_000);
});
