import { describe, expect, it } from 'vitest';
import { changeBlocks, isFormattingOnlyBlock, isFormattingOnlyHunk, normaliseForFormatting, parsePatch } from '../../src/llm/diff.js';
import { unifiedDiff } from './helpers.js';

describe('parsePatch', () => {
  it('numbers added and context lines with head line numbers and removed lines with base line numbers', () => {
    const patch = ['@@ -10,4 +10,5 @@ final as (', ' select', '-  a,', '+  a + 1 as a,', '+  b,', ' from x', '\\ No newline at end of file', ' where 1'].join('\n');
    const [h] = parsePatch(patch);
    expect(h?.section).toBe('final as (');
    expect(h?.lines.map((l) => [l.type, l.newLine, l.oldLine, l.text])).toEqual([
      ['ctx', 10, 10, 'select'],
      ['del', undefined, 11, '  a,'],
      ['add', 11, undefined, '  a + 1 as a,'],
      ['add', 12, undefined, '  b,'],
      ['ctx', 13, 12, 'from x'],
      ['ctx', 14, 13, 'where 1'],
    ]);
  });

  it('reads several hunks, skips a git header and stops at the next file', () => {
    const patch = [
      'diff --git a/x.sql b/x.sql',
      '--- a/x.sql',
      '+++ b/x.sql',
      '@@ -1 +1 @@',
      '-a',
      '+b',
      '@@ -20,2 +20,3 @@',
      ' c',
      '+d',
      ' e',
      'diff --git a/y.sql b/y.sql',
      '@@ -1 +1 @@',
      '-z',
      '+w',
    ].join('\n');
    const hunks = parsePatch(patch);
    expect(hunks).toHaveLength(3);
    expect(hunks[0]!.lines.map((l) => l.text)).toEqual(['a', 'b']);
    expect(hunks[1]!.lines.find((l) => l.type === 'add')?.newLine).toBe(21);
  });

  it('agrees with the line numbers of the test diff writer', () => {
    const before = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
    const after = before.replace('line 12\n', 'line twelve\n').replace('line 25\n', 'line 25\nline 25b\n');
    const hunks = parsePatch(unifiedDiff(before, after));
    expect(hunks).toHaveLength(2);
    const added = hunks.flatMap((h) => h.lines.filter((l) => l.type === 'add'));
    expect(added.map((l) => [l.newLine, l.text])).toEqual([
      [12, 'line twelve'],
      [26, 'line 25b'],
    ]);
  });
});

describe('formatting-only detection', () => {
  it('treats whitespace, keyword case, comments and leading/trailing commas as formatting', () => {
    expect(normaliseForFormatting('SELECT  a,\n  b -- note\nFROM t')).toBe(normaliseForFormatting('select a\n  , b\nfrom t'));
    const hunk = parsePatch(['@@ -1,3 +1,3 @@', '-select id,', '-  name', '+SELECT', '+    id', '+  , name'].join('\n'))[0]!;
    expect(isFormattingOnlyHunk(hunk)).toBe(true);
  });

  it('does not treat changed literals, quoted identifiers or merged words as formatting', () => {
    expect(normaliseForFormatting("where s = 'Paid'")).not.toBe(normaliseForFormatting("where s = 'paid'"));
    expect(normaliseForFormatting('select "Amount"')).not.toBe(normaliseForFormatting('select "amount"'));
    expect(normaliseForFormatting('select a b')).not.toBe(normaliseForFormatting('select ab'));
    const hunk = parsePatch(['@@ -1,2 +1,2 @@', ' select', "-where status = 'paid'", "+where status = 'PAID'"].join('\n'))[0]!;
    expect(isFormattingOnlyHunk(hunk)).toBe(false);
  });

  it('splits a hunk into change blocks and judges each', () => {
    const hunk = parsePatch(['@@ -1,5 +1,5 @@', '-select  a,', '+select a,', ' b,', '-c', '+c + 1 as c', ' from t'].join('\n'))[0]!;
    const blocks = changeBlocks(hunk);
    expect(blocks).toHaveLength(2);
    expect(blocks.map(isFormattingOnlyBlock)).toEqual([true, false]);
  });
});
