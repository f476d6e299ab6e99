/**
 * Static `ref()` / `source()` extraction from raw model code (SQL Jinja or Python `dbt.ref`), tolerant of quotes,
 * spacing, packages and versions: `ref('m')`, `ref("pkg", "m")`, `ref('m', v=2)`, `ref('m', version='2')`.
 */
import type { RefCall, SourceCall } from './types.js';
import type { LineIndex } from './textLines.js';

const STR = String.raw`(?:'([^'\n]*)'|"([^"\n]*)")`;
const REF = new RegExp(
  String.raw`(?<![\w])ref\s*\(\s*${STR}\s*(?:,\s*${STR}\s*)?(?:,\s*(?:v|version)\s*=\s*(?:${STR}|([\w.]+))\s*)?,?\s*\)`,
  'g',
);
const SOURCE = new RegExp(String.raw`(?<![\w])source\s*\(\s*${STR}\s*,\s*${STR}\s*\)`, 'g');

export function extractRefs(code: string, lines: LineIndex): RefCall[] {
  const out: RefCall[] = [];
  for (const m of code.matchAll(REF)) {
    const first = m[1] ?? m[2];
    const second = m[3] ?? m[4];
    const version = m[5] ?? m[6] ?? m[7];
    if (first === undefined || first === '') continue;
    const call: RefCall =
      second !== undefined ? { name: second, package: first, line: lines.lineAt(m.index) } : { name: first, line: lines.lineAt(m.index) };
    if (version !== undefined) call.version = version;
    out.push(call);
  }
  return out;
}

export function extractSources(code: string, lines: LineIndex): SourceCall[] {
  const out: SourceCall[] = [];
  for (const m of code.matchAll(SOURCE)) {
    const source = m[1] ?? m[2];
    const table = m[3] ?? m[4];
    if (!source || !table) continue;
    out.push({ source, table, line: lines.lineAt(m.index) });
  }
  return out;
}

/** Model names a list of `depends_on` strings (`ref('x')`, `ref('pkg', 'x')`) points to. */
export function refNamesOf(texts: string[]): string[] {
  return refTargetsOf(texts).map((t) => t.name);
}

/** The models (and pinned versions: `ref('x', v=2)`) a list of `depends_on` strings points to. */
export function refTargetsOf(texts: string[]): { name: string; version?: string }[] {
  const targets: { name: string; version?: string }[] = [];
  for (const text of texts) {
    for (const m of text.matchAll(REF)) {
      const name = m[3] ?? m[4] ?? m[1] ?? m[2];
      const version = m[5] ?? m[6] ?? m[7];
      if (name) targets.push(version !== undefined ? { name, version } : { name });
    }
  }
  return targets;
}
