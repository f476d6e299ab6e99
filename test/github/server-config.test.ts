import { describe, expect, it } from 'vitest';
import { webhookSecretProblem } from '../../src/server.js';
import { annotationBatches, toAnnotations } from '../../src/github/annotations.js';
import { deepMerge } from '../../src/github/config-loader.js';
import { parseSummaryMarker, summaryMarker } from '../../src/github/markers.js';
import type { Finding } from '../../src/review/types.js';

describe('webhookSecretProblem', () => {
  it('accepts only a real secret', () => {
    expect(webhookSecretProblem(undefined)).toMatch(/not set/);
    expect(webhookSecretProblem('development')).toMatch(/placeholder/);
    expect(webhookSecretProblem('short')).toMatch(/shorter than 16/);
    expect(webhookSecretProblem('3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c2e')).toBeUndefined();
  });
});

describe('annotations', () => {
  it('go out 50 per request, with the level of their severity, only for files of the head', () => {
    const findings: Finding[] = Array.from({ length: 120 }, (_, i) => ({
      rule: 'r',
      severity: i % 2 ? 'warning' : 'error',
      origin: 'rule',
      path: i === 0 ? 'gone.sql' : 'm.sql',
      line: i,
      message: 'x',
      fingerprint: String(i),
    }));
    const annotations = toAnnotations(findings, (p) => p === 'm.sql');
    expect(annotations).toHaveLength(119);
    expect(annotations[0]).toMatchObject({ annotation_level: 'warning', start_line: 1, end_line: 1 });
    expect(annotationBatches(annotations).map((b) => b.length)).toEqual([50, 50, 19]);
    expect(annotationBatches([])).toEqual([[]]);
  });
});

describe('config merging and summary marker', () => {
  it('merges like context.config: objects deep, arrays concatenated', () => {
    expect(deepMerge({ rules: { a: 'error' }, ignore: ['x'] }, { rules: { b: 'off' }, ignore: ['y'] })).toEqual({
      rules: { a: 'error', b: 'off' },
      ignore: ['x', 'y'],
    });
  });

  it('round-trips the state kept in the summary comment', () => {
    const state = { head: 'abc123', configHash: '0f0f', posted: ['a1', 'b2'] };
    expect(parseSummaryMarker(`text\n${summaryMarker(state)}\nmore`)).toEqual(state);
    expect(parseSummaryMarker('no marker')).toBeUndefined();
    const crowded = { ...state, listed: ['c3', 'd4'] };
    expect(parseSummaryMarker(summaryMarker(crowded))).toEqual(crowded);
    // A summary written before `listed` existed still reads.
    expect(parseSummaryMarker('<!-- dbt-pr-reviewer:summary v=1 head=abc config=0f posted=a1 -->')).toEqual({ head: 'abc', configHash: '0f', posted: ['a1'] });
  });
});
