import { describe, expect, it } from 'vitest';
import { commentableLines, parseHunks, PatchError, reverseApply } from '../../src/sources/github-patch.js';

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
