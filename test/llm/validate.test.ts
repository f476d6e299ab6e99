import { describe, expect, it } from 'vitest';
import type { SentLine } from '../../src/llm/prompt.js';
import * as v from 'valibot';
import { AI_PREFIX, indexSentLines, llmAnswerSchema, parseAnswer, quoteMatches, sanitiseModelText, validateFindings } from '../../src/llm/validate.js';
import { ANSWER_JSON_SCHEMA } from '../../src/llm/stage.js';

const lines: SentLine[] = [
  { path: 'models/marts/fct_orders.sql', line: 16, text: '    inner join payments on payments.order_id = orders.order_id', type: 'add' },
  { path: 'models/marts/fct_orders.sql', line: 17, text: "    where orders.status not in ('test', 'returned')", type: 'add' },
  { path: 'models/marts/fct_orders.sql', line: 18, text: '    group by 1, 2, 3', type: 'ctx' },
];
const ctx = { lines: indexSentLines(lines), modelByPath: new Map([['models/marts/fct_orders.sql', 'fct_orders']]) };

const good = {
  path: 'models/marts/fct_orders.sql',
  line: 16,
  quote: 'inner join payments',
  severity: 'warning',
  category: 'breaking',
  model: 'fct_orders',
  column: null,
  message: 'The left join to payments became an inner join.',
  consequence: 'Orders without a payment disappear from fct_orders and from revenue_dashboard.',
};

describe('parseAnswer', () => {
  it('accepts JSON, also inside a ```json fence', () => {
    expect(parseAnswer('{"findings":[]}')).toEqual({ ok: true, findings: [] });
    expect(parseAnswer('```json\n{"findings":[1]}\n```')).toEqual({ ok: true, findings: [1] });
  });
  it('rejects malformed JSON, empty answers and answers without a findings array', () => {
    expect(parseAnswer('{"findings": [')).toMatchObject({ ok: false, reason: expect.stringMatching(/not valid JSON/) });
    expect(parseAnswer('')).toMatchObject({ ok: false });
    expect(parseAnswer(null)).toMatchObject({ ok: false });
    expect(parseAnswer('{"approve": true}')).toMatchObject({ ok: false, reason: expect.stringMatching(/findings/) });
  });
});

describe('validateFindings', () => {
  it('keeps a finding that cites a sent line and quotes it, as an AI warning with a fingerprint', () => {
    const { findings, dropped } = validateFindings([good], ctx);
    expect(dropped).toEqual([]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      rule: 'llm-breaking-risk',
      origin: 'llm',
      severity: 'warning',
      model: 'fct_orders',
      path: 'models/marts/fct_orders.sql',
      line: 16,
    });
    expect(findings[0]!.message.startsWith(AI_PREFIX)).toBe(true);
    expect(findings[0]!.message).toContain('Consequence: Orders without a payment disappear');
    expect(findings[0]!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('drops invented paths, invented lines, removed lines, wrong quotes and missing consequences', () => {
    const bad = [
      { ...good, path: 'models/marts/other.sql' },
      { ...good, line: 99 },
      { ...good, line: 15 }, // a removed line has no head number
      { ...good, quote: 'left join payments' },
      { ...good, line: 17, quote: 'inner join' }, // quote from another line
      { ...good, quote: 'in' }, // too short to prove anything
      { ...good, consequence: 'n/a' },
      { ...good, severity: 'critical' },
      { path: 'x' },
    ];
    const { findings, dropped } = validateFindings(bad, ctx);
    expect(findings).toEqual([]);
    expect(dropped).toHaveLength(bad.length);
  });

  it('caps an error claimed in JSON mode at warning and keeps whitespace-insensitive quotes', () => {
    const { findings } = validateFindings([{ ...good, severity: 'error', quote: 'inner   join payments  on' }], ctx);
    expect(findings[0]?.severity).toBe('warning');
    expect(quoteMatches('group by 1, 2, 3', '    group by 1, 2, 3')).toBe(true);
  });

  it('defuses mentions, links, images and HTML in model text', () => {
    const t = sanitiseModelText('Ping @octocat <img src=x onerror=alert(1)> see ![x](http://evil/p.png) and [here](https://evil.example/a)');
    expect(t).not.toMatch(/@octocat|<img|http/);
    expect(t).toContain('@\u200boctocat');
  });
});

describe('answer schema', () => {
  it('the JSON schema sent and the valibot schema agree on a valid answer and on required keys', () => {
    expect(v.safeParse(llmAnswerSchema, { findings: [good] }).success).toBe(true);
    const items = (ANSWER_JSON_SCHEMA.schema['properties'] as { findings: { items: { required: string[]; properties: object } } }).findings.items;
    expect([...items.required].sort()).toEqual(Object.keys(good).sort());
    expect(Object.keys(items.properties).sort()).toEqual(Object.keys(good).sort());
    const { column: _omit, ...missing } = good;
    expect(v.safeParse(llmAnswerSchema, { findings: [missing] }).success).toBe(false);
  });
});
