/** `{% macro name(...) %} ... {% endmacro %}` blocks of a macro file. */
import { LineIndex } from './textLines.js';
import type { DbtMacro } from './types.js';

const MACRO_START = /\{%-?\s*macro\s+([A-Za-z_]\w*)\s*\(/g;
const MACRO_END = /\{%-?\s*endmacro\s*-?%\}/g;

export function extractMacros(source: string, path: string): DbtMacro[] {
  const lines = new LineIndex(source);
  const out: DbtMacro[] = [];
  for (const m of source.matchAll(MACRO_START)) {
    const name = m[1];
    if (!name) continue;
    MACRO_END.lastIndex = m.index;
    const end = MACRO_END.exec(source);
    const stop = end ? end.index + end[0].length : source.length;
    out.push({ name, path, line: lines.lineAt(m.index), source: source.slice(m.index, stop) });
  }
  return out;
}
