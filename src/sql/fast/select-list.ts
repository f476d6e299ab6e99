/** The select list: column_clause, column_list_item (`*`, `t.*`, `expr::type`, `expr [AS] alias`) and aliases. */
import { checkedTable, columnRef } from './columns.js';
import { exprItem, exprList } from './expressions.js';
import { ch, commaSeparated, inParens, column, columnWithoutKw, ident, identName, isReserved, kw, lit, peekCh, peekKw, quotedIdent, ws } from './lexer.js';
import { loc } from './locations.js';
import { decline, type Node, type ParseState } from './state.js';
import { doubleColonTargets } from './types.js';

/** column_clause: column_list_item (, column_list_item)* */
export function columnClause(state: ParseState): Node[] | null {
  const head = columnListItem(state);
  if (head === null) return null;
  return commaSeparated(state, [head], columnListItem);
}

/** column_star_option: EXCLUDE ( expr_list ) / EXCLUDE column_ref, as the grammar's pseudo-function. */
function starOption(state: ParseState): Node | null {
  const p = state.pos;
  if (lit(state, 'exclude') === null) return null;
  ws(state);
  if (peekCh(state) === 40) {
    const l = inParens(state, exprList);
    if (l !== null) return { type: 'function', name: { name: [{ type: 'origin', value: 'exclude' }] }, args: l };
    decline('exclude list');
  }
  const c = columnRef(state);
  if (c !== null) {
    return { type: 'function', name: { name: [{ type: 'origin', value: 'exclude' }] }, args: { type: 'expr_list', value: [c] }, args_parentheses: false };
  }
  state.pos = p;
  return null;
}

/** After `t.*`: only a list separator, a closing parenthesis, FROM or the end may follow. */
function starTerminated(state: ParseState): boolean {
  const c = peekCh(state);
  return c === 44 || c === 41 || c === 59 || Number.isNaN(c) || peekKw(state, 'from');
}

function columnListItem(state: ParseState): Node | null {
  const start = state.pos;
  if (peekKw(state, 'all')) decline('ALL in select list');
  if (ch(state, 42)) {
    ws(state);
    const suffix = starOption(state);
    state.addColumn('select::null::(.*)');
    return { expr: { type: 'column_ref', table: null, column: '*', suffix }, as: null, loc: loc(state, start, state.pos) };
  }
  const s = state.src;
  const c0 = s.charCodeAt(start);
  if ((c0 === 69 || c0 === 101) && s.charCodeAt(start + 1) === 39) decline('E string');
  // ident . *
  const tbl = ident(state);
  if (tbl !== null) {
    ws(state);
    if (ch(state, 46)) {
      ws(state);
      if (ch(state, 42)) {
        ws(state);
        if (!starTerminated(state)) decline('t.* followed by an operator');
        state.addColumn(`select::${checkedTable(tbl)}::(.*)`);
        const suffix = starOption(state);
        if (suffix !== null) decline('t.* exclude');
        return {
          expr: { type: 'column_ref', table: tbl, schema: null, column: '*', suffix }, as: null,
          loc: loc(state, start, state.pos),
        };
      }
      const mid = ident(state);
      if (mid !== null) {
        ws(state);
        if (ch(state, 46)) {
          ws(state);
          if (peekCh(state) === 42) decline('schema.table.*');
        }
      }
    }
    state.pos = start;
  }
  const refreshes = state.refreshes;
  const wraps = state.wraps;
  let e = exprItem(state);
  if (e === null) return null;
  const afterItem = state.pos;
  ws(state);
  if (s.charCodeAt(state.pos) === 58 && s.charCodeAt(state.pos + 1) === 58) {
    return castItem(state, start, e);
  }
  state.pos = afterItem;
  if (state.refreshes !== refreshes || state.wraps !== wraps) {
    // The failed cast alternative refreshed table aliases or snapshotted the column list (subqueries): the
    // grammar re-parses the item, and those side effects show in the new snapshots, so re-parse too.
    state.pos = start;
    e = exprItem(state);
    if (e === null) return null;
  }
  ws(state);
  const as = aliasClause(state);
  const en = e as Node;
  if (en.type === 'double_quote_string' || en.type === 'single_quote_string') state.addColumn(`select::null::${String(en.value)}`);
  return { type: 'expr', expr: e, as, loc: loc(state, start, state.pos) };
}

/** expr_item __ cast_double_colon __ (tail ops)* __ alias? — tail operators are declined. */
function castItem(state: ParseState, start: number, e: unknown): Node {
  const targets = doubleColonTargets(state);
  if (targets.length === 0) decline('cast item without type');
  ws(state);
  const c = peekCh(state);
  if (c === 43 || c === 45 || c === 42 || c === 47 || c === 37 || c === 124) decline('cast item tail');
  ws(state);
  const as = aliasClause(state);
  return { symbol: '::', target: targets, as, type: 'cast', expr: e, tail: undefined, loc: loc(state, start, state.pos) };
}

/** alias_clause: AS column_without_kw / AS? column */
export function aliasClause(state: ParseState): string | null {
  const p = state.pos;
  if (kw(state, 'as')) {
    ws(state);
    const n = columnWithoutKw(state);
    if (n !== null) return n;
    state.pos = p;
    return null;
  }
  ws(state);
  const n = column(state);
  if (n !== null) return n;
  state.pos = p;
  return null;
}

/** value_alias_clause: AS? alias_ident */
export function valueAliasClause(state: ParseState): string | null {
  const p = state.pos;
  kw(state, 'as');
  ws(state);
  const name = identName(state);
  if (name !== null) {
    if (!isReserved(name)) {
      const save = state.pos;
      ws(state);
      if (peekCh(state) === 40) decline('alias column list');
      state.pos = save;
      return name;
    }
    state.pos = p;
    return null;
  }
  const q = quotedIdent(state);
  if (q !== null) return q;
  state.pos = p;
  return null;
}
