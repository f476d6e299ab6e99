/**
 * `analyzeSql`: rendered model SQL -> ModelShape. Tries the dialect's grammar, then a fallback grammar, each on
 * SQL rewritten by the normaliser for that grammar; when no grammar parses, the tolerant extractor reads the shape
 * from tokens. Each SQL text is parsed at most once per grammar attempt.
 */
import { columnsReadIn, shapeCanonicals } from './canonical.js';
import type { Dialect } from '../config.js';
import { AstAnalyzer, type AstAnalysis } from './analyze-ast.js';
import { FALLBACK_GRAMMAR, GRAMMAR_OF, parseWith, renderWith, type Grammar } from './dialect.js';
import { normaliseSql } from './normalise.js';
import { extractTolerant, starReplaces } from './tolerant.js';
import { emptyRowSetClauses, type AnalyzeOptions, type ModelShape } from './types.js';

type AstNode = Record<string, unknown>;

function pickSelect(ast: unknown): AstNode | undefined {
  const list = Array.isArray(ast) ? ast : [ast];
  for (let i = list.length - 1; i >= 0; i--) {
    const s = list[i] as AstNode | undefined;
    if (s && typeof s === 'object' && s.type === 'select') return s;
  }
  return undefined;
}

function grammarsFor(dialect: Dialect): Grammar[] {
  const first = GRAMMAR_OF[dialect];
  const second = FALLBACK_GRAMMAR[dialect];
  return second && second !== first ? [first, second] : [first];
}

/** `node-sql-parser (snowflake grammar): line 4: unexpected "v"` rather than the grammar's list of expectations. */
function describeParseError(e: unknown, grammar: Grammar): string {
  const err = e as { location?: { start?: { line?: number } }; found?: string | null; message?: string };
  const line = err.location?.start?.line;
  if (line !== undefined) return `node-sql-parser (${grammar} grammar) stopped at line ${line}: unexpected ${err.found ? `"${err.found}"` : 'end of input'}`;
  return firstLine(err.message ?? String(e));
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.length > 300 ? line.slice(0, 297) + '...' : line;
}

/** Analyses one rendered model. Never throws. */
export function analyzeSql(sql: string, options: AnalyzeOptions): ModelShape {
  const dialect = options.dialect;
  let error: string | undefined;
  let rewrites: string[] = [];
  for (const grammar of grammarsFor(dialect)) {
    const normalised = normaliseSql(sql, dialect, grammar);
    let ast: unknown;
    try {
      ast = parseWith(grammar, normalised.sql);
    } catch (e) {
      if (error === undefined) error = describeParseError(e, grammar);
      rewrites = normalised.rewrites;
      continue;
    }
    const root = pickSelect(ast);
    if (!root) {
      error ??= 'the SQL is not a select statement';
      continue;
    }
    try {
      const doubleQuotesAreIdentifiers = dialect !== 'bigquery' && dialect !== 'databricks';
      const analyse = (n: typeof normalised, select: AstNode): AstAnalysis =>
        new AstAnalyzer(n.sql, dialect, n.typeAliases, options.upstreamColumns, doubleQuotesAreIdentifiers, (node) => renderWith(grammar, node)).analyse(select);
      let analysis = analyse(normalised, root);
      if (normalised.rewrites.includes('star-replace') && analysis.unresolvedStars.length > 0) {
        // The normaliser reads `* replace (e as c)` as `* exclude (c), e as c`: exact over known columns, but over
        // unknown ones `c` would look excluded from the star and added back (a diff would call it removed). So the
        // columns are those of the SQL without its REPLACEs, each replaced one with its new expression; a `c` that
        // only a star over unknown columns has stays in that star.
        const { names, spans } = starReplaces(sql, dialect);
        const plain = normaliseSql(spans.reduceRight((text, [from, to]) => text.slice(0, from) + text.slice(from, to).replace(/[^\n]/g, ' ') + text.slice(to), sql), dialect, grammar);
        const plainRoot = pickSelect(parseWith(grammar, plain.sql));
        if (!plainRoot) throw new Error('the SQL without its `* replace` is not a select statement');
        const without = analyse(plain, plainRoot);
        const replaced = new Map(analysis.columns.filter((c) => names.has(c.name)).map((c) => [c.name, c]));
        // A replaced column that only the star has is kept on the star, so that a change of its expression shows
        // (with one star over unknown columns, that is the star the REPLACE belongs to).
        const known = new Set(without.columns.map((c) => c.name));
        const onStar = [...replaced.values()].filter((c) => !known.has(c.name));
        const stars = onStar.length > 0 && without.unresolvedStars.length === 1 ? [{ ...without.unresolvedStars[0]!, replaced: onStar }] : without.unresolvedStars;
        analysis = { ...analysis, columns: without.columns.map((c) => replaced.get(c.name) ?? c), unresolvedStars: stars };
      }
      const lineHints = analysis.columns.some((c) => c.line === undefined) ? columnLineHints(sql, dialect) : new Map<string, number>();
      // texts are read from the normalised SQL: a type the grammar lacks is written there as a placeholder type
      const aliases = normalised.typeAliases;
      const asWritten = (text: string): string => (Object.keys(aliases).length ? text.replace(/[a-z_][a-z0-9_]*/gi, (w) => aliases[w.toLowerCase()] ?? w) : text);
      const written = <T extends { text: string }>(c: T): T => ({ ...c, text: asWritten(c.text) });
      return {
        parse: 'full',
        dialect,
        // a single site is (as good as) the column's own line and text, which the diff assumes: only more are kept
        columns: analysis.columns.map((c) => ({ name: c.name, expr: c.expr, type: c.type, text: asWritten(c.text), line: c.line ?? lineHints.get(c.name), ...(c.sites && c.sites.length > 1 ? { sites: c.sites } : {}) })),
        unresolvedStars: analysis.unresolvedStars.map((s) => (s.replaced ? { ...s, replaced: s.replaced.map((c) => ({ name: c.name, expr: c.expr, type: c.type, text: asWritten(c.text), line: c.line ?? lineHints.get(c.name) })) } : s)),
        relations: analysis.relations,
        relationLines: analysis.relationLines,
        filters: [...analysis.filters.map(written), ...normalised.extraFilters.map((f) => ({ canonical: f.text, text: f.text, line: f.line }))],
        joins: analysis.joins.map(written),
        grain: analysis.grain.map(written),
        setOperations: analysis.setOperations,
        orderLimit: analysis.orderLimit.map(written),
        fanOut: analysis.fanOut.map(written),
        columnsUsed: analysis.columnsUsed,
        ctes: analysis.ctes,
        rewrites: normalised.rewrites,
        ...(analysis.missingColumns.length > 0 ? { missingColumns: analysis.missingColumns } : {}),
        ...(Object.keys(analysis.derivedColumnsRead).length > 0 ? { derivedColumnsRead: analysis.derivedColumnsRead } : {}),
      };
    } catch (e) {
      error = `analysis failed: ${firstLine(e instanceof Error ? e.message : String(e))}`;
    }
  }
  return tolerantShape(sql, options, error ?? 'unparsed', rewrites);
}

function tolerantShape(sql: string, options: AnalyzeOptions, error: string, rewrites: string[]): ModelShape {
  const dialect = options.dialect;
  let t: ReturnType<typeof extractTolerant>;
  try {
    t = extractTolerant(sql, dialect, options.upstreamColumns);
  } catch (e) {
    t = undefined;
    error = `${error}; tolerant extraction failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (!t) return { ...failedShape(dialect, error), rewrites };
  return { parse: 'tolerant', error, dialect, ...t, rewrites };
}

/** The shape of SQL that could not be analysed at all, and why. */
function failedShape(dialect: Dialect, error: string): ModelShape {
  return {
    parse: 'failed',
    error,
    dialect,
    columns: [],
    unresolvedStars: [],
    relations: [],
    relationLines: {},
    ...emptyRowSetClauses(),
    columnsUsed: {},
    ctes: [],
    rewrites: [],
  };
}

/** Line of each output column name in the final select list (for columns whose AST node carries no location). */
function columnLineHints(sql: string, dialect: Dialect): Map<string, number> {
  const hints = new Map<string, number>();
  try {
    const t = extractTolerant(sql, dialect);
    for (const c of t?.columns ?? []) if (c.line !== undefined && !hints.has(c.name)) hints.set(c.name, c.line);
  } catch {
    // hints are best effort
  }
  return hints;
}

/**
 * Columns of `relation` that the query's result depends on: the ones its output columns, filters, joins, grain,
 * ordering and set operations are computed from (`*` when it passes all of them through and they are unknown).
 * A column that only flows into a CTE's `select *` and is never used after is not a dependency: removing it
 * upstream changes nothing here. Falls back to every column read when a canonical form was too long to keep.
 */
export function columnsUsedFrom(shape: ModelShape, relation: string): string[] {
  const key = relation.toLowerCase();
  const readKey = key in shape.columnsUsed ? key : Object.keys(shape.columnsUsed).find((k) => k.endsWith(`.${key}`));
  const read = readKey ? shape.columnsUsed[readKey]! : [];
  if (!readKey || read.includes('*') || shape.parse !== 'full') return read;
  const canonicals = shapeCanonicals(shape);
  if (canonicals.some((c) => /^#[0-9a-z]+:\d+$/.test(c))) return read;
  const used = new Set(columnsReadIn(canonicals, readKey));
  return read.filter((c) => used.has(c));
}
