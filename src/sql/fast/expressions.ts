/**
 * Expression rules of the grammar (expr, or/and/not, comparisons, arithmetic, primary, AND/OR lists).
 * Each mirrors the PEG rule's sequence exactly, including the whitespace each alternative consumes, because
 * `loc` spans and the AND/OR associativity depend on it.
 */
import { ch, commaSeparated, inParens, columnWithoutKw, isIdentStart, isReserved, kw, lit, literalNumeric, literalString, peekCh, ws, ws1 } from './lexer.js';
import { loc } from './locations.js';
import { SPECIAL_WORDS, castExpr, literal } from './operands.js';
import { unionStmt } from './select.js';
import { decline, type Node, type ParseState } from './state.js';

function binary(state: ParseState, op: string, left: unknown, right: unknown, start: number, end: number): Node {
  return { type: 'binary_expr', operator: op, left, right, loc: loc(state, start, end) };
}

function chain(state: ParseState, head: unknown, tail: [string, unknown][] | null, start: number): unknown {
  if (tail === null) return head;
  let result = head;
  for (const [op, right] of tail) result = binary(state, op, result, right, start, state.pos);
  return result;
}

/** createList: tail items lose their tableList/columnList (statement wrappers in lists). */
export function stripWrapper(item: unknown): unknown {
  if (item !== null && typeof item === 'object' && 'tableList' in item) {
    const o = item as Node;
    delete o.tableList;
    delete o.columnList;
  }
  return item;
}

/** expr = _expr / union_stmt; _expr = or_expr / unary_expr */
export function expr(state: ParseState): unknown {
  const simple = simpleOperand(state);
  if (simple !== null) return simple;
  const r = orExpr(state);
  if (r !== null) return r;
  const c = peekCh(state);
  if (c === 43 || c === 45) decline('unary_expr fallback');
  return unionStmt(state);
}

/** Words the shortcut below leaves to the full rules (literals, keywords, special functions). */
const NOT_SIMPLE = new Set([
  ...SPECIAL_WORDS, 'true', 'false', 'null', 'time', 'date', 'timestamp', 'datetime', 'array', 'cast', 'try_cast', 'not',
  'exists',
]);

/**
 * Shortcut for the most common expression: a bare column name, number or string followed by a token that no
 * rule between `expr` and `cast_expr` can continue with (`,`, `)`, `;`, the end, or a word that cannot start an
 * operator). It returns exactly what the full chain of rules returns and leaves the cursor where they leave it
 * (after the trailing whitespace that cast_expr and comparison_expr consume); otherwise it returns null and
 * the full rules run.
 */
function simpleOperand(state: ParseState): unknown {
  const s = state.src;
  const p = state.pos;
  const c = s.charCodeAt(p);
  let node: Node | null = null;
  let word: string | null = null;
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95) {
    let e = p + 1;
    while (isIdentStart(s.charCodeAt(e))) e++;
    const next = s.charCodeAt(e);
    if (next === 45 || next === 36) return null;
    word = s.slice(p, e);
    if (NOT_SIMPLE.has(word.toLowerCase()) || isReserved(word)) return null;
    state.pos = e;
  } else if (c >= 48 && c <= 57) {
    node = literalNumeric(state);
  } else if (c === 39) {
    node = literalString(state);
  } else {
    return null;
  }
  const end = state.pos;
  ws(state);
  if (end === p || !endsOperand(s.charCodeAt(state.pos))) {
    state.pos = p;
    return null;
  }
  if (word === null) return node;
  state.addColumn(`select::null::${word}`);
  return { type: 'column_ref', table: null, column: word, collate: null, loc: loc(state, p, end) };
}

/** `,` `)` `;` the end, or a letter that cannot start an operator word (not/in/is/between/like/ilike/similar/collate). */
function endsOperand(c: number): boolean {
  if (c === 44 || c === 41 || c === 59 || Number.isNaN(c)) return true;
  const lower = c | 0x20;
  if (lower < 97 || lower > 122) return false;
  return lower !== 110 && lower !== 105 && lower !== 98 && lower !== 108 && lower !== 115 && lower !== 99;
}

function orExpr(state: ParseState): unknown {
  return operatorChain(state, andExpr, (st) => (ws1(st) && kw(st, 'or') ? 'OR' : null));
}

function andExpr(state: ParseState): unknown {
  return operatorChain(state, notExpr, (st) => (ws1(st) && kw(st, 'and') ? 'AND' : null));
}

/**
 * operand (operator __ operand)*, as one left-associative chain. `operator` reads the space before it and returns
 * its text, or null (the position is restored).
 */
function operatorChain(state: ParseState, operand: (state: ParseState) => unknown, operator: (state: ParseState) => string | null): unknown {
  const start = state.pos;
  const head = operand(state);
  if (head === null) return null;
  return chain(state, head, operatorTail(state, operand, operator), start);
}

/** The (operator __ operand)* after a first operand, as [operator, operand] pairs (null when none). */
function operatorTail(state: ParseState, operand: (state: ParseState) => unknown, operator: (state: ParseState) => string | null): [string, unknown][] | null {
  let tail: [string, unknown][] | null = null;
  for (;;) {
    const save = state.pos;
    const op = operator(state);
    if (op === null) {
      state.pos = save;
      return tail;
    }
    ws(state);
    const right = operand(state);
    if (right === null) {
      state.pos = save;
      return tail;
    }
    (tail ??= []).push([op, right]);
  }
}

function notExpr(state: ParseState): unknown {
  const c = comparisonExpr(state);
  if (c !== null) return c;
  const e = existsExpr(state);
  if (e !== null) return e;
  const p = state.pos;
  if (kw(state, 'not')) {
    ws(state);
    const inner = notExpr(state);
    if (inner !== null) return { type: 'unary_expr', operator: 'NOT', expr: inner };
    state.pos = p;
    return null;
  }
  if (peekCh(state) === 33) decline('! operator');
  return null;
}

/** `NOT? keyword` as the grammar names its operator (`NOT IN`, `IN`), or null with the position back at `p`. */
function notOr(state: ParseState, word: string, op: string, p: number): string | null {
  if (kw(state, 'not')) {
    ws(state);
    if (kw(state, word)) return `NOT ${op}`;
    state.pos = p;
  }
  return kw(state, word) ? op : null;
}

function existsExpr(state: ParseState): unknown {
  const p = state.pos;
  const op = notOr(state, 'exists', 'EXISTS', p);
  if (op === null) return null;
  ws(state);
  const stmt = inParens(state, unionStmt);
  if (stmt !== null) {
    (stmt as Node).parentheses = true;
    return { type: 'unary_expr', operator: op, expr: stmt };
  }
  state.pos = p;
  return null;
}

function comparisonExpr(state: ParseState): unknown {
  const start = state.pos;
  const left = additiveExpr(state);
  if (left === null) return null;
  ws(state);
  const rh = comparisonOpRight(state);
  if (rh === null) return left;
  if (rh.arithmetic) return chain(state, left, rh.arithmetic, start);
  return binary(state, rh.op as string, left, rh.right, start, state.pos);
}

interface OpRight {
  arithmetic?: [string, unknown][];
  op?: string;
  right?: unknown;
}

const CMP_OPS = ['>=', '>', '<=', '<>', '<', '=', '!='];

function comparisonOperator(state: ParseState): string | null {
  const s = state.src;
  const p = state.pos;
  for (const op of CMP_OPS) {
    if (s.startsWith(op, p)) {
      state.pos = p + op.length;
      return op;
    }
  }
  return null;
}

/** First characters that can start a comparison_op_right (the grammar's cmpPrefixMap idea). */
function maybeComparison(c: number): boolean {
  switch (c) {
    case 60: case 62: case 61: case 33: case 126: // < > = ! ~
    case 110: case 78: case 105: case 73: case 98: case 66: case 108: case 76: case 115: case 83: // n i b l s
      return true;
    default:
      return false;
  }
}

function comparisonOpRight(state: ParseState): OpRight | null {
  const start = state.pos;
  if (!maybeComparison(state.src.charCodeAt(start))) return null;
  // arithmetic_op_right: (__ op __ (additive_expr / column_without_kw_type))+
  let tail: [string, unknown][] | null = null;
  for (;;) {
    const save = state.pos;
    ws(state);
    const op = comparisonOperator(state);
    if (op === null) {
      state.pos = save;
      break;
    }
    ws(state);
    const right = additiveExpr(state);
    if (right === null) {
      if (columnWithoutKw(state) !== null) decline('column_without_kw_type comparison operand');
      state.pos = save;
      break;
    }
    (tail ??= []).push([op, right]);
  }
  if (tail !== null) return { arithmetic: tail };
  state.pos = start;
  return inOpRight(state) ?? betweenOpRight(state) ?? isOpRight(state) ?? likeOpRight(state) ?? regexCheck(state);
}

function inOpRight(state: ParseState): OpRight | null {
  const p = state.pos;
  const op = notOr(state, 'in', 'IN', p);
  if (op === null) return null;
  ws(state);
  const l = inParens(state, exprList);
  if (l !== null) return { op, right: l };
  decline('IN without a parenthesised list');
}

function betweenOpRight(state: ParseState): OpRight | null {
  const p = state.pos;
  const op = notOr(state, 'between', 'BETWEEN', p);
  if (op === null) return null;
  ws(state);
  const begin = additiveExpr(state);
  if (begin !== null) {
    ws(state);
    if (kw(state, 'and')) {
      ws(state);
      const end = additiveExpr(state);
      if (end !== null) return { op, right: { type: 'expr_list', value: [begin, end] } };
    }
  }
  state.pos = p;
  return null;
}

function isOpRight(state: ParseState): OpRight | null {
  const p = state.pos;
  if (!kw(state, 'is')) return null;
  ws(state);
  const afterIs = state.pos;
  const right = additiveExpr(state);
  if (right !== null) return { op: 'IS', right };
  state.pos = afterIs;
  if (kw(state, 'distinct')) decline('IS DISTINCT FROM');
  if (kw(state, 'not')) {
    ws(state);
    const r2 = additiveExpr(state);
    if (r2 !== null) return { op: 'IS NOT', right: r2 };
  }
  state.pos = p;
  return null;
}

function likeOp(state: ParseState): string | null {
  const p = state.pos;
  if (kw(state, 'not')) {
    ws(state);
    if (kw(state, 'like')) return 'NOT LIKE';
    if (kw(state, 'ilike')) return 'NOT ILIKE';
    if (lit(state, 'similar') !== null) decline('similar to');
    state.pos = p;
    return null;
  }
  if (kw(state, 'like')) return 'LIKE';
  if (kw(state, 'ilike')) return 'ILIKE';
  if (lit(state, 'similar') !== null) {
    ws(state);
    if (kw(state, 'to')) decline('similar to');
    state.pos = p;
  }
  return null;
}

function likeOpRight(state: ParseState): OpRight | null {
  const p = state.pos;
  const op = likeOp(state);
  if (op === null) return null;
  ws(state);
  let right = literal(state);
  if (right === null) right = comparisonExpr(state);
  if (right === null) {
    state.pos = p;
    return null;
  }
  const save = state.pos;
  ws(state);
  if (lit(state, 'escape') !== null) decline('escape');
  state.pos = save;
  ws(state);
  return { op, right };
}

function regexCheck(state: ParseState): null {
  const s = state.src;
  const p = state.pos;
  if (s.charCodeAt(p) === 126 || (s.charCodeAt(p) === 33 && s.charCodeAt(p + 1) === 126)) decline('regex operator');
  return null;
}

export function additiveExpr(state: ParseState): unknown {
  const start = state.pos;
  const head = multiplicativeExpr(state);
  if (head === null) return null;
  let tail: [string, unknown][] | null = null;
  for (;;) {
    const save = state.pos;
    ws(state);
    const c = peekCh(state);
    if (c !== 43 && c !== 45) {
      state.pos = save;
      break;
    }
    state.pos++;
    ws(state);
    const right = multiplicativeExpr(state);
    if (right === null) {
      state.pos = save;
      break;
    }
    (tail ??= []).push([c === 43 ? '+' : '-', right]);
  }
  if (tail !== null && (head as Node).type === 'column_ref' && (head as Node).column === '*') decline('star in additive');
  return chain(state, head, tail, start);
}

function multiplicativeOperator(state: ParseState): string | null {
  const s = state.src;
  const p = state.pos;
  const c = s.charCodeAt(p);
  if (c === 42 || c === 47 || c === 37) {
    state.pos = p + 1;
    return c === 42 ? '*' : c === 47 ? '/' : '%';
  }
  if (c === 124 && s.charCodeAt(p + 1) === 124) {
    state.pos = p + 2;
    return '||';
  }
  if (c === 38 && s.charCodeAt(p + 1) === 38) decline('&& operator');
  return null;
}

function multiplicativeExpr(state: ParseState): unknown {
  return operatorChain(state, unaryExprOrPrimary, (st) => {
    ws(st);
    return multiplicativeOperator(st);
  });
}

function unaryExprOrPrimary(state: ParseState): unknown {
  const j = jsonbExpr(state);
  if (j !== null) return j;
  const p = state.pos;
  const c = peekCh(state);
  if (c === 33 || c === 126) decline('unary ! or ~');
  if (c === 45 || c === 43) {
    state.pos++;
    ws(state);
    const inner = unaryExprOrPrimary(state);
    if (inner !== null) return { type: 'unary_expr', operator: c === 45 ? '-' : '+', expr: inner };
    state.pos = p;
  }
  return null;
}

function jsonbExpr(state: ParseState): unknown {
  const head = primaryArrayIndex(state);
  if (head === null) return null;
  const save = state.pos;
  ws(state);
  const s = state.src;
  const p = state.pos;
  const c = s.charCodeAt(p);
  const c2 = s.charCodeAt(p + 1);
  if (c === 63 || c === 35 || (c === 45 && c2 === 62) || (c === 64 && c2 === 62) || (c === 60 && c2 === 64)) decline('json operator');
  state.pos = save;
  return head;
}

/** Declines `[...]` and `.name` index suffixes (array_index_list) after a primary or column. */
export function rejectArrayIndex(state: ParseState): void {
  const c = peekCh(state);
  if (c === 91 || c === 46) decline('array index');
}

function primaryArrayIndex(state: ParseState): unknown {
  const e = primary(state);
  if (e === null) return null;
  ws(state);
  rejectArrayIndex(state);
  return e;
}

function primary(state: ParseState): unknown {
  const c = castExpr(state);
  if (c !== null) return c;
  const p = state.pos;
  const list = inParens(state, orAndWhereExpr);
  if (list !== null) {
    (list as Node).parentheses = true;
    return list;
  }
  state.pos = p;
  const k = peekCh(state);
  if (k === 36 || k === 64 || k === 58) decline('variable');
  return null;
}

/** or_and_where_expr: expr ((AND / OR / ,) expr)*, left-associative, commas making an expr_list. */
export function orAndWhereExpr(state: ParseState): unknown {
  return andOrList(state, true);
}

/** or_and_expr: expr ((AND / OR) expr)*, left-associative. */
export function orAndExpr(state: ParseState): unknown {
  return andOrList(state, false);
}

function andOrList(state: ParseState, commas: boolean): unknown {
  const start = state.pos;
  const head = expr(state);
  if (head === null) return null;
  const tail = operatorTail(state, expr, (st) => {
    ws(st);
    return kw(st, 'and') ? 'AND' : kw(st, 'or') ? 'OR' : commas && ch(st, 44) ? ',' : null;
  });
  // The rule's action builds every node at the end, so they all share the rule's span.
  let result: unknown = head;
  let list: unknown[] | null = null;
  for (const [op, right] of tail ?? []) {
    if (op === ',') {
      if (list === null) list = [result];
      list.push(right);
    } else {
      if (list !== null) decline('AND/OR after a comma list');
      result = binary(state, op, result, right, start, state.pos);
    }
  }
  if (list !== null) return { type: 'expr_list', value: list };
  return result;
}

/** expr_list: expr (, expr)* */
export function exprList(state: ParseState): Node | null {
  const head = expr(state);
  if (head === null) return null;
  const value = commaSeparated<unknown>(state, [head], (st) => {
    const e = expr(st);
    return e === null ? null : stripWrapper(e);
  });
  return { type: 'expr_list', value };
}

/** binary_column_expr: expr ((AND / OR / ||) expr)*, right-associative (select items, THEN results). */
function binaryColumnExpr(state: ParseState): unknown {
  const start = state.pos;
  const head = expr(state);
  if (head === null) return null;
  const h = head as Node;
  const ast = h.ast as Node | undefined;
  if (ast && ast.type === 'select') {
    const cols = ast.columns as Node[];
    if (!(h.parentheses_symbol || h.parentheses || ast.parentheses || ast.parentheses_symbol) || cols.length !== 1
      || (cols[0]?.expr as Node).column === '*') decline('invalid column clause with select statement');
  }
  const tail = operatorTail(state, expr, (st) => {
    ws(st);
    if (kw(st, 'and')) return 'AND';
    if (kw(st, 'or')) return 'OR';
    if (st.src.startsWith('||', st.pos)) {
      st.pos += 2;
      return '||';
    }
    if (st.src.startsWith('&&', st.pos)) decline('&&');
    return null;
  });
  if (tail === null) return head;
  // right-associative: the last operand first; operand i is the head, then each right-hand side
  let result = tail[tail.length - 1]![1];
  for (let i = tail.length - 1; i >= 0; i--) result = binary(state, tail[i]![0], i === 0 ? head : tail[i - 1]![1], result, start, state.pos);
  return result;
}

/** expr_item: binary_column_expr __ array_index_list? */
export function exprItem(state: ParseState): unknown {
  const e = binaryColumnExpr(state);
  if (e === null) return null;
  ws(state);
  rejectArrayIndex(state);
  return e;
}

