import { describe, expect, it } from 'vitest';
import { renderSummaryMarkdown } from '../../src/review/markdown.js';
import type { Review } from '../../src/review/types.js';

const review = (over: Partial<Review> = {}): Review => ({
  version: 1,
  base: 'a'.repeat(40),
  head: 'b'.repeat(40),
  conclusion: 'failure',
  models: [
    {
      name: 'stg_orders',
      path: 'models/staging/stg_orders.sql',
      status: 'modified',
      impact: 'column',
      breaking: true,
      changes: [
        { kind: 'column_removed', column: 'status', detail: 'status was removed', path: 'models/staging/stg_orders.sql', line: 4, breaking: true, impact: 'column' },
      ],
      owner: { value: '@jdoe', source: 'dbt_project.yml:12' },
      downstream: [
        { name: 'fct_orders', type: 'model', owner: '@finance-team', columnsUsed: ['status'] },
        { name: 'weekly_kpis', type: 'exposure', owner: null, columnsUsed: [] },
      ],
    },
    {
      name: 'dim_customers',
      path: 'models/marts/dim_customers.sql',
      status: 'modified',
      impact: 'none',
      breaking: false,
      changes: [{ kind: 'formatting_only', detail: 'only formatting', path: 'models/marts/dim_customers.sql', breaking: false, impact: 'none' }],
      owner: null,
      downstream: [],
    },
  ],
  findings: [
    { rule: 'breaking-column-removed', severity: 'error', origin: 'semantic', model: 'stg_orders', column: 'status', path: 'models/staging/stg_orders.sql', line: 4, message: 'Column `status` was removed.', fingerprint: '1' },
    { rule: 'owner-missing', severity: 'error', origin: 'rule', model: 'dim_customers', path: 'models/marts/dim_customers.sql', line: 1, message: 'No owner.', fingerprint: '2' },
    { rule: 'llm-risk', severity: 'warning', origin: 'llm', path: 'models/marts/dim_customers.sql', line: 3, message: 'Check the join.', fingerprint: '3' },
  ],
  skipped: [{ path: 'models/py_model.py', reason: 'Python model' }],
  llm: { status: 'ran', model: 'gpt-x', inputTokens: 1200, outputTokens: 80, findingsDropped: 1, estimatedCostUsd: 0.0012, promptVersion: 'residual-v1' },
  ...over,
});

describe('renderSummaryMarkdown', () => {
  it('puts the verdict on the first line and the marker right after it', () => {
    const md = renderSummaryMarkdown(review(), { marker: '<!-- dbt-pr-reviewer -->' });
    const [first, second] = md.split('\n');
    expect(first).toContain('changes requested');
    expect(first).toContain('2 models changed, 1 breaking, 2 errors, 1 warning');
    expect(second).toBe('<!-- dbt-pr-reviewer -->');
  });

  it('lists changed models with impact, breaking and owner', () => {
    const md = renderSummaryMarkdown(review());
    expect(md).toContain('| `stg_orders` | modified | columns | **yes** | @jdoe |');
    expect(md).toContain('| `dim_customers` | modified | none (formatting only) | no | _none_ |');
  });

  it('names each version of a versioned model with its version', () => {
    const base = review();
    const md = renderSummaryMarkdown(review({ models: [{ ...base.models[0]!, name: 'dim_customers', version: '2', path: 'models/marts/dim_customers_v2.sql' }] }));
    expect(md).toContain('| `dim_customers v2` | modified |');
    expect(md).toContain('**`dim_customers v2`** (`models/marts/dim_customers_v2.sql`)');
  });

  it('keeps a name with a backtick inside its code span, so the rest of it is not read as markdown', () => {
    const base = review();
    const name = 'a`b<img src=x>';
    const md = renderSummaryMarkdown(review({ models: [{ ...base.models[0]!, name, path: `models/${name}.sql` }], findings: [] }));
    expect(md).toContain('| `` a`b<img src=x> `` | modified |');
    expect(md).toContain('**`` a`b<img src=x> ``** (`` models/a`b<img src=x>.sql ``)');
  });

  it('names the version of a versioned reader', () => {
    const base = review();
    const reader = { name: 'dim_customers', type: 'model' as const, owner: '@crm', columnsUsed: [] };
    const md = renderSummaryMarkdown(review({ models: [{ ...base.models[0]!, downstream: [{ ...reader, version: '1' }, { ...reader, version: '2' }] }] }));
    expect(md).toContain('`dim_customers v1` — owner @crm');
    expect(md).toContain('`dim_customers v2` — owner @crm');
  });

  it('tells apart models of the same name (two projects of a monorepo) by their file', () => {
    const base = review();
    const one = { ...base.models[0]!, name: 'fct_orders', path: 'shop/models/fct_orders.sql' };
    const md = renderSummaryMarkdown(review({ models: [one, { ...one, path: 'finance/models/fct_orders.sql' }], findings: [] }));
    expect(md).toContain('| `fct_orders` (`shop/models/fct_orders.sql`) | modified |');
    expect(md).toContain('| `fct_orders` (`finance/models/fct_orders.sql`) | modified |');
  });

  it('lists a model it could not analyse once, though the review also names it among the skipped files', () => {
    const base = review();
    const unknown = { ...base.models[1]!, impact: 'unknown' as const, unknownReason: 'Python model' };
    const md = renderSummaryMarkdown(review({ models: [unknown], skipped: [{ path: unknown.path, reason: 'Python model' }] }));
    expect(md).toContain('Not analysed (1)');
  });

  it('names the downstream users of a breaking change, the columns they use and their owners', () => {
    const md = renderSummaryMarkdown(review());
    expect(md).toContain('`stg_orders` (`status`) is read by:');
    expect(md).toContain('`fct_orders`, uses `status` — owner @finance-team');
    expect(md).toContain('exposure `weekly_kpis` — no owner');
  });

  it('says when it could not tell which columns a downstream model uses, rather than nothing', () => {
    const base = review();
    const unparsed = { name: 'odd_orders', type: 'model' as const, owner: '@ops', columnsUsed: [], columnsUnknown: true };
    const md = renderSummaryMarkdown(review({ models: [{ ...base.models[0]!, downstream: [unparsed] }] }));
    expect(md).toContain('`odd_orders`, its SQL could not be parsed to tell which columns it uses — owner @ops');
  });

  it('groups findings by severity and marks AI findings', () => {
    const md = renderSummaryMarkdown(review());
    expect(md.indexOf('### Errors (2)')).toBeLessThan(md.indexOf('Warnings (1)'));
    expect(md).toContain('**llm-risk** `models/marts/dim_customers.sql:3` 🤖 _AI finding_');
  });

  it('says what was not analysed and shows LLM tokens and cost', () => {
    const md = renderSummaryMarkdown(review());
    expect(md).toContain('`models/py_model.py`: Python model');
    expect(md).toContain('1200 tokens in, 80 out, ~$0.0012');
    expect(md).toContain('1 unverifiable AI finding(s) dropped');
    expect(md).toContain('prompt residual-v1');
  });

  it('says so when no model changed', () => {
    const md = renderSummaryMarkdown(review({ models: [], findings: [], skipped: [], conclusion: 'success' }));
    expect(md).toContain('No dbt model changed');
    expect(md.split('\n')[0]).toContain('no blocking findings');
  });

  it('stays under the size cap', () => {
    const many = review({
      findings: Array.from({ length: 3000 }, (_, i) => ({
        rule: 'select-star', severity: 'warning' as const, origin: 'rule' as const, path: `models/m${i}.sql`, line: 1,
        message: 'Select the columns you need instead of `*`.', fingerprint: String(i),
      })),
    });
    const md = renderSummaryMarkdown(many, { maxChars: 10000 });
    expect(md.length).toBeLessThanOrEqual(10000);
    expect(md).toContain('summary truncated');
    // cut between findings: every finding line shown is whole
    const shown = md.split('\n').filter((l) => l.startsWith('- **select-star**'));
    expect(shown.length).toBeGreaterThan(10);
    for (const l of shown) expect(l).toMatch(/: Select the columns you need instead of `\*`\.$/);
    // without a cap (the CLI) nothing is cut
    expect(renderSummaryMarkdown(many)).not.toContain('summary truncated');
  });
});
