/**
 * Line numbers written inside a change's detail ("CTE `orders` (line 3)", "which changed on line 7"). The analyser
 * counts lines of the rendered SQL; the review shows template lines. A change keeps, next to its detail, each piece
 * that names lines (`LineMention`), so the review can write it again with template lines, or drop it when a line
 * has no template line it surely comes from (a macro's output).
 */

/** How a mention names its lines. */
export type LineMentionForm =
  /** ` (line N)`: where a CTE or subquery is defined (the first line only). */
  | 'defined'
  /** ` (also read on lines N, M)`: further references. */
  | 'also'
  /** `, which changed on line N`: where an upstream column was redefined (the first line only). */
  | 'changed';

export interface LineMention {
  form: LineMentionForm;
  /** Rendered-SQL lines, ascending. */
  lines: number[];
  /** The piece of the detail that names them (`sayLines(form, lines)`). */
  text: string;
}

/** The words naming `lines` in `form`; empty when there are none. */
export function sayLines(form: LineMentionForm, lines: readonly number[]): string {
  if (lines.length === 0) return '';
  switch (form) {
    case 'defined':
      return ` (line ${lines[0]})`;
    case 'also':
      return ` (also read on line${lines.length > 1 ? 's' : ''} ${lines.join(', ')})`;
    case 'changed':
      return `, which changed on line ${lines[0]}`;
  }
}

/** A mention of `lines` in `form`, with its text; undefined when there are no lines. */
export function mention(form: LineMentionForm, lines: readonly number[]): LineMention | undefined {
  return lines.length === 0 ? undefined : { form, lines: [...lines], text: sayLines(form, lines) };
}

/**
 * `detail` with each mention's lines mapped by `lineOf` (rendered → template line; undefined when not sure): a line
 * that maps to none is left out, and so is a mention left without lines. Lines that map to the same template line
 * (a loop's output) are named once; an `also` line equal to the change's own line (`own`) is dropped.
 */
export function remapDetail(detail: string, mentions: readonly LineMention[], lineOf: (renderedLine: number) => number | undefined, own?: number): string {
  let out = detail;
  for (const m of mentions) {
    const mapped = [...new Set(m.lines.map(lineOf).filter((l): l is number => l !== undefined))]
      .filter((l) => m.form !== 'also' || l !== own)
      .sort((a, b) => a - b);
    const kept = m.form === 'also' ? mapped : m.lines.length > 0 && lineOf(m.lines[0]!) !== undefined ? [lineOf(m.lines[0]!)!] : [];
    const text = sayLines(m.form, kept);
    out = out.replace(m.text, () => text);
  }
  return out;
}
