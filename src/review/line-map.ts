/**
 * Maps lines of rendered SQL back to the template they came from. Jinja removes lines (skipped `{% if %}` branches,
 * `{%-`/`-%}` whitespace control) and expands loops, so line N of the rendered SQL is not always line N of the
 * file. Aligning the two texts line by line (longest common subsequence of trimmed lines) gives an exact answer for
 * every line that survived rendering unchanged, and the nearest preceding template line for generated ones.
 */

/** Above this many line pairs the alignment falls back to identity (templates are rarely this large). */
const MAX_CELLS = 4_000_000;

export function renderedToTemplateLines(template: string, rendered: string): (renderedLine: number) => number {
  const map = templateLineMap(template, rendered);
  return (line) => map(line).line;
}

/**
 * As `renderedToTemplateLines`, and whether the template line is known: the line survived rendering unchanged, or
 * is like one template line (a loop's body), or is the only template line between its aligned neighbours. Not
 * known: a line of a macro's output that resembles no template line, or any line when the texts are too large to
 * align.
 */
export function templateLineMap(template: string, rendered: string): (renderedLine: number) => { line: number; known: boolean } {
  const t = template.split('\n').map(normalise);
  const r = rendered.split('\n').map(normalise);
  const templateLines = t.length;
  if (template === rendered) return (line) => ({ line: clamp(line, templateLines), known: line >= 1 && line <= templateLines });
  if (t.length * r.length > MAX_CELLS) return (line) => ({ line: clamp(line, templateLines), known: false });
  const map = align(t, r);
  return (line) => {
    const index = clamp(line, r.length) - 1;
    const exact = map[index];
    if (exact !== undefined && exact >= 0) return { line: exact + 1, known: true };
    // A generated line: the most similar template line between the aligned neighbours (a loop body, a macro call).
    let lo = -1;
    for (let i = index - 1; i >= 0; i--) if ((map[i] ?? -1) >= 0) { lo = map[i]!; break; }
    let hi = templateLines;
    for (let i = index + 1; i < r.length; i++) if ((map[i] ?? -1) >= 0) { hi = map[i]!; break; }
    const target = words(r[index] ?? '');
    let best = -1;
    let bestScore = 0;
    for (let k = lo + 1; k < hi; k++) {
      const score = similarity(target, words(t[k] ?? ''));
      if (score > bestScore) {
        best = k;
        bestScore = score;
      }
    }
    if (best >= 0) return { line: best + 1, known: true };
    return { line: clamp(lo + 2, templateLines), known: hi - lo === 2 };
  };
}

function words(line: string): Set<string> {
  return new Set(line.replace(/\{[{%#].*?[}%#]\}/g, ' ').split(/[^a-z0-9_]+/).filter((w) => w.length > 1));
}

function similarity(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  return shared / (a.size + b.size - shared);
}

function normalise(line: string): string {
  return line.trim().replace(/\s+/g, ' ').toLowerCase();
}

function clamp(line: number, max: number): number {
  return Math.max(1, Math.min(line, Math.max(1, max)));
}

/** For each rendered line, the 0-based template line it equals in an LCS alignment, or -1. */
function align(t: string[], r: string[]): number[] {
  const n = t.length;
  const m = r.length;
  // lengths[i][j] = LCS of t[i..] and r[j..], stored row-major in one typed array.
  const width = m + 1;
  const lengths = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * width + j] =
        t[i] === r[j] && t[i] !== ''
          ? lengths[(i + 1) * width + j + 1]! + 1
          : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
    }
  }
  const out = new Array<number>(m).fill(-1);
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (t[i] === r[j] && t[i] !== '') {
      out[j] = i;
      i++;
      j++;
    } else if (lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!) i++;
    else j++;
  }
  return out;
}
