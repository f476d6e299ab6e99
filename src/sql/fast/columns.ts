/** Column references (`col`, `t.col`, `s.t.col`, `t.*`) and the column-list entries the grammar records. */
import { rejectArrayIndex } from './expressions.js';
import { PROTOTYPE_KEYS, ch, column, columnWithoutKw, ident, isIdentStart, kw, peekCh, ws } from './lexer.js';
import { loc } from './locations.js';
import { decline, type Node, type ParseState } from './state.js';

/** A table name used in a column-list entry; prototype names would resolve through the grammar's object map. */
export function checkedTable(name: string): string {
  if (PROTOTYPE_KEYS.has(name)) decline('prototype key');
  return name;
}

function rejectCollate(state: ParseState): void {
  const p = state.pos;
  ws(state);
  const c = peekCh(state);
  if (c !== 99 && c !== 67) {
    state.pos = p;
    return;
  }
  if (kw(state, 'collate')) decline('collate');
  state.pos = p;
}

/** column_symbol: `.` or a single `:` (the latter declined unless it is the start of `::`). */
function columnSymbol(state: ParseState): string | null {
  const s = state.src;
  const c = s.charCodeAt(state.pos);
  if (c === 46) {
    state.pos++;
    return '.';
  }
  if (c === 58) {
    if (s.charCodeAt(state.pos + 1) !== 58) decline('json path notation');
    return null;
  }
  return null;
}

export function columnRef(state: ParseState): Node | null {
  const s = state.src;
  const start = state.pos;
  const c0 = s.charCodeAt(start);
  if ((c0 === 69 || c0 === 101) && s.charCodeAt(start + 1) === 39) decline('E string');
  const schema = ident(state);
  if (schema === null) {
    // (ident __ DOT)? __ STAR without the table part; nothing else can match without an ident.
    ws(state);
    if (ch(state, 42)) {
      state.addColumn('select::null::(.*)');
      return { type: 'column_ref', table: null, column: '*', loc: loc(state, start, state.pos) };
    }
    state.pos = start;
    return null;
  }
  const afterIdent = state.pos;
  ws(state);
  const sym1 = columnSymbol(state);
  if (sym1 !== null) {
    ws(state);
    // ident . *
    if (ch(state, 42)) {
      state.addColumn(`select::${checkedTable(schema)}::(.*)`);
      return { type: 'column_ref', table: schema, column: '*', loc: loc(state, start, state.pos) };
    }
    // schema . table . column
    const tblName = state.pos;
    const tbl = identWithoutKw(state);
    if (tbl !== null) {
      const cols: [string, string][] = [];
      for (;;) {
        const save = state.pos;
        ws(state);
        const sym = columnSymbol(state);
        if (sym === null) {
          state.pos = save;
          break;
        }
        ws(state);
        const col = columnWithoutKw(state);
        if (col === null) {
          state.pos = save;
          break;
        }
        cols.push([sym, col]);
      }
      if (cols.length > 1) decline('column path');
      const first = cols[0];
      if (first !== undefined) {
        rejectCollate(state);
        state.addColumn(`select::${schema}.${tbl}::${first[1]}`);
        return {
          type: 'column_ref', schema, notations: [sym1, first[0]], table: tbl, column: first[1], collate: null,
          loc: loc(state, start, state.pos),
        };
      }
    }
    // table . column
    state.pos = tblName;
    const col = columnWithoutKw(state);
    if (col !== null) {
      rejectCollate(state);
      state.addColumn(`select::${checkedTable(schema)}::${col}`);
      return { type: 'column_ref', table: schema, notations: [sym1], column: col, collate: null, loc: loc(state, start, state.pos) };
    }
  }
  // column: the same text as the ident unless the ident used ident_name-only characters (`-`, `$`).
  let col: string | null;
  const quoted = s.charCodeAt(start);
  if (quoted === 34 || quoted === 39 || quoted === 96 || (schema.indexOf('-') === -1 && schema.indexOf('$') === -1)) {
    state.pos = afterIdent;
    col = schema;
  } else {
    state.pos = start;
    col = column(state);
    if (col === null) return null;
  }
  rejectCollate(state);
  state.addColumn(`select::null::${col}`);
  return { type: 'column_ref', table: null, column: col, collate: null, loc: loc(state, start, state.pos) };
}

/** ident_without_kw: ident_name (reserved words allowed) or a quoted identifier, as text. */
function identWithoutKw(state: ParseState): string | null {
  const s = state.src;
  const p = state.pos;
  if (isIdentStart(s.charCodeAt(p))) {
    let e = p + 1;
    for (;;) {
      const c = s.charCodeAt(e);
      if (isIdentStart(c) || c === 45 || c === 36) e++;
      else break;
    }
    state.pos = e;
    return s.slice(p, e);
  }
  const c = s.charCodeAt(p);
  if (c === 34 || c === 39 || c === 96) {
    const e = s.indexOf(String.fromCharCode(c), p + 1);
    if (e === -1 || e === p + 1) return null;
    state.pos = e + 1;
    return s.slice(p + 1, e);
  }
  return null;
}

export function columnRefArrayIndex(state: ParseState): Node | null {
  const c = columnRef(state);
  if (c === null) return null;
  ws(state);
  rejectArrayIndex(state);
  return c;
}
