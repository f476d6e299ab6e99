/** data_type (cast targets), following the grammar's alternative order. */
import { ch, kw, lit, peekCh, ws } from './lexer.js';
import { decline, type Node, type ParseState } from './state.js';

const NUMERIC = ['number', 'decimal', 'int', 'byteint', 'integer', 'numeric', 'smallint', 'tinyint', 'bigint', 'float', 'float4', 'float8'];
const NUMERIC_TAIL = ['serial', 'bigserial', 'real'];
const PLAIN_GROUPS: string[][] = [
  ['json', 'jsonb'],
  ['geometry'],
  ['tinytext', 'text', 'mediumtext', 'longtext'],
  ['uuid'],
  ['bool', 'boolean'],
];
const OIDS = ['oid', 'regclass', 'regcollation', 'regconfig', 'regdictionary', 'regnamespace', 'regoper', 'regoperator', 'regproc', 'regprocedure', 'regrole', 'regtype'];

function firstKw(state: ParseState, words: readonly string[]): string | null {
  for (const w of words) if (kw(state, w)) return w.toUpperCase();
  return null;
}

/** `[0-9]+` */
function digits(state: ParseState): number | null {
  const s = state.src;
  const p = state.pos;
  let e = p;
  while (s.charCodeAt(e) >= 48 && s.charCodeAt(e) <= 57) e++;
  if (e === p) return null;
  state.pos = e;
  return parseInt(s.slice(p, e), 10);
}

/** `__ LPAREN __ digits __ RPAREN` (without scale). */
function parenLength(state: ParseState): number | null {
  const p = state.pos;
  ws(state);
  if (ch(state, 40)) {
    ws(state);
    const n = digits(state);
    if (n !== null) {
      ws(state);
      if (ch(state, 41)) return n;
    }
  }
  state.pos = p;
  return null;
}

/** numeric_type_suffix: `UNSIGNED? __ ZEROFILL?` (declined when present); always `[]`, consumes whitespace. */
function numericSuffix(state: ParseState): unknown[] {
  if (kw(state, 'unsigned')) decline('unsigned');
  ws(state);
  if (kw(state, 'zerofill')) decline('zerofill');
  return [];
}

function numericName(state: ParseState): string | null {
  const t = firstKw(state, NUMERIC);
  if (t !== null) return t;
  if (kw(state, 'double')) decline('double type');
  return firstKw(state, NUMERIC_TAIL);
}

function numericType(state: ParseState): Node | null {
  const t = numericName(state);
  if (t === null) return null;
  const afterName = state.pos;
  ws(state);
  if (ch(state, 40)) {
    ws(state);
    const l = digits(state);
    if (l !== null) {
      ws(state);
      let r: number | null = null;
      const beforeComma = state.pos;
      if (ch(state, 44)) {
        ws(state);
        r = digits(state);
        if (r === null) state.pos = beforeComma;
      }
      ws(state);
      if (ch(state, 41)) {
        ws(state);
        const s = numericSuffix(state);
        return { dataType: t, length: l, scale: r, parentheses: true, suffix: s };
      }
    }
  }
  state.pos = afterName;
  ws(state);
  const s = numericSuffix(state);
  ws(state);
  return { dataType: t, suffix: s };
}

function characterType(state: ParseState): Node | null {
  const p = state.pos;
  const t = firstKw(state, ['char', 'varchar']);
  if (t !== null) {
    const l = parenLength(state);
    if (l !== null) return { dataType: t, length: l, parentheses: true };
    state.pos = p;
  }
  const t2 = firstKw(state, ['char', 'character', 'varchar', 'string']);
  return t2 === null ? null : { dataType: t2 };
}

function datetimeType(state: ParseState): Node | null {
  const t = firstKw(state, ['date', 'datetime', 'timestamp_tz', 'timestamp_ntz']);
  if (t !== null) {
    const l = parenLength(state);
    if (l !== null) return { dataType: t, length: l, parentheses: true };
    return { dataType: t };
  }
  const tt = firstKw(state, ['time', 'timestamp']);
  if (tt === null) return null;
  const l = parenLength(state);
  ws(state);
  if (lit(state, 'with') !== null) decline('time zone');
  if (l !== null) return { dataType: tt, length: l, parentheses: true, suffix: null };
  return { dataType: tt, suffix: null };
}

/** Declines array forms (`type[]`, `type ARRAY`) that the grammar's array_type would take first. */
function rejectArraySuffix(state: ParseState): void {
  const p = state.pos;
  ws(state);
  if (peekCh(state) === 91 || kw(state, 'array')) decline('array type');
  state.pos = p;
}

export function dataType(state: ParseState): Node | null {
  let t = characterType(state);
  if (t === null) t = numericType(state);
  if (t !== null) {
    rejectArraySuffix(state);
    return t;
  }
  t = datetimeType(state);
  if (t !== null) return t;
  for (const group of PLAIN_GROUPS) {
    const name = firstKw(state, group);
    if (name !== null) {
      if (peekCh(state) === 91) decline('text array');
      return { dataType: name };
    }
  }
  if (kw(state, 'enum') || kw(state, 'interval')) decline('enum/interval type');
  const b = firstKw(state, ['binary', 'varbinary']);
  if (b !== null) {
    const p = state.pos;
    ws(state);
    if (peekCh(state) === 40) decline('binary length');
    state.pos = p;
    return { dataType: b };
  }
  const g = firstKw(state, ['geography']);
  if (g !== null) return { dataType: g };
  const o = firstKw(state, OIDS);
  if (o !== null) return { dataType: o };
  return null;
}

/** cast_double_colon's targets: (`::` __ cast_data_type)*, each type after its `::` (none when there is no `::`). */
export function doubleColonTargets(state: ParseState): unknown[] {
  const targets: unknown[] = [];
  const s = state.src;
  for (;;) {
    const save = state.pos;
    if (s.charCodeAt(save) !== 58 || s.charCodeAt(save + 1) !== 58) break;
    state.pos = save + 2;
    ws(state);
    if (peekCh(state) === 34) decline('quoted cast type');
    const t = dataType(state);
    if (t === null) {
      state.pos = save;
      break;
    }
    if (peekCh(state) === 34) decline('quoted cast type');
    targets.push(t);
  }
  return targets;
}
