/**
 * GitHub's per-file `patch` (the hunks of a unified diff, without file headers): which head lines a review
 * comment may sit on, and the base text recovered from the head text by applying the patch in reverse.
 */

export interface PatchLine {
  type: ' ' | '+' | '-';
  text: string;
  /** Base-revision line (context and removed lines). */
  oldLine?: number;
  /** Head-revision line (context and added lines). */
  newLine?: number;
}

export interface PatchHunk {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  lines: PatchLine[];
  /** The base side of this hunk has no newline at the end of the file. */
  oldNoNewline: boolean;
  /** The head side of this hunk has no newline at the end of the file. */
  newNoNewline: boolean;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

export class PatchError extends Error {}

/** Parses the hunks of a patch. Throws `PatchError` on a malformed patch (counts that do not add up). */
export function parseHunks(patch: string): PatchHunk[] {
  const hunks: PatchHunk[] = [];
  let current: PatchHunk | undefined;
  let oldLine = 0;
  let newLine = 0;
  let last: PatchLine | undefined;
  const rows = patch.split('\n');
  if (rows.length > 0 && rows[rows.length - 1] === '') rows.pop();
  for (const row of rows) {
    const header = HUNK_HEADER.exec(row);
    if (header) {
      current = {
        oldStart: Number(header[1]),
        oldCount: header[2] === undefined ? 1 : Number(header[2]),
        newStart: Number(header[3]),
        newCount: header[4] === undefined ? 1 : Number(header[4]),
        lines: [],
        oldNoNewline: false,
        newNoNewline: false,
      };
      hunks.push(current);
      oldLine = current.oldStart;
      newLine = current.newStart;
      last = undefined;
      continue;
    }
    if (!current) continue; // file headers (`diff --git`, `---`, `+++`) before the first hunk
    const marker = row[0];
    if (marker === '\\') {
      // "\ No newline at end of file" applies to the line just before it.
      if (last?.type !== '+') current.oldNoNewline = true;
      if (last?.type !== '-') current.newNoNewline = true;
      continue;
    }
    const text = row.slice(1);
    if (marker === '+') last = { type: '+', text, newLine: newLine++ };
    else if (marker === '-') last = { type: '-', text, oldLine: oldLine++ };
    else if (marker === ' ' || row === '') last = { type: ' ', text, oldLine: oldLine++, newLine: newLine++ };
    else throw new PatchError(`unexpected patch line: ${JSON.stringify(row.slice(0, 40))}`);
    current.lines.push(last);
  }
  for (const h of hunks) {
    const olds = h.lines.filter((l) => l.type !== '+').length;
    const news = h.lines.filter((l) => l.type !== '-').length;
    if (olds !== h.oldCount || news !== h.newCount) throw new PatchError('hunk line counts do not match its header');
  }
  return hunks;
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
      if (line.type === '-') {
        base.push(line.text);
        continue;
      }
      if (head.lines[cursor] !== line.text) throw new PatchError(`context mismatch at head line ${cursor + 1}`);
      if (line.type === ' ') base.push(line.text);
      cursor++;
    }
    // A hunk that reaches the end of the file decides whether the base ends with a newline.
    if (cursor >= head.lines.length) baseFinalNewline = !hunk.oldNoNewline;
  }
  while (cursor < head.lines.length) base.push(head.lines[cursor++]!);
  if (base.length === 0) return '';
  return base.join('\n') + (baseFinalNewline ? '\n' : '');
}
