import { describe, expect, it } from 'vitest';
import { planRequests } from '../../src/llm/budget.js';
import { loadPromptTemplate } from '../../src/llm/prompt-loader.js';
import { selectResidual } from '../../src/llm/residual.js';
import { countChatTokens, tokenCounter } from '../../src/llm/tokens.js';
import { change, changedFilesOf, model, requestOf, reviewOf } from './helpers.js';

const counter = tokenCounter('gpt-4.1-mini');

/** n marts/staging models, each with a filter change in a body of `size` lines. */
function manyModels(n: number, size: number) {
  const base: Record<string, string> = {};
  const head: Record<string, string> = {};
  const models = [];
  for (let i = 0; i < n; i++) {
    const layer = i % 2 === 0 ? 'marts' : 'staging';
    const path = `models/${layer}/m${i}.sql`;
    const body = Array.from({ length: size }, (_, k) => `    coalesce(col_${k}, 0) as metric_${i}_${k},`).join('\n');
    base[path] = `select\n${body}\n    id\nfrom src\nwhere amount > 0\n`;
    head[path] = `select\n${body.replace(/coalesce/g, 'nullif')}\n    id\nfrom src\nwhere amount >= 0\n`;
    models.push(model(`m${i}`, path, [change('filter_changed', path, { line: size + 4 }), change('column_expression_changed', path, { line: 2 })], { layer }));
  }
  return { review: reviewOf(models), request: requestOf(changedFilesOf(base, head)) };
}

describe('planRequests', () => {
  it('keeps every request under the per-request limit and the run under the budget, counted exactly', async () => {
    const template = await loadPromptTemplate();
    const { review, request } = manyModels(12, 40);
    const items = selectResidual({ review, request }).items;
    const plan = planRequests({ items, template, counter, maxInputTokens: 9000, requestTokenLimit: 3000 });
    expect(plan.requests.length).toBeGreaterThan(1);
    for (const r of plan.requests) {
      expect(countChatTokens(counter, r.messages)).toBe(r.inputTokens);
      expect(r.inputTokens).toBeLessThanOrEqual(3000);
    }
    expect(plan.inputTokens).toBe(plan.requests.reduce((n, r) => n + r.inputTokens, 0));
    expect(plan.inputTokens).toBeLessThanOrEqual(9000);
    // What did not fit is named, and what is named was not sent.
    expect(plan.leftOut.length).toBeGreaterThan(0);
    const sent = new Set(plan.requests.flatMap((r) => r.itemIds));
    for (const l of plan.leftOut) {
      expect(sent.has(l.path)).toBe(false);
      expect(l.reason).toMatch(/budget/);
    }
    expect(sent.size + plan.leftOut.length).toBe(items.length);
  });

  it('spends the budget on the riskiest items first (marts before staging)', async () => {
    const template = await loadPromptTemplate();
    const { review, request } = manyModels(6, 30);
    const items = selectResidual({ review, request }).items;
    const plan = planRequests({ items, template, counter, maxInputTokens: 5000, requestTokenLimit: 5000 });
    const sent = plan.requests.flatMap((r) => r.itemIds);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((p) => p.includes('/marts/'))).toBe(true);
    expect(plan.leftOut.some((l) => l.path.includes('/staging/'))).toBe(true);
  });

  it('splits an item too large for one request into parts and sends all of them', async () => {
    const template = await loadPromptTemplate();
    const path = 'models/marts/wide.sql';
    const before = Array.from({ length: 400 }, (_, k) => `    a.col_${k} as c_${k},`).join('\n') + '\n    1 as x\nfrom a\n';
    const after = before.replace(/a\.col_/g, 'b.col_');
    const review = reviewOf([model('wide', path, [change('unknown', path)], { unknownReason: 'render failed' })]);
    const items = selectResidual({ review, request: requestOf(changedFilesOf({ [path]: before }, { [path]: after })) }).items;
    const plan = planRequests({ items, template, counter, maxInputTokens: 60000, requestTokenLimit: 4000 });
    expect(plan.leftOut).toEqual([]);
    expect(plan.requests.length).toBeGreaterThan(2);
    for (const r of plan.requests) expect(r.inputTokens).toBeLessThanOrEqual(4000);
    const sentAdded = new Set(plan.requests.flatMap((r) => r.lines.filter((l) => l.type === 'add').map((l) => l.line)));
    expect(sentAdded.size).toBe(400);
    expect(plan.requests[0]!.messages[1]!.content).toMatch(/part 1 of \d+/);
  });

  it('leaves everything out, and says why, when the prompt alone does not fit', async () => {
    const template = await loadPromptTemplate();
    const { review, request } = manyModels(2, 5);
    const items = selectResidual({ review, request }).items;
    const plan = planRequests({ items, template, counter, maxInputTokens: 200, requestTokenLimit: 200 });
    expect(plan.requests).toEqual([]);
    expect(plan.inputTokens).toBe(0);
    expect(plan.leftOut).toHaveLength(2);
    expect(plan.leftOut[0]!.reason).toMatch(/prompt alone/);
  });
});
