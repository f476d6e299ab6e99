/**
 * The project's macros as one importable Jinja module. Macro files may also hold `{% test %}`, `{% materialization %}`
 * or `{% docs %}` blocks, which the engine does not know; only `{% macro %}...{% endmacro %}` blocks are kept.
 */
import { lineAt, scanJinjaTags } from './template-scan.js';

export interface MacroBlock {
  name: string;
  path: string;
  /** 1-based line of `{% macro` in its file. */
  line: number;
  text: string;
}

const MACRO_START = /^[-+]?\s*macro\s+([A-Za-z_]\w*)\s*\(/;
const MACRO_END = /^[-+]?\s*endmacro\b/;

/** The top-level `{% macro %}` blocks of one file (nested macros stay inside their parent). */
export function extractMacroBlocks(path: string, source: string): MacroBlock[] {
  const blocks: MacroBlock[] = [];
  let depth = 0;
  let open: { name: string; start: number } | undefined;
  for (const tag of scanJinjaTags(source)) {
    if (tag.kind !== 'statement') continue;
    const start = MACRO_START.exec(tag.body);
    if (start) {
      if (depth === 0) open = { name: start[1] ?? '', start: tag.start };
      depth += 1;
      continue;
    }
    if (MACRO_END.test(tag.body) && depth > 0) {
      depth -= 1;
      if (depth === 0 && open) {
        blocks.push({ name: open.name, path, line: lineAt(source, open.start), text: source.slice(open.start, tag.end) });
        open = undefined;
      }
    }
  }
  return blocks;
}

/** Names of the macros a template defines itself. */
export function definedMacroNames(source: string): string[] {
  return extractMacroBlocks('', source).map((b) => b.name);
}

export interface MacroModule {
  source: string;
  /** Macro names importable from the module (last definition wins, as in dbt's project namespace). */
  names: string[];
  /** Maps a line of the module back to the macro file and line. */
  locate(line: number): { path: string; line: number } | undefined;
}

/** Concatenates macro blocks into one module; `blocks` later in the list override earlier ones with the same name. */
export function buildMacroModule(blocks: MacroBlock[]): MacroModule {
  const segments: { firstLine: number; lastLine: number; block: MacroBlock }[] = [];
  const parts: string[] = [];
  let nextLine = 1;
  for (const block of blocks) {
    const lines = block.text.split('\n').length;
    segments.push({ firstLine: nextLine, lastLine: nextLine + lines - 1, block });
    parts.push(block.text);
    nextLine += lines;
  }
  const names = [...new Set(blocks.map((b) => b.name))];
  return {
    source: parts.join('\n'),
    names,
    locate(line) {
      const seg = segments.find((s) => line >= s.firstLine && line <= s.lastLine);
      return seg ? { path: seg.block.path, line: seg.block.line + (line - seg.firstLine) } : undefined;
    },
  };
}
