import { describe, expect, it } from 'vitest';
import { diffLineIndex, onPullRequestPaths, planInlineComments } from '../../src/github/inline-comments.js';
import type { Finding } from '../../src/review/types.js';
import { headLineOfBaseLine } from '../../src/sources/github-patch.js';

function finding(over: Partial<Finding> & { fingerprint: string }): Finding {
  return { rule: 'owner-missing', severity: 'error', origin: 'rule', path: 'models/a.yml', line: 2, message: 'no owner', ...over };
}

const files = [{ path: 'models/a.yml', patch: '@@ -1,2 +1,4 @@\n models:\n+  - name: a\n+    description: x\n   - name: b' }];

describe('planInlineComments', () => {
  it('places new findings on diff lines and leaves the rest to the summary', () => {
    const plan = planInlineComments(
      [
        finding({ fingerprint: 'f1' }),
        finding({ fingerprint: 'f2', line: 40 }),
        finding({ fingerprint: 'f3', path: 'models/other.sql' }),
        finding({ fingerprint: 'f4' }),
      ],
      diffLineIndex(files),
      new Set(['f4']),
    );
    expect(plan.comments.map((c) => c.finding.fingerprint)).toEqual(['f1']);
    expect(plan.comments[0]!.comment).toMatchObject({ path: 'models/a.yml', line: 2, side: 'RIGHT' });
    expect(plan.offDiff.map((f) => f.fingerprint)).toEqual(['f2', 'f3']);
  });

  it('places a finding about a removed line on that line of the base (LEFT), not on the head line of the same number', () => {
    const removal = [{ path: 'models/m.sql', patch: '@@ -1,5 +1,4 @@\n select\n   order_id,\n-  discount_total,\n   total_paid\n from x' }];
    const [planned] = planInlineComments([finding({ fingerprint: 'r', path: 'models/m.sql', line: 3, side: 'base' })], diffLineIndex(removal), new Set()).comments;
    expect(planned!.comment).toMatchObject({ path: 'models/m.sql', line: 3, side: 'LEFT' });
    expect(headLineOfBaseLine(removal[0]!.patch, 3)).toBe(3); // it stood where `total_paid` now is
    expect(headLineOfBaseLine(removal[0]!.patch, 4)).toBe(3);
    expect(planInlineComments([finding({ fingerprint: 'x', path: 'models/m.sql', line: 9, side: 'base' })], diffLineIndex(removal), new Set()).offDiff).toHaveLength(1);
  });

  it('places a removal in a moved file on the LEFT side of its new path, where GitHub shows the move', () => {
    const moved = [
      {
        path: 'models/marts/orders.sql',
        previousPath: 'models/staging/orders.sql',
        patch: '@@ -1,5 +1,4 @@\n select\n     id as order_id,\n-    amount,\n     status\n from raw.orders',
      },
    ];
    const removal = finding({ fingerprint: 'm', path: 'models/staging/orders.sql', line: 3, side: 'base' });
    const headSide = finding({ fingerprint: 'h', path: 'models/staging/orders.sql', line: 3 }); // a head path that is not the moved file's
    const placed = onPullRequestPaths([removal, headSide], moved);
    expect(placed.map((f) => [f.path, f.fingerprint])).toEqual([
      ['models/marts/orders.sql', 'm'],
      ['models/staging/orders.sql', 'h'],
    ]);
    const [planned] = planInlineComments(placed, diffLineIndex(moved), new Set()).comments;
    expect(planned!.comment).toMatchObject({ path: 'models/marts/orders.sql', line: 3, side: 'LEFT' });
    // Not moved without a rename: the finding stays where it is.
    expect(onPullRequestPaths([removal], [{ path: 'models/staging/orders.sql' }])).toEqual([removal]);
  });

  it('caps a review at 30 comments, errors first', () => {
    const many = Array.from({ length: 40 }, (_, i) => finding({ fingerprint: `w${i}`, severity: i < 35 ? 'warning' : 'error', line: 2 + (i % 3) }));
    const plan = planInlineComments(many, diffLineIndex(files), new Set());
    expect(plan.comments).toHaveLength(30);
    expect(plan.overLimit).toHaveLength(10);
    expect(plan.comments.slice(0, 5).every((c) => c.finding.severity === 'error')).toBe(true);
  });

  it('turns a mechanical fix into a suggestion spanning its lines, when they are in one hunk', () => {
    const f = finding({ fingerprint: 's', suggestion: { startLine: 2, endLine: 3, replacement: '  - name: a\n    meta: {owner: x}\n' } });
    const [planned] = planInlineComments([f], diffLineIndex(files), new Set()).comments;
    expect(planned!.comment).toMatchObject({ start_line: 2, start_side: 'RIGHT', line: 3 });
    expect(planned!.comment.body).toContain('```suggestion\n  - name: a\n    meta: {owner: x}\n```');
    const outside = finding({ fingerprint: 't', suggestion: { startLine: 3, endLine: 9, replacement: 'x' } });
    const [plain] = planInlineComments([outside], diffLineIndex(files), new Set()).comments;
    expect(plain!.comment.start_line).toBeUndefined();
    expect(plain!.comment.body).not.toContain('```suggestion');
    expect(plain!.comment.body).toContain('Suggested fix for lines 3–9');
  });
});

describe('commentBody', () => {
  it('writes an empty suggestion block to delete a line (e.g. a lone trailing semicolon)', async () => {
    const { commentBody } = await import('../../src/github/inline-comments.js');
    const body = commentBody(
      finding({ fingerprint: 'semi', rule: 'trailing-semicolon', suggestion: { startLine: 2, endLine: 2, replacement: '' } }),
      true,
    );
    expect(body).toContain('```suggestion\n```');
  });
});
