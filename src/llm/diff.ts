/**
 * Unified-diff parsing for the LLM stage: hunks with head (and base) line numbers, change blocks, and the
 * formatting-only test. Pure.
 */

export type DiffLineType = 'add' | 'del' | 'ctx';

export interface DiffLine {
  type: DiffLineType;
  text: string;
  /** Head-revision line (added and context lines). */
  newLine?: number;
  /** Base-revision line (removed and context lines). */
  oldLine?: number;
}

export interface Hunk {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  /** Text after the second `@@` (often the enclosing function or CTE). */
  section: string;
  lines: DiffLine[];
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;

/** Parses a unified diff (GitHub's `patch` or `git diff` output for one file). Header lines before the first hunk are ignored. */
export function parsePatch(patch: string): Hunk[] {
  const hunks: Hunk[] = [];
  let current: Hunk | undefined;
  let oldLine = 0;
  let newLine = 0;
  const rows = patch.split('\n');
  // A trailing newline produces one empty last element that is not a diff line.
  if (rows.length > 0 && rows[rows.length - 1] === '') rows.pop();
  for (const raw of rows) {
    const row = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const header = HUNK_HEADER.exec(row);
    if (header) {
      current = {
        oldStart: Number(header[1]),
        oldCount: header[2] === undefined ? 1 : Number(header[2]),
        newStart: Number(header[3]),
        newCount: header[4] === undefined ? 1 : Number(header[4]),
        section: header[5] ?? '',
        lines: [],
      };
      hunks.push(current);
      oldLine = current.oldStart;
      newLine = current.newStart;
      continue;
    }
    if (!current) continue;
    const sign = row[0];
    const text = row.slice(1);
    if (sign === '+') {
      current.lines.push({ type: 'add', text, newLine: newLine++ });
    } else if (sign === '-') {
      current.lines.push({ type: 'del', text, oldLine: oldLine++ });
    } else if (sign === ' ' || row === '') {
      current.lines.push({ type: 'ctx', text, oldLine: oldLine++, newLine: newLine++ });
    } else if (sign === '\\') {
      // "\ No newline at end of file": not a line of either revision.
    } else {
      // `diff --git` of the next file in a multi-file diff: stop this file's hunk.
      current = undefined;
    }
  }
  return hunks;
}

/** A maximal run of removed and/or added lines inside a hunk, with its position in `hunk.lines`. */
export interface ChangeBlock {
  start: number;
  end: number; // exclusive
  removed: string[];
  added: string[];
}

export function changeBlocks(hunk: Hunk): ChangeBlock[] {
  const blocks: ChangeBlock[] = [];
  let i = 0;
  while (i < hunk.lines.length) {
    if (hunk.lines[i]!.type === 'ctx') {
      i++;
      continue;
    }
    const start = i;
    const removed: string[] = [];
    const added: string[] = [];
    while (i < hunk.lines.length && hunk.lines[i]!.type !== 'ctx') {
      const l = hunk.lines[i]!;
      (l.type === 'del' ? removed : added).push(l.text);
      i++;
    }
    blocks.push({ start, end: i, removed, added });
  }
  return blocks;
}

/**
 * SQL/Jinja/YAML text reduced to what can change meaning: comments removed, whitespace removed, case folded
 * outside quotes. Two texts with the same normal form differ only in formatting.
 */
export function normaliseForFormatting(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      // line comment up to the end of the line
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === '{' && next === '#') {
      const end = text.indexOf('#}', i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      // Quoted literal or identifier: kept verbatim (case and spaces matter inside).
      let j = i + 1;
      while (j < n && text[j] !== c) j++;
      out += text.slice(i, Math.min(j + 1, n));
      i = j + 1;
      continue;
    }
    if (/\s/.test(c)) {
      // Whitespace separates two words (`a b` is not `ab`) and nothing else.
      let j = i;
      while (j < n && /\s/.test(text[j]!)) j++;
      const before = out[out.length - 1];
      const after = text[j];
      if (before !== undefined && after !== undefined && /\w/.test(before) && /\w/.test(after)) out += ' ';
      i = j;
      continue;
    }
    out += c.toLowerCase();
    i++;
  }
  // A trailing comma moved to a leading comma (or back) is layout, not meaning.
  return out.replace(/,+/g, ',').replace(/^,|,$/g, '');
}

/** True when the block's removed and added text differ only in whitespace, comments, keyword case or comma layout. */
export function isFormattingOnlyBlock(block: ChangeBlock): boolean {
  return normaliseForFormatting(block.removed.join('\n')) === normaliseForFormatting(block.added.join('\n'));
}

/** True when every change in the hunk is formatting only (taken as a whole, so moved commas across lines count). */
export function isFormattingOnlyHunk(hunk: Hunk): boolean {
  const removed = hunk.lines.filter((l) => l.type === 'del').map((l) => l.text);
  const added = hunk.lines.filter((l) => l.type === 'add').map((l) => l.text);
  if (removed.length === 0 && added.length === 0) return true;
  if (normaliseForFormatting(removed.join('\n')) === normaliseForFormatting(added.join('\n'))) return true;
  return changeBlocks(hunk).every(isFormattingOnlyBlock);
}

/** Head line range `[first, last]` a hunk covers (for added lines and context). */
export function hunkNewRange(hunk: Hunk): [number, number] {
  return [hunk.newStart, hunk.newStart + Math.max(hunk.newCount, 1) - 1];
}

/** Base line range `[first, last]` a hunk covers. */
export function hunkOldRange(hunk: Hunk): [number, number] {
  return [hunk.oldStart, hunk.oldStart + Math.max(hunk.oldCount, 1) - 1];
}
