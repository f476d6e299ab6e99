/**
 * A small SQL tokenizer shared by the normaliser, the tolerant extractor and the formatting check.
 * It understands the lexical forms of the supported warehouses: `'...'` strings (with `''` and `\'` escapes),
 * `"..."` and `` `...` `` quoted names, `$$...$$` blocks, `--`, `#` (BigQuery/Databricks) and `/* *\/` comments
 * (`//` too on Snowflake), numbers, `$1` positional columns and multi-character operators.
 */
import type { Dialect } from '../config.js';

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'op' | 'punct' | 'comment' | 'ws';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Offset of the first character in the input. */
  start: number;
  /** Offset after the last character. */
  end: number;
  /** 1-based line of the first character. */
  line: number;
}

const MULTI_OPS = ['::', '=>', '->>', '->', '<=>', '<=', '>=', '<>', '!=', '||', '==', ':='];

/** `[A-Za-z_\u00C0-\uFFFF]`: a character that starts a word (one UTF-16 unit). */
function isWordStart(c: string): boolean {
  const code = c.charCodeAt(0);
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || code >= 0xc0;
}
// Sticky runs, matched from a given offset (one regex call per token instead of one per character).
const WS_RUN = /\s*/y;
const WORD_RUN = /[A-Za-z0-9_$\u00C0-\uFFFF]*/y;
const DIGIT_RUN = /[0-9]*/y;
const NUMBER_RUN = /[0-9.]*/y;
const PUNCT = '(),;[]{}.';

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** End of the run of `re` that starts at `from`. */
function runEnd(re: RegExp, text: string, from: number): number {
  re.lastIndex = from;
  re.test(text);
  return re.lastIndex;
}

export interface LexOptions {
  dialect: Dialect;
  /** Keep whitespace and comment tokens (default false). */
  keepTrivia?: boolean;
}

/**
 * Token lists of recently tokenized texts, by dialect and trivia option. A review tokenizes the same text several
 * times (the normaliser, the AST analyser, the tolerant extractor, the formatting check): the lists are shared, so
 * every caller treats them as read-only.
 */
const MEMO_LIMIT = 8;
/** Texts shorter than this are cheap to tokenize again and are not remembered. */
const MEMO_MIN_LENGTH = 64;
const memo = new Map<string, Map<string, Token[]>>();

function memoFor(dialect: Dialect, keep: boolean): Map<string, Token[]> {
  const key = keep ? `${dialect}+` : dialect;
  let m = memo.get(key);
  if (!m) {
    m = new Map();
    memo.set(key, m);
  }
  return m;
}

function remember(m: Map<string, Token[]>, sql: string, tokens: Token[]): void {
  if (m.size >= MEMO_LIMIT) m.delete(m.keys().next().value!);
  m.set(sql, tokens);
}

/**
 * Splits SQL into tokens. Never throws: an unterminated string or comment runs to the end of the input.
 * The list returned may be shared with other callers: do not modify it or its tokens.
 */
export function tokenize(sql: string, options: LexOptions): Token[] {
  const keep = options.keepTrivia ?? false;
  if (sql.length < MEMO_MIN_LENGTH) return lex(sql, options.dialect, keep);
  const m = memoFor(options.dialect, keep);
  let tokens = m.get(sql);
  if (!tokens) {
    tokens = lex(sql, options.dialect, keep);
    remember(m, sql, tokens);
  }
  return tokens;
}

function lex(sql: string, dialect: Dialect, keep: boolean): Token[] {
  const tokens: Token[] = [];
  const hashComments = dialect === 'bigquery' || dialect === 'databricks';
  const slashComments = dialect === 'snowflake';
  let i = 0;
  let line = 1;
  const n = sql.length;
  const push = (kind: TokenKind, start: number, end: number): void => {
    if (keep || (kind !== 'ws' && kind !== 'comment')) tokens.push({ kind, text: sql.slice(start, end), start, end, line });
    if (kind !== 'word' && kind !== 'number' && kind !== 'punct') for (let k = start; k < end; k++) if (sql.charCodeAt(k) === 10) line++;
  };
  while (i < n) {
    const c = sql[i]!;
    const next = sql[i + 1] ?? '';
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      const j = runEnd(WS_RUN, sql, i + 1);
      push('ws', i, j);
      i = j;
      continue;
    }
    if ((c === '-' && next === '-') || (hashComments && c === '#') || (slashComments && c === '/' && next === '/')) {
      const close = sql.indexOf('\n', i);
      const j = close < 0 ? n : close;
      push('comment', i, j);
      i = j;
      continue;
    }
    if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      const j = close < 0 ? n : close + 2;
      push('comment', i, j);
      i = j;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      while (j < n) {
        const d = sql[j]!;
        if (d === '\\' && dialect !== 'postgres' && dialect !== 'trino') {
          j += 2;
          continue;
        }
        if (d === "'") {
          if (sql[j + 1] === "'") {
            j += 2;
            continue;
          }
          j++;
          break;
        }
        j++;
      }
      push('string', i, Math.min(j, n));
      i = Math.min(j, n);
      continue;
    }
    if (c === '"' || c === '`') {
      let j = i + 1;
      while (j < n) {
        if (sql[j] === c) {
          if (sql[j + 1] === c) {
            j += 2;
            continue;
          }
          j++;
          break;
        }
        j++;
      }
      const kind: TokenKind = c === '"' && dialect === 'bigquery' ? 'string' : 'quoted';
      push(kind, i, Math.min(j, n));
      i = Math.min(j, n);
      continue;
    }
    if (c === '$' && next === '$') {
      const close = sql.indexOf('$$', i + 2);
      const j = close < 0 ? n : close + 2;
      push('string', i, j);
      i = j;
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(next))) {
      let j = runEnd(NUMBER_RUN, sql, i + 1);
      const e = sql[j];
      if ((e === 'e' || e === 'E') && (isDigit(sql[j + 1]) || sql[j + 1] === '+' || sql[j + 1] === '-')) j = runEnd(DIGIT_RUN, sql, j + 2);
      // identifiers such as 1st_value are words
      const after = sql[j];
      if (after !== undefined && isWordStart(after) && after !== 'e' && after !== 'E') {
        j = runEnd(WORD_RUN, sql, j);
        push('word', i, j);
      } else push('number', i, j);
      i = j;
      continue;
    }
    if (c === '$' && isDigit(next)) {
      const j = runEnd(DIGIT_RUN, sql, i + 1);
      push('word', i, j);
      i = j;
      continue;
    }
    if (isWordStart(c)) {
      const j = runEnd(WORD_RUN, sql, i + 1);
      push('word', i, j);
      i = j;
      continue;
    }
    // No multi-character operator starts with a punctuation character.
    if (PUNCT.includes(c)) {
      push('punct', i, i + 1);
      i++;
      continue;
    }
    const op = MULTI_OPS.find((o) => sql.startsWith(o, i));
    if (op) {
      push('op', i, i + op.length);
      i += op.length;
      continue;
    }
    push('op', i, i + 1);
    i++;
  }
  return tokens;
}

/** Lower-cased text of a word token, else ''. */
export function wordOf(token: Token | undefined): string {
  return token && token.kind === 'word' ? token.text.toLowerCase() : '';
}

/** Index of the token closing the bracket opened at `open` (same nesting level), or -1. */
export function matchingClose(tokens: readonly Token[], open: number): number {
  const opener = tokens[open]?.text;
  const closer = opener === '(' ? ')' : opener === '[' ? ']' : opener === '{' ? '}' : undefined;
  if (!closer) return -1;
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind !== 'punct') continue;
    if (t.text === opener) depth++;
    else if (t.text === closer) {
      depth--;
      if (depth === 0) return k;
    }
  }
  return -1;
}

/** [start, end) token ranges of the non-empty comma-separated items between `from` and `to` at bracket depth 0. */
export function splitTopLevel(tokens: readonly Token[], from: number, to: number): [number, number][] {
  const out: [number, number][] = [];
  let depth = 0;
  let s = from;
  for (let j = from; j < to; j++) {
    const x = tokens[j]!.text;
    if (x === '(' || x === '[') depth++;
    else if (x === ')' || x === ']') depth--;
    else if (x === ',' && depth === 0) {
      if (j > s) out.push([s, j]);
      s = j + 1;
    }
  }
  if (to > s) out.push([s, to]);
  return out;
}

/** Replaces every comment in the SQL by spaces (keeping its newlines), so offsets and lines are unchanged. */
export function blankComments(sql: string, dialect: Dialect): string {
  return blankAndTokenize(sql, dialect).blanked;
}

/**
 * `blankComments` of the SQL and the tokens of that text (as `tokenize` gives them), from one pass: blanking a
 * comment only merges it into the whitespace around it, so the other tokens (texts, offsets, lines) are the SQL's.
 * Without comments the text is the SQL itself.
 */
export function blankAndTokenize(sql: string, dialect: Dialect): { blanked: string; tokens: Token[] } {
  // without the start of a comment the text is the SQL itself, and its tokens are the SQL's
  if (!mayHaveComment(sql, dialect)) return { blanked: sql, tokens: tokenize(sql, { dialect }) };
  // the SQL's tokens may be known already (the formatting check reads them): between them there is only whitespace
  // and comments, and a comment always has a character that is not whitespace
  const known = sql.length < MEMO_MIN_LENGTH ? undefined : memoFor(dialect, false).get(sql);
  if (known && onlyWhitespaceBetween(sql, known)) return { blanked: sql, tokens: known };
  const all = tokenize(sql, { dialect, keepTrivia: true });
  let hasComment = false;
  for (const t of all) {
    if (t.kind === 'comment') {
      hasComment = true;
      break;
    }
  }
  let blanked = sql;
  if (hasComment) {
    const parts: string[] = [];
    for (const t of all) parts.push(t.kind === 'comment' ? t.text.replace(/[^\n]/g, ' ') : t.text);
    blanked = parts.join('');
  }
  if (blanked.length < MEMO_MIN_LENGTH) return { blanked, tokens: lex(blanked, dialect, false) };
  const m = memoFor(dialect, false);
  let tokens = m.get(blanked);
  if (!tokens) {
    tokens = all.filter((t) => t.kind !== 'ws' && t.kind !== 'comment');
    remember(m, blanked, tokens);
  }
  return { blanked, tokens };
}

/** True when the text outside the tokens is whitespace only (no comment). */
function onlyWhitespaceBetween(sql: string, tokens: readonly Token[]): boolean {
  let at = 0;
  for (let k = 0; k <= tokens.length; k++) {
    const to = k < tokens.length ? tokens[k]!.start : sql.length;
    for (; at < to; at++) {
      const c = sql.charCodeAt(at);
      if (c === 32 || c === 10 || c === 9 || c === 13 || c === 12) continue;
      if (runEnd(WS_RUN, sql, at) >= to) break;
      return false;
    }
    if (k < tokens.length) at = tokens[k]!.end;
  }
  return true;
}

/** False when no comment can start in the text: no `--`, `/*`, nor the dialect's `#` or `//`. */
function mayHaveComment(sql: string, dialect: Dialect): boolean {
  if (sql.includes('--') || sql.includes('/*')) return true;
  if ((dialect === 'bigquery' || dialect === 'databricks') && sql.includes('#')) return true;
  return dialect === 'snowflake' && sql.includes('//');
}
