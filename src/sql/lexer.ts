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

const WORD_START = /[A-Za-z_\u00C0-\uFFFF]/;
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

/** Splits SQL into tokens. Never throws: an unterminated string or comment runs to the end of the input. */
export function tokenize(sql: string, options: LexOptions): Token[] {
  const tokens: Token[] = [];
  const keep = options.keepTrivia ?? false;
  const hashComments = options.dialect === 'bigquery' || options.dialect === 'databricks';
  const slashComments = options.dialect === 'snowflake';
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
        if (d === '\\' && options.dialect !== 'postgres' && options.dialect !== 'trino') {
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
      const kind: TokenKind = c === '"' && options.dialect === 'bigquery' ? 'string' : 'quoted';
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
      if (after !== undefined && WORD_START.test(after) && after !== 'e' && after !== 'E') {
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
    if (WORD_START.test(c)) {
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
  const tokens = tokenize(sql, { dialect, keepTrivia: true });
  let out = '';
  for (const t of tokens) out += t.kind === 'comment' ? t.text.replace(/[^\n]/g, ' ') : t.text;
  return out;
}
