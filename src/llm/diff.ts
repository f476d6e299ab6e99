/**
 * Unified-diff parsing for the LLM stage: hunks with head (and base) line numbers, change blocks, and the
 * formatting-only test. Pure.
 */

import { parseUnifiedDiff, type Hunk } from '../review/unified-diff.js';

export type { DiffLine, DiffLineType, Hunk } from '../review/unified-diff.js';

/** Parses a unified diff (GitHub's `patch` or `git diff` output for one file). Header lines before the first hunk are ignored. */
export function parsePatch(patch: string): Hunk[] {
  return parseUnifiedDiff(patch);
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
