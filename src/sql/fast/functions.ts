/** Function calls, aggregates, window functions, OVER clauses and CASE, as the grammar builds them. */
import { additiveExpr, expr, exprItem, exprList, orAndExpr, orAndWhereExpr } from './expressions.js';
import { ch, identWithoutKwType, kw, lit, literalNumeric, literalString, peekCh, ws } from './lexer.js';
import { loc } from './locations.js';
import { columnClause } from './select-list.js';
import { orderByClause } from './select.js';
import { decline, type Node, type ParseState } from './state.js';

/** `__ ( __` after a function name; restores and returns false when absent. */
function openParen(state: ParseState): boolean {
  const p = state.pos;
  ws(state);
  if (ch(state, 40)) {
    ws(state);
    return true;
  }
  state.pos = p;
  return false;
}

/** `__ )` */
function closeParen(state: ParseState): boolean {
  const p = state.pos;
  ws(state);
  if (ch(state, 41)) return true;
  state.pos = p;
  return false;
}

function emptyArgs(): Node {
  return { type: 'expr_list', value: [] };
}

function asArgs(l: unknown): Node {
  if (l === null) return emptyArgs();
  if ((l as Node).type !== 'expr_list') return { type: 'expr_list', value: [l] };
  return l as Node;
}

// ---------------------------------------------------------------- aggregates

const SMMA = ['sum', 'max', 'min', 'avg'];

/** aggr_func: (aggr_fun_count / aggr_fun_smma / aggr_array_agg) __ aggr_filter? */
export function aggrFunc(state: ParseState): Node | null {
  const e = aggrCount(state) ?? aggrSmma(state);
  if (e === null) {
    rejectArrayAgg(state);
    return null;
  }
  ws(state);
  const p = state.pos;
  if (lit(state, 'filter') !== null) {
    ws(state);
    if (peekCh(state) === 40) decline('aggregate FILTER');
    state.pos = p;
  }
  return e;
}

function rejectArrayAgg(state: ParseState): void {
  const p = state.pos;
  const id = identWithoutKwType(state);
  if (id !== null) {
    ws(state);
    if (!ch(state, 46)) state.pos = p;
  }
  ws(state);
  if (kw(state, 'array_agg') || kw(state, 'string_agg')) decline('array_agg/string_agg');
  state.pos = p;
}

function aggrCount(state: ParseState): Node | null {
  const p = state.pos;
  let name: string | null = null;
  if (kw(state, 'count')) name = 'COUNT';
  else if (kw(state, 'group_concat')) decline('group_concat');
  else name = lit(state, 'listagg');
  if (name !== null) {
    if (openParen(state)) {
      const arg = countArg(state);
      if (arg !== null && closeParen(state)) {
        ws(state);
        const over = overPartition(state);
        return { type: 'aggr_func', name, args: arg, over };
      }
    }
    state.pos = p;
  }
  const pc = lit(state, 'percentile_cont') ?? lit(state, 'percentile_disc');
  if (pc !== null) {
    if (openParen(state)) decline('percentile');
    state.pos = p;
  }
  if (lit(state, 'mode') !== null) {
    if (openParen(state) && ch(state, 41)) decline('mode()');
    state.pos = p;
  }
  return null;
}

function countArg(state: ParseState): Node | null {
  if (ch(state, 42)) return { expr: { type: 'star', value: '*' } };
  const p = state.pos;
  const distinct = kw(state, 'distinct') ? 'DISTINCT' : null;
  ws(state);
  if (peekCh(state) === 40) decline('parenthesised aggregate argument');
  const c = orAndExpr(state);
  if (c === null) {
    state.pos = p;
    return null;
  }
  ws(state);
  const separator = concatSeparator(state);
  ws(state);
  const orderby = orderByClause(state);
  return { distinct, expr: c, orderby, separator };
}

/** concat_separator: `, 'literal'` */
function concatSeparator(state: ParseState): Node | null {
  const p = state.pos;
  if (!ch(state, 44)) return null;
  ws(state);
  const s = literalString(state);
  if (s === null) {
    state.pos = p;
    return null;
  }
  return { symbol: ',', delimiter: s };
}

function aggrSmma(state: ParseState): Node | null {
  const start = state.pos;
  let name: string | null = null;
  for (const w of SMMA) {
    if (kw(state, w)) {
      name = w.toUpperCase();
      break;
    }
  }
  if (name === null) return null;
  if (openParen(state)) {
    const e = additiveExpr(state);
    if (e !== null && closeParen(state)) {
      ws(state);
      const over = overPartition(state);
      return { type: 'aggr_func', name, args: { expr: e }, over, loc: loc(state, start, state.pos) };
    }
  }
  state.pos = start;
  return null;
}

// ---------------------------------------------------------------- window functions

function firstLit(state: ParseState, words: readonly string[]): string | null {
  for (const w of words) {
    const m = lit(state, w);
    if (m !== null) return m;
  }
  return null;
}

function considerNulls(state: ParseState): string | null {
  const p = state.pos;
  const v = firstLit(state, ['ignore', 'respect']);
  if (v === null) return null;
  ws(state);
  if (lit(state, 'nulls') !== null) return `${v.toUpperCase()} NULLS`;
  state.pos = p;
  return null;
}

export function windowFunc(state: ParseState): Node | null {
  const p = state.pos;
  const rank = firstLit(state, ['row_number', 'dense_rank', 'rank']);
  if (rank !== null) {
    if (openParen(state) && ch(state, 41)) {
      ws(state);
      const over = overPartition(state);
      if (over !== null) return { type: 'window_func', name: rank, over };
    }
    state.pos = p;
  }
  const lag = firstLit(state, ['lag', 'lead', 'nth_value']);
  if (lag !== null) {
    if (openParen(state)) {
      const l = exprList(state);
      if (l !== null && closeParen(state)) {
        ws(state);
        const cn = considerNulls(state);
        ws(state);
        const over = overPartition(state);
        if (over !== null) return { type: 'window_func', name: lag, args: l, over, consider_nulls: cn };
      }
    }
    state.pos = p;
  }
  const fl = firstLit(state, ['first_value', 'last_value']);
  if (fl !== null) {
    if (openParen(state)) {
      const e = expr(state);
      if (e !== null && closeParen(state)) {
        ws(state);
        const cn = considerNulls(state);
        ws(state);
        const over = overPartition(state);
        if (over !== null) {
          return { type: 'window_func', name: fl, args: { type: 'expr_list', value: [e] }, over, consider_nulls: cn };
        }
      }
    }
    state.pos = p;
  }
  return null;
}

/** over_partition: OVER ( window_specification ) — named windows and ON UPDATE are declined. */
export function overPartition(state: ParseState): Node | null {
  const p = state.pos;
  if (lit(state, 'over') !== null) {
    ws(state);
    const c = peekCh(state);
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95) decline('named window');
    if (ch(state, 40)) {
      ws(state);
      const spec = windowSpecification(state);
      ws(state);
      if (ch(state, 41)) return { type: 'window', as_window_specification: { window_specification: spec, parentheses: true } };
    }
    state.pos = p;
  }
  rejectOnUpdate(state);
  return null;
}

/** on_update_current_timestamp (declined). */
function rejectOnUpdate(state: ParseState): void {
  const p = state.pos;
  if (kw(state, 'on')) {
    ws(state);
    if (kw(state, 'update')) decline('on update');
  }
  state.pos = p;
}

function windowSpecification(state: ParseState): Node {
  let partitionby: unknown = null;
  const p = state.pos;
  if (kw(state, 'partition')) {
    ws(state);
    if (kw(state, 'by')) {
      ws(state);
      partitionby = columnClause(state);
    }
    if (partitionby === null) state.pos = p;
  }
  ws(state);
  const orderby = orderByClause(state);
  ws(state);
  const frame = windowFrameClause(state);
  return { name: null, partitionby, orderby, window_frame_clause: frame };
}

function windowFrameClause(state: ParseState): Node | null {
  const start = state.pos;
  if (lit(state, 'range') !== null) {
    ws(state);
    if (kw(state, 'between')) decline('range frame');
    state.pos = start;
  }
  if (!kw(state, 'rows')) return null;
  ws(state);
  const afterRows = state.pos;
  const single = frameBound(state, ['following']) ?? frameBound(state, ['preceding', 'following']);
  if (single !== null) return { type: 'rows', expr: single };
  state.pos = afterRows;
  if (kw(state, 'between')) {
    ws(state);
    const pre = frameBound(state, ['preceding', 'following']);
    if (pre !== null) {
      ws(state);
      if (kw(state, 'and')) {
        ws(state);
        const fol = frameBound(state, ['following']);
        if (fol !== null) {
          return {
            type: 'binary_expr', operator: 'BETWEEN', left: { type: 'origin', value: 'rows' },
            right: { type: 'expr_list', value: [pre, fol] }, loc: loc(state, start, state.pos),
          };
        }
      }
    }
  }
  state.pos = start;
  return null;
}

/** window_frame_preceding / window_frame_following: value __ keyword, or CURRENT ROW. */
function frameBound(state: ParseState, keywords: readonly string[]): Node | null {
  const p = state.pos;
  const v = frameValue(state);
  if (v !== null) {
    ws(state);
    const k = firstLit(state, keywords);
    if (k !== null) {
      v.value = `${String(v.value)} ${k.toUpperCase()}`;
      return v;
    }
  }
  state.pos = p;
  if (lit(state, 'current') !== null) {
    ws(state);
    if (lit(state, 'row') !== null) return { type: 'origin', value: 'current row', loc: loc(state, p, state.pos) };
  }
  state.pos = p;
  return null;
}

function frameValue(state: ParseState): Node | null {
  const p = state.pos;
  const u = lit(state, 'unbounded');
  if (u !== null) return { type: 'origin', value: u.toUpperCase(), loc: loc(state, p, state.pos) };
  return literalNumeric(state);
}

// ---------------------------------------------------------------- function calls

const USER_FUNCS = ['current_user', 'user', 'session_user', 'system_user'];
const TIME_FUNCS: [string, string][] = [['current_date', 'CURRENT_DATE'], ['current_time', 'CURRENT_TIME'], ['current_timestamp', 'CURRENT_TIMESTAMP']];

function scalarTimeFunc(state: ParseState): string | null {
  for (const [w, name] of TIME_FUNCS) if (kw(state, w)) return name;
  return null;
}

/** A literal word followed by `__ (`, declined (unsupported special forms). */
function rejectCall(state: ParseState, word: string, reason: string): void {
  const p = state.pos;
  if (lit(state, word) !== null && openParen(state)) decline(reason);
  state.pos = p;
}

export function funcCall(state: ParseState): Node | null {
  const start = state.pos;
  const t = trimFunc(state);
  if (t !== null) return t;
  rejectCall(state, 'position', 'position()');
  rejectCall(state, 'now', 'now()');
  const fl = flatten(state);
  if (fl !== null) return fl;
  // scalar_func ( expr_list? ) over?
  for (const w of USER_FUNCS) if (kw(state, w)) decline('user function');
  let name = scalarTimeFunc(state) ?? lit(state, 'ntile');
  if (name !== null) {
    if (openParen(state)) {
      const l = exprList(state);
      if (closeParen(state)) {
        ws(state);
        const over = overPartition(state);
        return {
          type: 'function', name: { name: [{ type: 'default', value: name }] }, args: l ?? emptyArgs(), over,
          loc: loc(state, start, state.pos),
        };
      }
    }
    state.pos = start;
  }
  rejectCall(state, 'extract', 'extract()');
  name = scalarTimeFunc(state);
  if (name !== null) {
    ws(state);
    rejectOnUpdate(state);
    return { type: 'function', name: { name: [{ type: 'origin', value: name }] }, over: null, loc: loc(state, start, state.pos) };
  }
  const pj = lit(state, 'parse_json');
  if (pj !== null) {
    if (openParen(state)) {
      const l = orAndWhereExpr(state);
      if (closeParen(state)) {
        ws(state);
        const s = state.src;
        if (s.charCodeAt(state.pos) === 58 && s.charCodeAt(state.pos + 1) !== 58) decline('json visit');
        return {
          type: 'function', name: { name: [{ type: 'default', value: pj }] }, args: asArgs(l), suffix: null,
          loc: loc(state, start, state.pos),
        };
      }
    }
    state.pos = start;
  }
  return genericCall(state);
}

/** proc_func_name __ ( __ or_and_where_expr? __ ) __ over_partition? */
export function genericCall(state: ParseState): Node | null {
  const start = state.pos;
  const fn = procFuncName(state);
  if (fn === null) return null;
  if (openParen(state)) {
    const l = orAndWhereExpr(state);
    if (closeParen(state)) {
      ws(state);
      const over = overPartition(state);
      return { type: 'function', name: fn, args: asArgs(l), over, loc: loc(state, start, state.pos) };
    }
  }
  state.pos = start;
  return null;
}

/** FLATTEN(INPUT => expr [, PATH => '..'] [, OUTER => bool] [, RECURSIVE => bool]) (MODE declined). */
function flatten(state: ParseState): Node | null {
  const start = state.pos;
  const name = lit(state, 'flatten');
  if (name === null) return null;
  if (!openParen(state)) {
    state.pos = start;
    return null;
  }
  const input = flattenArg(state, 'input', 'expr');
  if (input === null) decline('flatten arguments');
  const optional = (key: string, kind: 'string' | 'bool'): Node | null => {
    const save = state.pos;
    ws(state);
    if (ch(state, 44)) {
      ws(state);
      const arg = flattenArg(state, key, kind);
      if (arg !== null) return arg;
    }
    state.pos = save;
    return null;
  };
  const path = optional('path', 'string');
  const outer = optional('outer', 'bool');
  const recursive = optional('recursive', 'bool');
  if (!closeParen(state)) decline('flatten arguments');
  return {
    type: 'flatten', name: { name: [{ type: 'default', value: name }] },
    args: { type: 'flattern', input, path, outer, recursive, mode: null }, loc: loc(state, start, state.pos),
  };
}

/** `key __ => __ value` for one flatten argument. */
function flattenArg(state: ParseState, key: string, kind: 'expr' | 'string' | 'bool'): Node | null {
  const p = state.pos;
  if (lit(state, key) !== null) {
    ws(state);
    if (state.src.startsWith('=>', state.pos)) {
      state.pos += 2;
      ws(state);
      let value: unknown = null;
      if (kind === 'expr') value = expr(state);
      else if (kind === 'string') value = literalString(state);
      else if (kw(state, 'true')) value = { type: 'bool', value: true };
      else if (kw(state, 'false')) value = { type: 'bool', value: false };
      if (value !== null) return { type: key, symbol: '=>', value };
    }
  }
  state.pos = p;
  return null;
}

function procFuncName(state: ParseState): Node | null {
  const dt = identWithoutKwType(state);
  if (dt === null) return null;
  const p = state.pos;
  ws(state);
  if (ch(state, 46)) {
    ws(state);
    const t = identWithoutKwType(state);
    if (t !== null) return { name: [t], schema: dt };
  }
  state.pos = p;
  return { name: [dt] };
}

function trimFunc(state: ParseState): Node | null {
  const start = state.pos;
  if (lit(state, 'trim') === null) return null;
  if (openParen(state)) {
    const rem = trimRem(state);
    ws(state);
    const e = expr(state);
    if (e !== null && closeParen(state)) {
      const args = rem ?? emptyArgs();
      (args.value as unknown[]).push(e);
      return { type: 'function', name: { name: [{ type: 'origin', value: 'trim' }] }, args, loc: loc(state, start, state.pos) };
    }
  }
  state.pos = start;
  return null;
}

/** trim_rem: (BOTH / LEADING / TRAILING)? __ expr? __ FROM */
function trimRem(state: ParseState): Node | null {
  const p = state.pos;
  const pos = firstLit(state, ['both', 'leading', 'trailing']);
  ws(state);
  const rm = expr(state);
  ws(state);
  if (!kw(state, 'from')) {
    state.pos = p;
    return null;
  }
  const value: unknown[] = [];
  if (pos !== null) value.push({ type: 'origin', value: pos });
  if (rm !== null) value.push(rm);
  value.push({ type: 'origin', value: 'from' });
  return { type: 'expr_list', value };
}

// ---------------------------------------------------------------- CASE

export function caseExpr(state: ParseState): Node | null {
  const p = state.pos;
  if (!kw(state, 'case')) return null;
  ws(state);
  const afterCase = state.pos;
  const simple = caseRest(state, null);
  if (simple !== null) return simple;
  state.pos = afterCase;
  const e = expr(state);
  if (e !== null) {
    ws(state);
    const r = caseRest(state, e);
    if (r !== null) return r;
  }
  state.pos = p;
  return null;
}

/** case_when_then_list __ case_else? __ END __ CASE? */
function caseRest(state: ParseState, subject: unknown): Node | null {
  const args: Node[] = [];
  const first = whenThen(state);
  if (first === null) return null;
  args.push(first);
  ws(state);
  for (;;) {
    const save = state.pos;
    ws(state);
    const w = whenThen(state);
    if (w === null) {
      state.pos = save;
      break;
    }
    args.push(w);
  }
  ws(state);
  const save = state.pos;
  if (kw(state, 'else')) {
    ws(state);
    const r = expr(state);
    if (r !== null) args.push({ type: 'else', result: r });
    else state.pos = save;
  }
  ws(state);
  if (!kw(state, 'end')) return null;
  ws(state);
  kw(state, 'case');
  return { type: 'case', expr: subject, args };
}

function whenThen(state: ParseState): Node | null {
  const p = state.pos;
  if (!kw(state, 'when')) return null;
  ws(state);
  const cond = orAndWhereExpr(state);
  if (cond !== null) {
    ws(state);
    if (kw(state, 'then')) {
      ws(state);
      const result = exprItem(state);
      if (result !== null) return { type: 'when', cond, result };
    }
  }
  state.pos = p;
  return null;
}
