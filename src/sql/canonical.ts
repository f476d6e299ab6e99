/**
 * Canonical forms: identifier folding, base type families, relation markers in canonical expressions, hashing.
 */
import type { Dialect } from '../config.js';
import type { ColumnSite, ModelShape } from './types.js';

/** Relations inside canonical expressions are wrapped in these marks so a relation swap can be mapped. */
export const REL_OPEN = '\u27e6';
export const REL_CLOSE = '\u27e7';
/** Separates the per-branch expressions of a set operation's output column. */
export const SETOP_SEPARATOR = '\u2016';

export function relMark(relation: string): string {
  return `${REL_OPEN}${relation}${REL_CLOSE}`;
}

/** Every canonical form of a shape: output columns, filters, joins, grain, order/limit, set operations, fan-outs. */
export function shapeCanonicals(shape: ModelShape): string[] {
  return [
    ...shape.columns.map((c) => c.expr),
    ...shape.filters.map((c) => c.canonical),
    ...shape.joins.flatMap((j) => [j.canonical, j.condition]),
    ...shape.grain.map((c) => c.canonical),
    ...shape.orderLimit.map((c) => c.canonical),
    ...shape.setOperations.map((c) => c.canonical),
    ...shape.fanOut.map((c) => c.canonical),
    ...shape.unresolvedStars.flatMap((s) => (s.replaced ?? []).map((c) => c.expr)),
  ];
}

/** The columns of `relation` that canonical forms read (`⟦relation⟧.name`), once each, in order of appearance. */
export function columnsReadIn(canonicals: readonly string[], relation: string): string[] {
  const mark = `${relMark(relation)}.`;
  const names = new Set<string>();
  for (const text of canonicals) {
    for (let at = text.indexOf(mark); at >= 0; at = text.indexOf(mark, at + mark.length)) {
      const name = /^("[^"]*"|[^\s,()=<>!+\-*/|'"\u27e6\u27e7\u2016.:;[\]]+)/.exec(text.slice(at + mark.length))?.[0];
      if (name) names.add(name);
    }
  }
  return [...names];
}

/** Replaces relation `from` by `to` in a canonical string. */
/**
 * A canonical form cut at each `separator` outside parentheses and quoted literals or names (a doubled quote escapes
 * one): `in` list items at `,`, a join condition's conjuncts at ` and `.
 */
export function splitTopLevel(canonical: string, separator: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < canonical.length; i++) {
    const ch = canonical[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      let j = i + 1;
      while (j < canonical.length && !(canonical[j] === ch && canonical[j + 1] !== ch)) j += canonical[j] === ch ? 2 : 1;
      i = j;
    } else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && canonical.startsWith(separator, i)) {
      out.push(canonical.slice(start, i));
      start = i + separator.length;
      i += separator.length - 1;
    }
  }
  out.push(canonical.slice(start));
  return out;
}

export function swapRelation(canonical: string, from: string, to: string): string {
  return canonical.split(relMark(from)).join(relMark(to));
}

/** Removes relation marks for display. */
export function display(canonical: string): string {
  return canonical.split(REL_OPEN).join('').split(REL_CLOSE).join('');
}

/**
 * A column's name as `dialect` identifies it, in a readable form. Snowflake folds unquoted names to upper case,
 * Postgres to lower case, and quoted names keep their case there; BigQuery, Databricks, DuckDB and Trino compare
 * names case-insensitively, and so does Redshift unless `enable_case_sensitive_identifier` is on (off by default:
 * it folds quoted names to lower case too). A name that an unquoted identifier can reach is given in lower case
 * (`email`, also for Snowflake's `"EMAIL"`); any other keeps its quotes (`"Email"`, Snowflake's `"email"`).
 */
export function columnName(name: string, quoted: boolean, dialect: Dialect): string {
  if (dialect === 'snowflake') {
    const id = quoted ? name : name.toUpperCase();
    return id === id.toUpperCase() ? id.toLowerCase() : `"${id}"`;
  }
  if (dialect === 'postgres') {
    const id = quoted ? name : name.toLowerCase();
    return id === id.toLowerCase() ? id : `"${id}"`;
  }
  return name.toLowerCase();
}

/** `columnName` of an identifier token's text, quoted (`"Foo"`, `` `foo` ``) or not. */
export function columnNameOfToken(text: string, dialect: Dialect): string {
  const quoted = text.length >= 2 && ((text.startsWith('"') && text.endsWith('"')) || (text.startsWith('`') && text.endsWith('`')));
  return quoted ? columnName(text.slice(1, -1), true, dialect) : columnName(text, false, dialect);
}

/** Folds a possibly quoted identifier token text (`"Foo"`, `` `foo` ``, `foo`). */
export function foldIdentifierText(text: string): string {
  if (text.length >= 2 && ((text.startsWith('"') && text.endsWith('"')) || (text.startsWith('`') && text.endsWith('`')))) {
    const inner = text.slice(1, -1);
    // a quoted all-lower / all-upper name equals the unquoted one in practice; keep mixed case distinct
    return inner === inner.toUpperCase() || inner === inner.toLowerCase() ? inner.toLowerCase() : inner;
  }
  return text.toLowerCase();
}

const FAMILIES: [RegExp, string][] = [
  [/^(int|integer|bigint|smallint|tinyint|byteint|int2|int4|int8|int64|serial|bigserial|hugeint|ubigint|uinteger|long|short)$/, 'integer'],
  [/^(float|float4|float8|float64|double|double precision|real|binary_float|binary_double)$/, 'float'],
  [/^(varchar|char|character|character varying|string|text|nvarchar|nchar|bpchar|mediumtext|tinytext|longtext|clob)$/, 'text'],
  [/^(bool|boolean)$/, 'boolean'],
  [/^(date)$/, 'date'],
  [/^(timestamp|timestamp_ntz|datetime|timestamp without time zone)$/, 'timestamp'],
  [/^(timestamp_tz|timestamptz|timestamp with time zone)$/, 'timestamp_tz'],
  [/^(timestamp_ltz|timestamp with local time zone)$/, 'timestamp_ltz'],
  [/^(time|time without time zone)$/, 'time'],
  [/^(binary|varbinary|bytes|bytea|blob)$/, 'binary'],
  [/^(variant|json|jsonb|object|super)$/, 'semi_structured'],
];

/**
 * The base type family of a SQL type: `varchar(2)` and `varchar(3)` are both `text`; `number(18,2)` is `decimal`
 * while `number(18,0)` and `integer` are `integer`; `int` and `text` differ.
 */
export function baseType(typeText: string, dialect: Dialect): string {
  const key = `${dialect} ${typeText}`;
  let family = baseTypes.get(key);
  if (family === undefined) {
    if (baseTypes.size >= MAX_BASE_TYPES) baseTypes.clear();
    family = baseTypeOf(typeText, dialect);
    baseTypes.set(key, family);
  }
  return family;
}

/** `baseType` by dialect and type text: a project spells the same few types again and again. */
const baseTypes = new Map<string, string>();
const MAX_BASE_TYPES = 1000;

function baseTypeOf(typeText: string, dialect: Dialect): string {
  const t = typeText.trim().toLowerCase().replace(/\s+/g, ' ');
  const m = /^([a-z_][a-z0-9_ ]*?)\s*(?:\(([^)]*)\))?\s*(<.*>)?$/.exec(t);
  const name = (m?.[1] ?? t).trim();
  const params = (m?.[2] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
  if (/^(number|numeric|decimal|dec|bignumeric|bigdecimal)$/.test(name)) {
    const scale = params[1];
    if (scale !== undefined) return Number(scale) === 0 ? 'integer' : 'decimal';
    if (params.length === 1) return 'integer';
    // Snowflake's bare NUMBER is NUMBER(38,0)
    return name === 'number' && dialect === 'snowflake' ? 'integer' : 'decimal';
  }
  if (/^(array|list)/.test(name) || t.startsWith('array<')) return 'array';
  if (/^(struct|row|map|record)/.test(name)) return name.replace(/<.*$/, '');
  for (const [re, family] of FAMILIES) if (re.test(name)) return family;
  return name;
}

/**
 * The type family inferred for arithmetic whose exact numeric type is unknown (`a / 100.0`, `a * b`): a number,
 * but integer, decimal or float depending on the operands. Never the family of a cast.
 */
export const GENERIC_NUMBER = 'number';
/** Inferred for a function whose result is a date in one dialect or for one input and a timestamp for another (`date_trunc`). */
export const GENERIC_TEMPORAL = 'date or timestamp';
/** Inferred for `x + 1` with `x` unknown: a number, or a date or timestamp plus days. Never text. */
export const NUMBER_OR_DATE = 'number or date';

const NUMERIC = ['integer', 'decimal', 'float'];
const TEMPORAL = ['date', 'timestamp', 'timestamp_tz', 'timestamp_ltz'];
/** The families each inferred (generic) family can be. */
const GENERIC_MEMBERS = new Map<string, readonly string[]>([
  [GENERIC_NUMBER, NUMERIC],
  [GENERIC_TEMPORAL, TEMPORAL],
  [NUMBER_OR_DATE, [...NUMERIC, ...TEMPORAL]],
]);

const NUMERIC_FAMILIES = new Set([GENERIC_NUMBER, ...NUMERIC]);

/** An inferred family that stands for several (`number`, ...): never the family of a cast. */
export function isGenericFamily(family: string): boolean {
  return GENERIC_MEMBERS.has(family);
}

export function isNumericFamily(family: string | undefined): boolean {
  return family !== undefined && NUMERIC_FAMILIES.has(family);
}

/** Two known type families a consumer can tell apart: no family one can be is a family the other can be. */
export function typesDiffer(a: string, b: string): boolean {
  if (a === b) return false;
  const other = GENERIC_MEMBERS.get(b) ?? [b];
  return !(GENERIC_MEMBERS.get(a) ?? [a]).some((f) => other.includes(f));
}

/**
 * Marks the order of a `row_number()` dedup (`qualify row_number() over (partition by k order by o) = 1`) among the
 * order/limit clauses: the partition is the grain, the order only decides which row of a key is kept.
 * The canonical is `<mark>partition(...) order(...)`.
 */
export const DEDUP_ORDER = 'row_number dedup:';

/** The partition and order of a `row_number()` dedup conjunct's canonical (`=(1,row_number() over(...))`). */
export function rowNumberDedup(canonical: string): { partition: string; order: string } | undefined {
  const prefix = ['=(1,', '>=(1,', '>(2,'].find((p) => canonical.startsWith(`${p}row_number() over(partition(`));
  if (!prefix || !canonical.endsWith('))')) return undefined;
  const window = canonical.slice(prefix.length + 'row_number() over('.length, -2);
  const at = window.indexOf(');order(');
  if (at < 0) return undefined;
  return { partition: window.slice(0, at + 1), order: window.slice(at + 2) };
}

/**
 * A fan-out clause's canonical is `<where>:` (`from`, `select`) and its expansion; `outer ` after the colon marks one
 * that keeps a row whose array is empty or NULL, once, with NULLs (`left join unnest(x) on true`, flatten's
 * `outer => true`, `lateral view outer`, `explode_outer`): the same expansion, other rows.
 */
const FANOUT_OUTER = 'outer ';

export function fanOutCanonical(where: string, expansion: string, outer: boolean): string {
  return `${where}:${outer ? FANOUT_OUTER : ''}${expansion}`;
}

/** The parts of a fan-out canonical (see `fanOutCanonical`). */
export function fanOutParts(canonical: string): { where: string; outer: boolean; expansion: string } {
  const at = canonical.indexOf(':');
  const rest = canonical.slice(at + 1);
  const outer = rest.startsWith(FANOUT_OUTER);
  return { where: canonical.slice(0, at + 1), outer, expansion: outer ? rest.slice(FANOUT_OUTER.length) : rest };
}

/** What an added fan-out does to the rows (in parentheses after "multiplies rows"). */
export function fanOutAddedEffect(canonical: string): string {
  return fanOutParts(canonical).outer
    ? 'one per array element; a row whose array is empty or NULL is kept once, with NULLs'
    : 'one per array element; rows with empty arrays disappear';
}

/** What a changed fan-out (`before` → `after`, same clause) does to the rows. */
export function fanOutChangedEffect(before: string, after: string): string {
  const b = fanOutParts(before);
  const a = fanOutParts(after);
  if (b.expansion === a.expansion && b.outer !== a.outer) {
    return a.outer
      ? 'the same expansion, but a row whose array is empty or NULL is now kept once, with NULLs, instead of disappearing (the row count grows)'
      : 'the same expansion, but a row whose array is empty or NULL now disappears instead of being kept once with NULLs (the row count shrinks)';
  }
  return 'rows now multiply by another expansion (row count and values change)';
}

/**
 * The key text of a dedup order's text, for messages: `k` of `distinct on (k) order by ...` (see the analyser's
 * `distinctOnOrder`) or of `qualify row_number() over (partition by k order by ...) = 1`.
 */
export function dedupKeyText(text: string): string | undefined {
  return /^distinct on \((.*?)\) (?:order by|without order by)/is.exec(text)?.[1] ?? /partition\s+by\s+(.+?)\s+order\s+by/is.exec(text)?.[1];
}

/**
 * A filter on the optional side of an outer join (`left`: the right side of a left join; `right`: the left side of
 * a right join) does not remove the model's rows; one on a side of a `full` join removes only that side's
 * unmatched rows. Its canonical starts with this mark (the diff compares filters without it).
 */
export type OuterSide = 'left' | 'right' | 'full';

export function outerFilterMark(side: OuterSide): string {
  return `outer(${side}):`;
}

/** A filter canonical without its outer-join mark, and the mark's side. */
export function outerFilter(canonical: string): { side?: OuterSide; canonical: string } {
  const m = /^outer\((left|right|full)\):/.exec(canonical);
  return m ? { side: m[1] as OuterSide, canonical: canonical.slice(m[0].length) } : { canonical };
}

/**
 * A set operation is recorded as one clause of its operators (`<SETOP_OPERATORS>union all`) and one per branch, by
 * the relations the branch reads (`<SETOP_BRANCH>⟦a⟧,⟦b⟧`), whose text says which operator adds it and what it reads
 * (see `setOpBranchText`).
 */
export const SETOP_OPERATORS = 'set operators:';
export const SETOP_BRANCH = 'set branch:';

/** `union all|raw__a,raw__b`: the operator before the branch (none for the first branch) and its relations. */
export function setOpBranchText(operator: string | undefined, relations: string[]): string {
  return `${operator ?? ''}|${relations.join(', ')}`;
}

/**
 * The order in which a set operation's branches make its columns' canonical forms: for a `union` or `union all`
 * only (every operator the same), whose rows do not depend on the order of the branches, sorted by each branch's
 * whole row (the branches swapped compare equal; a column swapped within a branch does not); else as written.
 * `rows[i]` holds branch i's column expressions.
 */
export function setOpBranchOrder(kinds: readonly string[], rows: readonly (readonly string[])[]): number[] {
  const order = rows.map((_r, i) => i);
  const kind = kinds[0];
  if ((kind !== 'union' && kind !== 'union all') || kinds.some((k) => k !== kind)) return order;
  const keys = rows.map((r) => r.join(`${SETOP_SEPARATOR}${SETOP_SEPARATOR}`));
  return order.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b));
}

export function parseSetOpBranchText(text: string): { operator?: string; relations: string } {
  const at = text.indexOf('|');
  return { operator: text.slice(0, at) || undefined, relations: text.slice(at + 1) };
}

/** The text of `group by all` in a grain clause, with the output columns it groups by (see `groupByAllColumns`). */
export function groupByAllText(columns: string[]): string {
  return `all (${columns.join(', ')})`;
}

/** The columns a `group by all` grain clause's text lists, or undefined for another clause. */
export function groupByAllColumns(text: string): string[] | undefined {
  const m = /^group by all \((.*)\)$/s.exec(text);
  return m ? (m[1] ? m[1].split(', ') : []) : undefined;
}

/** 53-bit string hash (cyrb53), used to bound the size of deeply nested canonical strings. */
export function hash53(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** Digests of recent site texts: the same column texts recur across models and across base and head. */
const siteDigests = new Map<string, string>();

/**
 * Where a column's value is written (see `OutputColumn.sites`): the text and the name it is given there (`amount`
 * selected as `gross` is not the same site as `amount` selected as `amount`), in CTE `cte` when there.
 */
export function columnSite(line: number, text: string, name = '', cte?: string): ColumnSite {
  const key = `${name}\u0000${text}`;
  let digest = siteDigests.get(key);
  if (digest === undefined) {
    digest = hash53(`${name.toLowerCase()}:${text.replace(/\s+/g, ' ').trim().toLowerCase()}`);
    if (siteDigests.size >= 4096) siteDigests.clear();
    siteDigests.set(key, digest);
  }
  return cte === undefined ? { line, digest } : { line, digest, cte, column: name };
}

const MAX_CANONICAL = 4000;

/** Keeps canonical strings bounded: long ones become a hash (still equal iff the text is equal). */
export function bound(canonical: string): string {
  return canonical.length > MAX_CANONICAL ? `#${hash53(canonical)}:${canonical.length}` : canonical;
}

/** Collapses whitespace of a source snippet for messages. */
/** `text` with `rewrite` applied to what is outside string literals and quoted names (those are kept as written). */
export function outsideQuotes(text: string, rewrite: (part: string) => string): string {
  return text.replace(/('(?:[^']|'')*'?|"(?:[^"]|"")*"?|`[^`]*`?)|[^'"`]+/g, (part, quoted: string | undefined) => (quoted ? part : rewrite(part)));
}

export function snippet(text: string, max = 160): string {
  // (spaces inside a literal are its value: `'a  b'` is not `'a b'`)
  const s = outsideQuotes(text, (part) => part.replace(/\s+/g, ' ')).trim();
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}
