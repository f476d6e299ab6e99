import { describe, expect, it } from 'vitest';
import { commentableLines, forwardApply, parseHunks, PatchError, reverseApply } from '../../src/sources/github-patch.js';

describe('reverseApply', () => {
  it('recovers the base of a modified file', () => {
    const base = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    const head = 'a\nb\nC\nd\ne\nf\ng\nh\ni\n';
    const patch = '@@ -1,5 +1,5 @@\n a\n b\n-c\n+C\n d\n e\n@@ -6,3 +6,4 @@ x\n f\n g\n h\n+i';
    expect(reverseApply(head, patch)).toBe(base);
  });

  it('recovers a removed file from a patch of removed lines', () => {
    expect(reverseApply('', '@@ -1,2 +0,0 @@\n-select 1\n-from x')).toBe('select 1\nfrom x\n');
  });

  it('keeps track of "no newline at end of file" on either side', () => {
    const patch = '@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n';
    expect(reverseApply('a\nb\n', patch)).toBe('a\nb');
    const other = '@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file';
    expect(reverseApply('a\nb', other)).toBe('a\nb\n');
  });

  it('refuses a patch that does not match the text', () => {
    expect(() => reverseApply('x\ny\n', '@@ -1,2 +1,2 @@\n a\n-b\n+y')).toThrow(PatchError);
    expect(() => parseHunks('@@ -1,3 +1,1 @@\n a')).toThrow(PatchError);
  });
});

describe('forwardApply', () => {
  it('rebuilds the head of a modified file from its base (the inverse of reverseApply)', () => {
    const base = 'a\nb\nc\nd\ne\nf\ng\nh\n';
    const head = 'a\nb\nC\nd\ne\nf\ng\nh\ni\n';
    const patch = '@@ -1,5 +1,5 @@\n a\n b\n-c\n+C\n d\n e\n@@ -6,3 +6,4 @@ x\n f\n g\n h\n+i';
    expect(forwardApply(base, patch)).toBe(head);
    expect(reverseApply(forwardApply(base, patch), patch)).toBe(base);
  });

  it('builds an added file from a patch of added lines, and empties a removed one', () => {
    expect(forwardApply('', '@@ -0,0 +1,2 @@\n+select 1\n+from x')).toBe('select 1\nfrom x\n');
    expect(forwardApply('', '@@ -0,0 +1 @@\n+select 1\n\\ No newline at end of file')).toBe('select 1');
    expect(forwardApply('select 1\nfrom x\n', '@@ -1,2 +0,0 @@\n-select 1\n-from x')).toBe('');
  });

  it('inserts after a line for a hunk with no base lines, and keeps lines after the last hunk', () => {
    expect(forwardApply('a\nb\nc\n', '@@ -1,0 +2 @@\n+x')).toBe('a\nx\nb\nc\n');
  });

  it('keeps track of "no newline at end of file" on either side', () => {
    expect(forwardApply('a\nb', '@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n')).toBe('a\nb\n');
    expect(forwardApply('a\nb\n', '@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file')).toBe('a\nb');
    expect(forwardApply('a\nb', '@@ -1,2 +1,3 @@\n a\n-b\n\\ No newline at end of file\n+b\n+c\n\\ No newline at end of file')).toBe('a\nb\nc');
  });

  it('keeps carriage returns of CRLF files', () => {
    expect(forwardApply('a\r\nb\r\n', '@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r')).toBe('a\r\nc\r\n');
  });

  it('refuses a patch that does not match the base text', () => {
    expect(() => forwardApply('x\ny\n', '@@ -1,2 +1,2 @@\n a\n-b\n+y')).toThrow(PatchError);
    expect(() => forwardApply('a\n', '@@ -5,1 +5,1 @@\n-e\n+E')).toThrow(PatchError);
  });
});

describe('commentableLines', () => {
  it('lists head lines of each hunk (added and context), not removed ones', () => {
    const lines = commentableLines('@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n@@ -10,2 +10,3 @@\n j\n+k\n l');
    expect([...lines.entries()]).toEqual([
      [1, 0],
      [2, 0],
      [3, 0],
      [10, 1],
      [11, 1],
      [12, 1],
    ]);
  });
});
