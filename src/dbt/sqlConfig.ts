/**
 * Static extraction of in-file config: `{{ config(...) }}` in SQL models and `dbt.config(...)` in Python models.
 * Keyword form and dict form (`config({...})`, `config(**{...})`) both work; several calls are returned in order.
 */
import { JinjaExpr, LiteralReader, type PyNode } from './pyLiteral.js';
import type { LineIndex } from './textLines.js';

export interface ConfigArgument {
  key: string;
  /** Plain value; computed parts are `JinjaExpr`. */
  value: unknown;
  /** The whole value is computed (present but unknown). */
  computed: boolean;
  line: number;
  /** For dict values: line of each key (e.g. `meta={'owner': ...}` -> owner's line). */
  subLines: Record<string, number>;
  /** Source text of the argument, shortened. */
  text: string;
}

export interface ConfigCallInfo {
  line: number;
  arguments: ConfigArgument[];
  /** An argument that could not be read statically (`config(**settings)`, `config(my_dict)`). */
  opaque?: { line: number; text: string };
}

const SQL_CALL = /(?<![\w.])config\s*\(/g;
const PY_CALL = /(?<![\w.])dbt\s*\.\s*config\s*\(/g;

export function extractConfigCalls(source: string, language: 'sql' | 'python', lines: LineIndex): ConfigCallInfo[] {
  if (!source.includes('config')) return [];
  const reader = new LiteralReader(source, language === 'python');
  const pattern = new RegExp(language === 'python' ? PY_CALL : SQL_CALL);
  const calls: ConfigCallInfo[] = [];
  for (let m = pattern.exec(source); m !== null; m = pattern.exec(source)) {
    const at = m.index;
    if (language === 'sql' ? !insideJinja(source, at) : onCommentLine(source, at)) continue;
    const open = at + m[0].length - 1;
    const parsed = reader.readCall(open);
    if (!parsed) continue;
    pattern.lastIndex = parsed.end;
    const call: ConfigCallInfo = { line: lines.lineAt(at), arguments: [] };
    for (const arg of parsed.args) {
      if (arg.name !== undefined) {
        call.arguments.push(argumentOf(arg.name, arg.node, arg.nameStart ?? arg.node.start, source, lines));
      } else if (arg.node.entries && !(arg.node.value instanceof JinjaExpr)) {
        for (const entry of arg.node.entries) {
          call.arguments.push(argumentOf(entry.key, entry.node, entry.keyStart, source, lines));
        }
      } else {
        call.opaque ??= { line: lines.lineAt(arg.node.start), text: shorten(source.slice(arg.node.start, arg.node.end)) };
      }
    }
    // A call inside `{% if %}` / `{% for %}` runs or not depending on the target, vars...: present but unknown.
    const block = language === 'sql' ? enclosingBlock(source, at) : undefined;
    if (block) {
      for (const arg of call.arguments) {
        arg.value = onlyWhen(arg.value, block);
        arg.computed = true;
      }
    }
    calls.push(call);
  }
  return calls;
}

function argumentOf(key: string, node: PyNode, keyStart: number, source: string, lines: LineIndex): ConfigArgument {
  const subLines: Record<string, number> = {};
  for (const e of node.entries ?? []) subLines[e.key] = lines.lineAt(e.keyStart);
  return {
    key,
    value: node.value,
    computed: node.value instanceof JinjaExpr,
    line: lines.lineAt(keyStart),
    subLines,
    text: shorten(source.slice(keyStart, node.end)),
  };
}

const BLOCK_TAG = /\{%-?\s*(if|for|macro|call|filter|endif|endfor|endmacro|endcall|endfilter)\b[\s\S]*?-?%\}/g;

/** The innermost `{% if %}`/`{% for %}`/... block tag open at offset `at`, shortened, if any. */
function enclosingBlock(source: string, at: number): string | undefined {
  const open: string[] = [];
  BLOCK_TAG.lastIndex = 0;
  for (let m = BLOCK_TAG.exec(source); m !== null && m.index < at; m = BLOCK_TAG.exec(source)) {
    if (m[1]!.startsWith('end')) open.pop();
    else open.push(shorten(m[0], 80));
  }
  return open.at(-1);
}

/** A config value set only when a block runs: each value (of a dict, each entry's) computed by that block. */
function onlyWhen(value: unknown, block: string): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof JinjaExpr)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, onlyWhen(v, block)]));
  }
  return new JinjaExpr(`only inside ${block}`);
}

/** Whether offset `at` lies inside a `{{ ... }}` or `{% ... %}` block. */
function insideJinja(source: string, at: number): boolean {
  const open = Math.max(source.lastIndexOf('{{', at), source.lastIndexOf('{%', at));
  if (open === -1) return false;
  const close = Math.max(source.lastIndexOf('}}', at), source.lastIndexOf('%}', at));
  return close < open;
}

function onCommentLine(source: string, at: number): boolean {
  const lineStart = source.lastIndexOf('\n', at - 1) + 1;
  return source.slice(lineStart, at).trimStart().startsWith('#');
}

export function shorten(text: string, max = 120): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
