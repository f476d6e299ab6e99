/**
 * The tolerant extractor: when no grammar parses a model, recover its shape from tokens. It finds the CTEs, the
 * final select list (names, expressions, outer casts, lines), the relations in FROM/JOIN positions and the
 * row-shaping clauses (where/having, group by, distinct, qualify, limit, joins, set operations), so removed,
 * renamed and added columns and most model-wide changes are still found. Canonical forms are textual (tokens
 * lower-cased, qualifiers dropped, CTE names replaced by their position), so they are weaker than the AST's.
 */
import type { Dialect } from '../config.js';
import { SETOP_SEPARATOR, baseType, setOpBranchOrder, bound, columnNameOfToken, foldIdentifierText, relMark, snippet } from './canonical.js';
import { matchingClose, splitTopLevel, tokenize, wordOf, type Token } from './lexer.js';
import { emptyRowSetClauses, type ModelShape, type OutputColumn, type RowSetClauses, type UnresolvedStar } from './types.js';

/** What the tolerant extractor finds: a model shape without the parse verdict, which the caller sets. */
export type TolerantShape = Omit<ModelShape, 'parse' | 'error' | 'dialect' | 'rewrites'>;

const CLAUSE_START = new Set(['from', 'where', 'group', 'having', 'qualify', 'order', 'limit', 'offset', 'union', 'except', 'intersect', 'minus', 'window', 'fetch']);
const JOIN_WORDS = new Set(['join', 'left', 'right', 'full', 'inner', 'cross', 'natural', 'lateral', 'outer', 'semi', 'anti', 'asof']);
const FANOUT = /\b(flatten|unnest|explode|posexplode|inline|split_to_table)\s*\(/i;

interface Range {
  from: number;
  to: number;
}

/** Extracts a shape from tokens; returns undefined when no select list can be found. */
export function extractTolerant(sql: string, dialect: Dialect, upstreamColumns?: (relation: string) => string[] | undefined): TolerantShape | undefined {
  const tokens = tokenize(sql, { dialect });
  if (tokens.length === 0) return undefined;
  const ctes = new Map<string, Range>();
  const cteOrder: string[] = [];
  let k = 0;
  if (wordOf(tokens[0]) === 'with') {
    k = 1;
    if (wordOf(tokens[k]) === 'recursive') k++;
    for (;;) {
      const nameTok = tokens[k];
      if (!nameTok || (nameTok.kind !== 'word' && nameTok.kind !== 'quoted')) break;
      let j = k + 1;
      if (tokens[j]?.text === '(') j = matchingClose(tokens, j) + 1;
      if (wordOf(tokens[j]) !== 'as') break;
      j++;
      if (wordOf(tokens[j]) === 'materialized' || wordOf(tokens[j]) === 'not') j += wordOf(tokens[j]) === 'not' ? 2 : 1;
      if (tokens[j]?.text !== '(') break;
      const close = matchingClose(tokens, j);
      if (close < 0) break;
      const name = foldIdentifierText(nameTok.text);
      ctes.set(name, { from: j + 1, to: close });
      cteOrder.push(name);
      k = close + 1;
      if (tokens[k]?.text === ',') k++;
      else break;
    }
  }
  const main: Range = { from: k, to: tokens.length };
  const cteIndex = new Map(cteOrder.map((n, i) => [n, i]));
  const state: Extracted = {
    relations: new Map(),
    ...emptyRowSetClauses(),
    used: new Set(),
  };
  const ctx: Ctx = { sql, tokens, ctes, cteIndex, dialect, upstreamColumns, state, cache: new Map() };
  const result = selectList(ctx, main);
  if (!result) return undefined;
  const columnsUsed: Record<string, string[]> = {};
  for (const rel of [...state.relations.keys()].sort()) columnsUsed[rel] = ['*'];
  return {
    columns: result.columns,
    unresolvedStars: result.unresolved,
    relations: [...state.relations.keys()].sort(),
    relationLines: Object.fromEntries(state.relations),
    filters: state.filters,
    joins: state.joins,
    grain: state.grain,
    setOperations: state.setOperations,
    orderLimit: state.orderLimit,
    fanOut: state.fanOut,
    columnsUsed,
    ctes: cteOrder.filter((n) => state.used.has(n)),
  };
}

/** The `replace (e as c, ...)` clauses after a `*` in the SQL: the names they replace and their [start, end) offsets. */
export function starReplaces(sql: string, dialect: Dialect): { names: Set<string>; spans: [number, number][] } {
  const tokens = tokenize(sql, { dialect });
  const names = new Set<string>();
  const spans: [number, number][] = [];
  tokens.forEach((t, at) => {
    const close = tokens[at + 1]?.text === '(' ? matchingClose(tokens, at + 1) : -1;
    if (wordOf(t) !== 'replace' || tokens[at - 1]?.text !== '*' || close < 0) return;
    spans.push([t.start, tokens[close]!.end]);
    for (const item of commaItems(tokens, at + 2, close)) {
      const name = wordOf(tokens[item.to - 2]) === 'as' ? identifierIn(tokens, { from: item.to - 1, to: item.to }, dialect) : undefined;
      if (name !== undefined) names.add(name);
    }
  });
  return { names, spans };
}

interface Extracted extends RowSetClauses {
  relations: Map<string, number>;
  used: Set<string>;
}

interface Ctx {
  sql: string;
  tokens: Token[];
  ctes: Map<string, Range>;
  cteIndex: Map<string, number>;
  dialect: Dialect;
  upstreamColumns?: (relation: string) => string[] | undefined;
  state: Extracted;
  cache: Map<string, { columns: OutputColumn[]; unresolved: UnresolvedStar[] } | undefined>;
}

/** Canonical text of a token range: lower-cased words, qualifiers dropped, CTE names by position. */
function canonText(ctx: Ctx, from: number, to: number): string {
  const out: string[] = [];
  for (let j = from; j < to; j++) {
    const t = ctx.tokens[j]!;
    const next = ctx.tokens[j + 1];
    if ((t.kind === 'word' || t.kind === 'quoted') && next?.text === '.' && j + 2 < to && ctx.tokens[j + 2]!.text !== '*') {
      const q = foldIdentifierText(t.text);
      if (!ctx.ctes.has(q)) {
        j++; // drop `alias.`
        continue;
      }
    }
    if (t.kind === 'word' || t.kind === 'quoted') {
      const w = foldIdentifierText(t.text);
      const idx = ctx.cteIndex.get(w);
      out.push(idx !== undefined ? `cte#${idx}` : w);
    } else out.push(t.text);
  }
  return bound(out.join(' ').replace(/count \( 1 \)/g, 'count ( * )'));
}

function rangeText(ctx: Ctx, from: number, to: number): string {
  if (from >= to) return '';
  return snippet(ctx.sql.slice(ctx.tokens[from]!.start, ctx.tokens[to - 1]!.end));
}

/** Analyses `select ... from ... [clauses]` (possibly a union chain) within `range`. */
function selectList(ctx: Ctx, range: Range): { columns: OutputColumn[]; unresolved: UnresolvedStar[] } | undefined {
  const { tokens } = ctx;
  // find the top-level select (skipping wrapping parentheses)
  let start = range.from;
  while (start < range.to && tokens[start]?.text === '(') start++;
  if (wordOf(tokens[start]) !== 'select') return undefined;
  // split into union branches at depth 0
  const branches: Range[] = [];
  const kinds: string[] = [];
  let depth = 0;
  let branchStart = start;
  for (let j = start; j < range.to; j++) {
    const t = tokens[j]!;
    if (t.text === '(') depth++;
    else if (t.text === ')') depth--;
    else if (depth === 0 && ['union', 'except', 'intersect', 'minus'].includes(wordOf(t)) && !isStarExcept(tokens, j)) {
      branches.push({ from: branchStart, to: j });
      let kind = wordOf(t);
      if (['all', 'distinct'].includes(wordOf(tokens[j + 1]))) {
        kind += ' ' + wordOf(tokens[j + 1]);
        j++;
      }
      kinds.push(kind === 'union distinct' ? 'union' : kind);
      branchStart = j + 1;
    }
  }
  branches.push({ from: branchStart, to: range.to });
  const results = branches.map((b) => branch(ctx, b));
  const first = results[0];
  if (!first) return undefined;
  if (branches.length > 1) {
    ctx.state.setOperations.push({ canonical: `${kinds.join(',')}|branches=${branches.length}`, text: `${kinds.join(', ')} of ${branches.length} branches`, line: tokens[branches[1]!.from]?.line });
    const order = setOpBranchOrder(kinds, results.map((r) => first.columns.map((_c, i) => r?.columns[i]?.expr ?? 'null')));
    first.columns = first.columns.map((c, i) => {
      const exprs = order.map((k) => results[k]?.columns[i]?.expr ?? 'null');
      return { ...c, expr: bound(`setop(${exprs.join(SETOP_SEPARATOR)})`), text: results.map((r) => r?.columns[i]?.text ?? 'null').join(' | ') };
    });
  }
  return { columns: first.columns, unresolved: results.flatMap((r) => r?.unresolved ?? []) };
}

function branch(ctx: Ctx, range: Range): { columns: OutputColumn[]; unresolved: UnresolvedStar[] } | undefined {
  const { tokens } = ctx;
  let j = range.from;
  while (j < range.to && tokens[j]?.text === '(') j++;
  if (wordOf(tokens[j]) !== 'select') return undefined;
  const selectLine = tokens[j]!.line;
  j++;
  if (wordOf(tokens[j]) === 'distinct') {
    if (wordOf(tokens[j + 1]) === 'on' && tokens[j + 2]?.text === '(') {
      const close = matchingClose(tokens, j + 2);
      ctx.state.grain.push({ kind: 'distinct_on', canonical: `distinct on ${canonText(ctx, j + 3, close)}`, text: rangeText(ctx, j, close + 1), line: tokens[j]!.line });
      j = close + 1;
    } else {
      ctx.state.grain.push({ kind: 'distinct', canonical: 'distinct', text: 'select distinct', line: tokens[j]!.line });
      j++;
    }
  } else if (wordOf(tokens[j]) === 'all') j++;
  if (wordOf(tokens[j]) === 'top') {
    ctx.state.orderLimit.push({ canonical: `top ${tokens[j + 1]?.text ?? ''}`, text: `top ${tokens[j + 1]?.text ?? ''}`, line: tokens[j]!.line });
    j += 2;
  }
  // select items up to FROM at depth 0
  const items: Range[] = [];
  let depth = 0;
  let itemStart = j;
  let end = range.to;
  for (let x = j; x < range.to; x++) {
    const t = tokens[x]!;
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    else if (depth === 0 && t.text === ',') {
      items.push({ from: itemStart, to: x });
      itemStart = x + 1;
    } else if (depth === 0 && startsClause(tokens, x)) {
      end = x;
      break;
    }
  }
  items.push({ from: itemStart, to: end });
  // FROM / JOIN sources and clauses
  const sources = fromAndClauses(ctx, end, range.to);
  const columns: OutputColumn[] = [];
  const unresolved: UnresolvedStar[] = [];
  for (const it of items) {
    if (it.from >= it.to) continue;
    // star: `*` or `t.*`, with its modifiers
    const starAt = tokens[it.from]!.text === '*' ? it.from : tokens[it.from + 1]?.text === '.' && tokens[it.from + 2]?.text === '*' ? it.from + 2 : -1;
    if (starAt >= 0) {
      const star = expandStar(ctx, sources, it, starAt);
      columns.push(...star.columns);
      unresolved.push(...star.unresolved);
    } else {
      const juxtaposed = juxtaposedOperands(tokens, it);
      if (juxtaposed) throw new Error(`two operands side by side without an operator (a missing comma?): \`${rangeText(ctx, it.from, juxtaposed.to)}\` at line ${tokens[it.from]!.line}`);
      columns.push(itemColumn(ctx, sources, it));
    }
  }
  if (columns.length === 0 && unresolved.length === 0) return undefined;
  void selectLine;
  return { columns, unresolved };
}

/**
 * Words that are never a plain operand: operators, keywords of expression constructs (`interval '1' day`,
 * `x is not null`, `case ... end`, `x over (...)`, `x within group (...)`, `x ignore nulls`, `x collate ...`,
 * `x at time zone ...`, `connect_by_root x`, ...) and clause words.
 */
const NOT_OPERANDS = new Set([
  'and', 'or', 'not', 'is', 'in', 'like', 'ilike', 'rlike', 'regexp', 'similar', 'between', 'escape', 'collate', 'over', 'within', 'filter', 'ignore', 'respect', 'nulls',
  'at', 'as', 'case', 'when', 'then', 'else', 'end', 'distinct', 'all', 'any', 'some', 'exists', 'interval', 'array', 'struct', 'map', 'row', 'null', 'true', 'false',
  'unknown', 'default', 'lateral', 'connect_by_root', 'prior', 'binary', 'unique', 'with', 'select', 'values', 'on', 'using', 'partition', 'by', 'rows', 'range',
  'asc', 'desc', 'keep', 'separator', 'zone', 'local', 'preceding', 'following', 'unbounded', 'current', 'into', 'top',
  ...CLAUSE_START,
  ...JOIN_WORDS,
]);

type OperandKind = 'number' | 'string' | 'name' | 'qualified' | 'call';

/** A plain operand starting at `at` (before `to`): a literal, a name, a qualified name or a call of one. */
function plainOperand(tokens: Token[], at: number, to: number): { kind: OperandKind; end: number } | undefined {
  const t = tokens[at];
  if (!t || at >= to) return undefined;
  if (t.kind === 'number') return { kind: 'number', end: at + 1 };
  if (t.kind === 'string') return { kind: 'string', end: at + 1 };
  if (t.kind !== 'quoted' && (t.kind !== 'word' || NOT_OPERANDS.has(wordOf(t)))) return undefined;
  let x = at;
  while (x + 2 < to && tokens[x + 1]!.text === '.' && (tokens[x + 2]!.kind === 'word' || tokens[x + 2]!.kind === 'quoted')) x += 2;
  if (tokens[x + 1]?.text === '(' && x + 1 < to) {
    const close = matchingClose(tokens, x + 1);
    return close > x && close < to ? { kind: 'call', end: close + 1 } : undefined;
  }
  return { kind: x > at ? 'qualified' : 'name', end: x + 1 };
}

/**
 * A select item that is two plain operands side by side, with no operator between them, then at most an alias
 * (`promo_code current_timestamp() as _loaded_at`: a comma forgotten between two items). Not SQL: the item's
 * column would be a guess (a removed `promo_code`). Anything else is left alone: a name or a string after a
 * single operand is its alias, a name before a string is a typed or prefixed literal (`date '2020-01-01'`,
 * `e'\\n'`), two strings are concatenated, and keyword constructs are not plain operands.
 * Returns the end of the second operand, or undefined.
 */
function juxtaposedOperands(tokens: Token[], it: Range): { to: number } | undefined {
  const first = plainOperand(tokens, it.from, it.to);
  if (!first) return undefined;
  const second = plainOperand(tokens, first.end, it.to);
  if (!second) return undefined;
  if (second.kind === 'string' && (first.kind === 'name' || first.kind === 'string')) return undefined;
  const rest = it.to - second.end;
  const aliasToken = (t: Token | undefined, asWritten: boolean): boolean =>
    t !== undefined && (t.kind === 'quoted' || (t.kind === 'word' && !NOT_OPERANDS.has(wordOf(t))) || (asWritten && t.kind === 'string'));
  if (rest === 0) return second.kind === 'name' || second.kind === 'string' ? undefined : { to: second.end };
  if (rest === 1 && aliasToken(tokens[second.end], false)) return { to: second.end };
  if (rest === 2 && wordOf(tokens[second.end]) === 'as' && aliasToken(tokens[second.end + 1], true)) return { to: second.end };
  return undefined;
}

/** What a star's modifiers do (Snowflake: ILIKE/LIKE or EXCLUDE, then REPLACE, then RENAME; BigQuery: EXCEPT, REPLACE). */
interface StarModifiers {
  exclude: Set<string>;
  /** ILIKE/LIKE: the column names the star keeps. */
  keeps?: (name: string) => boolean;
  /** REPLACE: the new column of each replaced name. */
  replace: Map<string, OutputColumn>;
  /** RENAME: old name -> new name and where it is written. */
  rename: Map<string, { name: string; line: number }>;
}

/** The columns of a `*` or `t.*` item: its sources' columns with its modifiers applied, and the stars over unknown columns. */
function expandStar(ctx: Ctx, sources: SourceRef[], it: Range, starAt: number): { columns: OutputColumn[]; unresolved: UnresolvedStar[] } {
  const line = ctx.tokens[it.from]!.line;
  const qualifier = starAt > it.from ? foldIdentifierText(ctx.tokens[it.from]!.text) : undefined;
  const mods = starModifiers(ctx, sources, starAt + 1, it.to);
  const known: OutputColumn[] = [];
  const open: UnresolvedStar[] = [];
  for (const src of sources.filter((s) => !qualifier || s.alias === qualifier || s.name === qualifier)) {
    const expanded = expandSource(ctx, src.name);
    if (expanded) {
      known.push(...expanded.columns.map((c) => ({ ...c, line: c.line ?? line })));
      open.push(...expanded.unresolved);
    } else open.push({ relations: [src.name], except: [], line });
  }
  const columns = known
    .filter((c) => !mods.exclude.has(c.name) && (!mods.keeps || mods.keeps(c.name)))
    .map((c) => mods.replace.get(c.name) ?? c)
    .map((c) => {
      const to = mods.rename.get(c.name);
      return to ? { ...c, name: to.name, line: to.line } : c;
    });
  if (open.length === 0) return { columns, unresolved: [] };
  // Over unknown columns only what the star surely drops is listed: EXCLUDE's names and RENAME's old names (whose
  // new names are listed as columns). A REPLACE keeps its column in the star (see below); an ILIKE/LIKE filter is
  // not represented.
  const renamedAway = [...mods.rename.keys()].filter((n) => !known.some((c) => c.name === n));
  const except = [...mods.exclude, ...renamedAway];
  for (const n of renamedAway) {
    const to = mods.rename.get(n)!;
    columns.push({ name: to.name, expr: resolveThroughCte(ctx, sources, n), text: n, line: to.line });
  }
  // A REPLACE of a column only the star has stays on the star (one star: it is the one the REPLACE belongs to), so
  // that a change of its expression shows.
  const onStar = open.length === 1 ? [...mods.replace.values()].filter((c) => !known.some((k) => k.name === c.name) && !mods.rename.has(c.name)) : [];
  return {
    columns,
    unresolved: open.map((u) => ({ relations: u.relations, except: [...new Set([...u.except, ...except])].sort(), line, ...(onStar.length > 0 ? { replaced: onStar } : {}) })),
  };
}

/** Reads the modifiers after a star (tokens from..to). Throws on anything else: its columns would be a guess. */
function starModifiers(ctx: Ctx, sources: SourceRef[], from: number, to: number): StarModifiers {
  const { tokens } = ctx;
  const mods: StarModifiers = { exclude: new Set(), replace: new Map(), rename: new Map() };
  const unreadable = (at: number): Error => new Error(`cannot read \`${rangeText(ctx, at, to)}\` after \`*\``);
  for (let x = from; x < to; ) {
    const w = wordOf(tokens[x]);
    const open = tokens[x + 1]?.text === '(' ? x + 1 : -1;
    const close = open > 0 ? matchingClose(tokens, open) : -1;
    if (open > 0 && (close < 0 || close >= to)) throw unreadable(x);
    // a parenthesised list, or (EXCLUDE, RENAME) one item without parentheses, up to the next modifier
    const list = open > 0 ? commaItems(tokens, open + 1, close) : [{ from: x + 1, to: nextModifier(tokens, x + 1, to) }];
    if (w === 'exclude' || w === 'except') {
      for (const item of list) {
        const name = identifierIn(tokens, item, ctx.dialect);
        if (name === undefined) throw unreadable(x);
        mods.exclude.add(name);
      }
    } else if ((w === 'ilike' || w === 'like') && tokens[x + 1]?.kind === 'string' && !mods.keeps) {
      mods.keeps = likeMatcher(tokens[x + 1]!.text, w === 'ilike', ctx.dialect);
      if (!mods.keeps) throw unreadable(x);
      x += 2;
      continue;
    } else if (w === 'replace' && open > 0) {
      for (const item of list) {
        const asAt = item.to - 2;
        if (asAt <= item.from || wordOf(tokens[asAt]) !== 'as' || identifierIn(tokens, { from: asAt + 1, to: item.to }, ctx.dialect) === undefined) throw unreadable(x);
        const column = itemColumn(ctx, sources, item);
        mods.replace.set(column.name, column);
      }
    } else if (w === 'rename') {
      for (const item of list) {
        const asAt = item.to - 2;
        const old = wordOf(tokens[asAt]) === 'as' ? identifierIn(tokens, { from: item.from, to: asAt }, ctx.dialect) : undefined;
        const name = identifierIn(tokens, { from: asAt + 1, to: item.to }, ctx.dialect);
        if (old === undefined || name === undefined) throw unreadable(x);
        mods.rename.set(old, { name, line: tokens[asAt + 1]!.line });
      }
    } else throw unreadable(x);
    x = open > 0 ? close + 1 : list[0]!.to;
  }
  return mods;
}

const STAR_MODIFIERS = new Set(['exclude', 'except', 'ilike', 'like', 'replace', 'rename']);

function nextModifier(tokens: Token[], from: number, to: number): number {
  let x = from;
  while (x < to && !STAR_MODIFIERS.has(wordOf(tokens[x]))) x++;
  return x;
}

/** [from, to) ranges of the comma-separated items between `from` and `to` at depth 0. */
function commaItems(tokens: Token[], from: number, to: number): Range[] {
  return splitTopLevel(tokens, from, to).map(([start, end]) => ({ from: start, to: end }));
}

/** The column name of a range that is `name` or `qualifier.name`, else undefined. */
function identifierIn(tokens: Token[], r: Range, dialect: Dialect): string | undefined {
  const isName = (t: Token | undefined): boolean => t?.kind === 'word' || t?.kind === 'quoted';
  if (r.to - r.from === 1 && isName(tokens[r.from])) return columnNameOfToken(tokens[r.from]!.text, dialect);
  if (r.to - r.from === 3 && isName(tokens[r.from]) && tokens[r.from + 1]!.text === '.' && isName(tokens[r.from + 2])) return columnNameOfToken(tokens[r.from + 2]!.text, dialect);
  return undefined;
}

/**
 * Which column names `* ilike 'pattern'` / `* like 'pattern'` keeps (`%` any run, `_` one character), or undefined
 * when the pattern is not a plain quoted string without escapes. Snowflake compares the stored names: upper-case,
 * except a name kept quoted (`"Email"`) or in mixed case. Elsewhere a case-sensitive LIKE whose answer depends on
 * the name's case throws (the case it was written in is not known here).
 */
function likeMatcher(literal: string, caseInsensitive: boolean, dialect: Dialect): ((name: string) => boolean) | undefined {
  if (!/^'.*'$/s.test(literal) || literal.includes('\\')) return undefined;
  const pattern = literal.slice(1, -1).replace(/''/g, "'");
  const source = [...pattern].map((ch) => (ch === '%' ? '[\\s\\S]*' : ch === '_' ? '[\\s\\S]' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  const re = new RegExp(`^${source}$`, caseInsensitive ? 'iu' : 'u');
  return (name) => {
    const stored = /^".+"$/.test(name) ? name.slice(1, -1) : name === name.toLowerCase() ? name.toUpperCase() : name;
    if (caseInsensitive || dialect === 'snowflake' || re.test(name) === re.test(stored)) return re.test(stored);
    throw new Error(`cannot tell whether column \`${name}\` matches ${literal}: the case of its name is unknown`);
  };
}

/** One select item that is not a star: its output name, canonical expression, outer cast type and line. */
function itemColumn(ctx: Ctx, sources: SourceRef[], it: Range): OutputColumn {
  const { tokens } = ctx;
  const last = tokens[it.to - 1]!;
  const firstTok = tokens[it.from]!;
  let exprTo = it.to;
  let name: string | undefined;
  if (it.to - it.from >= 3 && wordOf(tokens[it.to - 2]) === 'as') {
    name = columnNameOfToken(last.text, ctx.dialect);
    exprTo = it.to - 2;
  } else if (it.to - it.from >= 2 && (last.kind === 'word' || last.kind === 'quoted') && tokens[it.to - 2]!.text !== '.' && tokens[it.to - 2]!.text !== '::' && !['end'].includes(wordOf(last))) {
    name = columnNameOfToken(last.text, ctx.dialect);
    exprTo = it.to - 1;
  }
  if (!name) {
    // bare column or t.column
    const lastWord = [...tokens.slice(it.from, it.to)].reverse().find((t) => t.kind === 'word' || t.kind === 'quoted');
    name = it.to - it.from <= 3 && lastWord ? columnNameOfToken(lastWord.text, ctx.dialect) : canonText(ctx, it.from, it.to);
  }
  let inner = { from: it.from, to: exprTo };
  let type: string | undefined;
  if (exprTo - it.from >= 3 && tokens[exprTo - 2]?.text === '::') {
    type = baseType(tokens[exprTo - 1]!.text, ctx.dialect);
    inner = { from: it.from, to: exprTo - 2 };
  } else if (tokens[exprTo - 1]?.text === ')' && tokens[exprTo - 2]?.text !== '(' && exprTo - it.from >= 3 && tokens[exprTo - 3]?.text === '::') {
    // x::number(18,2)
  } else if (['cast', 'try_cast', 'safe_cast'].includes(wordOf(firstTok)) && matchingClose(tokens, it.from + 1) === exprTo - 1) {
    let asAt = -1;
    let d = 0;
    for (let x = it.from + 1; x < exprTo - 1; x++) {
      if (tokens[x]!.text === '(') d++;
      else if (tokens[x]!.text === ')') d--;
      else if (d === 1 && wordOf(tokens[x]) === 'as') asAt = x;
    }
    if (asAt > 0) {
      type = baseType(ctx.sql.slice(tokens[asAt + 1]!.start, tokens[exprTo - 2]!.end), ctx.dialect);
      inner = { from: it.from + 2, to: asAt };
    }
  } else if (exprTo - it.from === 1 && firstTok.kind === 'number') type = /\./.test(firstTok.text) ? 'decimal' : 'integer';
  else if (exprTo - it.from === 1 && firstTok.kind === 'string') type = 'text';
  const exprText = canonText(ctx, inner.from, inner.to);
  if (FANOUT.test(rangeText(ctx, it.from, exprTo)) && !/\bover\b/i.test(rangeText(ctx, it.from, exprTo))) {
    ctx.state.fanOut.push({ canonical: `select:${exprText}`, text: rangeText(ctx, it.from, exprTo), line: firstTok.line });
  }
  return { name, expr: resolveThroughCte(ctx, sources, exprText), type, text: rangeText(ctx, it.from, exprTo), line: firstTok.line };
}

/** A bare column read from a single CTE stands for that CTE's expression (so CTE-level renames carry through). */
function resolveThroughCte(ctx: Ctx, sources: SourceRef[], exprText: string): string {
  if (!/^[a-z_][a-z0-9_$]*$/.test(exprText)) return exprText;
  for (const s of sources) {
    if (!ctx.ctes.has(s.name)) continue;
    const cols = expandSource(ctx, s.name);
    const c = cols?.columns.find((x) => x.name === exprText);
    if (c) return c.expr;
  }
  return exprText;
}

interface SourceRef {
  name: string;
  alias: string;
}

function expandSource(ctx: Ctx, name: string): { columns: OutputColumn[]; unresolved: UnresolvedStar[] } | undefined {
  if (ctx.cache.has(name)) return ctx.cache.get(name);
  ctx.cache.set(name, undefined); // guards recursion
  let result: { columns: OutputColumn[]; unresolved: UnresolvedStar[] } | undefined;
  const cte = ctx.ctes.get(name);
  if (cte) {
    ctx.state.used.add(name);
    result = selectList(ctx, cte);
  } else {
    const cols = ctx.upstreamColumns?.(name);
    if (cols) result = { columns: cols.map((c) => ({ name: c.toLowerCase(), expr: c.toLowerCase(), text: c })), unresolved: [] };
  }
  ctx.cache.set(name, result);
  return result;
}

/** Reads FROM sources, joins and the clauses of one select (tokens from..to at the select's depth). */
function fromAndClauses(ctx: Ctx, from: number, to: number): SourceRef[] {
  const { tokens, state } = ctx;
  const sources: SourceRef[] = [];
  let depth = 0;
  let clause: { word: string; start: number; line: number } | undefined;
  const closeClause = (at: number): void => {
    if (!clause) return;
    const text = rangeText(ctx, clause.start, at);
    const canonical = canonText(ctx, clause.start, at);
    const line = clause.line;
    switch (clause.word) {
      case 'where':
      case 'having': {
        if (canonical !== 'true' && canonical !== '1 = 1') state.filters.push({ canonical: `${clause.word} ${canonical}`, text: `${clause.word} ${text}`, line });
        break;
      }
      case 'group':
        state.grain.push({ kind: 'group_by', canonical: `group ${canonical}`, text: `group ${text}`, line });
        break;
      case 'qualify':
        state.grain.push({ kind: 'qualify', canonical: `qualify ${canonical}`, text: `qualify ${text}`, line });
        break;
      case 'limit':
      case 'offset':
      case 'fetch':
        state.orderLimit.push({ canonical: `${clause.word} ${canonical}`, text: `${clause.word} ${text}`, line });
        break;
      default:
        break;
    }
    clause = undefined;
  };
  for (let j = from; j < to; j++) {
    const t = tokens[j]!;
    if (t.text === '(') {
      // subqueries in FROM/JOIN: read their relations too
      const close = matchingClose(tokens, j);
      if (close > j && wordOf(tokens[j + 1]) === 'select') {
        fromAndClauses(ctx, j + 1, close);
      }
      depth++;
      continue;
    }
    if (t.text === ')') {
      depth--;
      continue;
    }
    if (depth !== 0) continue;
    const w = wordOf(t);
    if (startsClause(tokens, j)) {
      closeClause(j);
      if (w !== 'from' && w !== 'order' && w !== 'window') clause = { word: w, start: w === 'group' ? j + 1 : j + 1, line: t.line };
    }
    if (w === 'from' || w === 'join' || (t.text === ',' && !clause && sources.length > 0)) {
      const joinStart = w === 'join' ? backToJoinStart(tokens, j) : j;
      const target = tokens[j + 1];
      if (!target) continue;
      if (target.kind === 'word' || target.kind === 'quoted') {
        let x = j + 1;
        let name = foldIdentifierText(target.text);
        while (tokens[x + 1]?.text === '.' && tokens[x + 2] && (tokens[x + 2]!.kind === 'word' || tokens[x + 2]!.kind === 'quoted')) {
          name += '.' + foldIdentifierText(tokens[x + 2]!.text);
          x += 2;
        }
        if (wordOf(target) === 'lateral' || FANOUT.test(ctx.sql.slice(target.start, (tokens[x + 3] ?? target).end))) {
          state.fanOut.push({ canonical: `from:${canonText(ctx, j + 1, Math.min(to, x + 6))}`, text: rangeText(ctx, j + 1, Math.min(to, x + 6)), line: target.line });
          continue;
        }
        let alias = name.split('.').pop()!;
        let y = x + 1;
        if (wordOf(tokens[y]) === 'as') y++;
        if (tokens[y] && tokens[y]!.kind === 'word' && !CLAUSE_START.has(wordOf(tokens[y])) && !JOIN_WORDS.has(wordOf(tokens[y])) && !['on', 'using'].includes(wordOf(tokens[y]))) alias = foldIdentifierText(tokens[y]!.text);
        const isCte = ctx.ctes.has(name);
        if (isCte) {
          state.used.add(name);
          expandSource(ctx, name);
        } else if (!state.relations.has(name)) state.relations.set(name, target.line);
        sources.push({ name, alias });
        if (w === 'join' || t.text === ',') {
          // condition: tokens after ON until the next join/clause at depth 0
          let c = y;
          let d = 0;
          let onAt = -1;
          for (; c < to; c++) {
            const ct = tokens[c]!;
            if (ct.text === '(') d++;
            else if (ct.text === ')') d--;
            else if (d === 0 && (CLAUSE_START.has(wordOf(ct)) || (JOIN_WORDS.has(wordOf(ct)) && wordOf(ct) !== 'outer') || ct.text === ',')) break;
            else if (d === 0 && (wordOf(ct) === 'on' || wordOf(ct) === 'using') && onAt < 0) onAt = c;
          }
          const type = t.text === ',' ? 'cross' : joinType(tokens, joinStart, j);
          const condition = onAt >= 0 ? canonText(ctx, onAt + 1, c) : '';
          const targetCanon = isCte ? `(cte#${ctx.cteIndex.get(name)})` : relMark(name);
          state.joins.push({ canonical: `${type} join ${targetCanon} on ${condition}`, type, target: targetCanon, condition, relations: isCte ? [] : [name], text: rangeText(ctx, joinStart, c), line: tokens[joinStart]!.line });
        }
      }
    }
  }
  closeClause(to);
  return sources;
}

/** A clause keyword at this token (`group`/`order` only when followed by `by`, so `within group (...)` is not). */
function startsClause(tokens: Token[], at: number): boolean {
  const w = wordOf(tokens[at]);
  if (!CLAUSE_START.has(w) || isStarExcept(tokens, at)) return false;
  if (w === 'group' || w === 'order') return wordOf(tokens[at + 1]) === 'by';
  return true;
}

/** BigQuery's and Databricks' `* except (...)`: a star modifier, not a set operation. */
function isStarExcept(tokens: Token[], at: number): boolean {
  return wordOf(tokens[at]) === 'except' && tokens[at - 1]?.text === '*';
}

function backToJoinStart(tokens: Token[], joinAt: number): number {
  let s = joinAt;
  while (s > 0 && JOIN_WORDS.has(wordOf(tokens[s - 1])) && wordOf(tokens[s - 1]) !== 'join') s--;
  return s;
}

function joinType(tokens: Token[], start: number, joinAt: number): string {
  const words = tokens.slice(start, joinAt).map((t) => wordOf(t)).filter((w) => w !== 'outer');
  return words.join(' ') || 'inner';
}
