/**
 * The shape of a model's SQL as the semantic diff sees it. Canonical strings are in terms of base relations
 * (refs/sources) with CTEs, subqueries and aliases resolved away, so refactors that keep the meaning compare equal.
 */
import type { Dialect } from '../config.js';
import type { ChangeKind, Impact } from '../review/types.js';
import type { LineMention } from './line-mentions.js';

export type ParseLevel = 'full' | 'tolerant' | 'failed';

export interface OutputColumn {
  /** Output name as the dialect identifies it (`columnName`): `email`, or quoted when only quotes reach it (`"Email"`). */
  name: string;
  /** Canonical expression without the outer cast, resolved down to base relations. */
  expr: string;
  /** Base type family of the outer cast or literal (`integer`, `text`, `decimal`, ...) when known. */
  type?: string;
  /** The expression as written (whitespace collapsed), for messages. */
  text: string;
  /** 1-based line in the SQL. */
  line?: number;
  /**
   * Where the value is written: the select item, the CTE and subquery columns it reads (transitively) and, for a
   * set operation, each branch's column. The diff locates a change on the head site whose text is new.
   */
  sites?: ColumnSite[];
}

export interface ColumnSite {
  line: number;
  /** A digest of the expression as written (case and whitespace aside) and of the name it is given there: equal
   * digests, same text under the same name. */
  digest: string;
  /** The CTE whose select list the site is in (absent: the model's own select, or a subquery of it). */
  cte?: string;
  /** The name the site gives the value (with `cte`). */
  column?: string;
}

/**
 * A column read from a CTE or a subquery of the model whose column list is exactly known and lacks it: the warehouse
 * rejects the model ("invalid identifier"). Only references that are certain are recorded: qualified by the CTE's
 * alias, or unqualified in a FROM of that relation alone, with no enclosing query that could provide the name.
 */
export interface MissingColumn {
  /** The name as read (`columnName` form). */
  column: string;
  /** `cte`, or `subquery` (a derived table of a FROM). */
  kind: 'cte' | 'subquery';
  /** The CTE's name, or the subquery's alias. */
  name: string;
  /** The line where the CTE (or subquery) is defined. */
  definedLine?: number;
  /** The line of the reference. */
  line?: number;
}

/** A clause that shapes the row set (a filter conjunct, a grain item, a set operation, ...). */
export interface Clause {
  /** Canonical form, compared between revisions. */
  canonical: string;
  /** As written, for messages. */
  text: string;
  line?: number;
}

export type GrainKind = 'group_by' | 'aggregate' | 'qualify' | 'distinct' | 'distinct_on';

export interface GrainClause extends Clause {
  kind: GrainKind;
}

export interface JoinShape extends Clause {
  /** `inner`, `left`, `right`, `full`, `cross`, ... */
  type: string;
  /** Canonical target: a base relation mark or the sorted relations of a subquery/CTE. */
  target: string;
  /** Canonical join condition ('' for none). */
  condition: string;
  /** Base relations read by the target. */
  relations: string[];
}

/** A `*` whose columns could not be listed because the upstream relation's columns are unknown. */
export interface UnresolvedStar {
  relations: string[];
  except: string[];
  line?: number;
  /** Columns of the star that `* replace (e as c)` gives a new expression (their names are not known otherwise). */
  replaced?: OutputColumn[];
}

/** The clauses that shape a query's row set, compared between revisions. */
export interface RowSetClauses {
  filters: Clause[];
  joins: JoinShape[];
  grain: GrainClause[];
  setOperations: Clause[];
  /** ORDER BY with LIMIT/OFFSET/TOP (ORDER BY alone is a no-op and not recorded). */
  orderLimit: Clause[];
  /** Row multiplication by `lateral flatten`, `unnest`, `explode`. */
  fanOut: Clause[];
}

export function emptyRowSetClauses(): RowSetClauses {
  return { filters: [], joins: [], grain: [], setOperations: [], orderLimit: [], fanOut: [] };
}

export interface ModelShape extends RowSetClauses {
  parse: ParseLevel;
  /** Why the parse was not full (the parser's message), when it was not. */
  error?: string;
  dialect: Dialect;
  columns: OutputColumn[];
  unresolvedStars: UnresolvedStar[];
  /** Base relations read (rendered refs/sources), sorted. */
  relations: string[];
  /** Line where each relation is first read. */
  relationLines: Record<string, number>;
  /** Columns of each base relation the query reads (`*` when it reads all and they are unknown). */
  columnsUsed: Record<string, string[]>;
  /** Names of the CTEs that contribute to the result. */
  ctes: string[];
  /** Columns read from a CTE or subquery that does not select them (the model does not compile); absent: none. */
  missingColumns?: MissingColumn[];
  /**
   * The columns read by name from each CTE (by its name) and subquery (`(alias)`) that resolved: that relation gave
   * them. A column reported missing in a revision counts only when the other revision read it so.
   */
  derivedColumnsRead?: Record<string, string[]>;
  /** Normaliser rewrites applied before parsing. */
  rewrites: string[];
}

export interface SqlChange {
  kind: ChangeKind;
  column?: string;
  detail: string;
  /** Line in the head SQL, or in the base SQL for removals (see `side`). */
  line?: number;
  side: 'base' | 'head';
  impact: Impact;
  breaking: boolean;
  /** The detail states this change's whole consequence (a whole predicate added or removed, a left/inner swap):
   * nothing is left to judge, so the LLM stage does not receive it. */
  settled?: true;
  /** The pieces of `detail` that name lines of the rendered SQL, for the review to name template lines instead. */
  lineMentions?: LineMention[];
}

export interface AnalyzeOptions {
  dialect: Dialect;
  /** Known output columns of an upstream relation by its rendered name; undefined when unknown. */
  upstreamColumns?: (relation: string) => string[] | undefined;
}
