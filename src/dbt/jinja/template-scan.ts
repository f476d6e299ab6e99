/**
 * A small scanner for Jinja tags (`{{ }}`, `{% %}`, `{# #}`) that knows string literals and `{% raw %}` blocks.
 * Used to find `{% macro %}` blocks in macro files and to rewrite a few dbt idioms inside tags only (never in the
 * SQL text around them), always keeping the number of lines.
 */

export interface JinjaTag {
  kind: 'expression' | 'statement' | 'comment';
  /** Offset of `{{` / `{%` / `{#`. */
  start: number;
  /** Offset just after the closing delimiter. */
  end: number;
  /** The text between the delimiters (including whitespace-control `-`/`+` markers). */
  body: string;
  bodyStart: number;
}

const OPENERS: Record<string, { kind: JinjaTag['kind']; close: string }> = {
  '{{': { kind: 'expression', close: '}}' },
  '{%': { kind: 'statement', close: '%}' },
  '{#': { kind: 'comment', close: '#}' },
};

/** Offset of `close` at or after `from`, skipping string literals; -1 if absent. */
function findClose(source: string, from: number, close: string, skipStrings: boolean): number {
  let pos = from;
  while (pos < source.length) {
    const ch = source[pos];
    if (skipStrings && (ch === '"' || ch === "'")) {
      pos = skipString(source, pos);
      continue;
    }
    if (source.startsWith(close, pos)) return pos;
    pos += 1;
  }
  return -1;
}

/** Offset just after the string literal starting at `start` (or the end of the text if unterminated). */
function skipString(source: string, start: number): number {
  const quote = source[start];
  let pos = start + 1;
  while (pos < source.length) {
    const ch = source[pos];
    if (ch === '\\') pos += 2;
    else if (ch === quote) return pos + 1;
    else pos += 1;
  }
  return source.length;
}

const RAW_START = /^[-+]?\s*raw\s*[-+]?$/;
const RAW_END = /\{%[-+]?\s*endraw\s*[-+]?%\}/g;

/** All Jinja tags of a template, in order. Content of `{% raw %}` blocks is skipped. Unterminated tags end the scan. */
export function scanJinjaTags(source: string): JinjaTag[] {
  const tags: JinjaTag[] = [];
  let pos = 0;
  while (pos < source.length) {
    const open = source.indexOf('{', pos);
    if (open < 0) break;
    const opener = OPENERS[source.slice(open, open + 2)];
    if (!opener) {
      pos = open + 1;
      continue;
    }
    const bodyStart = open + 2;
    const closeAt = findClose(source, bodyStart, opener.close, opener.kind !== 'comment');
    if (closeAt < 0) break;
    const tag: JinjaTag = {
      kind: opener.kind,
      start: open,
      end: closeAt + 2,
      body: source.slice(bodyStart, closeAt),
      bodyStart,
    };
    tags.push(tag);
    pos = tag.end;
    if (tag.kind === 'statement' && RAW_START.test(tag.body.trim())) {
      RAW_END.lastIndex = pos;
      const endRaw = RAW_END.exec(source);
      if (!endRaw) break;
      pos = endRaw.index;
    }
  }
  return tags;
}

/** 1-based line of an offset. */
export function lineAt(source: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < source.length; i += 1) if (source.charCodeAt(i) === 10) line += 1;
  return line;
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i += 1) if (text.charCodeAt(i) === 10) n += 1;
  return n;
}

/**
 * Code of a tag with its string literals masked as `\0<index>\0`, so rewrites cannot match inside strings.
 */
interface MaskedCode {
  code: string;
  literals: string[];
}

function maskStrings(body: string): MaskedCode {
  const literals: string[] = [];
  let code = '';
  let pos = 0;
  while (pos < body.length) {
    const ch = body[pos];
    if (ch === '"' || ch === "'") {
      const end = skipString(body, pos);
      literals.push(body.slice(pos, end));
      code += `\0${literals.length - 1}\0`;
      pos = end;
    } else {
      code += ch;
      pos += 1;
    }
  }
  return { code, literals };
}

function unmask(code: string, literals: string[]): string {
  return code.replace(/\0(\d+)\0/g, (_m, i: string) => literals[Number(i)] ?? '');
}

/** The value of a masked string literal token (`\0<i>\0`), unquoted; undefined if it is not one. */
export function literalValue(token: string, literals: string[]): string | undefined {
  const m = /^\0(\d+)\0$/.exec(token);
  if (!m) return undefined;
  const lit = literals[Number(m[1])];
  if (lit === undefined || lit.length < 2) return undefined;
  return lit.slice(1, -1);
}

/**
 * A rewrite of tag code. `code` has string literals masked (see `literalValue`). Must return code; newlines it
 * removes are restored at the end of each replacement by the caller.
 */
export type CodeRewrite = (code: string, literals: string[]) => string;

/** Applies `rewrite` to the code of every `{{ }}` and `{% %}` tag; the text outside tags is untouched. */
export function rewriteTags(source: string, rewrite: CodeRewrite): string {
  const tags = scanJinjaTags(source);
  let out = '';
  let pos = 0;
  for (const tag of tags) {
    if (tag.kind === 'comment') continue;
    const masked = maskStrings(tag.body);
    const rewritten = rewrite(masked.code, masked.literals);
    if (rewritten === masked.code) continue;
    let body = unmask(rewritten, masked.literals);
    const lost = countNewlines(tag.body) - countNewlines(body);
    if (lost > 0) body += '\n'.repeat(lost);
    out += source.slice(pos, tag.bodyStart) + body;
    pos = tag.bodyStart + tag.body.length;
  }
  return pos === 0 ? source : out + source.slice(pos);
}

/** Replaces every regex match in masked code, keeping the number of newlines of each match. */
export function replaceKeepingLines(code: string, pattern: RegExp, replace: (match: RegExpExecArray) => string): string {
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
  let out = '';
  let pos = 0;
  for (let m = global.exec(code); m; m = global.exec(code)) {
    const replacement = replace(m);
    const lost = countNewlines(m[0]) - countNewlines(replacement);
    out += code.slice(pos, m.index) + replacement + (lost > 0 ? '\n'.repeat(lost) : '');
    pos = m.index + m[0].length;
    if (m[0].length === 0) global.lastIndex += 1;
  }
  return out + code.slice(pos);
}
