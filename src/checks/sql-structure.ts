/**
 * Just enough structure of a raw dbt model to judge style rules without parsing it: the SELECTs (per parenthesis
 * level), their select lists' stars, the relations in their FROM/JOIN clauses, the CTE names and the table aliases.
 * It works on the raw text with Jinja tags kept opaque, so it does not need the template to render. Only real
 * FROM clauses count: `extract(x from y)`, `trim(both from x)`, `substring(x from 2)` sit inside function
 * parentheses that have no SELECT of their own, and `is [not] distinct from` is recognised.
 */
import type { Dialect } from '../config.js';
import { identifierKey, isPunct, isWord, lexSql, matchParens, significantTokens, type Token } from './sql-tokens.js';

export type FactorKind = 'relation' | 'jinja' | 'subquery' | 'function' | 'other';

/** One table factor of a FROM/JOIN clause. */
export interface Factor {
  kind: FactorKind;
  /** Name parts of a `relation` (`raw`, `orders` for `raw.orders`). */
  parts: Token[];
  /** Index (in `SqlStructure.tokens`) of the factor's first token. */
  index: number;
  /** The Jinja tag text of a `jinja` factor. */
  jinja?: string;
  alias?: string;
}

export interface SelectUnit {
  /** Index of the `select` keyword. */
  index: number;
  frame: Frame;
  /** `*` tokens of the select list (`*` and `t.*`). */
  stars: Token[];
  /** The select list is one star item (`*`, `t.*`, optionally with `except`/`exclude`/`replace`). */
  onlyStar: boolean;
  factors: Factor[];
  /** Has a JOIN or several comma-separated factors. */
  joined: boolean;
  clause: 'select' | 'from' | 'other';
  listStart: number;
}

/** A parenthesis level (or the whole statement for the root). */
export interface Frame {
  /** Index of `(` (-1 for the root). */
  open: number;
  /** Name of the CTE whose body this parenthesis is. */
  cte?: string;
  units: SelectUnit[];
  current?: SelectUnit;
}

export interface SqlStructure {
  /** Significant tokens (comments and Jinja statements/comments removed). */
  tokens: Token[];
  root: Frame;
  units: SelectUnit[];
  /** CTE name (lower-cased) -> its body. */
  ctes: Map<string, Frame>;
  /** Table aliases (lower-cased) declared anywhere in the model. */
  aliases: Set<string>;
  /**
   * A Jinja expression (other than `config()` and friends) sits where it could emit CTEs or whole clauses (outside
   * any SELECT at the top level): names not defined in the visible text may come from it.
   */
  opaqueJinjaAtTopLevel: boolean;
}

/** Words that end a table factor (cannot be an alias). */
const RESERVED = new Set(
  (
    'select from where group order having limit qualify window union intersect except minus join inner left right ' +
    'full outer cross natural on using lateral pivot unpivot sample tablesample at before changes match_recognize ' +
    'connect start for offset fetch with as and or not when then else end is in exists case distinct all by over ' +
    'partition values into set returning semi anti asof positional any some array struct unnest table straight_join ' +
    'null true false like ilike rlike between'
  ).split(' '),
);

const CLAUSE_AFTER_FROM = new Set(['where', 'group', 'having', 'qualify', 'order', 'limit', 'window', 'offset', 'fetch']);

/** Jinja expressions that never produce SQL structure (CTEs, FROM clauses). */
const HARMLESS_JINJA = /^\{\{-?\s*(config|ref|source|this|var|env_var|target|is_incremental|run_started_at|invocation_id|dbt_utils\.star|star)\b/;

export function analyseSql(raw: string, dialect?: Dialect): SqlStructure {
  const tokens = significantTokens(lexSql(raw, dialect ? { dialect } : {}));
  const parens = matchParens(tokens);
  const cteParens = findCteBodies(tokens, parens);
  const aliases = new Set<string>();
  const root: Frame = { open: -1, units: [] };
  const stack: Frame[] = [root];
  const units: SelectUnit[] = [];
  const ctes = new Map<string, Frame>();
  let opaqueJinjaAtTopLevel = false;

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const frame = stack[stack.length - 1]!;
    if (isPunct(t, '(')) {
      const cte = cteParens.get(i);
      const child: Frame = { open: i, units: [] };
      if (cte !== undefined) {
        child.cte = cte;
        if (!ctes.has(cte)) ctes.set(cte, child);
      }
      stack.push(child);
      continue;
    }
    if (isPunct(t, ')')) {
      if (stack.length > 1) stack.pop();
      continue;
    }
    const unit = frame.current;
    if (t.type === 'jinja-expr') {
      if (frame === root && !unit && !HARMLESS_JINJA.test(t.text)) opaqueJinjaAtTopLevel = true;
      continue;
    }
    if (t.type === 'punct' && t.text === '*') {
      if (unit?.clause === 'select' && isStarItem(tokens, i)) unit.stars.push(t);
      continue;
    }
    if (t.type !== 'word') continue;
    const word = t.text.toLowerCase();
    if (word === 'select') {
      const next: SelectUnit = {
        index: i,
        frame,
        stars: [],
        onlyStar: false,
        factors: [],
        joined: false,
        clause: 'select',
        listStart: skipSelectModifiers(tokens, i + 1),
      };
      frame.current = next;
      frame.units.push(next);
      units.push(next);
    } else if (word === 'union' || word === 'intersect' || word === 'minus') {
      frame.current = undefined;
    } else if (word === 'except') {
      if (!isStarModifierPosition(tokens, i)) frame.current = undefined;
    } else if (word === 'from') {
      if (unit?.clause === 'select' && !isDistinctFrom(tokens, i)) {
        unit.onlyStar = listIsOnlyStar(tokens, parens, unit.listStart, i);
        unit.clause = 'from';
        readFactors(tokens, parens, i + 1, unit, aliases, true);
      }
    } else if (word === 'join') {
      if (unit && unit.clause === 'from') {
        unit.joined = true;
        readFactors(tokens, parens, i + 1, unit, aliases, false);
      }
    } else if (CLAUSE_AFTER_FROM.has(word)) {
      if (unit && unit.clause === 'from') unit.clause = 'other';
    }
  }
  return { tokens, root, units, ctes, aliases, opaqueJinjaAtTopLevel };
}

/** Token index -> CTE name, for every `(` that opens a CTE body (`with a as (...), b (x, y) as materialized (...)`). */
function findCteBodies(tokens: readonly Token[], parens: Map<number, number>): Map<number, string> {
  const bodies = new Map<number, string>();
  tokens.forEach((t, w) => {
    if (!isWord(t, 'with')) return;
    let k = w + 1;
    if (isWord(tokens[k], 'recursive')) k++;
    for (;;) {
      const name = tokens[k];
      if (!name || (name.type !== 'word' && name.type !== 'quoted') || (name.type === 'word' && RESERVED.has(name.text.toLowerCase()))) return;
      k++;
      if (isPunct(tokens[k], '(')) k = (parens.get(k) ?? tokens.length) + 1;
      if (!isWord(tokens[k], 'as')) return;
      k++;
      if (isWord(tokens[k], 'not')) k++;
      if (isWord(tokens[k], 'materialized')) k++;
      if (!isPunct(tokens[k], '(')) return;
      bodies.set(k, identifierKey(name));
      k = (parens.get(k) ?? tokens.length) + 1;
      if (!isPunct(tokens[k], ',')) return;
      k++;
    }
  });
  return bodies;
}

/** `*` in a select-list position: after `select`/`distinct`/`all`/`,`, or `t.*`. */
function isStarItem(tokens: readonly Token[], i: number): boolean {
  const prev = tokens[i - 1];
  if (isWord(prev, 'select', 'distinct', 'all') || isPunct(prev, ',')) return true;
  if (isPunct(prev, '.')) {
    const owner = tokens[i - 2];
    return owner !== undefined && (owner.type === 'word' || owner.type === 'quoted' || owner.type === 'jinja-expr');
  }
  return false;
}

/** `except` right after a star (`select * except (a)`) modifies the star; elsewhere it is a set operator. */
function isStarModifierPosition(tokens: readonly Token[], i: number): boolean {
  return isPunct(tokens[i - 1], '*') && isPunct(tokens[i + 1], '(');
}

/** `a is distinct from b`, `a is not distinct from b`. */
function isDistinctFrom(tokens: readonly Token[], i: number): boolean {
  if (!isWord(tokens[i - 1], 'distinct')) return false;
  return isWord(tokens[i - 2], 'is') || (isWord(tokens[i - 2], 'not') && isWord(tokens[i - 3], 'is'));
}

function skipSelectModifiers(tokens: readonly Token[], k: number): number {
  while (isWord(tokens[k], 'distinct', 'all')) k++;
  return k;
}

/** The select list `tokens[start..end)` is a single star item (commas inside parentheses do not count). */
function listIsOnlyStar(tokens: readonly Token[], parens: Map<number, number>, start: number, end: number): boolean {
  let k = start;
  if (tokens[k] && (tokens[k]!.type === 'word' || tokens[k]!.type === 'quoted') && isPunct(tokens[k + 1], '.')) k += 2;
  if (!isPunct(tokens[k], '*')) return false;
  for (let j = k + 1; j < end; j++) {
    if (isPunct(tokens[j], '(')) j = parens.get(j) ?? end;
    else if (isPunct(tokens[j], ',')) return false;
  }
  return true;
}

function isName(t: Token | undefined): t is Token {
  return t !== undefined && ((t.type === 'word' && !RESERVED.has(t.text.toLowerCase())) || t.type === 'quoted');
}

/** Reads the factor list after FROM (comma-separated when `allowComma`) or the one factor after JOIN. */
function readFactors(
  tokens: readonly Token[],
  parens: Map<number, number>,
  start: number,
  unit: SelectUnit,
  aliases: Set<string>,
  allowComma: boolean,
): void {
  let k = start;
  const skipParens = (): void => {
    if (isPunct(tokens[k], '(')) k = (parens.get(k) ?? tokens.length) + 1;
  };
  for (;;) {
    const t = tokens[k];
    if (!t) return;
    const factor: Factor = { kind: 'other', parts: [], index: k };
    if (isPunct(t, '(')) {
      factor.kind = 'subquery';
      skipParens();
    } else if (t.type === 'jinja-expr') {
      factor.kind = 'jinja';
      factor.jinja = t.text;
      k++;
      // `{{ target.schema }}.orders`, `{{ ref('x') }}.col`: still not a literal relation.
      while (isPunct(tokens[k], '.') && tokens[k + 1] && tokens[k + 1]!.type !== 'punct') k += 2;
    } else if (isWord(t, 'lateral')) {
      factor.kind = 'function';
      k++;
      if (isName(tokens[k]) || isWord(tokens[k], 'table', 'unnest')) {
        while (tokens[k] && tokens[k]!.type !== 'punct' && isPunct(tokens[k + 1], '.')) k += 2;
        k++;
      }
      skipParens();
    } else if (isWord(t, 'table', 'unnest', 'values', 'array') && isPunct(tokens[k + 1], '(')) {
      factor.kind = 'function';
      k++;
      skipParens();
    } else if (isName(t)) {
      const parts: Token[] = [t];
      k++;
      while (isPunct(tokens[k], '.') && tokens[k + 1] && (tokens[k + 1]!.type === 'word' || tokens[k + 1]!.type === 'quoted')) {
        parts.push(tokens[k + 1]!);
        k += 2;
      }
      if (isPunct(tokens[k], '.') && tokens[k + 1]?.type === 'jinja-expr') {
        factor.kind = 'jinja';
        k += 2;
      } else if (isPunct(tokens[k], '(')) {
        factor.kind = 'function';
        skipParens();
      } else {
        factor.kind = 'relation';
        factor.parts = parts;
      }
    } else {
      unit.factors.push(factor);
      return;
    }
    // Time travel and sampling clauses: `at(offset => -60)`, `before(...)`, `tablesample (10)`.
    while (isWord(tokens[k], 'at', 'before', 'changes', 'sample', 'tablesample') && isPunct(tokens[k + 1], '(')) {
      k++;
      skipParens();
    }
    if (isWord(tokens[k], 'as')) k++;
    if (isName(tokens[k])) {
      factor.alias = identifierKey(tokens[k]!);
      aliases.add(factor.alias);
      k++;
      skipParens(); // column aliases: `as t(a, b)`
    }
    unit.factors.push(factor);
    if (unit.factors.length > 1) unit.joined = true;
    if (!allowComma || !isPunct(tokens[k], ',')) return;
    k++;
  }
}

/**
 * Whether the columns a CTE outputs are written out in the model (no star passthrough of an upstream relation).
 * A CTE that selects `*` from another CTE is explicit when that one is.
 */
export function cteColumnsExplicit(structure: SqlStructure, name: string, seen: Set<string> = new Set()): boolean {
  const frame = structure.ctes.get(name);
  if (!frame || seen.has(name)) return true;
  seen.add(name);
  return frame.units.every((unit) => {
    if (unit.stars.length === 0) return true;
    const source = singleCteSource(structure, unit);
    return source !== undefined && cteColumnsExplicit(structure, source, seen);
  });
}

/** The CTE a `select * from <cte>` unit reads, when it reads exactly one CTE and nothing else. */
export function singleCteSource(structure: SqlStructure, unit: SelectUnit): string | undefined {
  if (!unit.onlyStar || unit.joined || unit.factors.length !== 1) return undefined;
  const factor = unit.factors[0]!;
  if (factor.kind !== 'relation' || factor.parts.length !== 1) return undefined;
  const name = identifierKey(factor.parts[0]!);
  return structure.ctes.has(name) ? name : undefined;
}
