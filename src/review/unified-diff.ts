/**
 * One parser for unified diffs (GitHub's per-file `patch`, or `git diff` output for one file): hunks with base and
 * head line numbers. Lenient by default (a following file's headers end the hunk, CRs are dropped); `strict`
 * rejects anything that is not a well-formed patch, for callers that rebuild file text from it.
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
  /** The base side of this hunk has no newline at the end of the file. */
  oldNoNewline: boolean;
  /** The head side of this hunk has no newline at the end of the file. */
  newNoNewline: boolean;
}

export class PatchError extends Error {}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$/;

export function parseUnifiedDiff(patch: string, options: { strict?: boolean } = {}): Hunk[] {
  const strict = options.strict ?? false;
  const hunks: Hunk[] = [];
  let current: Hunk | undefined;
  let last: DiffLine | undefined;
  let oldLine = 0;
  let newLine = 0;
  const rows = patch.split('\n');
  // A trailing newline produces one empty last element that is not a diff line.
  if (rows.length > 0 && rows[rows.length - 1] === '') rows.pop();
  for (const raw of rows) {
    // Strict callers compare lines with file text that keeps its CRs; lenient ones only read the text.
    const row = !strict && raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const header = HUNK_HEADER.exec(row);
    if (header) {
      current = {
        oldStart: Number(header[1]),
        oldCount: header[2] === undefined ? 1 : Number(header[2]),
        newStart: Number(header[3]),
        newCount: header[4] === undefined ? 1 : Number(header[4]),
        section: header[5] ?? '',
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
    const sign = row[0];
    if (sign === '\\') {
      // "\ No newline at end of file" applies to the line just before it.
      if (last?.type !== 'add') current.oldNoNewline = true;
      if (last?.type !== 'del') current.newNoNewline = true;
      continue;
    }
    const text = row.slice(1);
    if (sign === '+') last = { type: 'add', text, newLine: newLine++ };
    else if (sign === '-') last = { type: 'del', text, oldLine: oldLine++ };
    else if (sign === ' ' || row === '') last = { type: 'ctx', text, oldLine: oldLine++, newLine: newLine++ };
    else if (strict) throw new PatchError(`unexpected patch line: ${JSON.stringify(row.slice(0, 40))}`);
    else {
      // `diff --git` of the next file in a multi-file diff: this file's hunks are over.
      current = undefined;
      continue;
    }
    current.lines.push(last);
  }
  if (strict) {
    for (const h of hunks) {
      const olds = h.lines.filter((l) => l.type !== 'add').length;
      const news = h.lines.filter((l) => l.type !== 'del').length;
      if (olds !== h.oldCount || news !== h.newCount) throw new PatchError('hunk line counts do not match its header');
    }
  }
  return hunks;
}
