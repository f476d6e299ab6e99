/** Statements: union / select / WITH and the trailing clauses (WHERE, GROUP BY, HAVING, QUALIFY, ORDER BY, LIMIT). */
import { wrap } from './bookkeeping.js';
import { columnClause } from './select-list.js';
import { expr, exprList, orAndWhereExpr } from './expressions.js';
import { fromClause } from './from.js';
import { ch, commaSeparated, identName, kw, lit, literalNumeric, literalString, peekCh, peekKw, ws, ws1 } from './lexer.js';
import { loc } from './locations.js';
import { decline, type Node, type ParseState } from './state.js';

// ---------------------------------------------------------------- statements

/** union_stmt: select_stmt (UNION [ALL] select_stmt)* order_by? limit? → { tableList, columnList, ast } */
export function unionStmt(state: ParseState): Node | null {
  const head = selectStmt(state);
  if (head === null) return null;
  let cur = head;
  for (;;) {
    const save = state.pos;
    ws(state);
    if (!kw(state, 'union')) {
      state.pos = save;
      break;
    }
    ws(state);
    const op = kw(state, 'all') ? 'union all' : 'union';
    ws(state);
    const next = selectStmt(state);
    if (next === null) {
      state.pos = save;
      break;
    }
    cur._next = next;
    cur.set_op = op;
    cur = next;
  }
  ws(state);
  const ob = orderByClause(state);
  ws(state);
  const l = limitClause(state);
  if (ob) head._orderby = ob;
  if ((l.value as unknown[]).length > 0) head._limit = l;
  return wrap(state, head);
}

function selectStmt(state: ParseState): Node | null {
  const p = state.pos;
  if (kw(state, 'select')) {
    ws(state);
    if (peekCh(state) === 59) decline('empty select');
    state.pos = p;
  }
  const s = selectStmtNake(state);
  if (s !== null) return s;
  if (ch(state, 40)) {
    ws(state);
    const inner = selectStmt(state);
    if (inner !== null) {
      ws(state);
      if (ch(state, 41)) return { ...inner, parentheses_symbol: true };
    }
    state.pos = p;
  }
  return null;
}

const QUERY_OPTIONS = ['sql_calc_found_rows', 'sql_cache', 'sql_no_cache', 'sql_big_result', 'sql_small_result', 'sql_buffer_result'];

function rejectInto(state: ParseState): void {
  if (peekKw(state, 'into')) decline('into');
}

function selectStmtNake(state: ParseState): Node | null {
  const start = state.pos;
  ws(state);
  const cte = withClause(state);
  ws(state);
  if (!kw(state, 'select') || !ws1(state)) {
    state.pos = start;
    return null;
  }
  const c0 = peekCh(state);
  if (c0 === 115 || c0 === 83) for (const o of QUERY_OPTIONS) if (peekKw(state, o)) decline('query option');
  ws(state);
  let distinct: string | null = null;
  if (kw(state, 'distinct')) {
    const p = state.pos;
    ws(state);
    if (kw(state, 'on')) decline('distinct on');
    state.pos = p;
    distinct = 'DISTINCT';
  }
  ws(state);
  if (peekKw(state, 'top')) decline('top');
  ws(state);
  const columns = columnClause(state);
  if (columns === null) {
    state.pos = start;
    return null;
  }
  ws(state);
  rejectInto(state);
  ws(state);
  const from = fromClause(state);
  ws(state);
  rejectInto(state);
  ws(state);
  const where = clauseExpr(state, 'where');
  ws(state);
  const groupby = groupByClause(state);
  ws(state);
  const having = clauseExpr(state, 'having');
  ws(state);
  const qualify = clauseExpr(state, 'qualify');
  ws(state);
  const orderby = orderByClause(state);
  ws(state);
  const limit = limitClause(state);
  ws(state);
  if (peekKw(state, 'window')) decline('window clause');
  ws(state);
  rejectInto(state);
  if (from) {
    for (const info of from) {
      if (info.table) {
        const db = info.db as string | null | undefined;
        const schema = info.schema as string | null | undefined;
        const dbSchema = db && schema ? `${db}.${schema}` : db || schema || null;
        state.tableList.add(`select::${dbSchema}::${String(info.table)}`);
      }
    }
  }
  return {
    with: cte,
    type: 'select',
    options: null,
    distinct: { type: distinct },
    columns,
    into: { position: null },
    from,
    where,
    groupby,
    having,
    qualify,
    orderby,
    top: null,
    limit,
    window: null,
    loc: loc(state, start, state.pos),
  };
}

/** with_clause: WITH cte (, cte)* */
function withClause(state: ParseState): Node[] | null {
  const p = state.pos;
  if (!kw(state, 'with')) return null;
  ws(state);
  if (peekKw(state, 'recursive')) decline('with recursive');
  const head = cteDefinition(state);
  if (head === null) {
    state.pos = p;
    return null;
  }
  return commaSeparated(state, [head], cteDefinition);
}

function cteDefinition(state: ParseState): Node | null {
  const start = state.pos;
  let name: unknown = literalString(state);
  if (name === null) {
    const n = identName(state);
    if (n === null) return null;
    name = { type: 'default', value: n };
  }
  ws(state);
  if (peekCh(state) === 40) decline('cte column list');
  ws(state);
  if (!kw(state, 'as')) {
    state.pos = start;
    return null;
  }
  ws(state);
  if (!ch(state, 40)) {
    state.pos = start;
    return null;
  }
  ws(state);
  const stmt = unionStmt(state);
  if (stmt === null) decline('cte body is not a select');
  ws(state);
  if (!ch(state, 41)) {
    state.pos = start;
    return null;
  }
  return { name, stmt, columns: null, loc: loc(state, start, state.pos) };
}

// ---------------------------------------------------------------- clauses

/** WHERE / HAVING / QUALIFY or_and_where_expr */
function clauseExpr(state: ParseState, word: string): unknown {
  const p = state.pos;
  if (!kw(state, word)) return null;
  ws(state);
  const e = orAndWhereExpr(state);
  if (e === null) state.pos = p;
  return e;
}

function groupByClause(state: ParseState): Node | null {
  const p = state.pos;
  if (!kw(state, 'group')) return null;
  ws(state);
  if (kw(state, 'by')) {
    ws(state);
    if (kw(state, 'all')) return { columns: [{ type: 'origin', value: 'all' }] };
    const l = exprList(state);
    if (l !== null) return { columns: l.value };
  }
  state.pos = p;
  return null;
}

export function orderByClause(state: ParseState): Node[] | null {
  const p = state.pos;
  if (!kw(state, 'order')) return null;
  ws(state);
  if (kw(state, 'by')) {
    ws(state);
    const head = orderByElement(state);
    if (head !== null) {
      return commaSeparated(state, [head], orderByElement);
    }
  }
  state.pos = p;
  return null;
}

function orderByElement(state: ParseState): Node | null {
  const e = expr(state);
  if (e === null) return null;
  ws(state);
  let type: string | null = null;
  if (kw(state, 'desc')) type = 'DESC';
  else if (kw(state, 'asc')) type = 'ASC';
  ws(state);
  let nulls: string | null = null;
  const n = lit(state, 'nulls');
  if (n !== null) {
    ws(state);
    const fl = lit(state, 'first') ?? lit(state, 'last');
    nulls = fl === null ? n : `${n} ${fl}`;
  }
  return { expr: e, type, nulls };
}

function limitNumber(state: ParseState): Node | null {
  const c = peekCh(state);
  if (c === 36 || c === 64 || c === 58) decline('limit parameter');
  return literalNumeric(state);
}

function limitClause(state: ParseState): Node {
  const start = state.pos;
  const value: unknown[] = [];
  const p = state.pos;
  if (kw(state, 'limit')) {
    ws(state);
    const n = limitNumber(state);
    if (n !== null) value.push(n);
    else if (kw(state, 'all')) value.push({ type: 'origin', value: 'all' });
    else state.pos = p;
  }
  ws(state);
  let seperator = '';
  const q = state.pos;
  if (kw(state, 'offset')) {
    ws(state);
    const n = limitNumber(state);
    if (n !== null) {
      value.push(n);
      seperator = 'offset';
    } else state.pos = q;
  }
  return { seperator, value, loc: loc(state, start, state.pos) };
}

/** The whole input: `__ multiple_stmt`, with at most trailing semicolons after one statement. */
export function parseInput(state: ParseState): unknown {
  ws(state);
  const stmt = unionStmt(state);
  if (stmt === null) return undefined;
  const ast = stmt.ast;
  const save = state.pos;
  ws(state);
  if (ch(state, 59)) {
    ws(state);
    while (ch(state, 59)) ws(state);
    if (state.pos !== state.len) decline('several statements');
    return [ast];
  }
  state.pos = save;
  if (state.pos !== state.len) return undefined;
  return ast;
}

