/**
 * A lexer for the raw text of a dbt SQL model: SQL tokens interleaved with opaque Jinja tags. It knows comments
 * (`--`, `/* *\/`, `#` on BigQuery/Databricks, `//` on Snowflake), strings (with `''` escapes, backslash escapes, BigQuery triple quotes,
 * dollar-quoted `$tag$...$tag$`), quoted identifiers (`"x"`, `` `x` ``) and Jinja `{{ }}`, `{% %}`, `{# #}` tags
 * (including `{% raw %}` blocks). Jinja tags inside strings and comments are skipped as a whole, so a quote inside
 * `'{{ var("it's") }}'` does not end the string. Never throws: unterminated constructs run to the end of the text.
 */
import type { Dialect } from '../config.js';

export type TokenType =
  | 'word' // unquoted identifier or keyword
  | 'quoted' // quoted identifier: "x" or `x`
  | 'string'
  | 'number'
  | 'punct' // one punctuation/operator character
  | 'jinja-expr' // {{ ... }}
  | 'jinja-stmt' // {% ... %} (and whole {% raw %}...{% endraw %} blocks)
  | 'jinja-comment' // {# ... #}
  | 'comment';

export interface Token {
  type: TokenType;
  text: string;
  /** Offset of the first character in the source. */
  start: number;
  /** Offset after the last character. */
  end: number;
  /** 1-based line of `start`. */
  line: number;
}

export interface LexOptions {
  dialect?: Dialect;
}

const WORD_START = /[A-Za-z_\u00C0-\uFFFF]/;
const WORD_PART = /[A-Za-z0-9_$\u00C0-\uFFFF]/;
const DIGIT = /[0-9]/;

/**
 * The tokens of the last few texts lexed, by dialect and text: the structure and style rules of one model lex the
 * same raw text. Callers never modify a token list.
 */
const recentTokens = new Map<string, readonly Token[]>();
const RECENT_TEXTS = 4;

/** Splits `text` into tokens (whitespace dropped). The list is shared: do not modify it. */
export function lexSql(text: string, options: LexOptions = {}): readonly Token[] {
  const key = `${options.dialect ?? ''}\u0000${text}`;
  let tokens = recentTokens.get(key);
  if (!tokens) {
    tokens = lexSqlText(text, options);
    if (recentTokens.size >= RECENT_TEXTS) recentTokens.delete(recentTokens.keys().next().value!);
    recentTokens.set(key, tokens);
  }
  return tokens;
}

function lexSqlText(text: string, options: LexOptions): Token[] {
  const lineStarts = computeLineStarts(text);
  const lineOf = (offset: number): number => lineAt(lineStarts, offset);
  const hashComments = options.dialect === 'bigquery' || options.dialect === 'databricks';
  const slashComments = options.dialect === 'snowflake';
  // In BigQuery "x" is a string; elsewhere it is a quoted identifier.
  const doubleQuoteIsString = options.dialect === 'bigquery';
  const tokens: Token[] = [];
  const push = (type: TokenType, start: number, end: number): void => {
    tokens.push({ type, text: text.slice(start, end), start, end, line: lineOf(start) });
  };

  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
      i++;
      continue;
    }
    if (c === '{' && (next === '{' || next === '%' || next === '#')) {
      const end = jinjaEnd(text, i);
      push(next === '{' ? 'jinja-expr' : next === '%' ? 'jinja-stmt' : 'jinja-comment', i, end);
      i = end;
      continue;
    }
    if ((c === '-' && next === '-') || (c === '#' && hashComments) || (c === '/' && next === '/' && slashComments)) {
      const end = lineCommentEnd(text, i);
      push('comment', i, end);
      i = end;
      continue;
    }
    if (c === '/' && next === '*') {
      const end = blockCommentEnd(text, i);
      push('comment', i, end);
      i = end;
      continue;
    }
    if (c === "'" || (c === '"' && doubleQuoteIsString)) {
      const end = stringEnd(text, i, c, options.dialect);
      push('string', i, end);
      i = end;
      continue;
    }
    if (c === '"' || c === '`') {
      const end = quotedIdentifierEnd(text, i, c);
      push('quoted', i, end);
      i = end;
      continue;
    }
    if (c === '$') {
      const tag = dollarTagAt(text, i);
      if (tag !== undefined) {
        const close = text.indexOf(tag, i + tag.length);
        const end = close < 0 ? n : close + tag.length;
        push('string', i, end);
        i = end;
        continue;
      }
    }
    if (WORD_START.test(c)) {
      let j = i + 1;
      while (j < n && WORD_PART.test(text[j]!)) j++;
      push('word', i, j);
      i = j;
      continue;
    }
    if (DIGIT.test(c) || (c === '.' && next !== undefined && DIGIT.test(next))) {
      let j = i + 1;
      while (j < n && /[0-9.eE_]/.test(text[j]!)) {
        if ((text[j] === 'e' || text[j] === 'E') && (text[j + 1] === '+' || text[j + 1] === '-')) j++;
        j++;
      }
      push('number', i, j);
      i = j;
      continue;
    }
    push('punct', i, i + 1);
    i++;
  }
  return tokens;
}

/** Tokens that carry SQL meaning: no comments, no Jinja statements or comments (Jinja expressions stay, opaque). */
export function significantTokens(tokens: readonly Token[]): Token[] {
  return tokens.filter((t) => t.type !== 'comment' && t.type !== 'jinja-stmt' && t.type !== 'jinja-comment');
}

export function isWord(t: Token | undefined, ...words: string[]): boolean {
  if (t?.type !== 'word') return false;
  if (words.length === 0) return true;
  const lower = t.text.toLowerCase();
  return words.includes(lower);
}

export function isPunct(t: Token | undefined, ch: string): boolean {
  return t?.type === 'punct' && t.text === ch;
}

/** The identifier an unquoted or quoted name token denotes, for case-insensitive comparison. */
export function identifierKey(t: Token): string {
  if (t.type === 'quoted') return t.text.slice(1, -1).replace(/""/g, '"').replace(/``/g, '`').toLowerCase();
  return t.text.toLowerCase();
}

/** For each `(` / `)` token index, the index of its partner (unbalanced ones map to the last token). */
export function matchParens(tokens: readonly Token[]): Map<number, number> {
  const pairs = new Map<number, number>();
  const stack: number[] = [];
  tokens.forEach((t, i) => {
    if (isPunct(t, '(')) stack.push(i);
    else if (isPunct(t, ')')) {
      const open = stack.pop();
      if (open !== undefined) {
        pairs.set(open, i);
        pairs.set(i, open);
      }
    }
  });
  for (const open of stack) pairs.set(open, tokens.length - 1);
  return pairs;
}

export function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

/** 1-based line containing `offset`. */
export function lineAt(lineStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

function jinjaEnd(text: string, start: number): number {
  const kind = text[start + 1];
  if (kind === '#') {
    const close = text.indexOf('#}', start + 2);
    return close < 0 ? text.length : close + 2;
  }
  const closer = kind === '{' ? '}}' : '%}';
  let i = start + 2;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      // Jinja string literal: backslash escapes.
      i++;
      while (i < text.length && text[i] !== c) i += text[i] === '\\' ? 2 : 1;
      i++;
      continue;
    }
    if (text.startsWith(closer, i)) {
      const end = i + 2;
      if (kind === '%' && /^\{%-?\s*raw\s*-?%\}$/.test(text.slice(start, end))) {
        const endRaw = /\{%-?\s*endraw\s*-?%\}/g;
        endRaw.lastIndex = end;
        const m = endRaw.exec(text);
        return m ? m.index + m[0].length : text.length;
      }
      return end;
    }
    i++;
  }
  return text.length;
}

/** Skips a Jinja tag starting at `i` if there is one; returns the offset after it, else `i`. */
function skipJinja(text: string, i: number): number {
  if (text[i] === '{' && (text[i + 1] === '{' || text[i + 1] === '%' || text[i + 1] === '#')) return jinjaEnd(text, i);
  return i;
}

function lineCommentEnd(text: string, start: number): number {
  let i = start;
  while (i < text.length && text[i] !== '\n') {
    const after = skipJinja(text, i);
    i = after > i ? after : i + 1;
  }
  return i;
}

function blockCommentEnd(text: string, start: number): number {
  let i = start + 2;
  while (i < text.length) {
    if (text[i] === '*' && text[i + 1] === '/') return i + 2;
    const after = skipJinja(text, i);
    i = after > i ? after : i + 1;
  }
  return text.length;
}

function stringEnd(text: string, start: number, quote: string, dialect: Dialect | undefined): number {
  // BigQuery triple-quoted strings.
  if (dialect === 'bigquery' && text.startsWith(quote.repeat(3), start)) {
    const close = text.indexOf(quote.repeat(3), start + 3);
    return close < 0 ? text.length : close + 3;
  }
  return quotedEnd(text, start, quote, takesBackslashEscapes(dialect));
}

function quotedIdentifierEnd(text: string, start: number, quote: string): number {
  return quotedEnd(text, start, quote, false);
}

/** End of a quoted run opened at `start`: a doubled quote escapes itself; Jinja inside it is skipped whole. */
function quotedEnd(text: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\\' && backslashEscapes) {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (text[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    const after = skipJinja(text, i);
    i = after > i ? after : i + 1;
  }
  return text.length;
}

/** Dialects whose string literals take backslash escapes (Postgres, DuckDB and Trino follow standard SQL). */
function takesBackslashEscapes(dialect: Dialect | undefined): boolean {
  return dialect !== 'postgres' && dialect !== 'duckdb' && dialect !== 'trino';
}

/** `$$` or `$tag$` at `i` (a dollar-quote opener), else undefined. `$1` parameters are not openers. */
function dollarTagAt(text: string, i: number): string | undefined {
  const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 66));
  return m ? m[0] : undefined;
}
