/**
 * Operands: cast_expr and the alternatives it tries (literals, aggregates, window functions, function calls, CASE,
 * column references), plus `::` casts.
 */
import { columnRefArrayIndex } from './columns.js';
import { expr } from './expressions.js';
import { aggrFunc, caseExpr, funcCall, genericCall, windowFunc } from './functions.js';
import { ch, isIdentStart, kw, literalNumeric, literalString, peekCh, peekKw, ws } from './lexer.js';
import { decline, type Node, type ParseState } from './state.js';
import { dataType, doubleColonTargets } from './types.js';

/** cast_double_colon: (`::` __ cast_data_type)+ */
function castDoubleColon(state: ParseState): Node | null {
  const targets = doubleColonTargets(state);
  return targets.length === 0 ? null : { symbol: '::', target: targets };
}

const DATETIME_WORDS = new Set(['time', 'date', 'timestamp', 'datetime']);

/** The lower-cased run of `[A-Za-z0-9_]` at the cursor ('' when none), without consuming it. */
export function peekWord(state: ParseState): string {
  const s = state.src;
  const p = state.pos;
  let e = p;
  while (isIdentStart(s.charCodeAt(e))) e++;
  return e === p ? '' : s.slice(p, e).toLowerCase();
}

export function literal(state: ParseState, word?: string): unknown {
  const c = peekCh(state);
  if (c === 39 || c === 34) return literalString(state);
  if ((c >= 48 && c <= 57) || c === 45 || c === 46 || c === 43) return literalNumeric(state);
  const w = word ?? peekWord(state);
  if (w === 'true' && kw(state, 'true')) return { type: 'bool', value: true };
  if (w === 'false' && kw(state, 'false')) return { type: 'bool', value: false };
  if (w === 'null' && kw(state, 'null')) return { type: 'null', value: null };
  const p = state.pos;
  if (DATETIME_WORDS.has(w) && kw(state, w)) {
    ws(state);
    const q = peekCh(state);
    if (q === 39 || q === 34) decline('typed datetime literal');
    state.pos = p;
  }
  if (w === 'array' && kw(state, 'array')) {
    ws(state);
    if (peekCh(state) === 91) decline('array literal');
    state.pos = p;
  }
  return null;
}

/**
 * Words that may start an alternative cast_expr tries before a plain function call or column reference.
 * Any other word can only be a generic function call or a column reference (the special alternatives all
 * start with one of these words, matched whole or followed by `(` / whitespace).
 */
export const SPECIAL_WORDS = new Set([
  'interval', 'count', 'group_concat', 'listagg', 'percentile_cont', 'percentile_disc', 'mode', 'sum', 'max', 'min', 'avg',
  'array_agg', 'string_agg', 'row_number', 'dense_rank', 'rank', 'lag', 'lead', 'nth_value', 'first_value', 'last_value',
  'trim', 'position', 'now', 'flatten', 'current_user', 'user', 'session_user', 'system_user', 'current_date',
  'current_time', 'current_timestamp', 'ntile', 'extract', 'parse_json', 'case',
]);

/** Whether the word at the cursor is followed (after whitespace) by a `.`, as in `pre.array_agg(...)`. */
export function wordThenDot(state: ParseState, w: string): boolean {
  const s = state.src;
  let e = state.pos + w.length;
  for (;;) {
    const c = s.charCodeAt(e);
    if (c === 32 || c === 10 || c === 9 || c === 13) e++;
    else return c === 46 || c === 45 || c === 36;
  }
}

const AGGR_WORDS = new Set(['count', 'group_concat', 'listagg', 'percentile_cont', 'percentile_disc', 'mode', 'sum', 'max', 'min', 'avg', 'array_agg', 'string_agg']);
const WINDOW_WORDS = new Set(['row_number', 'dense_rank', 'rank', 'lag', 'lead', 'nth_value', 'first_value', 'last_value']);

/**
 * The alternatives cast_expr tries for its operand, in the grammar's order: literal / (interval) / aggr_func /
 * window_func / func_call / case / column_ref / param. Every alternative after the literal starts with a specific
 * word (matched whole, or followed by `(` or whitespace), so for a word operand only the alternatives that can
 * start with that word are tried; the others would fail without side effects.
 */
function castOperand(state: ParseState): unknown {
  const word = peekWord(state);
  const l = literal(state, word);
  if (l !== null) return l;
  if (word !== '' && !wordThenDot(state, word)) {
    if (word === 'interval') decline('interval');
    if (AGGR_WORDS.has(word)) {
      const a = aggrFunc(state);
      if (a !== null) return a;
    }
    if (WINDOW_WORDS.has(word)) {
      const w = windowFunc(state);
      if (w !== null) return w;
    }
    const f = SPECIAL_WORDS.has(word) ? funcCall(state) : genericCall(state);
    if (f !== null) return f;
    if (word === 'case') {
      const c = caseExpr(state);
      if (c !== null) return c;
    }
    return columnRefArrayIndex(state);
  }
  if (peekKw(state, 'interval')) decline('interval');
  const a = aggrFunc(state);
  if (a !== null) return a;
  const w = windowFunc(state);
  if (w !== null) return w;
  const f = funcCall(state);
  if (f !== null) return f;
  const c = caseExpr(state);
  if (c !== null) return c;
  const r = columnRefArrayIndex(state);
  if (r !== null) return r;
  if (peekCh(state) === 58) decline('param');
  return null;
}

function castNode(e: unknown, c: Node): Node {
  return { type: 'cast', keyword: 'cast', expr: e, symbol: c.symbol, target: c.target };
}

export function castExpr(state: ParseState): unknown {
  const p = state.pos;
  // CAST / TRY_CAST ( expr AS data_type )
  let keyword: string | null = null;
  if (kw(state, 'cast')) keyword = 'cast';
  else if (kw(state, 'try_cast')) keyword = 'try_cast';
  if (keyword !== null) {
    ws(state);
    if (ch(state, 40)) {
      ws(state);
      const e = expr(state);
      if (e !== null) {
        ws(state);
        if (kw(state, 'as')) {
          ws(state);
          const t = dataType(state);
          if (t !== null) {
            ws(state);
            if (ch(state, 41)) return { type: 'cast', keyword, expr: e, symbol: 'as', target: [t] };
          }
        }
      }
      decline('unusual CAST');
    }
    state.pos = p;
  }
  // ( operand ) :: type
  if (ch(state, 40)) {
    ws(state);
    const e = castOperand(state);
    if (e !== null) {
      ws(state);
      if (ch(state, 41)) {
        ws(state);
        const c = castDoubleColon(state);
        (e as Node).parentheses = true;
        return c === null ? e : castNode(e, c);
      }
    }
    state.pos = p;
    return null;
  }
  const e = castOperand(state);
  if (e === null) return null;
  ws(state);
  const c = castDoubleColon(state);
  return c === null ? e : castNode(e, c);
}
