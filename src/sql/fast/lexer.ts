/**
 * Character-level building blocks of the grammar: whitespace, keywords, identifiers, string and number
 * literals. Each matcher either advances `state.pos` and returns a value, or returns `null`/`false` with the
 * position unchanged (a PEG failure). Anything not reproduced exactly throws `Decline`.
 */
import { loc } from './locations.js';
import { decline, type Node, type ParseState } from './state.js';

/** Names the grammar's plain-object alias map would resolve through Object.prototype. */
export const PROTOTYPE_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

/** The grammar's reserved words (node-sql-parser 5.4 snowflake `reservedMap`). */
export const RESERVED = new Set([
  'ALTER', 'ALL', 'ADD', 'AND', 'AS', 'ASC', 'BETWEEN', 'BY', 'CALL', 'CASE', 'CREATE', 'CONTAINS', 'CURRENT_DATE',
  'CURRENT_TIME', 'CURRENT_TIMESTAMP', 'CURRENT_USER', 'DELETE', 'DESC', 'DISTINCT', 'DROP', 'ELSE', 'END', 'EXISTS',
  'EXPLAIN', 'FALSE', 'FROM', 'FULL', 'GROUP', 'HAVING', 'IN', 'INNER', 'INSERT', 'INTO', 'IS', 'JOIN', 'JSON', 'KEY',
  'LEFT', 'LIKE', 'LIMIT', 'NOT', 'NULL', 'NULLS', 'OFFSET', 'ON', 'OR', 'ORDER', 'OUTER', 'QUALIFY', 'RECURSIVE',
  'RENAME', 'REPLACE', 'RIGHT', 'SELECT', 'SESSION_USER', 'SET', 'SHOW', 'SYSTEM_USER', 'TABLE', 'THEN', 'TRUE',
  'TRUNCATE', 'UNION', 'UPDATE', 'USING', 'VALUES', 'WITH', 'WHEN', 'WHERE', 'WINDOW',
]);

const MAX_RESERVED_LENGTH = 17;

/** First letters of reserved words (lower and upper case char codes). */
const RESERVED_FIRST = new Set<number>();
for (const w of RESERVED) {
  RESERVED_FIRST.add(w.charCodeAt(0));
  RESERVED_FIRST.add(w.charCodeAt(0) + 32);
}

export function isReserved(name: string): boolean {
  return name.length >= 2 && name.length <= MAX_RESERVED_LENGTH && RESERVED_FIRST.has(name.charCodeAt(0)) && RESERVED.has(name.toUpperCase());
}

/** Character classes for ASCII: bit 1 = ident_start / column_part `[A-Za-z0-9_]`, bit 2 = ident_part extras `-` `$`. */
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95) CLASS[c] = 1;
  else if (c === 45 || c === 36) CLASS[c] = 2;
}

/** `[A-Za-z0-9_]` (the grammar's ident_start and column_part; non-ASCII input is declined up front). */
export function isIdentStart(c: number): boolean {
  return CLASS[c] === 1;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** `__`: any whitespace. Comments are declined. */
export function ws(state: ParseState): void {
  const s = state.src;
  let p = state.pos;
  let c = s.charCodeAt(p);
  while (c === 32 || c === 10 || c === 9 || c === 13) c = s.charCodeAt(++p);
  if ((c === 45 && s.charCodeAt(p + 1) === 45) || (c === 47 && (s.charCodeAt(p + 1) === 42 || s.charCodeAt(p + 1) === 47))) {
    decline('comment');
  }
  state.pos = p;
}

/** `___`: at least one whitespace. */
export function ws1(state: ParseState): boolean {
  const start = state.pos;
  ws(state);
  return state.pos > start;
}

/** Case-insensitive literal (no word boundary check). `word` must be lower case. */
export function lit(state: ParseState, word: string): string | null {
  const s = state.src;
  const p = state.pos;
  const n = word.length;
  // Quick reject on the first character (words start with a letter, so `| 0x20` folds case exactly).
  if ((s.charCodeAt(p) | 0x20) !== word.charCodeAt(0) || p + n > state.len) return null;
  for (let i = 1; i < n; i++) {
    const w = word.charCodeAt(i);
    let c = s.charCodeAt(p + i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== w) return null;
  }
  state.pos = p + n;
  return s.slice(p, p + n);
}

/** Keyword: case-insensitive literal not followed by an identifier character. `word` must be lower case. */
export function kw(state: ParseState, word: string): boolean {
  const p = state.pos;
  if ((state.src.charCodeAt(p) | 0x20) !== word.charCodeAt(0) || lit(state, word) === null) return false;
  if (CLASS[state.src.charCodeAt(state.pos)] === 1) {
    state.pos = p;
    return false;
  }
  return true;
}

/** Peek a keyword without consuming it. */
export function peekKw(state: ParseState, word: string): boolean {
  const p = state.pos;
  const ok = kw(state, word);
  state.pos = p;
  return ok;
}

export function ch(state: ParseState, c: number): boolean {
  if (state.src.charCodeAt(state.pos) === c) {
    state.pos++;
    return true;
  }
  return false;
}

/** `"(" __ inner __ ")"`: what `inner` read, or null (the position is then not restored). */
export function inParens<T>(state: ParseState, inner: (state: ParseState) => T | null): T | null {
  if (!ch(state, 40)) return null;
  ws(state);
  const value = inner(state);
  if (value === null) return null;
  ws(state);
  return ch(state, 41) ? value : null;
}

/**
 * `item (__ "," __ item)*` after the first item: adds each item that follows a comma to `list`. The position ends
 * after the last item (before a comma not followed by one).
 */
export function commaSeparated<T>(state: ParseState, list: T[], item: (state: ParseState) => T | null): T[] {
  for (;;) {
    const save = state.pos;
    ws(state);
    if (!ch(state, 44)) {
      state.pos = save;
      return list;
    }
    ws(state);
    const next = item(state);
    if (next === null) {
      state.pos = save;
      return list;
    }
    list.push(next);
  }
}

export function peekCh(state: ParseState): number {
  return state.src.charCodeAt(state.pos);
}

/** ident_name: ident_start ident_part* (allows `-` and `$` after the first character). */
export function identName(state: ParseState): string | null {
  const s = state.src;
  const p = state.pos;
  if (CLASS[s.charCodeAt(p)] !== 1) return null;
  let e = p + 1;
  while ((CLASS[s.charCodeAt(e)] as number) > 0) e++;
  state.pos = e;
  return s.slice(p, e);
}

/** column_name: ident_start column_part*. */
export function columnName(state: ParseState): string | null {
  const s = state.src;
  const p = state.pos;
  if (CLASS[s.charCodeAt(p)] !== 1) return null;
  let e = p + 1;
  while (CLASS[s.charCodeAt(e)] === 1) e++;
  state.pos = e;
  return s.slice(p, e);
}

const QUOTE_TYPES: Record<number, string> = { 34: 'double_quote_string', 39: 'single_quote_string', 96: 'backticks_quote_string' };

/** quoted_ident_type: `"x"`, `'x'` or `` `x` `` (at least one character, no escapes) as `{ type, value }`. */
export function quotedIdentType(state: ParseState): Node | null {
  const s = state.src;
  const p = state.pos;
  const q = s.charCodeAt(p);
  const type = QUOTE_TYPES[q];
  if (type === undefined) return null;
  const e = s.indexOf(String.fromCharCode(q), p + 1);
  if (e === -1 || e === p + 1) return null;
  const value = s.slice(p + 1, e);
  // `::` inside a name would shift the grammar's column-list bookkeeping (entries are split on `::`).
  if (value.indexOf(':') !== -1) decline('colon in quoted identifier');
  state.pos = e + 1;
  return { type, value };
}

/** quoted_ident: the same, returning only the text. */
export function quotedIdent(state: ParseState): string | null {
  const q = quotedIdentType(state);
  return q === null ? null : (q.value as string);
}

/** ident: a non-reserved ident_name, or a quoted identifier. */
export function ident(state: ParseState): string | null {
  const p = state.pos;
  const name = identName(state);
  if (name !== null) {
    if (!isReserved(name)) return name;
    state.pos = p;
    return null;
  }
  return quotedIdent(state);
}

/** column: a non-reserved column_name, or a quoted identifier. */
export function column(state: ParseState): string | null {
  const p = state.pos;
  const name = columnName(state);
  if (name !== null) {
    if (!isReserved(name)) return name;
    state.pos = p;
    return null;
  }
  return quotedIdent(state);
}

/** column_without_kw: column_name (reserved words allowed) or a quoted identifier. */
export function columnWithoutKw(state: ParseState): string | null {
  const name = columnName(state);
  return name !== null ? name : quotedIdent(state);
}

/** ident_without_kw_type: `{ type: 'default', value }` for a bare name, or the quoted identifier object. */
export function identWithoutKwType(state: ParseState): Node | null {
  const name = identName(state);
  if (name !== null) return { type: 'default', value: name };
  return quotedIdentType(state);
}

/**
 * Body of a quoted literal starting at `p` (the opening quote). `''` inside single quotes is kept as two
 * quotes (as the grammar does); backslash escapes are declined. Returns the index after the closing quote.
 */
function quotedBody(state: ParseState, p: number, quote: number): { value: string; end: number } | null {
  const s = state.src;
  const q = String.fromCharCode(quote);
  let i = p + 1;
  for (;;) {
    const e = s.indexOf(q, i);
    if (e === -1) return null;
    if (s.indexOf('\\', i) !== -1 && s.indexOf('\\', i) < e) decline('escape in string');
    if (s.charCodeAt(e + 1) === quote) {
      if (quote === 34) decline('doubled quote in double-quoted literal');
      i = e + 2;
      continue;
    }
    return { value: s.slice(p + 1, e), end: e + 1 };
  }
}

/** literal_string: `'...'` (with location) or `"..."` not followed by `.` (no location). */
export function literalString(state: ParseState): Node | null {
  const s = state.src;
  const p = state.pos;
  const q = s.charCodeAt(p);
  if (q === 39) {
    const body = quotedBody(state, p, 39);
    if (body === null) return null;
    // The grammar concatenates `'a'\n 'b'` (newline-separated adjacent strings): not reproduced.
    if (s.charCodeAt(body.end) === 10) {
      let k = body.end;
      while (s.charCodeAt(k) === 10) k++;
      const save = state.pos;
      state.pos = k;
      ws(state);
      if (s.charCodeAt(state.pos) === 39) decline('adjacent string literals');
      state.pos = save;
    }
    state.pos = body.end;
    return { type: 'single_quote_string', value: body.value, loc: loc(state, p, body.end) };
  }
  if (q === 34) {
    const body = quotedBody(state, p, 34);
    if (body === null) return null;
    if (s.charCodeAt(body.end) === 46) return null;
    state.pos = body.end;
    return { type: 'double_quote_string', value: body.value };
  }
  return null;
}

function isBigInt(intStr: string): boolean {
  return BigInt(intStr) >= BigInt(Number.MAX_SAFE_INTEGER);
}

/** literal_numeric: `[-+]?digits`, optional `.digits`, optional exponent; values as the grammar builds them. */
export function literalNumeric(state: ParseState): Node | null {
  const s = state.src;
  const p = state.pos;
  let i = p;
  const c0 = s.charCodeAt(i);
  if (c0 === 43) {
    if (isDigit(s.charCodeAt(p + 1))) decline('plus-signed number');
    return null;
  }
  if (c0 === 45) i++;
  const digitsStart = i;
  while (isDigit(s.charCodeAt(i))) i++;
  const intStr = i > digitsStart ? s.slice(p, i) : null;
  if (intStr === null && i !== p) return null; // a sign without digits
  let frac: string | null = null;
  if (s.charCodeAt(i) === 46 && isDigit(s.charCodeAt(i + 1))) {
    let j = i + 1;
    while (isDigit(s.charCodeAt(j))) j++;
    frac = s.slice(i, j);
    i = j;
  }
  if (intStr === null && frac === null) return null;
  let exp: string | null = null;
  const e = s.charCodeAt(i);
  if (e === 101 || e === 69) {
    let j = i + 1;
    const sign = s.charCodeAt(j);
    if (sign === 43 || sign === 45) j++;
    if (isDigit(s.charCodeAt(j))) {
      while (isDigit(s.charCodeAt(j))) j++;
      exp = s.slice(i, j);
      i = j;
    }
  }
  if (intStr !== null && intStr.length > 15) decline('long number');
  state.pos = i;
  if (frac !== null && exp !== null) return { type: 'bigint', value: (intStr ?? '') + frac + exp };
  if (frac !== null) {
    const numStr = (intStr ?? '') + frac;
    if (intStr !== null && isBigInt(intStr)) return { type: 'bigint', value: numStr };
    return { type: 'number', value: parseFloat(numStr).toFixed(frac.length - 1) };
  }
  if (intStr === null) {
    state.pos = p;
    return null;
  }
  if (exp !== null) return { type: 'bigint', value: intStr + exp };
  if (isBigInt(intStr)) return { type: 'bigint', value: intStr };
  return { type: 'number', value: parseFloat(intStr) };
}
