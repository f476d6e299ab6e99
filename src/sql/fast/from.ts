/** FROM: table references, joins (ON / USING), subqueries, LATERAL and table functions, qualified table names. */
import { refreshColumnList, setAlias } from './bookkeeping.js';
import { aliasClause, valueAliasClause } from './select-list.js';
import { orAndWhereExpr } from './expressions.js';
import { funcCall, genericCall } from './functions.js';
import { ch, commaSeparated, inParens, identWithoutKwType, kw, lit, peekCh, peekKw, ws } from './lexer.js';
import { loc } from './locations.js';
import { SPECIAL_WORDS, peekWord, wordThenDot } from './operands.js';
import { unionStmt } from './select.js';
import { decline, type Node, type ParseState } from './state.js';

export function fromClause(state: ParseState): Node[] | null {
  const p = state.pos;
  if (!kw(state, 'from')) return null;
  ws(state);
  const list = tableRefList(state);
  if (list === null) {
    state.pos = p;
    return null;
  }
  ws(state);
  if (peekKw(state, 'pivot') || peekKw(state, 'unpivot')) decline('pivot');
  (list[0] as Node).operator = null;
  return list;
}

function tableRefList(state: ParseState): Node[] | null {
  const head = tableBase(state);
  if (head === null) return null;
  const list = [head];
  for (;;) {
    const save = state.pos;
    const t = tableRef(state);
    if (t === null) {
      state.pos = save;
      break;
    }
    list.push(t);
  }
  for (const info of list) {
    setAlias(state, info.table, info.table);
    if (info.as) setAlias(state, info.as, info.table);
    refreshColumnList(state);
  }
  return list;
}

function tableRef(state: ParseState): Node | null {
  const p = state.pos;
  ws(state);
  if (ch(state, 44)) {
    ws(state);
    const t = tableBase(state);
    if (t !== null) return t;
  }
  state.pos = p;
  ws(state);
  return tableJoin(state);
}

function joinOp(state: ParseState): string | null {
  const p = state.pos;
  for (const [word, name] of [['left', 'LEFT JOIN'], ['right', 'RIGHT JOIN'], ['full', 'FULL JOIN']] as const) {
    if (kw(state, word)) {
      ws(state);
      kw(state, 'outer');
      ws(state);
      if (kw(state, 'join')) return name;
      state.pos = p;
      return null;
    }
  }
  if (lit(state, 'cross') !== null) {
    ws(state);
    if (kw(state, 'join')) return 'CROSS JOIN';
    state.pos = p;
  }
  if (kw(state, 'inner')) {
    ws(state);
    if (kw(state, 'join')) return 'INNER JOIN';
    state.pos = p;
    // (KW_INNER __)? is optional: fall through to a bare JOIN (which cannot match at `inner`).
    return null;
  }
  if (kw(state, 'join')) return 'INNER JOIN';
  return null;
}

function tableJoin(state: ParseState): Node | null {
  const start = state.pos;
  const op = joinOp(state);
  if (op !== null) {
    ws(state);
    const refreshes = state.refreshes;
    const wraps = state.wraps;
    let t = tableBase(state);
    if (t !== null) {
      const afterTable = state.pos;
      ws(state);
      if (kw(state, 'using')) {
        ws(state);
        const using = inParens(state, identList);
        if (using !== null) {
          t.join = op;
          t.using = using;
          return t;
        }
      }
      state.pos = afterTable;
      if (state.refreshes !== refreshes || state.wraps !== wraps) {
        state.pos = start;
        joinOp(state);
        ws(state);
        t = tableBase(state);
        if (t === null) return null;
      }
      ws(state);
      const on = onClause(state);
      t.join = op;
      t.on = on;
      return t;
    }
  }
  state.pos = start;
  // alt 3: (join_op / set_op) ( union_stmt / table_ref_list ) ...
  if (joinOp(state) !== null || kw(state, 'union')) {
    ws(state);
    kw(state, 'all');
    ws(state);
    if (peekCh(state) === 40) decline('parenthesised join');
  }
  state.pos = start;
  return null;
}

function identList(state: ParseState): Node[] | null {
  const head = identWithoutKwType(state);
  if (head === null) return null;
  return commaSeparated(state, [head], identWithoutKwType);
}

function onClause(state: ParseState): unknown {
  const p = state.pos;
  if (!kw(state, 'on')) return null;
  ws(state);
  const e = orAndWhereExpr(state);
  if (e === null) state.pos = p;
  return e;
}

function tableBase(state: ParseState): Node | null {
  const start = state.pos;
  const word = peekWord(state);
  if (word === 'dual' || word === 'values' || word === 'table') decline('dual/values/table()');
  if (word !== '' && !word.startsWith('lateral') && !SPECIAL_WORDS.has(word) && !wordThenDot(state, word)) {
    // Fast path: no LATERAL prefix and no special function: a generic table function or a table name.
    const f = genericCall(state);
    if (f !== null) {
      ws(state);
      const as = aliasClause(state);
      return { prefix: null, type: 'expr', expr: f, as };
    }
    return namedTable(state, start);
  }
  let prefix = lit(state, 'lateral');
  ws(state);
  if (ch(state, 40)) {
    ws(state);
    if (peekKw(state, 'values')) decline('values');
    const stmt = unionStmt(state);
    if (stmt === null) decline('parenthesised table list');
    ws(state);
    if (!ch(state, 41)) decline('unclosed subquery in FROM');
    ws(state);
    const as = valueAliasClause(state);
    stmt.parentheses = true;
    return { prefix, expr: stmt, as, loc: loc(state, start, state.pos) };
  }
  state.pos = start;
  prefix = lit(state, 'lateral');
  ws(state);
  const f = funcCall(state);
  if (f !== null) {
    ws(state);
    const as = aliasClause(state);
    return { prefix, type: 'expr', expr: f, as };
  }
  state.pos = start;
  return namedTable(state, start);
}

/** table_name __ alias_clause? (TABLESAMPLE declined) */
function namedTable(state: ParseState, start: number): Node | null {
  const t = tableName(state);
  if (t === null) return null;
  ws(state);
  if (lit(state, 'tablesample') !== null) decline('tablesample');
  t.as = aliasClause(state);
  t.loc = loc(state, start, state.pos);
  return t;
}

function surround(n: Node): string {
  switch (n.type) {
    case 'double_quote_string':
      return '"';
    case 'single_quote_string':
      return "'";
    case 'backticks_quote_string':
      return '`';
    default:
      return '';
  }
}

/** `__ . __ ident_without_kw_type` */
function dotPart(state: ParseState): Node | null {
  const p = state.pos;
  ws(state);
  if (ch(state, 46)) {
    ws(state);
    if (peekCh(state) === 42) decline('table.*');
    const n = identWithoutKwType(state);
    if (n !== null) return n;
  }
  state.pos = p;
  return null;
}

function tableName(state: ParseState): Node | null {
  const c = peekCh(state);
  if (c === 36 || c === 64) decline('variable table');
  const first = identWithoutKwType(state);
  if (first === null) return null;
  const second = dotPart(state);
  if (second === null) return { db: null, table: first.value, surround: { table: surround(first) } };
  const third = dotPart(state);
  if (third === null) {
    return { db: first.value, table: second.value, surround: { table: surround(second), db: surround(first) } };
  }
  return {
    db: first.value, table: third.value, catalog: first.value, schema: second.value,
    surround: { table: surround(third), db: surround(first), schema: surround(second) },
  };
}
