/**
 * GitHub's per-file `patch` (the hunks of a unified diff, without file headers): which head lines a review
 * comment may sit on, and the base text recovered from the head text by applying the patch in reverse.
 */

import { parseUnifiedDiff, PatchError, type Hunk } from '../review/unified-diff.js';

export { PatchError };

/** Parses the hunks of a patch. Throws `PatchError` on a malformed patch (counts that do not add up). */
export function parseHunks(patch: string): Hunk[] {
  return parseUnifiedDiff(patch, { strict: true });
}

/** Head-side lines a review comment can be placed on (`side: RIGHT`), each with the index of its hunk. */
export function commentableLines(patch: string): Map<number, number> {
  const lines = new Map<number, number>();
  parseHunks(patch).forEach((hunk, index) => {
    for (const line of hunk.lines) if (line.newLine !== undefined) lines.set(line.newLine, index);
  });
  return lines;
}

function splitLines(text: string): { lines: string[]; finalNewline: boolean } {
  if (text === '') return { lines: [], finalNewline: false };
  const finalNewline = text.endsWith('\n');
  const lines = (finalNewline ? text.slice(0, -1) : text).split('\n');
  return { lines, finalNewline };
}

/**
 * The base text of a file, from its head text and the patch base -> head. Throws `PatchError` when the head text
 * does not match the patch's context (the patch is not for this text).
 */
export function reverseApply(headText: string, patch: string): string {
  const hunks = parseHunks(patch);
  const head = splitLines(headText);
  const base: string[] = [];
  let cursor = 0; // next unread head line (0-based)
  let baseFinalNewline = head.finalNewline;
  for (const hunk of hunks) {
    const start = hunk.newCount === 0 ? hunk.newStart : hunk.newStart - 1;
    if (start < cursor || start > head.lines.length) throw new PatchError('hunk outside the file');
    while (cursor < start) base.push(head.lines[cursor++]!);
    for (const line of hunk.lines) {
      if (line.type === 'del') {
        base.push(line.text);
        continue;
      }
      if (head.lines[cursor] !== line.text) throw new PatchError(`context mismatch at head line ${cursor + 1}`);
      if (line.type === 'ctx') base.push(line.text);
      cursor++;
    }
    // A hunk that reaches the end of the file decides whether the base ends with a newline.
    if (cursor >= head.lines.length) baseFinalNewline = !hunk.oldNoNewline;
  }
  while (cursor < head.lines.length) base.push(head.lines[cursor++]!);
  if (base.length === 0) return '';
  return base.join('\n') + (baseFinalNewline ? '\n' : '');
}
