/**
 * Walks a node-sql-parser AST of a rendered model and builds its ModelShape: output columns resolved through
 * CTEs and subqueries down to base relations, filters, joins, grain, set operations, order/limit and fan-out.
 */
import type { Dialect } from '../config.js';
import { DEDUP_ORDER, GENERIC_NUMBER, GENERIC_TEMPORAL, NUMBER_OR_DATE, SETOP_BRANCH, SETOP_OPERATORS, SETOP_SEPARATOR, baseType, setOpBranchOrder, setOpBranchText, outerFilterMark, type OuterSide, bound, columnName, columnNameOfToken, columnSite, groupByAllText, isNumericFamily, REL_OPEN, display, fanOutCanonical, fanOutParts, relMark, rowNumberDedup, snippet, splitTopLevel } from './canonical.js';
import { tokenize, type Token } from './lexer.js';
import { emptyRowSetClauses, type Clause, type ColumnSite, type MissingColumn, type RowSetClauses, type UnresolvedStar } from './types.js';

type AstNode = Record<string, unknown>;

export interface ColInfo {
  name: string;
  /** Canonical expression without the outer cast. */
  expr: string;
  /** Canonical expression with the outer cast (what a reference to this column stands for). */
  full: string;
  type?: string;
  text: string;
  line?: number;
  sites?: ColumnSite[];
}

/** The most sites kept per column. */
const MAX_SITES = 16;

/** `own` and then the sites of `more`, each once, at most MAX_SITES. */
function sitesOf(own: ColumnSite[], more: readonly ColInfo[] = []): ColumnSite[] | undefined {
  // the common case: one site of its own and nothing read that has sites
  if (own.length <= 1 && more.every((c) => !c.sites || c.sites.length === 0)) return own.length ? [own[0]!] : undefined;
  const out: ColumnSite[] = [];
  const seen = new Set<string>();
  for (const site of [...own, ...more.flatMap((c) => c.sites ?? [])]) {
    const key = `${site.line}:${site.digest}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(site);
    if (out.length === MAX_SITES) break;
  }
  return out.length ? out : undefined;
}

interface QueryResult {
  columns: ColInfo[];
  unresolved: UnresolvedStar[];
  relations: Set<string>;
  /** The row filters (objects of the sink) the rows depend on, with the outer join whose optional side each is on. */
  filters?: FilterRef[];
  /**
   * The column names are exactly those the warehouse gives, from the SQL alone: no `*` over a relation (whose columns
   * come from outside, if at all), no star modifier, no unnamed expression (named by the warehouse), no PIVOT.
   */
  exact?: boolean;
}

interface FilterRef {
  clause: Clause;
  /** `left`/`right`: on the optional side of such a join; `full`: on a side of a full join; else a row filter. */
  outer?: OuterSide;
}

interface Source {
  alias: string;
  kind: 'base' | 'derived' | 'fanout';
  relation?: string;
  columns?: ColInfo[];
  unresolved: UnresolvedStar[];
  relations: Set<string>;
  fanout?: string;
  /** A fan-out's `with offset as p` (BigQuery): the element's position. */
  offsetAlias?: string;
  filters?: FilterRef[];
  /** A derived source whose column list is exact (see `QueryResult.exact`). */
  exact?: boolean;
  /** The CTE it reads (a derived source), by name. */
  cte?: string;
  /** The line where that CTE or subquery is defined. */
  definedLine?: number;
}

interface Scope {
  sources: Source[];
  parent?: Scope;
  /** The names the select list's explicit aliases give (`looseName`; a dialect can let other items read them). */
  selectAliases?: Set<string>;
  /** The select list's columns, which its aliases name (the last of a name wins). */
  aliasColumns?: readonly ColInfo[];
  /** `aliasColumns` by name, made on first use. */
  aliases?: Map<string, ColInfo>;
}

interface CteEntry {
  name: string;
  node: AstNode;
  columnNames?: string[];
  result?: QueryResult;
  analysing: boolean;
  /** The line of `name as (`. */
  line?: number;
  /**
   * The CTEs its own query sees: those defined before it (its own name and later ones name a relation of the
   * warehouse, as in `with customers as (select * from {{ ref('customers') }})`); every CTE under `with recursive`.
   */
  env?: Map<string, CteEntry>;
}

export interface AstAnalysis extends RowSetClauses {
  columns: ColInfo[];
  unresolvedStars: UnresolvedStar[];
  relations: string[];
  relationLines: Record<string, number>;
  columnsUsed: Record<string, string[]>;
  ctes: string[];
  missingColumns: MissingColumn[];
  derivedColumnsRead: Record<string, string[]>;
}

/**
 * Names that can be read as a column reference but are not columns: niladic functions written without parentheses,
 * date parts (`datediff(day, a, b)`), literals. A reference to one of them is never reported as missing.
 */
const NOT_COLUMNS = new Set([
  'current_date', 'current_time', 'current_timestamp', 'current_user', 'current_role', 'current_schema', 'current_database', 'current_catalog',
  'current_warehouse', 'current_region', 'current_account', 'current_session', 'current_client', 'current_version', 'localtime', 'localtimestamp',
  'session_user', 'system_user', 'user', 'sysdate', 'getdate', 'true', 'false', 'null', 'default',
  'year', 'years', 'yyyy', 'yy', 'quarter', 'quarters', 'qtr', 'q', 'month', 'months', 'mon', 'mm', 'week', 'weeks', 'wk', 'w', 'isoweek', 'weekday', 'dow',
  'dayofweek', 'dayofweekiso', 'dayofmonth', 'dayofyear', 'doy', 'day', 'days', 'dd', 'd', 'hour', 'hours', 'hh', 'h', 'minute', 'minutes', 'mi', 'm',
  'second', 'seconds', 'ss', 's', 'millisecond', 'milliseconds', 'ms', 'microsecond', 'microseconds', 'us', 'nanosecond', 'nanoseconds', 'ns',
  'epoch', 'epoch_second', 'epoch_millisecond', 'epoch_microsecond', 'epoch_nanosecond', 'timezone_hour', 'timezone_minute', 'yearofweek', 'yearofweekiso',
  'date', 'time', 'datetime', 'timestamp', 'isoyear', 'century', 'decade', 'millennium', 'julian',
]);

/**
 * What the renderer writes for a value it cannot know (a `var` or `env_var` without a value, a macro nobody defines:
 * `__var_x__`, see src/dbt/jinja/placeholders.ts): a select item holding one may stand for several columns.
 */
const PLACEHOLDER = /__(?:var|env|macro)_[A-Za-z0-9_]*__/;

/** A column name compared loosely: quotes dropped, case folded (a name that differs only so is not reported missing). */
function looseName(name: string): string {
  return name.replace(/^["`\[]|["`\]]$/g, '').toLowerCase();
}

const FANOUT_FUNCS = new Set([
  'explode', 'explode_outer', 'posexplode', 'posexplode_outer', 'inline', 'inline_outer', 'flatten', 'unnest', 'json_each', 'jsonb_array_elements',
  'json_array_elements', 'generate_series', 'split_to_table', 'stack',
  // Postgres set-returning functions (one row per element, also in the select list)
  'jsonb_array_elements_text', 'json_array_elements_text', 'jsonb_each', 'jsonb_each_text', 'json_each_text', 'jsonb_object_keys',
  'json_object_keys', 'regexp_split_to_table', 'string_to_table', 'regexp_matches',
]);
const AGGREGATES = new Set(['count', 'sum', 'avg', 'min', 'max', 'listagg', 'array_agg', 'string_agg', 'group_concat', 'median', 'stddev', 'stddev_samp', 'stddev_pop', 'variance', 'var_samp', 'var_pop', 'any_value', 'approx_count_distinct', 'count_if', 'bool_and', 'bool_or', 'booland_agg', 'boolor_agg', 'array_union_agg', 'object_agg', 'percentile_cont', 'percentile_disc', 'mode', 'hll', 'approx_percentile', 'collect_list', 'collect_set', 'countif', 'logical_and', 'logical_or', 'max_by', 'min_by', 'arbitrary', 'kurtosis', 'skew', 'corr', 'covar_pop', 'covar_samp', 'bitand_agg', 'bitor_agg', 'sum_if', 'avg_if']);
/** Functions that give a new value per row although they read no column: not a constant. */
const VOLATILE_FUNCS = new Set(['random', 'rand', 'randn', 'randstr', 'uniform', 'normal', 'zipf', 'uuid', 'uuid_string', 'random_uuid', 'gen_random_uuid', 'generate_uuid', 'newid', 'newsequentialid', 'seq1', 'seq2', 'seq4', 'seq8', 'nextval', 'monotonically_increasing_id', 'random_bytes', 'shuffle']);

/**
 * The canonical expression is a constant for every row: it reads no column (a literal, `current_date()`), no
 * window and no function that gives a new value per row (`random()`). Such a column cannot split groups.
 */
function isConstantExpr(canonical: string): boolean {
  if (canonical.startsWith('#') || canonical.includes(REL_OPEN) || /\bover\s*\(/i.test(canonical)) return false;
  // the text outside string literals, where function names are
  const code = canonical.replace(/'(?:[^']|'')*'/g, "''");
  for (const m of code.matchAll(/([a-z_][a-z0-9_.]*)\s*\(/gi)) if (VOLATILE_FUNCS.has(m[1]!.toLowerCase().split('.').pop()!)) return false;
  return true;
}
const BOOLEAN_OPERATORS = new Set(['=', '<>', '<', '>', '<=', '>=', 'and', 'or', 'like', 'not like', 'ilike', 'not ilike', 'in', 'not in', 'is', 'is not', 'between', 'not between', 'regexp', 'rlike', 'similar to', 'exists']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);
const COMMUTATIVE = new Set(['+', '*', 'and', 'or', '=', '<>', '==', 'is not distinct from', 'is distinct from']);
const SKIP_KEYS = new Set(['loc', 'parentheses', 'surround', 'notations', 'collate', 'tableList', 'columnList', 'suffix']);

function isNode(v: unknown): v is AstNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
/**
 * `*`, `/` and `%` yield a number (or fail) in every supported dialect; `+` and `-` only when every operand is
 * known to be a number (a date plus a number is a date), else a number or a date when one is (never text).
 * Interval arithmetic is not a number.
 */
function arithmeticType(op: string, operands: { c: string; type?: string }[]): string | undefined {
  if (operands.some((o) => o.c.startsWith('interval(') || (o.type !== undefined && !isNumericFamily(o.type)))) return undefined;
  if (op === '+' || op === '-') return operands.every((o) => isNumericFamily(o.type)) ? GENERIC_NUMBER : operands.some((o) => isNumericFamily(o.type)) ? NUMBER_OR_DATE : undefined;
  return GENERIC_NUMBER;
}

/**
 * Result families of functions, where every supported dialect that has the function agrees (a number can be an
 * integer, decimal or float; `date_trunc` gives a date or a timestamp by dialect and input). Functions whose
 * result is the type of their arguments are in `functionType`.
 */
const FUNCTION_FAMILIES: [string, readonly string[]][] = [
  ['integer', ['count', 'count_if', 'countif']],
  [GENERIC_NUMBER, ['round', 'abs', 'floor', 'ceil', 'ceiling', 'sign', 'sqrt', 'exp', 'ln', 'log', 'log10', 'power', 'pow', 'mod', 'sum', 'avg', 'stddev', 'stddev_samp', 'stddev_pop', 'variance', 'var_samp', 'var_pop', 'approx_count_distinct', 'datediff', 'date_diff', 'timestampdiff', 'timestamp_diff', 'date_part', 'datepart', 'year', 'quarter', 'month', 'week', 'weekofyear', 'day', 'dayofmonth', 'dayofweek', 'dayofyear', 'hour', 'minute', 'second', 'length', 'len', 'char_length', 'character_length', 'octet_length', 'position', 'strpos', 'charindex', 'row_number', 'rank', 'dense_rank', 'ntile', 'percent_rank', 'cume_dist']],
  ['date', ['to_date', 'date', 'current_date', 'last_day']],
  [GENERIC_TEMPORAL, ['date_trunc', 'dateadd', 'date_add', 'date_sub', 'timestampadd', 'timestamp_add', 'to_timestamp', 'current_timestamp', 'now', 'getdate', 'sysdate', 'localtimestamp']],
  ['text', ['concat', 'concat_ws', 'lower', 'upper', 'initcap', 'trim', 'ltrim', 'rtrim', 'btrim', 'to_char', 'to_varchar', 'substr', 'substring', 'replace', 'regexp_replace', 'lpad', 'rpad', 'split_part', 'listagg', 'string_agg']],
  ['boolean', ['regexp_like', 'starts_with', 'startswith', 'ends_with', 'endswith', 'bool_and', 'bool_or', 'booland_agg', 'boolor_agg', 'logical_and', 'logical_or']],
];
const FAMILY_OF_FUNCTION = new Map(FUNCTION_FAMILIES.flatMap(([family, names]) => names.map((n) => [n, family] as const)));
/** Functions whose result has the type of their (first) argument, or of all arguments when they agree. */
const SAME_AS_FIRST = new Set(['min', 'max', 'any_value', 'first_value', 'last_value', 'lag', 'lead', 'nth_value', 'nullif']);
const SAME_AS_ALL = new Set(['greatest', 'least', 'coalesce', 'ifnull', 'nvl']);

/** The result family of a call to `name` with arguments of these types, when every dialect agrees on it. */
function functionType(name: string, args: { c: string; type?: string }[]): string | undefined {
  const first = args[0]?.type;
  if (name === 'trunc' || name === 'truncate') {
    // a number, unless it truncates a date (`trunc(d, 'month')` in Snowflake and Databricks)
    return isNumericFamily(first) || args.length === 1 || /^-?[0-9]+$/.test(args[1]?.c ?? '') ? GENERIC_NUMBER : undefined;
  }
  if (SAME_AS_FIRST.has(name)) return first;
  if (SAME_AS_ALL.has(name)) {
    const types = args.map((a) => a.type).filter((t) => t !== undefined);
    if (types.length < args.length) return undefined;
    if (types.every((t) => t === first)) return first;
    return types.every((t) => isNumericFamily(t)) ? GENERIC_NUMBER : undefined;
  }
  const family = FAMILY_OF_FUNCTION.get(name);
  // BigQuery's string functions also take bytes
  if (family === 'text' && args.some((a) => a.type === 'binary')) return undefined;
  return family;
}

/**
 * The canonical reads columns of `reads` only: at least one, none of `others`, and none it cannot place (`⟦?⟧`,
 * a bounded hash).
 */
function readsOnly(canonical: string, reads: ReadonlySet<string>, others: ReadonlySet<string>): boolean {
  if (canonical.startsWith('#')) return false;
  const marks = [...canonical.matchAll(/\u27e6([^\u27e7]*)\u27e7/g)].map((m) => m[1]!);
  return marks.length > 0 && marks.every((r) => reads.has(r) && !others.has(r));
}

/** Comparable token text: words and quoted names lower-cased without quotes; `!=` as `<>`. */
function tokenKey(text: string, kind: string): string {
  if (kind === 'word') return text.toLowerCase();
  if (kind === 'quoted') return text.slice(1, -1).toLowerCase();
  if (text === '!=') return '<>';
  return text;
}

/** The first column of each name in a list of columns (lists are not changed once a source has them). */
const columnIndexes = new WeakMap<readonly ColInfo[], Map<string, ColInfo>>();

function columnNamed(columns: readonly ColInfo[], name: string): ColInfo | undefined {
  let index = columnIndexes.get(columns);
  if (!index) {
    index = new Map();
    for (const c of columns) if (!index.has(c.name)) index.set(c.name, c);
    columnIndexes.set(columns, index);
  }
  return index.get(name);
}

/** Comparable token texts of recently rendered expressions, by dialect: base and head render the same ones. */
const renderedKeyMemo = new Map<Dialect, Map<string, readonly string[]>>();

function renderedKeys(rendered: string, dialect: Dialect): readonly string[] {
  let m = renderedKeyMemo.get(dialect);
  if (!m) {
    m = new Map();
    renderedKeyMemo.set(dialect, m);
  }
  let keys = m.get(rendered);
  if (!keys) {
    keys = tokenize(rendered, { dialect }).map((t) => tokenKey(t.text, t.kind));
    if (m.size >= 4096) m.clear();
    m.set(rendered, keys);
  }
  return keys;
}

function descendantLine(node: unknown, depth = 0): number | undefined {
  if (depth > 6) return undefined;
  if (Array.isArray(node)) {
    for (const x of node) {
      const l = descendantLine(x, depth + 1);
      if (l !== undefined) return l;
    }
    return undefined;
  }
  if (!isNode(node)) return undefined;
  const own = lineOf(node);
  if (own !== undefined) return own;
  for (const k of Object.keys(node)) {
    const v = node[k];
    if (k === 'loc' || typeof v !== 'object' || v === null) continue;
    const l = descendantLine(v, depth + 1);
    if (l !== undefined) return l;
  }
  return undefined;
}

/**
 * The expression of a select-list item. node-sql-parser gives most items as `{ expr, as }`, but a `::` cast of a
 * parenthesised expression (`(a / 100.0)::varchar as amount`) as the cast node itself, alias included.
 */
function selectItemExpression(item: AstNode): AstNode | undefined {
  if (item.type === 'cast' && isNode(item.expr)) {
    const { as: _alias, ...cast } = item;
    return cast;
  }
  return isNode(item.expr) ? item.expr : undefined;
}

function lineOf(node: unknown): number | undefined {
  if (!isNode(node)) return undefined;
  const loc = node.loc as { start?: { line?: number } } | undefined;
  return loc?.start?.line;
}

/** The output columns a DISTINCT (or a group by of every column) makes rows distinct on: constants do not count. */
function distinctColumnNames(columns: readonly ColInfo[]): string[] {
  return [...new Set(columns.filter((c) => !isConstantExpr(c.full)).map((c) => c.name))];
}

/**
 * A DISTINCT's grain: what the columns it makes rows distinct on compute (a column added or removed, or one
 * computed otherwise, changes which rows collapse; a column renamed does not), or `*` when a star's columns are
 * unknown. The same for `select a, b ... group by a, b` without aggregates, which is `select distinct a, b`.
 */
function distinctCanonical(columns: readonly ColInfo[], unresolved: readonly UnresolvedStar[]): string {
  return unresolved.length > 0 ? 'distinct(*)' : `distinct(${[...new Set(columns.filter((c) => !isConstantExpr(c.full)).map((c) => c.full))].sort().join(',')})`;
}

/**
 * A FROM table function without Snowflake flatten's `outer => true` (also inside `table(...)`), and whether it had
 * it: the expansion is the same, `outer` only keeps the rows whose array is empty or NULL.
 */
function withoutOuterArg(expr: AstNode): { node: AstNode; outer: boolean } {
  const strip = (f: AstNode): { node: AstNode; outer: boolean } | undefined => {
    if (f.type !== 'flatten' || !isNode(f.args) || !isNode(f.args.outer)) return undefined;
    const v = f.args.outer.value;
    const outer = isNode(v) ? v.value === true || String(v.value).toLowerCase() === 'true' : String(v).toLowerCase() === 'true';
    return { node: { ...f, args: { ...f.args, outer: null } }, outer };
  };
  const direct = strip(expr);
  if (direct) return direct;
  const args = isNode(expr.args) && Array.isArray(expr.args.value) ? expr.args.value : undefined;
  if (expr.type === 'function' && args?.length === 1 && isNode(args[0])) {
    const inner = strip(args[0]);
    if (inner) return { node: { ...expr, args: { ...(expr.args as AstNode), value: [inner.node] } }, outer: inner.outer };
  }
  return { node: expr, outer: false };
}

/** Whether a canonical expression reads a column named `column` (`upper(⟦t⟧.status)` reads `status`). */
function readsColumnNamed(canonical: string, column: string): boolean {
  return new RegExp(`\\.${column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w$])`, 'i').test(canonical);
}

/** Comparisons and their negations (`not (a = b)` is `a <> b`, also when a side is NULL). */
const NEGATED: Readonly<Record<string, string>> = {
  '=': '<>', '<>': '=', '!=': '=', '<': '>=', '>=': '<', '>': '<=', '<=': '>',
  in: 'not in', 'not in': 'in', like: 'not like', 'not like': 'like', ilike: 'not ilike', 'not ilike': 'ilike', is: 'is not', 'is not': 'is',
};

/** `node` (a comparison) with the negated operator, or undefined when it is not a comparison. */
function negatedComparison(node: unknown): AstNode | undefined {
  if (!isNode(node) || node.type !== 'binary_expr') return undefined;
  const negated = NEGATED[String(node.operator).toLowerCase().replace(/\s+/g, ' ')];
  return negated === undefined ? undefined : { ...node, operator: negated, parentheses: false };
}

/** The operand of `not x` (`not (x)` comes as a function named `not`), or undefined. */
function notOperand(node: unknown, functionName: (n: AstNode) => string): unknown {
  if (!isNode(node)) return undefined;
  if (node.type === 'unary_expr' && String(node.operator).toLowerCase() === 'not') return node.expr;
  if (node.type === 'function' && functionName(node) === 'not') {
    const list = isNode(node.args) && Array.isArray(node.args.value) ? node.args.value : [];
    return list.length === 1 ? list[0] : undefined;
  }
  return undefined;
}

/**
 * `not node` written without the `not`, when that is plain: a comparison negated (`a <> b`), De Morgan over AND/OR
 * (`not (a or b)` is `not a and not b`), a double negation; undefined otherwise.
 */
function negation(node: unknown, functionName: (n: AstNode) => string): AstNode | undefined {
  const comparison = negatedComparison(node);
  if (comparison) return comparison;
  if (!isNode(node)) return undefined;
  const inner = notOperand(node, functionName);
  if (inner !== undefined) return isNode(inner) ? { ...inner, parentheses: false } : undefined;
  const op = node.type === 'binary_expr' ? String(node.operator).toUpperCase() : '';
  if (op !== 'AND' && op !== 'OR') return undefined;
  const negate = (x: unknown): AstNode => negation(x, functionName) ?? { type: 'unary_expr', operator: 'NOT', expr: x };
  return { type: 'binary_expr', operator: op === 'AND' ? 'OR' : 'AND', left: negate(node.left), right: negate(node.right), ...(node.loc ? { loc: node.loc } : {}) };
}

/** The parts of `x between low and high` (not `not between`), or undefined. */
function betweenBounds(node: unknown): { value: unknown; low: unknown; high: unknown } | undefined {
  if (!isNode(node) || node.type !== 'binary_expr' || String(node.operator).toUpperCase() !== 'BETWEEN') return undefined;
  const list = isNode(node.right) && Array.isArray(node.right.value) ? node.right.value : [];
  return list.length === 2 ? { value: node.left, low: list[0], high: list[1] } : undefined;
}

const LITERAL = /^(?:'(?:[^']|'')*'|-?[0-9.]+(?:e-?[0-9]+)?|null|true|false)$/i;

/**
 * The key of a set operation's ORDER BY item that names one of its columns (by position, or by the first branch's
 * name): that column of the operation, whatever each branch computes in it (those are compared as its columns).
 */
function setOpOrderKey(node: unknown, output: readonly string[]): string | undefined {
  if (!isNode(node)) return undefined;
  if (node.type === 'number' && Number.isInteger(node.value) && Number(node.value) >= 1 && Number(node.value) <= output.length) return `setop column ${Number(node.value)}`;
  if (node.type !== 'column_ref' || node.table) return undefined;
  const column = typeof node.column === 'string' ? node.column : isNode(node.column) && isNode(node.column.expr) ? str(node.column.expr.value) : undefined;
  const at = column === undefined ? -1 : output.indexOf(looseName(column));
  return at >= 0 ? `setop column ${at + 1}` : undefined;
}

/** Operators that compare values: a number compared is the same number however it is written (`1.0`, `1`, `1e0`). */
const COMPARISONS = new Set(['=', '<>', '<', '>', '<=', '>=', 'in', 'not in']);

/**
 * A compared numeric literal in one spelling: no exponent, no leading zeros, no trailing fractional zeros (`1.50`,
 * `1.5e0` and `01.5` are `1.5`; `1e3` and `1000.0` are `1000`). Any other canonical form is returned as it is. Only
 * where values are compared: in a select list `1.0` and `1` are of different types.
 */
export function comparedLiteral(canonical: string): string {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:e([+-]?\d{1,3}))?$/i.exec(canonical);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return canonical;
  const [, sign, whole, fraction = '', exponent = '0'] = m;
  let digits = `${whole}${fraction}`;
  let point = whole!.length + Number(exponent);
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  if (point > digits.length) digits += '0'.repeat(point - digits.length);
  const intPart = digits.slice(0, point).replace(/^0+(?=\d)/, '') || '0';
  const fracPart = digits.slice(point).replace(/0+$/, '');
  const text = fracPart ? `${intPart}.${fracPart}` : intPart;
  return sign && /[1-9]/.test(text) ? `-${text}` : text;
}

/**
 * The canonical `in(x,(v1,v2,...))` of an OR of equalities (or IN lists) of one expression with literals, as
 * `x in (...)` gives; undefined otherwise. Canonical forms: `=(p,q)` with sorted operands, `in(x,(...))`.
 */
function asInList(operands: readonly string[]): string | undefined {
  if (operands.length < 2) return undefined;
  let subject: string | undefined;
  const values: string[] = [];
  for (const o of operands) {
    let parts: [string, string[]] | undefined;
    const eq = /^=\((.*)\)$/.exec(o);
    const inList = /^in\((.*),\((.*)\)\)$/.exec(o);
    if (eq) {
      const [a, b] = splitTopLevel(eq[1]!, ',');
      if (a !== undefined && b !== undefined) parts = LITERAL.test(a) && !LITERAL.test(b) ? [b, [a]] : LITERAL.test(b) && !LITERAL.test(a) ? [a, [b]] : undefined;
    } else if (inList) {
      const items = splitTopLevel(inList[2]!, ',');
      if (items.every((i) => i !== undefined && LITERAL.test(i))) parts = [inList[1]!, items as string[]];
    }
    if (!parts || (subject !== undefined && parts[0] !== subject)) return undefined;
    subject = parts[0];
    values.push(...parts[1]);
  }
  return `in(${subject},(${[...new Set(values)].sort().join(',')}))`;
}

export class AstAnalyzer {
  private sink: RowSetClauses = emptyRowSetClauses();
  private readonly relationLines = new Map<string, number>();
  private readonly columnsUsed = new Map<string, Set<string>>();
  private readonly ctesUsed = new Set<string>();
  /** While above 0, a column missing from its CTE is not noted (see `noteMissing`). */
  private missingMuted = 0;
  /** The CTE whose body is being analysed (for the sites of its columns). */
  private currentCte: string | undefined;
  private currentCteLine: number | undefined;
  private readonly missing: MissingColumn[] = [];
  /** Columns read by name from each CTE (`name`) and subquery (`(alias)`) that gave them. */
  private readonly derivedReads = new Map<string, Set<string>>();
  private readonly upstreamCache = new Map<string, string[] | undefined>();

  constructor(
    private readonly sql: string,
    private readonly dialect: Dialect,
    private readonly typeAliases: Record<string, string>,
    private readonly upstreamColumns: ((relation: string) => string[] | undefined) | undefined,
    private readonly doubleQuotesAreIdentifiers: boolean,
    /** Renders an AST node back to SQL (node-sql-parser's exprToSQL), used to locate nodes without positions. */
    private readonly render?: (node: unknown) => string | undefined,
  ) {}

  /** Collects the CTE and subquery columns an expression reads, while a select item is evaluated. */
  private readColumns: ColInfo[] | undefined;

  private sqlTokens: readonly Token[] | undefined;
  /** The comparable text (`tokenKey`) of each token of the SQL. */
  private sqlKeys: string[] = [];

  private tokensOfSql(): readonly Token[] {
    if (!this.sqlTokens) {
      const toks = tokenize(this.sql, { dialect: this.dialect });
      this.sqlKeys = toks.map((t) => tokenKey(t.text, t.kind));
      this.sqlTokens = toks;
    }
    return this.sqlTokens;
  }

  /** Comparable token text -> the indexes (ascending) of the SQL's tokens with that text, found on first ask. */
  private readonly tokenPositions = new Map<string, number[]>();

  private positionsOf(text: string): number[] {
    let at = this.tokenPositions.get(text);
    if (!at) {
      at = [];
      this.tokensOfSql();
      const keys = this.sqlKeys;
      for (let i = 0; i < keys.length; i++) if (keys[i] === text) at.push(i);
      this.tokenPositions.set(text, at);
    }
    return at;
  }

  /** Finds a node in the SQL text: its own location, a descendant's, or its rendered text's token sequence. */
  private locate(node: unknown, afterLine?: number): { line?: number; text?: string } {
    if (!isNode(node)) return {};
    const own = this.textOf(node);
    if (own !== undefined) return { line: lineOf(node), text: own };
    if (!this.render) return { line: descendantLine(node) };
    let rendered: string | undefined;
    try {
      rendered = this.render(node);
    } catch {
      rendered = undefined;
    }
    if (!rendered) return { line: descendantLine(node) };
    const seq = renderedKeys(rendered, this.dialect);
    const toks = this.tokensOfSql();
    const keys = this.sqlKeys;
    // the first place (from afterLine's first token on) where the whole sequence, else its first 3 tokens, else its
    // first token is written; only the places of its first token can start one
    const candidates = seq.length > 0 ? this.positionsOf(seq[0]!) : undefined;
    if (candidates && candidates.length > 0) {
      const startAt = afterLine !== undefined ? Math.max(0, toks.findIndex((t) => t.line >= afterLine)) : 0;
      let from = 0;
      while (from < candidates.length && candidates[from]! < startAt) from++;
      for (const len of [seq.length, Math.min(3, seq.length), 1]) {
        outer: for (let c = from; c < candidates.length; c++) {
          const i = candidates[c]!;
          if (i + len > toks.length) break;
          for (let j = 1; j < len; j++) if (keys[i + j] !== seq[j]) continue outer;
          const first = toks[i]!;
          const last = toks[i + len - 1]!;
          return { line: first.line, text: len === seq.length ? this.sql.slice(first.start, last.end) : rendered };
        }
      }
    }
    return { line: descendantLine(node), text: rendered };
  }


  analyse(root: AstNode): AstAnalysis {
    const result = this.query(root, new Map(), undefined);
    // a filter reached only through the optional side of outer joins does not remove the model's rows: say so
    const sides = new Map<Clause, OuterSide | undefined>();
    for (const f of result.filters ?? []) sides.set(f.clause, sides.has(f.clause) && sides.get(f.clause) === undefined ? undefined : f.outer);
    for (const [clause, side] of sides) if (side) clause.canonical = `${outerFilterMark(side)}${clause.canonical}`;
    const columnsUsed: Record<string, string[]> = {};
    for (const [rel, cols] of [...this.columnsUsed].sort((a, b) => a[0].localeCompare(b[0]))) columnsUsed[rel] = [...cols].sort();
    const derivedColumnsRead: Record<string, string[]> = {};
    for (const [rel, cols] of [...this.derivedReads].sort((a, b) => a[0].localeCompare(b[0]))) derivedColumnsRead[rel] = [...cols].sort();
    return {
      ...this.sink,
      missingColumns: this.missing,
      derivedColumnsRead,
      columns: result.columns,
      unresolvedStars: result.unresolved,
      relations: [...this.relationLines.keys()].sort(),
      relationLines: Object.fromEntries(this.relationLines),
      columnsUsed,
      ctes: [...this.ctesUsed],
    };
  }

  // ---------------------------------------------------------------- queries

  private query(node: AstNode, env: Map<string, CteEntry>, parent: Scope | undefined): QueryResult {
    let scopeEnv = env;
    const withList = node.with;
    if (Array.isArray(withList) && withList.length > 0) {
      scopeEnv = new Map(env);
      const recursive = withList.some((w) => isNode(w) && w.recursive === true);
      for (const w of withList) {
        if (!isNode(w)) continue;
        const nameNode = w.name;
        const name = isNode(nameNode) ? str(nameNode.value) : str(nameNode);
        const stmt = isNode(w.stmt) ? ((isNode(w.stmt.ast) ? w.stmt.ast : w.stmt) as AstNode) : undefined;
        if (!name || !stmt) continue;
        this.cteNames.add(name.toLowerCase());
        const columnNames = Array.isArray(w.columns) ? w.columns.map((c) => this.identName(c)).filter((c): c is string => !!c) : undefined;
        scopeEnv.set(name.toLowerCase(), { name: name.toLowerCase(), node: stmt, columnNames, analysing: false, line: this.cteLine(name) ?? lineOf(w), ...(recursive ? {} : { env: new Map(scopeEnv) }) });
      }
    }
    const branches: AstNode[] = [];
    const kinds: string[] = [];
    let cur: AstNode | undefined = node;
    while (cur) {
      branches.push(cur);
      const next: unknown = cur._next;
      if (isNode(next)) kinds.push(String(cur.set_op ?? 'union').toLowerCase().replace(/\s+/g, ' '));
      cur = isNode(next) ? next : undefined;
    }
    // (the filters each branch adds to the sink, to mark them with their branch below)
    const filtersFrom: number[] = [];
    const results: QueryResult[] = [];
    branches.forEach((b, i) => {
      filtersFrom.push(this.sink.filters.length);
      // (the last branch holds the ORDER BY and LIMIT of the whole operation, which name the first branch's columns)
      const outputNames = i > 0 && i === branches.length - 1 ? results[0]!.columns.map((c) => looseName(c.name)) : undefined;
      results.push(this.select(b, scopeEnv, parent, outputNames));
    });
    if (branches.length === 1) return results[0]!;
    filtersFrom.push(this.sink.filters.length);
    const first = results[0]!;
    // the operators (a `union` made `union all`), and each branch by the relations it reads (a branch added or removed)
    const lines: (number | undefined)[] = [];
    results.forEach((r, i) => lines.push((i > 0 || !node.with ? lineOf(branches[i]) : undefined) ?? (i > 0 ? this.branchLine(branches[i]!, lines[i - 1]) : undefined) ?? r.columns[0]?.line));
    const operators = [...new Set(kinds)].sort().join(', ');
    this.sink.setOperations.push({ canonical: `${SETOP_OPERATORS}${operators}`, text: operators, line: lines[1] });
    results.forEach((r, i) => {
      const relations = [...r.relations].sort();
      this.sink.setOperations.push({ canonical: `${SETOP_BRANCH}${relations.map(relMark).join(',')}`, text: setOpBranchText(kinds[Math.max(0, i - 1)], relations), line: lines[i] });
    });
    const relations = new Set<string>();
    for (const r of results) for (const rel of r.relations) relations.add(rel);
    // the branches of a union in an order of their own (swapped branches are the same rows); texts as written
    const order = setOpBranchOrder(kinds, results.map((r) => first.columns.map((_c, i) => r.columns[i]?.full ?? 'null')));
    // A branch's filter decides the rows of that branch only: marked with the branch (in that order), so that one
    // changed in a branch is compared with that branch's filters, not with a filter another branch keeps.
    order.forEach((branch, position) => {
      for (let f = filtersFrom[branch]!; f < filtersFrom[branch + 1]!; f++) {
        const filter = this.sink.filters[f]!;
        this.sink.filters[f] = { ...filter, canonical: `${filter.canonical} ${SETOP_BRANCH}${position + 1}` };
      }
    });
    const columns = first.columns.map((c, i) => {
      const exprs = order.map((k) => results[k]!.columns[i]?.full ?? 'null');
      const type = results.map((r) => r.columns[i]?.type).find((t) => t !== undefined);
      const full = bound(`setop(${exprs.join(SETOP_SEPARATOR)})`);
      const texts = results.map((r) => r.columns[i]?.text ?? 'null');
      const changedLine = results.map((r) => r.columns[i]?.line).find((_line, idx) => idx > 0 && texts[idx] !== texts[0]);
      return { ...c, expr: full, full, type, text: texts.join(' | '), line: c.line ?? changedLine, sites: sitesOf([], results.flatMap((r) => r.columns[i] ?? [])) };
    });
    return { columns, unresolved: results.flatMap((r) => r.unresolved), relations, filters: results.flatMap((r) => r.filters ?? []), exact: results.every((r) => r.exact === true) };
  }

  /** The index of the token that names a CTE in its definition: `name as (` (or `name (a, b) as (`). */
  private cteStart(name: string): number | undefined {
    this.tokensOfSql();
    const keys = this.sqlKeys;
    return this.positionsOf(name.toLowerCase()).find((i) => (keys[i + 1] === 'as' && keys[i + 2] === '(') || keys[i + 1] === '(');
  }

  /** The line of a CTE's definition. */
  private cteLine(name: string): number | undefined {
    const start = this.cteStart(name);
    return start === undefined ? undefined : this.tokensOfSql()[start]!.line;
  }

  /**
   * The line of a set-operation branch's `select` for grammars without positions: the `select` before the first
   * name of its FROM, searched from the previous branch's line on.
   */
  private branchLine(branch: AstNode, after: number | undefined): number | undefined {
    const from = Array.isArray(branch.from) ? branch.from.find(isNode) : undefined;
    const table = from ? str(from.table)?.toLowerCase() : undefined;
    if (!table) return undefined;
    const toks = this.tokensOfSql();
    const keys = this.sqlKeys;
    const at = toks.findIndex((t, k) => t.line >= (after ?? 1) && keys[k] === table);
    for (let k = at; k >= 0; k--) if (keys[k] === 'select') return toks[k]!.line;
    return undefined;
  }

  private cte(entry: CteEntry, env: Map<string, CteEntry>): QueryResult {
    this.ctesUsed.add(entry.name);
    if (entry.result) return entry.result;
    if (entry.analysing) return { columns: [], unresolved: [{ relations: [], except: [] }], relations: new Set() }; // recursive reference
    entry.analysing = true;
    const [outerCte, outerLine] = [this.currentCte, this.currentCteLine];
    [this.currentCte, this.currentCteLine] = [entry.name, entry.line];
    const result = this.query(entry.node, entry.env ?? env, undefined);
    [this.currentCte, this.currentCteLine] = [outerCte, outerLine];
    if (entry.columnNames) {
      if (entry.columnNames.length !== result.columns.length) result.exact = false;
      result.columns = result.columns.map((c, i) => ({ ...c, name: entry.columnNames![i] ?? c.name }));
    }
    entry.result = result;
    entry.analysing = false;
    return result;
  }

  /**
   * `setOpOutput`: for the last branch of a set operation, whose ORDER BY and LIMIT (as parsed) are the whole
   * operation's, the names of the operation's columns (its first branch's).
   */
  private select(node: AstNode, env: Map<string, CteEntry>, parent: Scope | undefined, setOpOutput?: readonly string[]): QueryResult {
    const scope: Scope = { sources: [], parent };
    const relations = new Set<string>();
    if (node.type !== 'select') {
      // VALUES and other row sources: keep their text as the canonical
      return { columns: [], unresolved: [], relations };
    }
    scope.selectAliases = this.selectAliases(node);
    const from = Array.isArray(node.from) ? (node.from as unknown[]) : [];
    const pendingJoins: { item: AstNode; source: Source; index: number }[] = [];
    from.forEach((raw, index) => {
      if (!isNode(raw)) return;
      const fanOutsBefore = this.sink.fanOut.length;
      const source = this.source(raw, env, scope);
      if (!source) return;
      for (const r of source.relations) relations.add(r);
      scope.sources.push(source);
      if (source.kind === 'fanout') return;
      if (index > 0 && this.lateralGenerator(raw, source, fanOutsBefore)) return;
      if (str(raw.join) || index > 0) pendingJoins.push({ item: raw, source, index });
    });

    // select list
    const columns: ColInfo[] = [];
    const unresolved: UnresolvedStar[] = [];
    const aggregated = new Set<number>();
    const items = Array.isArray(node.columns) ? (node.columns as unknown[]) : [];
    // BigQuery's `select as struct` / `as value` make one value of the row
    let exact = !node.as_struct_val;
    for (const raw of items) {
      if (!isNode(raw)) {
        exact = false;
        continue;
      }
      const expr = selectItemExpression(raw);
      if (!expr) {
        exact = false;
        continue;
      }
      if (this.isStar(expr)) {
        if (!this.expandStar(raw, expr, scope, columns, unresolved)) exact = false;
        continue;
      }
      if (!this.namedExactly(raw, expr)) exact = false;
      const saved = this.readColumns;
      const read: ColInfo[] = [];
      this.readColumns = read;
      const info = this.expr(expr, scope);
      this.readColumns = saved;
      const name = this.outputName(raw, expr);
      const inner = expr.type === 'cast' ? this.castParts(expr, scope).inner.c : info.c;
      // (without positions, an item of a CTE is looked for from the CTE's first line on)
      const where = this.locate(expr, this.currentCteLine);
      const text = this.withoutAlias(raw, name, where.text ?? this.textOf(raw) ?? name);
      const line = lineOf(raw) ?? where.line;
      if (PLACEHOLDER.test(text) || PLACEHOLDER.test(name)) exact = false;
      const shown = snippet(text);
      const sites = sitesOf(line !== undefined ? [columnSite(line, shown, name, this.currentCte)] : [], read);
      columns.push({ name, expr: bound(inner), full: bound(info.c), type: info.type, text: shown, line, ...(sites ? { sites } : {}) });
      if (this.hasAggregate(expr)) aggregated.add(columns.length - 1);
      if (this.containsFanout(expr)) {
        // `explode_outer(x)` is `explode(x)` that keeps a row whose array is empty or NULL
        const outer = /^[a-z_]+_outer\(/.exec(info.c);
        const expansion = outer ? info.c.replace(/_outer\(/, '(') : info.c;
        this.sink.fanOut.push({ canonical: fanOutCanonical('select', bound(expansion), outer !== null), text: shown, line });
      }
    }
    scope.aliasColumns = columns;

    // joins (conditions may use any source)
    const joinTypes = new Map<Source, string>();
    const onFilters: FilterRef[] = [];
    for (const { item, source, index } of pendingJoins) {
      const joinWord = str(item.join)?.toLowerCase().replace(/\s+/g, ' ') ?? (index > 0 ? 'cross join' : 'join');
      const type = joinWord.replace(/ ?join$/, '').replace(/ outer$/, '').replace(/^$/, 'inner').replace(/^natural$/, 'natural inner');
      joinTypes.set(source, type);
      let condition = '';
      const on = item.on ? this.locate(item.on, source.relation ? this.relationLines.get(source.relation) : undefined) : {};
      if (item.on) {
        const conjuncts = this.conjuncts(item.on, scope, false, on.line);
        // in a left (right) join, a conjunct that reads only the optional side filters that side: the other side's
        // rows are all kept (as a filter inside the joined source would), it is not a join key
        const optional = this.onFilterSide(type, source, scope.sources);
        const isFilter = (c: Clause): boolean => optional !== undefined && readsOnly(c.canonical, optional.reads, optional.others);
        const keys = conjuncts.filter((c) => !isFilter(c));
        if (optional && keys.length > 0 && keys.length < conjuncts.length) {
          const side = optional.side;
          for (const c of conjuncts.filter(isFilter)) {
            this.sink.filters.push(c);
            onFilters.push({ clause: c, outer: side });
          }
        }
        condition = (keys.length > 0 ? keys : conjuncts).map((c) => c.canonical).sort().join(' and ');
      } else if (Array.isArray(item.using)) condition = `using(${item.using.map((u) => this.identName(u) ?? '').sort().join(',')})`;
      // a derived source over one relation (`(select * from r where ...)`) is joined as that relation: what it
      // filters is told as a filter
      const only = source.relations.size === 1 ? [...source.relations][0]! : undefined;
      const target = source.kind === 'base' && source.relation ? relMark(source.relation) : only !== undefined ? relMark(only) : `(${[...source.relations].sort().map(relMark).join(',')})`;
      const targetText = this.textOf(item) ?? (str(item.table) ? `${str(item.table)}${str(item.as) ? ` as ${str(item.as)}` : ''}` : source.alias);
      const text = `${joinWord} ${targetText}${on.text ? ` on ${on.text}` : Array.isArray(item.using) ? ` using (${item.using.map((u) => this.identName(u) ?? '').join(', ')})` : ''}`;
      this.sink.joins.push({
        canonical: `${type} join ${target} on ${condition}`,
        type,
        target,
        condition,
        relations: [...source.relations].sort(),
        text: snippet(text),
        line: lineOf(item) ?? on.line ?? (source.relation ? this.relationLines.get(source.relation) : undefined),
      });
    }

    // filters: this select's own, and those of its derived sources (on the optional side of an outer join or not)
    const firstLine = columns[0]?.line;
    const own: Clause[] = [];
    // `where rn = 1` over a `row_number() over (partition by k …) as rn` of a CTE or subquery is the dedup that
    // `qualify` writes in one select: its grain and dedup order, the same as that form (not a row filter)
    if (node.where) {
      const { rest, dedups } = this.splitDedups(this.conjuncts(node.where, scope, true, this.keywordLine('where', firstLine)), 'where');
      own.push(...rest);
      if (dedups.length > 0) {
        // (its text names the partition, which the CTE or subquery sets: `rn = 1` alone reads the same when it changes)
        const texts = dedups.map(({ clause, partition }) => `${clause.text} (one row per ${splitTopLevel(partition.slice('partition('.length, -1), ',').map(display).join(', ')})`);
        this.sink.grain.push({ kind: 'qualify', canonical: `qualify ${dedups.map((d) => `dedup(${d.partition})`).sort().join(',')}`, text: `where ${snippet(texts.join(' and '))}`, line: dedups[0]!.clause.line });
      }
    }
    if (node.having) own.push(...this.conjuncts(node.having, scope, true, this.keywordLine('having', firstLine)).map((c) => ({ ...c, canonical: `having ${c.canonical}`, text: `having ${c.text}` })));
    this.sink.filters.push(...own);
    const filters: FilterRef[] = [...own.map((clause) => ({ clause })), ...onFilters, ...this.sourceFilters(scope.sources, joinTypes)];
    if (node.qualify) {
      const q = this.expr(node.qualify, scope, true);
      const where = this.locate(node.qualify, this.keywordLine('qualify', columns[0]?.line));
      // a row_number() dedup keeps one row per partition: its order by picks which one, it is not the grain; the
      // conditions ANDed to it filter the deduplicated rows (as the same condition in `where` would filter)
      const split = this.splitDedups(this.conjuncts(node.qualify, scope, true, where.line), 'qualify');
      const dedups = split.dedups.map((d) => `dedup(${d.partition})`);
      const others = split.rest.map((c) => ({ ...c, canonical: `qualify ${c.canonical}`, text: `qualify ${c.text}` }));
      if (dedups.length > 0) {
        this.sink.filters.push(...others);
        filters.push(...others.map((clause) => ({ clause })));
      }
      const canonical = dedups.length > 0 ? `qualify ${dedups.sort().join(',')}` : `qualify ${q.c}`;
      this.sink.grain.push({ kind: 'qualify', canonical, text: `qualify ${snippet(where.text ?? q.c)}`, line: where.line });
    }

    // grain
    const groupby = node.groupby;
    const groupItems = isNode(groupby) && Array.isArray(groupby.columns) ? (groupby.columns as unknown[]) : Array.isArray(groupby) ? (groupby as unknown[]) : [];
    if (groupItems.length > 0) {
      const keys: string[] = [];
      const texts: string[] = [];
      let groupLine: number | undefined;
      for (const g of groupItems) {
        if (isNode(g) && g.type === 'origin' && String(g.value).toLowerCase() === 'all') {
          // a constant (`'web' as channel`, `current_date() as d`) cannot split groups: it is not a grouping column
          const grouping = columns.filter((c, i) => !aggregated.has(i) && !isConstantExpr(c.full));
          keys.push(...grouping.map((c) => c.full));
          texts.push(groupByAllText(grouping.map((c) => c.name)));
          groupLine ??= this.keywordLine('group', columns[columns.length - 1]?.line);
          continue;
        }
        keys.push(this.orderKey(g, scope, columns));
        const where = this.locate(g, this.keywordLine('group', columns[0]?.line));
        texts.push(where.text ?? '');
        groupLine ??= where.line;
      }
      const sorted = [...new Set(keys)].sort();
      const text = `group by ${texts.filter(Boolean).join(', ')}`;
      const line = lineOf(groupby) ?? groupLine;
      if (this.groupsLikeDistinct(node, sorted, columns, aggregated, unresolved)) {
        // `select a, b ... group by a, b` without aggregates is `select distinct a, b`: compared as one
        this.sink.grain.push({ kind: 'distinct', canonical: distinctCanonical(columns, unresolved), text, line });
      } else this.sink.grain.push({ kind: 'group_by', canonical: `group by(${sorted.join(',')})`, text, line });
    } else if (aggregated.size > 0) {
      this.sink.grain.push({ kind: 'aggregate', canonical: 'aggregate()', text: 'aggregate without group by (one row)', line: columns[[...aggregated][0]!]?.line });
    }
    const distinct = node.distinct;
    const distinctType = isNode(distinct) ? str(distinct.type)?.toUpperCase() : str(distinct)?.toUpperCase();
    if (distinctType === 'DISTINCT') {
      const names = distinctColumnNames(columns);
      const text = unresolved.length > 0 || names.length === 0 ? 'select distinct' : snippet(`select distinct ${names.join(', ')}`);
      this.sink.grain.push({ kind: 'distinct', canonical: distinctCanonical(columns, unresolved), text, line: lineOf(node) ?? columns[0]?.line });
    } else if (distinctType === 'DISTINCT ON' && isNode(distinct)) {
      const keyNodes = (Array.isArray(distinct.columns) ? distinct.columns : []).map((c) => (isNode(c) && c.expr ? c.expr : c));
      const keys = keyNodes.map((c) => this.orderKey(c, scope, columns));
      const located = keyNodes.map((c) => this.locate(c));
      const text = `distinct on (${located.map((l) => l.text ?? '?').join(', ')})`;
      const line = lineOf(node) ?? located[0]?.line ?? columns[0]?.line;
      this.sink.grain.push({ kind: 'distinct_on', canonical: `distinct on(${[...keys].sort().join(',')})`, text, line });
      this.distinctOnOrder(node, scope, columns, keys, text, line);
    }

    // order + limit/offset/top
    const limitNode = node.limit;
    const limitValues = isNode(limitNode) && Array.isArray(limitNode.value) ? (limitNode.value as unknown[]) : [];
    const top = isNode(node.top) ? node.top : undefined;
    if (limitValues.length > 0 || top) {
      const sep = isNode(limitNode) ? str(limitNode.seperator) : undefined;
      let limit = '';
      let offset = '';
      const v0 = limitValues[0] !== undefined ? this.expr(limitValues[0], scope).c : '';
      const v1 = limitValues[1] !== undefined ? this.expr(limitValues[1], scope).c : '';
      if (sep === 'offset') {
        if (limitValues.length === 1) offset = v0;
        else [limit, offset] = [v0, v1];
      } else if (sep === ',') [offset, limit] = [v0, v1];
      else limit = v0;
      if (top) limit = String(top.value ?? '');
      const orderNodes = (Array.isArray(node.orderby) ? node.orderby : []).map((o) => (isNode(o) ? o : {}));
      // (a set operation's order by names the output columns, as its first branch names them: none is this branch's
      // missing column)
      if (setOpOutput) this.missingMuted += 1;
      const order = orderNodes.map((on) => `${(setOpOutput && setOpOrderKey(on.expr, setOpOutput)) ?? this.orderKey(on.expr, scope, columns)} ${String(on.type ?? 'asc').toLowerCase()}`);
      if (setOpOutput) this.missingMuted -= 1;
      const orderText = orderNodes.map((on) => `${this.locate(on.expr).text ?? '?'}${on.type ? ` ${String(on.type).toLowerCase()}` : ''}`).join(', ');
      const parts = [order.length ? `order by ${order.join(',')}` : '', limit ? `limit ${limit}` : '', offset ? `offset ${offset}` : ''].filter(Boolean);
      this.sink.orderLimit.push({
        canonical: parts.join(' '),
        text: [order.length ? `order by ${orderText}` : '', limit ? `limit ${limit}` : '', offset ? `offset ${offset}` : ''].filter(Boolean).join(' '),
        line: lineOf(limitNode) ?? this.keywordLine(limit ? 'limit' : offset ? 'offset' : 'top', columns[columns.length - 1]?.line),
      });
    }
    return { columns, unresolved, relations, filters, exact: exact && unresolved.length === 0 };
  }

  /**
   * Of a WHERE's or QUALIFY's conjuncts, the `row_number()` dedups (`rn = 1`: each records its dedup order, see
   * DEDUP_ORDER) apart from the rest.
   */
  private splitDedups(conjuncts: readonly Clause[], keyword: 'where' | 'qualify'): { rest: Clause[]; dedups: { clause: Clause; partition: string }[] } {
    const rest: Clause[] = [];
    const dedups: { clause: Clause; partition: string }[] = [];
    for (const clause of conjuncts) {
      const dedup = rowNumberDedup(clause.canonical);
      if (!dedup) {
        rest.push(clause);
        continue;
      }
      dedups.push({ clause, partition: dedup.partition });
      this.sink.orderLimit.push({ canonical: `${DEDUP_ORDER}${dedup.partition} ${dedup.order}`, text: `${keyword} ${clause.text}`, line: clause.line });
    }
    return { rest, dedups };
  }

  /**
   * The names of the select list's explicit aliases (`looseName`), but for an item that names a column after itself
   * (`customer_id as customer_id`): Snowflake, Databricks, DuckDB and Redshift let later items (and WHERE, QUALIFY)
   * read an alias as a column.
   */
  private selectAliases(node: AstNode): Set<string> {
    const names = new Set<string>();
    for (const raw of Array.isArray(node.columns) ? node.columns : []) {
      if (!isNode(raw) || raw.as === undefined || raw.as === null) continue;
      const expr = selectItemExpression(raw);
      if (!expr || this.isStar(expr)) continue;
      const name = this.outputName(raw, expr);
      const base = expr.type === 'cast' && isNode(expr.expr) ? expr.expr : expr;
      if (base.type === 'column_ref' && this.refColumn(base) === name) continue;
      names.add(looseName(name));
    }
    return names;
  }

  /** The item's output name is the one the warehouse gives it: an alias, or a column read as it is. */
  private namedExactly(item: AstNode, expr: AstNode): boolean {
    if (isNode(item.as) || str(item.as)) return true;
    const base = expr.type === 'cast' && isNode(expr.expr) ? expr.expr : expr;
    return base.type === 'column_ref' && (!Array.isArray(base.subFields) || base.subFields.length === 0);
  }

  /**
   * A column reference that `resolve` could not place, when it certainly names a column that the CTE or subquery it
   * reads does not have (see `MissingColumn`): recorded. Quoted names, case and the names a dialect can read as
   * something else (a select alias, a lambda's parameter, a date part, a niladic function) are given the benefit of
   * the doubt.
   */
  private noteMissing(qualifier: string | undefined, column: string, scope: Scope, node: AstNode): void {
    if (this.missingMuted > 0) return;
    const loose = looseName(column);
    if (NOT_COLUMNS.has(loose) || loose.startsWith('$') || loose === '' || PLACEHOLDER.test(loose)) return;
    const lacks = (src: Source): boolean => src.kind === 'derived' && src.exact === true && (src.columns ?? []).every((c) => looseName(c.name) !== loose);
    let src: Source | undefined;
    if (qualifier) {
      for (let s: Scope | undefined = scope; s && !src; s = s.parent) src = s.sources.find((x) => x.alias === qualifier);
      if (!src || !lacks(src)) return;
    } else {
      if (scope.sources.length !== 1 || !lacks(scope.sources[0]!)) return;
      src = scope.sources[0]!;
      for (let s: Scope | undefined = scope; s; s = s.parent) {
        if (s.selectAliases?.has(loose)) return;
        if (s !== scope && !s.sources.every(lacks)) return;
      }
      if (this.lambdaParameters().has(loose)) return;
    }
    const kind = src.cte !== undefined ? 'cte' : 'subquery';
    const name = src.cte ?? src.alias;
    const line = lineOf(node) ?? this.referenceLine(column, src, qualifier);
    if (this.missing.some((m) => m.kind === kind && m.name === name && m.column === column && m.line === line)) return;
    this.missing.push({ column, kind, name, ...(src.definedLine !== undefined ? { definedLine: src.definedLine } : {}), ...(line !== undefined ? { line } : {}) });
  }

  /**
   * For grammars without positions: the first mention of `column` (as `qualifier.column` when qualified) in the text
   * of the query that reads it: the body of the CTE being analysed, else the model's own query (outside every CTE's
   * body), after the definition of the CTE it is read from. Undefined when there is none there.
   */
  private referenceLine(column: string, src: Source, qualifier: string | undefined): number | undefined {
    const toks = this.tokensOfSql();
    const keys = this.sqlKeys;
    const key = tokenKey(column, column.startsWith('"') || column.startsWith('`') ? 'quoted' : 'word');
    const at = this.positionsOf(key);
    const read = src.cte !== undefined ? this.cteBody(src.cte) : undefined;
    const after = read?.[1] ?? -1;
    let within: (i: number) => boolean;
    if (this.currentCte !== undefined) {
      const body = this.cteBody(this.currentCte);
      if (!body) return undefined;
      within = (i) => i > body[0] && i < body[1];
    } else {
      const bodies = [...this.cteNames].map((n) => this.cteBody(n)).filter((b): b is [number, number] => b !== undefined);
      within = (i) => bodies.every(([open, close]) => i < open || i > close);
    }
    const places = at.filter((i) => i > after && within(i));
    const q = qualifier !== undefined ? looseName(qualifier) : undefined;
    const qualified = q !== undefined ? places.find((i) => keys[i - 1] === '.' && looseName(keys[i - 2] ?? '') === q) : undefined;
    const first = qualified ?? places[0];
    return first !== undefined ? toks[first]!.line : undefined;
  }

  /** The names of the CTEs of every WITH seen (lower case). */
  private readonly cteNames = new Set<string>();

  /** The token indexes of the parentheses around a CTE's query: `name as ( ... )`. */
  private cteBody(name: string): [number, number] | undefined {
    const start = this.cteStart(name);
    if (start === undefined) return undefined;
    const keys = this.sqlKeys;
    // the first `(` after `as` (`name (a, b) as (`)
    const as = keys.indexOf('as', start);
    const open = keys.indexOf('(', as >= 0 ? as : start);
    if (open < 0) return undefined;
    let depth = 0;
    for (let i = open; i < keys.length; i++) {
      if (keys[i] === '(') depth++;
      else if (keys[i] === ')' && --depth === 0) return [open, i];
    }
    return undefined;
  }

  private lambdaNames: Set<string> | undefined;

  /** Names written as a lambda's parameters (`x -> ...`, `(a, b) -> ...`). */
  private lambdaParameters(): Set<string> {
    if (this.lambdaNames) return this.lambdaNames;
    const names = new Set<string>();
    const toks = this.tokensOfSql();
    const keys = this.sqlKeys;
    for (let i = 1; i < toks.length; i++) {
      if (keys[i] !== '->') continue;
      if (keys[i - 1] !== ')') {
        names.add(looseName(keys[i - 1]!));
        continue;
      }
      for (let j = i - 2; j >= 0 && keys[j] !== '('; j--) names.add(looseName(keys[j]!));
    }
    this.lambdaNames = names;
    return names;
  }

  /**
   * A group by that only removes duplicate rows, as `select distinct` does: no aggregate (in the select list or
   * HAVING), no DISTINCT of its own, every output column known, and its keys (constants aside) are exactly the
   * output columns (constants aside).
   */
  private groupsLikeDistinct(node: AstNode, keys: readonly string[], columns: readonly ColInfo[], aggregated: ReadonlySet<number>, unresolved: readonly UnresolvedStar[]): boolean {
    const distinct = isNode(node.distinct) ? node.distinct.type : node.distinct;
    if (aggregated.size > 0 || unresolved.length > 0 || distinct || (node.having && this.hasAggregate(node.having))) return false;
    const grouped = new Set(keys.filter((k) => !isConstantExpr(k)));
    const selected = new Set(columns.map((c) => c.full).filter((c) => !isConstantExpr(c)));
    return grouped.size > 0 && grouped.size === selected.size && [...grouped].every((k) => selected.has(k));
  }

  /**
   * The ORDER BY of a `select distinct on (k)` decides which row of each key is kept (it is not a no-op, as it is
   * without a limit elsewhere): recorded as a dedup order (see DEDUP_ORDER), as `qualify row_number() over
   * (partition by k order by ...) = 1` is, without the leading items that order by the keys themselves (they only
   * order the output). Without an ORDER BY, an arbitrary row of each key is kept.
   */
  private distinctOnOrder(node: AstNode, scope: Scope, columns: ColInfo[], keys: readonly string[], distinctText: string, distinctLine: number | undefined): void {
    const orderNodes = (Array.isArray(node.orderby) ? node.orderby : []).filter(isNode);
    const direction = (o: AstNode): string => String(o.type ?? 'asc').toLowerCase();
    const orderKeys = orderNodes.map((o) => this.orderKey(o.expr, scope, columns));
    const distinctKeys = new Set(keys);
    let skip = 0;
    while (skip < orderKeys.length && distinctKeys.has(orderKeys[skip]!)) skip++;
    const order = orderKeys.slice(skip).map((k, i) => `${k} ${direction(orderNodes[skip + i]!)}`);
    const first = orderNodes[0];
    const orderLine = first ? this.locate(first.expr, this.keywordLine('order', columns[columns.length - 1]?.line)).line : undefined;
    const orderText = orderNodes.map((o) => `${this.locate(o.expr, orderLine).text ?? '?'}${o.type ? ` ${direction(o)}` : ''}`).join(', ');
    this.sink.orderLimit.push({
      canonical: `${DEDUP_ORDER}partition(${[...keys].sort().join(',')}) order(${order.join(',')})`,
      text: `${distinctText} ${first ? `order by ${orderText}` : 'without order by'}`,
      line: orderLine ?? distinctLine,
    });
  }

  /**
   * The filters of a select's derived sources, each with the outer join whose optional side it is on: the right
   * side of a left join, the sources before a right join, both sides of a full join (a filter already on an
   * optional side inside its source keeps that join).
   */
  /**
   * The optional side of a left or right join of `source` (the sources before it for a right join): the relations
   * it reads, those the other side reads, and the side. Undefined for another join, or when the sides share a
   * relation (a self join: a conjunct's side cannot be told from its relations).
   */
  private onFilterSide(type: string, source: Source, sources: readonly Source[]): { side: OuterSide; reads: Set<string>; others: Set<string> } | undefined {
    if (type !== 'left' && type !== 'right') return undefined;
    const before = sources.slice(0, sources.indexOf(source));
    const left = new Set(before.flatMap((s) => [...s.relations]));
    const right = source.relations;
    if (left.size === 0 || right.size === 0 || [...right].some((r) => left.has(r))) return undefined;
    if ([source, ...before].some((s) => s.kind === 'fanout')) return undefined;
    return type === 'left' ? { side: 'left', reads: new Set(right), others: left } : { side: 'right', reads: left, others: new Set(right) };
  }

  private sourceFilters(sources: Source[], joinTypes: ReadonlyMap<Source, string>): FilterRef[] {
    const outer = new Map<Source, OuterSide>();
    sources.forEach((s, i) => {
      const type = joinTypes.get(s)?.replace(/^natural /, '');
      if (type === 'left') outer.set(s, 'left');
      if (type === 'right') for (const before of sources.slice(0, i)) if (!outer.has(before)) outer.set(before, 'right');
      if (type === 'full') for (const side of sources.slice(0, i + 1)) outer.set(side, 'full');
    });
    return sources.flatMap((s) => (s.filters ?? []).map((f) => ({ clause: f.clause, outer: f.outer ?? outer.get(s) })));
  }

  // ---------------------------------------------------------------- sources

  private source(raw: AstNode, env: Map<string, CteEntry>, scope: Scope): Source | undefined {
    const plain = this.plainSource(raw, env, scope);
    const op = raw.operator;
    if (!plain || !isNode(op) || (op.type !== 'pivot' && op.type !== 'unpivot')) return plain;
    return this.pivot(plain, op);
  }

  /** PIVOT/UNPIVOT applied to a source: new output columns, and the row-set change it implies. */
  private pivot(src: Source, op: AstNode): Source {
    const inner: Scope = { sources: [src] };
    const alias = (str(op.as) ?? src.alias).toLowerCase();
    const pivotCol = this.identName(op.column) ?? '';
    const inExpr = isNode(op.in_expr) && isNode(op.in_expr.right) && Array.isArray(op.in_expr.right.value) ? (op.in_expr.right.value as unknown[]) : [];
    const line = lineOf(op) ?? lineOf(op.expr) ?? this.keywordLine(String(op.type), undefined);
    const text = `${String(op.type)} (${this.locate(op.expr).text ?? ''} for ${pivotCol} in (${inExpr.map((v) => this.locate(v).text ?? '?').join(', ')}))`;
    if (op.type === 'pivot') {
      const agg = this.expr(op.expr, inner).c;
      const used = new Set<string>([pivotCol]);
      const collect = (n: unknown): void => {
        if (Array.isArray(n)) n.forEach(collect);
        else if (isNode(n)) {
          if (n.type === 'column_ref') used.add(this.refColumn(n) ?? '');
          for (const k of Object.keys(n)) if (k !== 'loc' && typeof n[k] === 'object') collect(n[k]);
        }
      };
      collect(op.expr);
      const kept = (src.columns ?? []).filter((c) => !used.has(c.name));
      const pivotBy = this.resolve(undefined, pivotCol, inner, false).c;
      const added = inExpr.map((v) => {
        const value = this.expr(v, inner).c;
        const name = value.replace(/^'|'$/g, '').toLowerCase();
        const full = bound(`pivot(${agg};${pivotBy}=${value};by=${kept.map((k) => k.full).join(',')})`);
        return { name, expr: full, full, text, line };
      });
      this.sink.grain.push({ kind: 'group_by', canonical: `pivot(${agg};${pivotBy};${added.map((a) => a.name).join(',')})`, text, line });
      return { ...src, alias, columns: [...kept, ...added], unresolved: src.unresolved, exact: false };
    }
    const valueName = this.identName(op.expr) ?? 'value';
    const names = inExpr.map((v) => this.identName(v) ?? '');
    const kept = (src.columns ?? []).filter((c) => !names.includes(c.name));
    const sourcesOf = names.map((n) => this.resolve(undefined, n, inner, false).c).join(',');
    const nameCol = { name: pivotCol, expr: `unpivot_name(${names.join(',')})`, full: `unpivot_name(${names.join(',')})`, text, line };
    const valueCol = { name: valueName, expr: bound(`unpivot_value(${sourcesOf})`), full: bound(`unpivot_value(${sourcesOf})`), text, line };
    this.sink.fanOut.push({ canonical: `unpivot(${sourcesOf})`, text, line });
    return { ...src, alias, columns: [...kept, nameCol, valueCol], unresolved: src.unresolved, exact: false };
  }

  private plainSource(raw: AstNode, env: Map<string, CteEntry>, scope: Scope): Source | undefined {
    const alias = str(raw.as) ?? (isNode(raw.as) ? str(raw.as.value) : undefined);
    // `from o as s(x, y)` names the columns anew (some grammars keep the list in the alias): not followed
    const renamesColumns = alias?.includes('(') === true;
    const table = str(raw.table);
    const expr = isNode(raw.expr) ? raw.expr : undefined;
    if (table && !expr) {
      const parts = [str(raw.db), str(raw.schema), table].filter((p): p is string => !!p && p !== 'null');
      const full = parts.join('.').toLowerCase();
      const cte = parts.length === 1 ? env.get(table.toLowerCase()) : undefined;
      // BigQuery's implicit unnest: `from t as o, o.items as item` reads the array `items` of `o`, not a table
      const owner = this.dialect === 'bigquery' && parts.length === 2 ? parts[0]!.toLowerCase() : undefined;
      if (owner !== undefined && scope.sources.some((s) => s.alias === owner)) {
        const canon = bound(`unnest(${this.resolve(owner, this.name(table, false), scope, false).c})`);
        this.pushFanOut(raw, canon, `${parts[0]}.${table}`, false, lineOf(raw));
        return { alias: (alias ?? table).toLowerCase(), kind: 'fanout', fanout: canon, unresolved: [], relations: new Set() };
      }
      if (cte) {
        const result = this.cte(cte, env);
        return { alias: (alias ?? table).toLowerCase(), kind: 'derived', columns: result.columns, unresolved: result.unresolved, relations: result.relations, filters: result.filters, exact: result.exact === true && !renamesColumns, cte: cte.name, ...(cte.line !== undefined ? { definedLine: cte.line } : {}) };
      }
      this.noteRelation(full, lineOf(raw));
      const known = this.upstream(full);
      return {
        alias: (alias ?? table).toLowerCase(),
        kind: 'base',
        relation: full,
        columns: known?.map((c) => ({ name: c, expr: `${relMark(full)}.${c}`, full: `${relMark(full)}.${c}`, text: c })),
        unresolved: known ? [] : [{ relations: [full], except: [] }],
        relations: new Set([full]),
      };
    }
    if (expr) {
      const sub = isNode(expr.ast) ? expr.ast : expr.type === 'select' ? expr : undefined;
      if (sub) {
        const result = this.query(sub, env, scope);
        const definedLine = lineOf(sub) ?? lineOf(expr);
        // an unnamed subquery is named by the warehouse (or cannot be read by name): its columns are not told
        return { alias: (alias ?? `subquery${scope.sources.length}`).toLowerCase(), kind: 'derived', columns: result.columns, unresolved: result.unresolved, relations: result.relations, filters: result.filters, exact: alias !== undefined && !renamesColumns && result.exact === true, ...(definedLine !== undefined ? { definedLine } : {}) };
      }
      // BigQuery's grammar gives `unnest(x) as e [with offset as p]` as { type: unnest, expr: x }
      const bigQueryUnnest = raw.type === 'unnest';
      // table functions: lateral flatten(...), unnest(...), table(flatten(...)), generator(...); the expansion is the
      // same with or without flatten's `outer => true`, which only keeps the rows whose array is empty
      const { node: expansion, outer: outerArg } = withoutOuterArg(expr);
      const inner = this.expr(expansion, scope).c;
      const canon = bigQueryUnnest ? bound(`unnest(${inner})`) : inner;
      const written = this.textOf(raw) ?? this.textOf(expr);
      const text = bigQueryUnnest ? `unnest(${written ?? this.locate(expr).text ?? display(inner)})` : written ?? canon;
      const name = alias?.toLowerCase() ?? 'fanout';
      const isFanout = bigQueryUnnest || /^(flatten|unnest|table\(flatten|explode|posexplode|inline|lateral|json_each|jsonb_array_elements|json_array_elements|split_to_table|generate_series)/.test(canon) || expr.type === 'unnest' || expr.type === 'flatten';
      if (isFanout) this.pushFanOut(raw, canon, text, outerArg, lineOf(raw) ?? lineOf(expr) ?? this.locate(expr).line);
      const offset = isNode(raw.with_offset) ? str(raw.with_offset.as) : undefined;
      return { alias: name, kind: 'fanout', fanout: canon, unresolved: [], relations: new Set(), ...(offset ? { offsetAlias: this.name(offset, false) } : {}) };
    }
    return undefined;
  }

  /**
   * A joined subquery without a FROM whose select list expands an array (`cross join (select explode(x) as c) t`,
   * which the normaliser makes of Databricks' `lateral view explode(x) t as c`): a fan-out of the rows it is joined
   * to, not a join. Its fan-out is told as written (`lateral view outer explode(x)`); joined by a left join (`lateral
   * view outer`) it keeps a row whose array is empty or NULL. True when the source is such a generator.
   */
  private lateralGenerator(raw: AstNode, source: Source, fanOutsBefore: number): boolean {
    const sub = isNode(raw.expr) ? (isNode(raw.expr.ast) ? raw.expr.ast : raw.expr) : undefined;
    if (source.kind !== 'derived' || source.relations.size > 0 || !sub || sub.type !== 'select' || (Array.isArray(sub.from) && sub.from.length > 0)) return false;
    const added = this.sink.fanOut.slice(fanOutsBefore);
    if (added.length === 0 || !added.every((c) => c.canonical.startsWith('select:'))) return false;
    const joinWord = str(raw.join)?.toLowerCase().replace(/\s+/g, ' ') ?? '';
    const leftJoined = /^left( outer)? join$/.test(joinWord);
    for (const c of added) {
      const { where, outer, expansion } = fanOutParts(c.canonical);
      c.canonical = fanOutCanonical(where.slice(0, -1), expansion, outer || leftJoined);
      if (this.dialect === 'databricks') c.text = snippet(`lateral view ${leftJoined ? 'outer ' : ''}${c.text}`);
    }
    // one generator is one fan-out, whatever the number of columns it names (`posexplode(x) t as pos, v`)
    this.sink.fanOut.splice(fanOutsBefore, added.length, ...added.filter((c, i) => added.findIndex((x) => x.canonical === c.canonical) === i));
    return true;
  }

  /**
   * Records a fan-out of the FROM clause: `outer` (flatten's `outer => true`), or joined by a left join
   * (`left join unnest(x) on true`), it keeps a row whose array is empty or NULL, once, with NULLs.
   */
  private pushFanOut(raw: AstNode, canon: string, text: string, outerArg: boolean, line: number | undefined): void {
    const joinWord = str(raw.join)?.toLowerCase().replace(/\s+/g, ' ');
    const leftJoined = joinWord !== undefined && /^(left|full)( outer)? join$/.test(joinWord);
    const shown = leftJoined ? `${joinWord} ${text}` : text;
    this.sink.fanOut.push({ canonical: fanOutCanonical('from', canon, outerArg || leftJoined), text: snippet(shown), line });
  }

  private upstream(relation: string): string[] | undefined {
    if (!this.upstreamColumns) return undefined;
    if (this.upstreamCache.has(relation)) return this.upstreamCache.get(relation);
    let cols = this.upstreamColumns(relation);
    if (!cols && relation.includes('.')) cols = this.upstreamColumns(relation.slice(relation.lastIndexOf('.') + 1));
    // names from YAML are plain; names from an analysed upstream are already in `columnName` form
    const folded = cols?.map((c) => (c.startsWith('"') ? c : this.name(c, false)));
    this.upstreamCache.set(relation, folded);
    return folded;
  }

  private noteRelation(relation: string, line: number | undefined): void {
    if (!this.relationLines.has(relation)) this.relationLines.set(relation, line ?? this.findLine(relation) ?? 1);
  }

  private findLine(word: string): number | undefined {
    const re = new RegExp(`\\b${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'i');
    const m = re.exec(this.sql);
    if (!m) return undefined;
    return this.sql.slice(0, m.index).split('\n').length;
  }

  /** Line of the first occurrence of `keyword` at or after line `after` (for clauses without positions). */
  private keywordLine(keyword: string, after: number | undefined): number | undefined {
    const toks = this.tokensOfSql();
    const from = after ?? 1;
    const at = this.positionsOf(keyword);
    let hit: Token | undefined;
    for (const k of at) {
      if (toks[k]!.line >= from) {
        hit = toks[k];
        break;
      }
    }
    hit ??= at.length > 0 ? toks[at[0]!] : undefined;
    return hit?.line ?? after;
  }

  // ---------------------------------------------------------------- columns

  private isStar(expr: AstNode): boolean {
    if (expr.type === 'star') return true;
    if (expr.type !== 'column_ref') return false;
    const col = expr.column;
    return col === '*' || (isNode(col) && isNode(col.expr) && col.expr.value === '*');
  }

  /** Adds a star's columns to `out`; true when they are exactly known (see `QueryResult.exact`). */
  private expandStar(item: AstNode, expr: AstNode, scope: Scope, out: ColInfo[], unresolved: UnresolvedStar[]): boolean {
    const qualifier = str(expr.table)?.toLowerCase();
    const except = new Set<string>();
    const exceptNodes: unknown[] = [];
    if (Array.isArray(item.expr_list) && str(item.type)?.toLowerCase() === 'except') exceptNodes.push(...item.expr_list);
    const suffix = expr.suffix;
    if (isNode(suffix) && isNode(suffix.args) && Array.isArray(suffix.args.value)) exceptNodes.push(...suffix.args.value);
    else if (isNode(suffix) && Array.isArray(suffix.value)) exceptNodes.push(...suffix.value);
    for (const e of exceptNodes) {
      const n = this.identName(isNode(e) && e.expr ? e.expr : e);
      if (n) except.add(n);
    }
    const sources = scope.sources.filter((s) => (qualifier ? s.alias === qualifier || s.relation === qualifier || s.relation?.endsWith(`.${qualifier}`) : s.kind !== 'fanout'));
    const line = lineOf(item) ?? lineOf(expr) ?? this.findLine('\\*');
    // a star modifier other than a list of excluded names (`ilike`; the normaliser writes `rename` and `replace` as
    // `exclude` and items) is not followed
    const modified = isNode(suffix) && exceptNodes.length === 0;
    // (an unqualified star also gives the columns of a table function, `flatten`'s `value`, `unnest`'s element)
    const exact = !modified && sources.length > 0 && sources.every((s) => s.kind === 'derived' && s.exact === true) && (qualifier !== undefined || scope.sources.every((s) => s.kind !== 'fanout'));
    for (const s of sources) {
      if (s.kind === 'fanout') {
        out.push({ name: s.alias, expr: s.fanout ?? '', full: s.fanout ?? '', text: s.alias, line });
        continue;
      }
      for (const c of s.columns ?? []) {
        if (except.has(c.name)) continue;
        if (s.kind === 'base' && s.relation) this.use(s.relation, c.name);
        out.push({ ...c, line: c.line && s.kind === 'derived' ? c.line : line, text: c.text });
      }
      for (const u of s.unresolved) {
        unresolved.push({ relations: u.relations, except: [...new Set([...u.except, ...except])].sort(), line });
        for (const r of u.relations) this.use(r, '*');
      }
    }
    return exact;
  }

  private outputName(item: AstNode, expr: AstNode): string {
    const as = item.as;
    if (isNode(as)) {
      const n = this.identName(as);
      if (n) return n;
    }
    const alias = str(as);
    if (alias) return this.name(alias, this.quotedAt(item, alias));
    const base = expr.type === 'cast' && isNode(expr.expr) ? expr.expr : expr;
    if (base.type === 'column_ref') {
      const n = this.refColumn(base);
      if (n) return n;
    }
    if (base.type === 'double_quote_string' && this.doubleQuotesAreIdentifiers) return this.name(String(base.value), true);
    if (base.type === 'function' && this.functionName(base) === 'get_path') {
      const args = this.args(base);
      const path = isNode(args[1]) ? String(args[1].value ?? '') : '';
      const last = path.split(/[.:[\]'"]+/).filter(Boolean).pop();
      if (last) return last.toLowerCase();
    }
    return snippet(this.textOf(expr) ?? 'expr').toLowerCase();
  }

  /** A column name as the dialect identifies it (see `columnName`). */
  private name(value: string, quoted: boolean): string {
    return columnName(value, quoted, this.dialect);
  }

  /**
   * Whether `value`, the last name of `node` (an alias, a column), was written quoted. Some grammars drop the quotes:
   * the node's text tells, or without it, the SQL (`value` appears quoted, and never as a plain word).
   */
  private quotedAt(node: AstNode, value: string): boolean {
    const text = this.textOf(node)?.trim();
    if (text !== undefined) return text.endsWith(`"${value}"`) || text.endsWith(`\`${value}\``);
    if (!this.namesInSql) {
      const quoted = new Set<string>();
      const plain = new Set<string>();
      for (const t of tokenize(this.sql, { dialect: this.dialect })) {
        if (t.kind === 'quoted') quoted.add(t.text.slice(1, -1));
        else if (t.kind === 'word') plain.add(t.text);
      }
      this.namesInSql = { quoted, plain };
    }
    return this.namesInSql.quoted.has(value) && !this.namesInSql.plain.has(value);
  }

  private namesInSql: { quoted: Set<string>; plain: Set<string> } | undefined;

  /** The column a `column_ref` names. */
  private refColumn(ref: AstNode): string | undefined {
    const col = ref.column;
    if (typeof col === 'string') return col === '*' ? col : this.name(col, this.quotedAt(ref, col));
    return this.identName(col);
  }

  /** A name node: quoted when the grammar says so (`double_quote_string`, `backticks_quote_string`). */
  private identName(v: unknown): string | undefined {
    if (typeof v === 'string') return this.name(v, false);
    if (isNode(v)) {
      if (isNode(v.expr)) return this.identName(v.expr);
      if (typeof v.value === 'string') return this.name(v.value, v.type === 'double_quote_string' || v.type === 'backticks_quote_string');
      if (typeof v.column === 'string' || isNode(v.column)) return this.refColumn(v);
    }
    return undefined;
  }

  private use(relation: string, column: string): void {
    let set = this.columnsUsed.get(relation);
    if (!set) {
      set = new Set();
      this.columnsUsed.set(relation, set);
    }
    set.add(column);
  }

  private resolve(qualifier: string | undefined, column: string, scope: Scope, allowAliases: boolean): { c: string; type?: string } {
    if (qualifier) {
      for (let s: Scope | undefined = scope; s; s = s.parent) {
        const src = s.sources.find((x) => x.alias === qualifier) ?? s.sources.find((x) => x.relation === qualifier || x.relation?.endsWith(`.${qualifier}`));
        if (src) return this.fromSource(src, column);
      }
      return { c: `${relMark('?' + qualifier)}.${column}` };
    }
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const known = s.sources.find((x) => x.columns !== undefined && columnNamed(x.columns, column) !== undefined);
      if (known) return this.fromSource(known, column);
      const element = s.sources.find((x) => x.kind === 'fanout' && x.alias === column);
      if (element) return { c: element.fanout ?? column };
      const position = s.sources.find((x) => x.kind === 'fanout' && x.offsetAlias === column);
      if (position) return { c: `offset(${position.fanout ?? ''})`, type: 'integer' };
      if (allowAliases && s === scope) {
        if (!s.aliases && s.aliasColumns) s.aliases = new Map(s.aliasColumns.map((c) => [c.name, c]));
        const alias = s.aliases?.get(column);
        // A FROM column wins over a select alias of the same name (Snowflake's rule): with the FROM's columns unknown,
        // an alias that is a constant (`'web' as channel ... where channel = 'web'`, which would filter nothing) or
        // that reads a column of its own name (`upper(status) as status`) names a column the FROM has.
        const fromColumnFirst = alias !== undefined && s.sources.some((x) => x.unresolved.length > 0 && x.kind !== 'fanout') && (isConstantExpr(alias.full) || readsColumnNamed(alias.full, column));
        if (alias && !fromColumnFirst) {
          this.readColumns?.push(alias);
          return { c: alias.full, type: alias.type };
        }
      }
      const open = s.sources.filter((x) => x.unresolved.length > 0 && x.kind !== 'fanout');
      if (open.length === 1) return this.fromSource(open[0]!, column);
      if (open.length > 1) {
        for (const o of open) for (const u of o.unresolved) for (const r of u.relations) this.use(r, column);
        return { c: `${relMark('?')}.${column}` };
      }
      if (s.sources.length === 1 && s.sources[0]!.kind === 'fanout') return this.fromSource(s.sources[0]!, column);
    }
    return { c: `${relMark('?')}.${column}` };
  }

  private noteDerivedRead(src: Source, column: string): void {
    const key = src.cte ?? `(${src.alias})`;
    let set = this.derivedReads.get(key);
    if (!set) {
      set = new Set();
      this.derivedReads.set(key, set);
    }
    set.add(column);
  }

  private fromSource(src: Source, column: string): { c: string; type?: string } {
    if (src.kind === 'fanout') return { c: `${src.fanout}.${column}` };
    const col = src.columns ? columnNamed(src.columns, column) : undefined;
    if (src.kind === 'base' && src.relation) {
      this.use(src.relation, column);
      return { c: `${relMark(src.relation)}.${column}` };
    }
    if (src.kind === 'derived' && (col || src.unresolved.length > 0)) this.noteDerivedRead(src, column);
    if (col) {
      this.readColumns?.push(col);
      return { c: col.full, type: col.type };
    }
    const rels = src.unresolved.flatMap((u) => u.relations);
    if (rels.length === 1) {
      this.use(rels[0]!, column);
      return { c: `${relMark(rels[0]!)}.${column}` };
    }
    for (const r of rels) this.use(r, column);
    return { c: `${relMark('?')}.${column}` };
  }

  // ---------------------------------------------------------------- expressions

  private conjuncts(node: unknown, scope: Scope, allowAliases = false, afterLine?: number): Clause[] {
    const out: Clause[] = [];
    const logical = (n: unknown, op: string): n is AstNode => isNode(n) && n.type === 'binary_expr' && String(n.operator).toUpperCase() === op;
    /** `negated`: `n` is under a `not` that turned an OR into these conjuncts. */
    const walk = (n: unknown, negated = false): void => {
      if (logical(n, negated ? 'OR' : 'AND')) {
        walk(n.left, negated);
        walk(n.right, negated);
        return;
      }
      if (negated) {
        // `not (a or b)` is `not a and not b`: two filters, as when written so
        const c = this.expr(negation(n, (x) => this.functionName(x)) ?? { type: 'unary_expr', operator: 'NOT', expr: n }, scope, allowAliases).c;
        const where = this.locate(n, afterLine);
        out.push({ canonical: c, text: snippet(`not ${where.text ?? c}`), line: where.line });
        return;
      }
      const operand = notOperand(n, (x) => this.functionName(x));
      if (logical(operand, 'OR')) {
        walk(operand, true);
        return;
      }
      const bounds = betweenBounds(n);
      if (bounds) {
        // `x between a and b` is `x >= a and x <= b`: two filters, as when written so
        const text = (node: unknown): string | undefined => this.locate(node).text;
        for (const [bound, op] of [[bounds.low, '>='], [bounds.high, '<=']] as const) {
          const c = this.binary({ type: 'binary_expr', operator: op, left: bounds.value, right: bound }, scope, allowAliases).c;
          const where = this.locate(n, afterLine);
          const [x, y] = [text(bounds.value), text(bound)];
          out.push({ canonical: c, text: snippet(x !== undefined && y !== undefined ? `${x} ${op} ${y}` : (where.text ?? c)), line: where.line });
        }
        return;
      }
      const c = this.expr(n, scope, allowAliases).c;
      if (c === 'true' || c === '' || /^=\(([^,()]+),\1\)$/.test(c)) return; // where true, 1=1
      const where = this.locate(n, afterLine);
      out.push({ canonical: c, text: snippet(where.text ?? c), line: where.line });
    };
    walk(node);
    return out;
  }

  /** Canonical of a group/order/distinct-on key: ordinals and select aliases resolve to the select expression. */
  private orderKey(node: unknown, scope: Scope, columns: ColInfo[]): string {
    if (isNode(node) && node.type === 'number' && Number.isInteger(node.value)) {
      const col = columns[Number(node.value) - 1];
      if (col) return col.full;
    }
    return this.expr(node, scope, true).c;
  }

  /** True when the expression aggregates rows (an aggregate outside any window and subquery). */
  private hasAggregate(node: unknown): boolean {
    if (Array.isArray(node)) return node.some((x) => this.hasAggregate(x));
    // (a scalar subquery's aggregate is its own: `(select count(*) from items where ...)` is one value per row)
    if (!isNode(node) || node.type === 'select') return false;
    if ((node.type === 'aggr_func' || node.type === 'function') && !node.over) {
      if (node.type === 'aggr_func' || AGGREGATES.has(this.functionName(node))) return true;
    }
    for (const k of Object.keys(node)) {
      if (k === 'over' || k === 'ast' || k === 'loc' || k === 'select') continue;
      const v = node[k];
      if (typeof v === 'object' && v !== null && this.hasAggregate(v)) return true;
    }
    return false;
  }

  /** Whether a select-list expression calls a function that returns rows (`jsonb_array_elements(x) ->> 'sku'` too). */
  private containsFanout(expr: unknown): boolean {
    if (Array.isArray(expr)) return expr.some((x) => this.containsFanout(x));
    // (not inside a subquery, whose rows are its own)
    if (!isNode(expr) || expr.type === 'select') return false;
    if (expr.type === 'function') {
      const name = this.functionName(expr);
      if (FANOUT_FUNCS.has(name) && name !== 'flatten') return true;
    }
    for (const key of Object.keys(expr)) {
      if (key === 'loc' || key === 'ast' || key === 'over') continue;
      const value = expr[key];
      if (typeof value === 'object' && value !== null && this.containsFanout(value)) return true;
    }
    return false;
  }

  private functionName(node: AstNode): string {
    const name = node.name;
    if (typeof name === 'string') return name.toLowerCase();
    if (isNode(name)) {
      // the BigQuery grammar gives `lower(x)` as { name: [], schema: lower } and `safe.f(x)` as { name: [f], schema: safe }
      const schema = isNode(name.schema) && typeof name.schema.value === 'string' ? [name.schema.value] : [];
      if (Array.isArray(name.name)) return [...schema, ...name.name.map((p) => (isNode(p) ? String(p.value) : String(p)))].join('.').toLowerCase();
      if (typeof name.value === 'string') return name.value.toLowerCase();
    }
    return 'fn';
  }

  private args(node: AstNode): unknown[] {
    const args = node.args;
    if (Array.isArray(args)) return args;
    if (isNode(args)) {
      if (Array.isArray(args.value)) return args.value;
      if (args.expr !== undefined) return [args.expr];
    }
    return [];
  }

  /**
   * The written text of a select item without its alias: the cast node node-sql-parser gives as the item itself
   * (`(a / 100)::number(16, 2) as amount`, see selectItemExpression) spans the alias too.
   */
  private withoutAlias(item: AstNode, name: string, text: string): string {
    if (item.type !== 'cast' || item.as === undefined || item.as === null) return text;
    const toks = tokenize(text, { dialect: this.dialect });
    const last = toks[toks.length - 1];
    if (toks.length < 2 || !last || (last.kind !== 'word' && last.kind !== 'quoted') || columnNameOfToken(last.text, this.dialect) !== name) return text;
    const cut = toks.length >= 3 && toks[toks.length - 2]!.kind === 'word' && toks[toks.length - 2]!.text.toLowerCase() === 'as' ? toks[toks.length - 2]! : last;
    return text.slice(0, cut.start).trimEnd();
  }

  private textOf(node: unknown): string | undefined {
    if (!isNode(node)) return undefined;
    const loc = node.loc as { start?: { offset?: number }; end?: { offset?: number } } | undefined;
    if (loc?.start?.offset === undefined || loc.end?.offset === undefined) return undefined;
    return this.sql.slice(loc.start.offset, loc.end.offset);
  }

  /**
   * A cast node split into its outer (last) target type and what it casts: node-sql-parser gives `x::a::b` as one
   * node with targets [a, b], which is `(x::a)::b`, of type b.
   */
  private castParts(n: AstNode, scope: Scope, allowAliases = false): { inner: { c: string; type?: string }; target: unknown } {
    const targets = Array.isArray(n.target) ? n.target : [n.target];
    if (targets.length <= 1) return { inner: this.expr(n.expr, scope, allowAliases), target: targets[0] };
    return { inner: this.expr({ ...n, target: targets.slice(0, -1) }, scope, allowAliases), target: targets[targets.length - 1] };
  }

  private typeText(target: unknown): string {
    const t = Array.isArray(target) ? target[0] : target;
    if (!isNode(t)) return 'unknown';
    let name = String(t.dataType ?? 'unknown').toLowerCase();
    name = this.typeAliases[name] ?? name;
    const params = [t.length, t.scale].filter((p) => p !== undefined && p !== null);
    return params.length ? `${name}(${params.join(',')})` : name;
  }

  expr(node: unknown, scope: Scope, allowAliases = false): { c: string; type?: string } {
    if (node === null || node === undefined) return { c: '' };
    if (typeof node !== 'object') return { c: String(node).toLowerCase() };
    if (Array.isArray(node)) return { c: node.map((n) => this.expr(n, scope, allowAliases).c).join(',') };
    const n = node as AstNode;
    switch (n.type) {
      case 'column_ref': {
        const column = this.refColumn(n) ?? '';
        if (column === '*') return { c: '*' };
        const schema = str(n.schema);
        const table = str(n.table)?.toLowerCase();
        const qualifier = schema && table ? `${schema.toLowerCase()}.${table}` : table;
        const resolved = this.resolve(qualifier, column, scope, allowAliases);
        if (resolved.c === `${relMark('?')}.${column}` && !schema) this.noteMissing(table, column, scope, n);
        // a field of a struct column (BigQuery `o.customer.name`): which field is read is part of the value
        const fields = Array.isArray(n.subFields) ? n.subFields.map((f) => String(f).toLowerCase()) : [];
        return fields.length > 0 ? { c: `${resolved.c}.${fields.join('.')}` } : resolved;
      }
      case 'number': {
        const v = n.value;
        return { c: String(v), type: typeof v === 'number' && !Number.isInteger(v) ? 'decimal' : /\./.test(String(v)) ? 'decimal' : 'integer' };
      }
      case 'bigint': {
        // a literal too large for a double, or in exponent form (`1e3`): its text
        const text = String(n.value);
        return { c: text, type: /[.e]/i.test(text) ? 'decimal' : 'integer' };
      }
      case 'single_quote_string':
      case 'string':
      case 'natural_string':
      case 'regex_string':
        return { c: `'${String(n.value)}'`, type: 'text' };
      case 'double_quote_string':
        if (this.doubleQuotesAreIdentifiers) return this.quotedReference(String(n.value), scope, allowAliases, n);
        return { c: `'${String(n.value)}'`, type: 'text' };
      case 'backticks_quote_string':
        return this.quotedReference(String(n.value), scope, allowAliases, n);
      case 'bool':
        return { c: String(n.value).toLowerCase(), type: 'boolean' };
      case 'null':
        return { c: 'null' };
      case 'star':
        return { c: '*' };
      case 'date':
      case 'time':
      case 'timestamp':
      case 'datetime':
        return { c: `${n.type}'${String(n.value)}'`, type: baseType(String(n.type), this.dialect) };
      case 'origin':
      case 'default':
        return { c: String(n.value).toLowerCase() };
      case 'binary_expr':
        return this.binary(n, scope, allowAliases);
      case 'unary_expr': {
        const op = String(n.operator).toLowerCase();
        const negated = op === 'not' ? negation(n.expr, (x) => this.functionName(x)) : undefined;
        if (negated) return this.expr(negated, scope, allowAliases);
        const inner = this.expr(n.expr, scope, allowAliases);
        if (op === '-' && /^[0-9.]+$/.test(inner.c)) return { c: `-${inner.c}`, type: inner.type };
        return { c: `${op}(${inner.c})`, type: op === 'not' ? 'boolean' : inner.type };
      }
      case 'cast': {
        const { inner, target } = this.castParts(n, scope, allowAliases);
        const fam = baseType(this.typeText(target), this.dialect);
        const kw = String(n.keyword ?? 'cast').toLowerCase();
        return { c: bound(`${kw === 'cast' ? 'cast' : kw}(${inner.c} as ${fam})`), type: fam };
      }
      case 'aggr_func':
      case 'function':
      case 'window_func': {
        // `not (a > 1)` comes as a function named `not`
        const args = n.type === 'function' && this.functionName(n) === 'not' ? this.args(n) : [];
        const negated = args.length === 1 ? negation(args[0], (x) => this.functionName(x)) : undefined;
        return negated ? this.expr(negated, scope, allowAliases) : this.call(n, scope, allowAliases);
      }
      case 'case': {
        const parts = [n.expr ? `on ${this.expr(n.expr, scope, allowAliases).c}` : ''];
        for (const a of Array.isArray(n.args) ? n.args : []) {
          if (!isNode(a)) continue;
          if (a.type === 'when') parts.push(`when ${this.expr(a.cond, scope, allowAliases).c} then ${this.expr(a.result, scope, allowAliases).c}`);
          else parts.push(`else ${this.expr(a.result, scope, allowAliases).c}`);
        }
        return { c: bound(`case(${parts.filter(Boolean).join(';')})`) };
      }
      case 'interval':
        return { c: `interval(${this.expr(n.expr, scope, allowAliases).c} ${String(n.unit ?? '').toLowerCase()})` };
      case 'extract': {
        const args = isNode(n.args) ? n.args : {};
        const field = String(args.field ?? '').toLowerCase();
        // BigQuery's `extract(date from ts)` (and time, datetime) is not a number
        return { c: `extract(${field},${this.expr(args.source, scope, allowAliases).c})`, type: /^(date|time|datetime)$/.test(field) ? undefined : GENERIC_NUMBER };
      }
      case 'expr_list':
        return { c: `(${(Array.isArray(n.value) ? n.value : []).map((x) => this.expr(x, scope, allowAliases).c).join(',')})` };
      case 'select':
        return { c: this.subquery(n, scope) };
      default:
        if (isNode(n.ast)) return { c: this.subquery(n.ast, scope) };
        return { c: bound(this.generic(n, scope, allowAliases)) };
    }
  }

  /** A quoted name read as a column (`"Amount"`). */
  private quotedReference(value: string, scope: Scope, allowAliases: boolean, node: AstNode): { c: string; type?: string } {
    const column = this.name(value, true);
    const resolved = this.resolve(undefined, column, scope, allowAliases);
    if (resolved.c === `${relMark('?')}.${column}`) this.noteMissing(undefined, column, scope, node);
    return resolved;
  }

  private subquery(ast: AstNode, scope: Scope): string {
    const saved = this.sink;
    this.sink = emptyRowSetClauses();
    const result = this.query(ast, new Map(), scope);
    const inner = this.sink;
    this.sink = saved;
    const parts = [
      `cols=${result.columns.map((c) => c.full).join(',')}`,
      `from=${[...result.relations].sort().map(relMark).join(',')}`,
      ...(['filters', 'joins', 'grain', 'setOperations', 'orderLimit', 'fanOut'] as const).map((k) => `${k}=${inner[k].map((x) => x.canonical).sort().join('&')}`),
    ];
    return bound(`subquery(${parts.join(';')})`);
  }

  private binary(n: AstNode, scope: Scope, allowAliases: boolean): { c: string; type?: string } {
    let op = String(n.operator).toLowerCase().replace(/\s+/g, ' ');
    if (op === '!=') op = '<>';
    if (op === '==') op = '=';
    const e = (x: unknown): string => this.expr(x, scope, allowAliases).c;
    const type = BOOLEAN_OPERATORS.has(op) ? 'boolean' : op === '||' ? 'text' : undefined;
    if (COMMUTATIVE.has(op)) {
      const operands: { c: string; type?: string }[] = [];
      const collect = (x: unknown): void => {
        if (isNode(x) && x.type === 'binary_expr') {
          let o = String(x.operator).toLowerCase().replace(/\s+/g, ' ');
          if (o === '!=') o = '<>';
          if (o === '==') o = '=';
          if (o === op && (op === '+' || op === '*' || op === 'and' || op === 'or')) {
            collect(x.left);
            collect(x.right);
            return;
          }
        }
        const bounds = op === 'and' ? betweenBounds(x) : undefined;
        if (bounds) {
          // `x between a and b` is `x >= a and x <= b`
          operands.push(this.binary({ type: 'binary_expr', operator: '>=', left: bounds.value, right: bounds.low }, scope, allowAliases));
          operands.push(this.binary({ type: 'binary_expr', operator: '<=', left: bounds.value, right: bounds.high }, scope, allowAliases));
          return;
        }
        operands.push(this.expr(x, scope, allowAliases));
      };
      collect(n.left);
      collect(n.right);
      if (op === 'or') {
        // `x = 'a' or x = 'b'` is `x in ('a', 'b')`
        const listed = asInList(operands.map((o) => o.c));
        if (listed) return { c: bound(listed), type };
      }
      let kept = operands.map((o) => (COMPARISONS.has(op) ? comparedLiteral(o.c) : o.c));
      if (op === 'and') kept = kept.filter((o) => o !== 'true' && !/^=\(([^,()]+),\1\)$/.test(o));
      if (op === 'and' && kept.length === 1) return { c: kept[0]!, type };
      return { c: bound(`${op}(${kept.sort().join(',')})`), type: ARITHMETIC.has(op) ? arithmeticType(op, operands) : type };
    }
    const compared = (x: unknown): string => comparedLiteral(e(x));
    if (op === '<' || op === '<=') return { c: bound(`${op === '<' ? '>' : '>='}(${compared(n.right)},${compared(n.left)})`), type };
    if ((op === 'in' || op === 'not in') && isNode(n.right) && n.right.type === 'expr_list' && Array.isArray(n.right.value) && !n.right.value.some((v) => isNode(v) && isNode(v.ast))) {
      // (a value listed twice is listed once)
      const items = [...new Set(n.right.value.map(compared))].sort();
      return { c: bound(`${op}(${compared(n.left)},(${items.join(',')}))`), type };
    }
    const left = this.expr(n.left, scope, allowAliases);
    const right = this.expr(n.right, scope, allowAliases);
    // ILIKE ignores case: its literal pattern is compared in lower case
    if ((op === 'ilike' || op === 'not ilike') && /^'.*'$/s.test(right.c)) return { c: bound(`${op}(${left.c},${right.c.toLowerCase()})`), type };
    if (COMPARISONS.has(op)) return { c: bound(`${op}(${comparedLiteral(left.c)},${comparedLiteral(right.c)})`), type };
    return { c: bound(`${op}(${left.c},${right.c})`), type: ARITHMETIC.has(op) ? arithmeticType(op, [left, right]) : type };
  }

  private call(n: AstNode, scope: Scope, allowAliases: boolean): { c: string; type?: string } {
    const e = (x: unknown): string => this.expr(x, scope, allowAliases).c;
    const name = this.functionName(n);
    const argsNode = n.args;
    const argInfos = this.args(n).map((a) => this.expr(a, scope, allowAliases));
    let args = argInfos.map((a) => a.c);
    let prefix = '';
    if (isNode(argsNode) && argsNode.distinct) prefix = 'distinct ';
    if (name === 'count' && !prefix && (args.length === 0 || args[0] === '*' || /^-?[0-9.]+$/.test(args[0]!) || /^'.*'$/.test(args[0]!))) args = ['*'];
    const extras: string[] = [];
    if (isNode(argsNode) && Array.isArray(argsNode.orderby) && argsNode.orderby.length) extras.push(`order by ${argsNode.orderby.map((o) => (isNode(o) ? `${e(o.expr)} ${String(o.type ?? 'asc').toLowerCase()}` : '')).join(',')}`);
    if (isNode(argsNode) && argsNode.separator) extras.push(`sep ${e(isNode(argsNode.separator) ? argsNode.separator.value ?? argsNode.separator : argsNode.separator)}`);
    if (n.consider_nulls) extras.push(String(n.consider_nulls).toLowerCase());
    if (isNode(argsNode) && argsNode.type === 'flattern') {
      // Snowflake flatten(input => x, path => ..., outer => ...)
      const named = ['input', 'path', 'outer', 'recursive', 'mode'].filter((k) => argsNode[k]).map((k) => `${k}=>${e(isNode(argsNode[k]) ? (argsNode[k] as AstNode).value ?? argsNode[k] : argsNode[k])}`);
      args = named;
    }
    let c = `${name}(${prefix}${args.join(',')}${extras.length ? ';' + extras.join(';') : ''})`;
    if (n.filter) c += ` filter(${e(n.filter)})`;
    if (n.over) c += ` over(${this.window(n.over, scope, allowAliases)})`;
    return { c: bound(c), type: functionType(name, argInfos) };
  }

  private window(over: unknown, scope: Scope, allowAliases: boolean): string {
    if (!isNode(over)) return '';
    const e = (x: unknown): string => this.expr(x, scope, allowAliases).c;
    const spec = isNode(over.as_window_specification) ? over.as_window_specification : undefined;
    const ws = spec && isNode(spec.window_specification) ? spec.window_specification : isNode(over.window_specification) ? over.window_specification : undefined;
    if (!ws) return this.generic(over, scope, allowAliases);
    const partition = (Array.isArray(ws.partitionby) ? ws.partitionby : []).map((p) => e(isNode(p) && p.expr ? p.expr : p)).sort();
    const order = (Array.isArray(ws.orderby) ? ws.orderby : []).map((o) => (isNode(o) ? `${e(o.expr)} ${String(o.type ?? 'asc').toLowerCase()}` : ''));
    const frame = ws.window_frame_clause ? this.generic(ws.window_frame_clause as AstNode, scope, allowAliases) : '';
    return `partition(${partition.join(',')});order(${order.join(',')})${frame ? ';' + frame : ''}`;
  }

  private generic(n: AstNode, scope: Scope, allowAliases: boolean): string {
    const keys = Object.keys(n).filter((k) => !SKIP_KEYS.has(k) && n[k] !== null && n[k] !== undefined && k !== 'type').sort();
    const parts = keys.map((k) => {
      const v = n[k];
      if (typeof v === 'object') return `${k}=${this.expr(v, scope, allowAliases).c}`;
      return `${k}=${String(v).toLowerCase()}`;
    });
    return `${String(n.type ?? 'node')}{${parts.join(';')}}`;
  }
}
