/**
 * GitHub's per-file `patch` (the hunks of a unified diff, without file headers): which head lines a review
 * comment may sit on, the base text recovered from the head text by applying the patch in reverse, and the head
 * text rebuilt from the base text by applying it forward.
 */

import { parseUnifiedDiff, PatchError, type Hunk } from '../review/unified-diff.js';

export { PatchError };

/** Parses the hunks of a patch. Throws `PatchError` on a malformed patch (counts that do not add up). */
export function parseHunks(patch: string): Hunk[] {
  return parseUnifiedDiff(patch, { strict: true });
}

/** The lines of one side a review comment can be placed on (head: `side: RIGHT`, base: `LEFT`), each with its hunk's index. */
export function commentableLines(patch: string, side: 'head' | 'base' = 'head'): Map<number, number> {
  const lines = new Map<number, number>();
  parseHunks(patch).forEach((hunk, index) => {
    for (const line of hunk.lines) {
      const at = side === 'head' ? line.newLine : line.oldLine;
      if (at !== undefined) lines.set(at, index);
    }
  });
  return lines;
}

/**
 * Where a line of the base revision stands in the head revision: its own head line when it is context, else (it was
 * removed) the head line that now follows it. Undefined when the patch does not show it.
 */
export function headLineOfBaseLine(patch: string, baseLine: number): number | undefined {
  for (const hunk of parseHunks(patch)) {
    let nextHead: number | undefined;
    let found = false;
    for (const line of hunk.lines) {
      if (found && line.newLine !== undefined) return line.newLine;
      if (line.oldLine === baseLine) {
        if (line.newLine !== undefined) return line.newLine;
        found = true;
      }
      if (line.newLine !== undefined) nextHead = line.newLine + 1;
    }
    if (found) return nextHead ?? hunk.newStart;
  }
  return undefined;
}

function splitLines(text: string): { lines: string[]; finalNewline: boolean } {
  if (text === '') return { lines: [], finalNewline: false };
  const finalNewline = text.endsWith('\n');
  const lines = (finalNewline ? text.slice(0, -1) : text).split('\n');
  return { lines, finalNewline };
}

/**
 * Applies a patch to the text of one side: `forward` turns the base text into the head text, `reverse` the head
 * text into the base text. Throws `PatchError` when the text does not match the patch's context (the patch is not
 * for this text).
 */
function applyPatch(sourceText: string, patch: string, direction: 'forward' | 'reverse'): string {
  const forward = direction === 'forward';
  const inserted = forward ? 'add' : 'del';
  const hunks = parseHunks(patch);
  const source = splitLines(sourceText);
  const out: string[] = [];
  let cursor = 0; // next unread source line (0-based)
  let finalNewline = source.finalNewline;
  for (const hunk of hunks) {
    const from = forward ? hunk.oldStart : hunk.newStart;
    const count = forward ? hunk.oldCount : hunk.newCount;
    const start = count === 0 ? from : from - 1;
    if (start < cursor || start > source.lines.length) throw new PatchError('hunk outside the file');
    while (cursor < start) out.push(source.lines[cursor++]!);
    for (const line of hunk.lines) {
      if (line.type === inserted) {
        out.push(line.text);
        continue;
      }
      if (source.lines[cursor] !== line.text) throw new PatchError(`context mismatch at line ${cursor + 1}`);
      if (line.type === 'ctx') out.push(line.text);
      cursor++;
    }
    // A hunk that reaches the end of the file decides whether the result ends with a newline.
    if (cursor >= source.lines.length) finalNewline = !(forward ? hunk.newNoNewline : hunk.oldNoNewline);
  }
  while (cursor < source.lines.length) out.push(source.lines[cursor++]!);
  if (out.length === 0) return '';
  return out.join('\n') + (finalNewline ? '\n' : '');
}

/** The base text of a file, from its head text and the patch base -> head. Throws `PatchError` on a mismatch. */
export function reverseApply(headText: string, patch: string): string {
  return applyPatch(headText, patch, 'reverse');
}

/**
 * The head text of a file, from its base text and the patch base -> head (for an added file: from '' and a patch
 * of added lines). Throws `PatchError` on a mismatch.
 */
export function forwardApply(baseText: string, patch: string): string {
  return applyPatch(baseText, patch, 'forward');
}
