import { describe, expect, it } from 'vitest';
import { breakingOf, conclusionOf, impactOf } from '../../src/review/verdict.js';
import type { Finding, LlmReport, ModelChange, ModelReport } from '../../src/review/types.js';

const change = (impact: ModelChange['impact'], breaking = false): ModelChange => ({
  kind: 'column_added',
  detail: '',
  path: 'models/a.sql',
  impact,
  breaking,
});
const llm = (status: LlmReport['status']): LlmReport => ({ status, model: null, inputTokens: 0, outputTokens: 0, findingsDropped: 0 });
const finding = (severity: Finding['severity'], origin: Finding['origin']): Finding => ({
  rule: 'x',
  severity,
  origin,
  path: 'models/a.sql',
  message: 'm',
  fingerprint: 'f',
});
const model = (impact: ModelReport['impact']): ModelReport => ({
  name: 'a',
  path: 'models/a.sql',
  status: 'modified',
  impact,
  breaking: false,
  changes: [],
  owner: null,
  downstream: [],
});

describe('impactOf', () => {
  it('is none without changes', () => expect(impactOf([])).toBe('none'));
  it('takes the strongest change', () => {
    expect(impactOf([change('additive'), change('column')])).toBe('column');
    expect(impactOf([change('column'), change('model_wide'), change('additive')])).toBe('model_wide');
  });
  it('is unknown when part of the model could not be analysed and nothing is model-wide', () => {
    expect(impactOf([change('additive'), change('unknown')])).toBe('unknown');
  });
  it('keeps model_wide even when another part is unknown', () => {
    expect(impactOf([change('unknown'), change('model_wide')])).toBe('model_wide');
  });
});

describe('breakingOf', () => {
  it('is true when any change is breaking', () => {
    expect(breakingOf([change('additive'), change('column', true)])).toBe(true);
    expect(breakingOf([change('column')])).toBe(false);
  });
});

describe('conclusionOf', () => {
  it('fails on an error from a rule or the semantic diff', () => {
    expect(conclusionOf([finding('error', 'rule')], [], llm('ran'))).toBe('failure');
    expect(conclusionOf([finding('error', 'semantic')], [], llm('ran'))).toBe('failure');
  });
  it('never fails because of an LLM finding', () => {
    expect(conclusionOf([finding('error', 'llm')], [], llm('ran'))).toBe('success');
  });
  it('is neutral when the LLM failed or ran over budget, or a model was not analysed', () => {
    expect(conclusionOf([finding('warning', 'rule')], [], llm('failed'))).toBe('neutral');
    expect(conclusionOf([], [], llm('over_budget'))).toBe('neutral');
    expect(conclusionOf([], [model('unknown')], llm('disabled'))).toBe('neutral');
  });
  it('is neutral when the change touches a project that could not be compared, unless a rule already fails it', () => {
    expect(conclusionOf([], [], llm('disabled'), true)).toBe('neutral');
    expect(conclusionOf([finding('error', 'rule')], [], llm('disabled'), true)).toBe('failure');
  });
  it('succeeds with warnings only and the LLM disabled or skipped', () => {
    expect(conclusionOf([finding('warning', 'rule')], [model('column')], llm('disabled'))).toBe('success');
    expect(conclusionOf([], [], llm('skipped'))).toBe('success');
  });
});
