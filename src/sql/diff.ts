/**
 * The semantic diff of two model shapes: typed changes, each with its impact, whether it breaks consumers, and
 * the line it is about (head SQL, or base SQL for removals).
 */
import { DEDUP_ORDER, REL_CLOSE, REL_OPEN, SETOP_BRANCH, dedupKeyText, fanOutAddedEffect, fanOutChangedEffect, SETOP_SEPARATOR, columnSite, columnsReadIn, shapeCanonicals, parseSetOpBranchText, display, groupByAllColumns, isGenericFamily, outerFilter, outsideQuotes, relMark, snippet, splitTopLevel, swapRelation, typesDiffer, outerFilterMark, type OuterSide } from './canonical.js';
import type { Clause, ColumnSite, GrainClause, JoinShape, MissingColumn, ModelShape, OutputColumn, SqlChange, UnresolvedStar } from './types.js';
import { codeSpan } from '../review/code-span.js';
import { mention, type LineMention } from './line-mentions.js';
import { groupBy } from '../collections.js';


/** Model-level impact: the strongest over the changes (`unknown` wins: something could not be analysed). */
function modelWide(kind: SqlChange['kind'], detail: string, line: number | undefined, side: 'base' | 'head'): SqlChange {
  return { kind, detail, line, side, impact: 'model_wide', breaking: true };
}

/** A model-wide change whose detail says all there is to say about its effect (see `SqlChange.settled`). */
function settled(change: SqlChange): SqlChange {
  return { ...change, settled: true };
}

/** A left join made inner (or back): the one type change whose effect on the rows is exact. */
function isLeftInnerSwap(from: string, to: string): boolean {
  return (from === 'left' && to === 'inner') || (from === 'inner' && to === 'left');
}

/**
 * What a join's type change does to the rows, with `x` the joined relation (as written). Each outer type keeps the
 * unmatched rows of a side: a left join those of the other side (the rows it joins `x` to), a right join those of
 * `x`, a full join both; the change is the sides that stopped or started being kept.
 */
function joinTypeEffect(from: string, to: string, x: string, nowFiltering: readonly Clause[] = [], nowOptional: readonly Clause[] = []): string {
  // the ON conditions on the joined side alone, which the outer join kept the rows through (or now does)
  const conds = (cs: readonly Clause[]): string => cs.map((c) => codeSpan(c.text)).join(' and ');
  if (isLeftInnerSwap(from, to) && to === 'inner' && nowFiltering.length > 0) return ` (rows without a match, or whose matches all fail ${conds(nowFiltering)}, are now dropped)`;
  if (isLeftInnerSwap(from, to) && to !== 'inner' && nowOptional.length > 0) return ` (rows without a match, or whose matches all fail ${conds(nowOptional)}, are now kept, with NULLs in its columns)`;
  if (isLeftInnerSwap(from, to)) return to === 'inner' ? ' (rows without a match are now dropped)' : ' (rows without a match are now kept, with NULLs in its columns)';
  const keeps: Record<string, [other: boolean, joined: boolean]> = { inner: [false, false], left: [true, false], right: [false, true], full: [true, true] };
  const before = keeps[from];
  const after = keeps[to];
  if (!before || !after) return to === 'inner' ? ' (rows without a match are now dropped)' : '';
  const effects: string[] = [];
  if (before[0] && !after[0]) effects.push(`rows without a match in ${codeSpan(x)} are now dropped`);
  if (!before[0] && after[0]) effects.push(`rows without a match in ${codeSpan(x)} are now kept, with NULLs in its columns`);
  if (before[1] && !after[1]) effects.push(`rows of ${codeSpan(x)} without a match no longer appear`);
  if (!before[1] && after[1]) effects.push(`rows of ${codeSpan(x)} without a match are now added, with NULLs in the other side's columns: a key taken from the other side is NULL on them, so its \`not_null\` and \`unique\` tests can fail`);
  return effects.length > 0 ? ` (${effects.join('; ')})` : '';
}

/** What removing a join of this type with relation `x` (as written) does to the rows. */
function joinRemovedEffect(type: string, x: string): string {
  const t = type.replace(/^natural ?/, '') || 'inner';
  const once = `rows that matched several rows of ${codeSpan(x)} now appear once`;
  if (t === 'inner') return `rows without a match in ${codeSpan(x)}, which it dropped, now appear, and ${once}`;
  if (t === 'left') return once;
  if (t === 'right') return `rows of ${codeSpan(x)} without a match no longer appear, rows without a match in ${codeSpan(x)}, which it dropped, now appear, and ${once}`;
  if (t === 'full') return `rows of ${codeSpan(x)} without a match no longer appear, and ${once}`;
  if (t === 'cross') return `rows are no longer repeated once per row of ${codeSpan(x)}`;
  if (/semi$/.test(t)) return `rows without a match in ${codeSpan(x)}, which it dropped, now appear`;
  if (/anti$/.test(t)) return `rows with a match in ${codeSpan(x)}, which it dropped, now appear`;
  return 'rows it dropped or multiplied can change';
}

/** What a newly added join of this type with relation `x` (as written) does to the rows. */
function joinAddedEffect(type: string, x: string): string {
  const t = type.replace(/^natural ?/, '') || 'inner';
  const multiply = `rows with several matches in ${codeSpan(x)} multiply`;
  if (t === 'inner') return `rows without a match in ${codeSpan(x)} are dropped, ${multiply}`;
  if (t === 'left') return `${multiply}; rows without a match are kept, with NULLs in the columns of ${codeSpan(x)}`;
  if (t === 'right') return `${multiply}; rows without a match in ${codeSpan(x)} are dropped, and rows of ${codeSpan(x)} without a match are added`;
  if (t === 'full') return `${multiply}; rows of ${codeSpan(x)} without a match are added, with NULLs in the other columns`;
  if (t === 'cross') return `every row is repeated once per row of ${codeSpan(x)}`;
  if (/semi$/.test(t)) return `rows without a match in ${codeSpan(x)} are dropped`;
  if (/anti$/.test(t)) return `rows with a match in ${codeSpan(x)} are dropped`;
  return 'rows can multiply or be dropped';
}

const OPTIONAL_SIDE = (side: 'left' | 'right'): string => `on the optional side of a ${side} join`;

/**
 * A whole filter added (side 'head') or removed ('base'). A row filter's consequence is settled; one on the optional
 * side of a left or right join keeps the rows (it decides which get NULLs, and how many rows a match multiplies
 * into), and one on a side of a full join removes only that side's unmatched rows: those are left to judge.
 */
function filterAddedOrRemoved(c: Clause, side: 'base' | 'head', joinNowInner = false): SqlChange {
  const outer = outerFilter(c.canonical).side;
  const what = side === 'head' ? `filter added: ${codeSpan(c.text)}` : `filter removed: ${codeSpan(c.text)}`;
  if (outer === undefined) {
    return settled(modelWide('filter_changed', side === 'head' ? `${what} (rows for which it is false or NULL are removed for every consumer)` : `${what} (rows that were excluded now appear)`, c.line, side));
  }
  if (outer === 'full') {
    const effect = side === 'head'
      ? 'on a side of a full join: that side\'s rows for which it is false or NULL no longer appear, and the rows they matched are kept with NULLs in their columns'
      : 'on a side of a full join: that side\'s rows it excluded now appear, joined where they match';
    return modelWide('filter_changed', `${what} (${effect})`, c.line, side);
  }
  if (side === 'base' && joinNowInner) {
    // the join whose optional side it filtered is inner now: the type change tells which rows are dropped
    return { ...modelWide('filter_changed', `${what} (it was ${OPTIONAL_SIDE(outer)} that is now inner: joined columns that were NULL where it was false now have values, and a row can now match more joined rows)`, c.line, side), breaking: false };
  }
  const effect = side === 'head'
    ? 'every row of the other side is kept, and the joined columns become NULL where the filter is false or NULL; a row that matched several joined rows can now match fewer'
    : 'every row of the other side is kept, and joined columns that were NULL where it was false can now have values; a row can now match more joined rows';
  return { ...modelWide('filter_changed', `${what} (${OPTIONAL_SIDE(outer)}: ${effect})`, c.line, side), breaking: false };
}

/** What a branch added to or removed from a set operation does to the rows. */
function branchChange(c: Clause, how: 'added' | 'removed'): string {
  const { operator, relations } = parseSetOpBranchText(c.text);
  const what = relations ? `${codeSpan(relations)}` : 'a select without a relation';
  if (!operator || operator.startsWith('union')) {
    const op = operator ?? 'union';
    return how === 'added' ? `a ${codeSpan(op)} branch was added: rows from ${what} are appended` : `a ${codeSpan(op)} branch was removed: rows from ${what} no longer appear`;
  }
  return `a branch reading ${what} was ${how === 'added' ? 'added to' : 'removed from'} the ${codeSpan(operator)}: which rows are kept changes`;
}

/** The effect of `union` made `union all` (and back), when that is the whole change. */
function setOperatorEffect(from: string, to: string): string {
  if (from === 'union' && to === 'union all') return ' (duplicate rows are now kept)';
  if (from === 'union all' && to === 'union') return ' (duplicate rows are now removed)';
  return '';
}

/** The columns a canonical form reads (`⟦relation⟧.name`), without the relation marks' order mattering. */
function columnsOf(canonical: string): Set<string> {
  const out = new Set<string>();
  const re = new RegExp(`${REL_OPEN}[^${REL_CLOSE}]*${REL_CLOSE}\\.("[^"]*"|[^\\s,()=<>!+\\-*/|'"${REL_OPEN}${REL_CLOSE}\u2016.:;[\\]]+)`, 'g');
  for (const m of canonical.matchAll(re)) out.add(m[0]);
  return out;
}

/** The words of a canonical form (operators, columns, literals), for a similarity between two predicates. */
function wordsOf(canonical: string): Set<string> {
  return new Set(canonical.toLowerCase().split(/[\s,()\u27e6\u27e7]+/).filter(Boolean));
}

function jaccard<T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number {
  if (a.size === 0 && b.size === 0) return 0;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / (a.size + b.size - shared);
}

/** Which clause a filter is: a `where` (or ON) conjunct, a `having` or a `qualify` one. */
function filterClause(c: Clause): string {
  return /^(having|qualify) /.exec(outerFilter(c.canonical).canonical)?.[1] ?? 'where';
}

/**
 * Pairs the removed and the added filter conjuncts that test the same thing, so a change is told as one predicate
 * made into another: first those of the same clause that read the same columns (the most alike first), then those
 * that make the same test of other columns (a renamed column). What is left pairs by position only when a predicate
 * reads no column (its columns cannot tell); the rest are whole predicates removed or added, each with its
 * consequence (pairing `is_test = false` with `region = 'eu'` would hide that test rows now appear).
 */
function pairFilters(gone: readonly Clause[], added: readonly Clause[]): { paired: [Clause, Clause][]; onlyBase: Clause[]; onlyHead: Clause[] } {
  const info = (c: Clause) => {
    const { canonical, side } = outerFilter(c.canonical);
    const columns = columnsOf(canonical);
    let shape = canonical;
    for (const col of columns) shape = shape.split(col).join('?');
    return { clause: filterClause(c), side, columns, words: wordsOf(canonical), shape };
  };
  const g = gone.map(info);
  const a = added.map(info);
  const candidates: { i: number; j: number; score: number }[] = [];
  for (let i = 0; i < g.length; i++) {
    for (let j = 0; j < a.length; j++) {
      const x = g[i]!;
      const y = a[j]!;
      if (x.clause !== y.clause) continue;
      const cols = jaccard(x.columns, y.columns);
      const sameTest = x.columns.size > 0 && y.columns.size > 0 && x.shape === y.shape;
      if (cols === 0 && !sameTest) continue;
      // columns first, then the words they share, then the same side of an outer join
      candidates.push({ i, j, score: (cols > 0 ? 2 + cols : 1) + jaccard(x.words, y.words) / 2 + (x.side === y.side ? 0.01 : 0) });
    }
  }
  candidates.sort((p, q) => q.score - p.score || p.i - q.i || p.j - q.j);
  const usedG = new Set<number>();
  const usedA = new Set<number>();
  const pairs: [number, number][] = [];
  for (const { i, j } of candidates) {
    if (usedG.has(i) || usedA.has(j)) continue;
    usedG.add(i);
    usedA.add(j);
    pairs.push([i, j]);
  }
  // by position: a predicate that reads no column, with the next one of the same clause on the other side
  const restG = g.map((_, i) => i).filter((i) => !usedG.has(i));
  const restA = a.map((_, j) => j).filter((j) => !usedA.has(j));
  for (const i of restG) {
    const j = restA.find((k) => !usedA.has(k) && a[k]!.clause === g[i]!.clause && (g[i]!.columns.size === 0 || a[k]!.columns.size === 0));
    if (j === undefined) continue;
    usedG.add(i);
    usedA.add(j);
    pairs.push([i, j]);
  }
  pairs.sort((p, q) => p[1] - q[1]);
  return {
    paired: pairs.map(([i, j]) => [gone[i]!, added[j]!]),
    onlyBase: gone.filter((_, i) => !usedG.has(i)),
    onlyHead: added.filter((_, j) => !usedA.has(j)),
  };
}

/** The conjuncts of a canonical join condition (canonical forms ANDed at the top level, as the analysis joins them). */
function conditionConjuncts(condition: string): string[] {
  return condition === '' ? [] : splitTopLevel(condition, ' and ');
}

/** Removes one element equal to `x` from `list`; true when there was one. */
function takeOne<T>(list: T[], match: (y: T) => boolean): T | undefined {
  const i = list.findIndex(match);
  return i < 0 ? undefined : list.splice(i, 1)[0];
}

type JoinStep =
  | { kind: 'added' | 'removed'; join: JoinShape }
  | {
      kind: 'matched';
      b: JoinShape;
      a: JoinShape;
      conditionChanged: boolean;
      /** The join was inner (or cross) and is again, and its rows are the same (a `where` predicate moved into its ON). */
      sameRows: boolean;
      /** Filters of the optional side of the base's outer join that, as ON conditions of the head's inner join, now drop rows. */
      optionalNowFiltering: Clause[];
      /** ON conditions of the base's inner join that are now filters of the head's outer join's optional side. */
      filteringNowOptional: Clause[];
      /** Base `where` filters that moved into the head's inner join ON, changed (the conjunct reads the same columns). */
      movedIn: Clause[];
      /** Head `where` filters that an ON condition of the base's inner join moved to, changed. */
      movedOut: Clause[];
    };

/**
 * Matches the changed joins of the two revisions by what they join, and compares each pair's conditions conjunct by
 * conjunct. A conjunct is not a change of its own when it still tests the same rows elsewhere, and it is taken out
 * of the filters (`baseFilters`, `headFilters`, changed in place) so that it is not reported as a filter either:
 * - a conjunct of an inner join's ON is a row filter like a `where` one: moved between the two, it is the same
 *   query (unless a right or full join, which keeps rows that a `where` would remove, is in the model);
 * - the only join of a model over two relations, its sides swapped (`a left join b` as `b right join a`), is the same;
 * - a left (right) join made inner keeps its ON: the conjuncts on the joined side alone, which the analysis told as
 *   filters of the optional side, are the same conditions, now dropping rows: the type change says so.
 */
function matchJoins(goneJoins: readonly JoinShape[], addedJoins: readonly JoinShape[], baseFilters: Clause[], headFilters: Clause[], rightOrFull: boolean, swapped: boolean): JoinStep[] {
  const steps: JoinStep[] = [];
  const unmatchedBase = [...goneJoins];
  const count = (list: readonly Clause[], canonical: string): number => list.filter((c) => c.canonical === canonical).length;
  // a filter of one revision that the other does not have as a filter (as many times)
  const unmatchedFilter = (from: Clause[], other: readonly Clause[], canonical: string): Clause | undefined =>
    count(from, canonical) > count(other, canonical) ? takeOne(from, (c) => c.canonical === canonical) : undefined;
  const optionalSide = (type: string): OuterSide | undefined => (type === 'left' || type === 'right' ? type : undefined);
  const innerLike = (j: JoinShape): boolean => j.type === 'inner' || (j.type === 'cross' && j.condition === '');
  for (const a of addedJoins) {
    const i = unmatchedBase.findIndex((b) => b.target === a.target);
    if (i < 0) {
      steps.push({ kind: 'added', join: a });
      continue;
    }
    const b = unmatchedBase.splice(i, 1)[0]!;
    const [bOnly, aOnly] = clauseDiff(conditionConjuncts(b.condition).map((canonical) => ({ canonical, text: '' })), conditionConjuncts(a.condition).map((canonical) => ({ canonical, text: '' })));
    const optionalNowFiltering: Clause[] = [];
    const filteringNowOptional: Clause[] = [];
    const baseSide = optionalSide(b.type);
    const headSide = optionalSide(a.type);
    if (a.type === 'inner' && baseSide) {
      for (const x of [...aOnly]) {
        const f = unmatchedFilter(baseFilters, headFilters, `${outerFilterMark(baseSide)}${x.canonical}`);
        if (f) (optionalNowFiltering.push(f), aOnly.splice(aOnly.indexOf(x), 1));
      }
    }
    if (b.type === 'inner' && headSide) {
      for (const y of [...bOnly]) {
        const f = unmatchedFilter(headFilters, baseFilters, `${outerFilterMark(headSide)}${y.canonical}`);
        if (f) (filteringNowOptional.push(f), bOnly.splice(bOnly.indexOf(y), 1));
      }
    }
    if (!rightOrFull) {
      if (innerLike(a)) {
        for (const x of [...aOnly]) if (unmatchedFilter(baseFilters, headFilters, x.canonical)) aOnly.splice(aOnly.indexOf(x), 1);
      }
      if (innerLike(b)) {
        for (const y of [...bOnly]) if (unmatchedFilter(headFilters, baseFilters, y.canonical)) bOnly.splice(bOnly.indexOf(y), 1);
      }
    }
    // a `where` filter moved into an inner join's ON (or out of it) and changed on the way: one change, of the join
    const movedIn: Clause[] = [];
    const movedOut: Clause[] = [];
    const movedWith = (conjuncts: readonly Clause[], from: Clause[], other: readonly Clause[], into: Clause[]): void => {
      for (const x of conjuncts) {
        const cols = columnsOf(x.canonical);
        const f = from.find((c) => outerFilter(c.canonical).side === undefined && filterClause(c) === 'where' && count(other, c.canonical) < count(from, c.canonical) && [...columnsOf(c.canonical)].some((col) => cols.has(col)));
        if (f) into.push(takeOne(from, (c) => c === f)!);
      }
    };
    if (!rightOrFull && innerLike(a) && innerLike(b)) {
      movedWith(aOnly, baseFilters, headFilters, movedIn);
      movedWith(bOnly, headFilters, baseFilters, movedOut);
    }
    const conditionChanged = bOnly.length > 0 || aOnly.length > 0 || (b.condition.startsWith('using(') !== a.condition.startsWith('using(') && b.condition !== a.condition);
    steps.push({ kind: 'matched', b, a, conditionChanged, sameRows: innerLike(a) && innerLike(b) && !conditionChanged && !rightOrFull, optionalNowFiltering, filteringNowOptional, movedIn, movedOut });
  }
  for (const b of unmatchedBase) steps.push({ kind: 'removed', join: b });
  // `a left join b` written `b right join a` (or an inner or full join with its sides swapped): the only join of
  // both revisions, over the same relations and on the same condition, is the same query
  const [added, removed] = [steps.filter((x) => x.kind === 'added'), steps.filter((x) => x.kind === 'removed')];
  if (swapped && steps.length === 2 && added.length === 1 && removed.length === 1) {
    const a = (added[0] as { join: JoinShape }).join;
    const b = (removed[0] as { join: JoinShape }).join;
    const mirror: Record<string, string> = { left: 'right', right: 'left', inner: 'inner', full: 'full' };
    if (a.target !== b.target && a.condition === b.condition && a.condition !== '' && mirror[b.type] === a.type) {
      // the optional side's filters are the same side's, whichever way the join is written
      if (a.type !== b.type) {
        const from = outerFilterMark(a.type as OuterSide);
        for (let i = 0; i < headFilters.length; i++) {
          const f = headFilters[i]!;
          if (f.canonical.startsWith(from)) headFilters[i] = { ...f, canonical: `${outerFilterMark(b.type as OuterSide)}${f.canonical.slice(from.length)}` };
        }
      }
      return [];
    }
  }
  return steps;
}

/** Multiset difference of clauses by canonical form: [only in base, only in head]. */
function clauseDiff<T extends Clause>(base: readonly T[], head: readonly T[], key: (c: T) => string = (c) => c.canonical): [T[], T[]] {
  const remaining = new Map<string, number>();
  for (const h of head) remaining.set(key(h), (remaining.get(key(h)) ?? 0) + 1);
  const onlyBase: T[] = [];
  for (const b of base) {
    const n = remaining.get(key(b)) ?? 0;
    if (n > 0) remaining.set(key(b), n - 1);
    else onlyBase.push(b);
  }
  const matched = new Map<string, number>();
  for (const b of base) matched.set(key(b), (matched.get(key(b)) ?? 0) + 1);
  const onlyHead: T[] = [];
  for (const h of head) {
    const n = matched.get(key(h)) ?? 0;
    if (n > 0) matched.set(key(h), n - 1);
    else onlyHead.push(h);
  }
  return [onlyBase, onlyHead];
}

/** Compares two analysed revisions of one model. */
/**
 * @param renamed Models the same change renamed, lower-cased old name -> new name: a reader that follows the rename
 *   (`ref('old')` -> `ref('new')`) reads the same rows, which is no change of its own (the rename is reported on
 *   the renamed model).
 */
/** Whether `relation` is read only inside scalar subqueries of output columns (not by the rows' own clauses). */
function onlyInColumnSubqueries(shape: ModelShape, relation: string): boolean {
  const mark = relMark(relation);
  const inColumns = shape.columns.filter((c) => c.expr.includes(mark));
  if (inColumns.length === 0 || inColumns.some((c) => !c.expr.includes('subquery(') || c.expr.indexOf(mark) < c.expr.indexOf('subquery('))) return false;
  const rowClauses = [...shape.filters, ...shape.joins, ...shape.grain, ...shape.fanOut, ...shape.orderLimit].map((c) => c.canonical);
  return !rowClauses.some((c) => c.includes(mark)) && !shape.joins.some((j) => j.target.includes(mark) || j.relations.includes(relation));
}

export function diffShapes(base: ModelShape, head: ModelShape, renamed: ReadonlyMap<string, string> = new Map()): SqlChange[] {
  if (base.parse === 'failed' || head.parse === 'failed') {
    const side = head.parse === 'failed' ? 'head' : 'base';
    const failed = side === 'head' ? head : base;
    return [{ kind: 'unknown', detail: `the ${side} SQL could not be analysed: ${failed.error ?? 'unparsed'}`, side, impact: 'unknown', breaking: false }];
  }
  const changes: SqlChange[] = [];

  // relations swapped (ref/source replaced): map base names to head names for every later comparison
  const removedRels = base.relations.filter((r) => !head.relations.includes(r)).sort((a, b) => (base.relationLines[a] ?? 0) - (base.relationLines[b] ?? 0));
  const addedRels = head.relations.filter((r) => !base.relations.includes(r)).sort((a, b) => (head.relationLines[a] ?? 0) - (head.relationLines[b] ?? 0));
  const pairs: [string, string][] = [];
  for (let i = 0; i < Math.min(removedRels.length, addedRels.length); i++) pairs.push([removedRels[i]!, addedRels[i]!]);
  for (const [from, to] of pairs) {
    if (renamed.get(from.toLowerCase()) === to.toLowerCase()) continue;
    changes.push(modelWide('source_changed', `reads ${codeSpan(to)} instead of ${codeSpan(from)}: every value from it may differ`, head.relationLines[to], 'head'));
  }
  const map = (c: string): string => pairs.reduce((acc, [from, to]) => swapRelation(acc, from, to), c);
  const mapClause = <T extends Clause>(c: T): T => ({ ...c, canonical: map(c.canonical) });
  const mapJoin = (j: JoinShape): JoinShape => ({ ...j, canonical: map(j.canonical), target: map(j.target), condition: map(j.condition), relations: j.relations.map((r) => pairs.find(([f]) => f === r)?.[1] ?? r) });

  if (base.parse !== head.parse) {
    changes.push(...diffColumnNames(base.columns, head.columns));
    changes.push({
      kind: 'unknown',
      detail: `the ${base.parse === 'full' ? 'head' : 'base'} SQL could only be read tolerantly (${(base.parse === 'full' ? head : base).error ?? 'unparsed'}); expressions, filters and joins were not compared`,
      side: 'head',
      impact: 'unknown',
      breaking: false,
    });
    return changes;
  }

  // columns read from a CTE or subquery that no longer selects them: the model does not compile, and what reads them
  // is not a redefinition of a column (it is an error)
  const missing = newlyMissing(base, head);
  changes.push(...missingColumnChanges(missing));
  const brokenMarks = [...new Set(missing.map((m) => `${relMark('?')}.${m.column}`))];
  const readsMissing = (canonical: string): boolean => brokenMarks.some((mark) => readsMark(canonical, mark));
  /** A change that only shows that the head reads a missing column (same text on both sides): not told. */
  const broken = (b: { text: string }, a: { text: string; canonical: string }): boolean => normalText(b.text) === normalText(a.text) && readsMissing(a.canonical);

  changes.push(...diffColumns(base, head, map, readsMissing));

  // joins, matched by what they join before the filters are compared: an ON conjunct can stand for a filter
  const baseFilters = base.filters.map(mapClause);
  const headFilters = [...head.filters];
  const [goneJoins, addedJoins] = clauseDiff(base.joins.map(mapJoin), head.joins);
  const joinSteps = matchJoins(goneJoins, addedJoins, baseFilters, headFilters, [...base.joins, ...head.joins].some((j) => /right|full/.test(j.type)), base.joins.length === 1 && head.joins.length === 1 && base.relations.length === 2 && base.relations.every((r) => head.relations.includes(r)));

  // filters (one on the optional side of an outer join keeps the model's rows: left to judge, not breaking)
  {
    // the same condition on another side (a `where` filter moved into a left join's ON): which rows are kept changes
    const [goneAny, addedAny] = clauseDiff(baseFilters, headFilters);
    const [gone, added] = clauseDiff(goneAny, addedAny, (c) => outerFilter(c.canonical).canonical);
    for (const a of addedAny) {
      if (added.includes(a)) continue;
      const g = goneAny.find((x) => !gone.includes(x) && outerFilter(x.canonical).canonical === outerFilter(a.canonical).canonical);
      if (!g) continue;
      goneAny.splice(goneAny.indexOf(g), 1);
      const where = (c: Clause): string => {
        const side = outerFilter(c.canonical).side;
        return side === undefined ? 'a row filter' : side === 'full' ? 'on a side of a full join' : OPTIONAL_SIDE(side);
      };
      const effect = outerFilter(g.canonical).side === undefined ? ': rows it removed can now appear' : outerFilter(a.canonical).side === undefined ? ': rows for which it is false or NULL are now removed' : '';
      changes.push(modelWide('filter_changed', `filter ${codeSpan(g.text)} was ${where(g)}, is now ${where(a)} (${codeSpan(a.text)})${effect}`, a.line, 'head'));
    }
    const { paired, onlyBase, onlyHead } = pairFilters(gone, added);
    for (const [g, a] of paired) {
      if (broken(g, a)) continue;
      const side = outerFilter(a.canonical).side;
      const optional = side !== undefined && side !== 'full' && outerFilter(g.canonical).side === side;
      const change = modelWide('filter_changed', `filter ${codeSpan(g.text)} → ${codeSpan(a.text)}${sameText(g, a)}${optional ? ` (${OPTIONAL_SIDE(side)}: every row of the other side is kept, the joined columns' values can change)` : ''}`, a.line, 'head');
      changes.push(optional ? { ...change, breaking: false } : change);
    }
    for (const a of onlyHead) changes.push(filterAddedOrRemoved(a, 'head'));
    // the relations of the joins that were outer and are now inner
    const nowInner = joinSteps.flatMap((j) => (j.kind === 'matched' && j.a.type === 'inner' && (j.b.type === 'left' || j.b.type === 'right') ? j.a.relations.map(relMark) : []));
    const ofNowInner = (g: Clause): boolean => {
      const cols = [...columnsOf(outerFilter(g.canonical).canonical)];
      return cols.length > 0 && cols.every((col) => nowInner.some((r) => col.startsWith(`${r}.`)));
    };
    for (const g of onlyBase) changes.push(filterAddedOrRemoved(g, 'base', outerFilter(g.canonical).side !== undefined && ofNowInner(g)));
  }

  // joins
  for (const step of joinSteps) {
    if (step.kind !== 'matched') {
      const j = step.join;
      if (step.kind === 'added') changes.push(modelWide('join_changed', `join added: ${codeSpan(j.text)} (${joinAddedEffect(j.type, j.relations.join(', ') || display(j.target))})`, j.line, 'head'));
      else changes.push(modelWide('join_changed', `join removed: ${codeSpan(j.text)} (${joinRemovedEffect(j.type, j.relations.join(', ') || display(j.target))})`, j.line, 'base'));
      continue;
    }
    const { b, a, conditionChanged, optionalNowFiltering, filteringNowOptional, movedIn, movedOut } = step;
    if (b.type !== a.type && !step.sameRows) {
      const change = modelWide('join_changed', `join type of ${codeSpan(a.relations.join(', ') || display(a.target))} changed: ${b.type} → ${a.type}${joinTypeEffect(b.type, a.type, a.relations.join(', ') || display(a.target), optionalNowFiltering, filteringNowOptional)}`, a.line, 'head');
      changes.push(isLeftInnerSwap(b.type, a.type) ? settled(change) : change);
    }
    if (conditionChanged && !broken(b, a)) {
      const why = normalText(b.text) === normalText(a.text) ? ' (same text, but a column it compares was redefined upstream, e.g. in a CTE)' : '';
      const moved = [
        ...movedIn.map((f) => `the \`where\` filter ${codeSpan(f.text)} moved into this ON and changed`),
        ...movedOut.map((f) => `a condition of this ON moved to the \`where\` filter ${codeSpan(f.text)} and changed`),
      ];
      const note = moved.length > 0 ? ` (${moved.join('; ')}: in an inner join, an ON condition filters the rows as a \`where\` one does)` : why;
      changes.push(modelWide('join_changed', `join condition changed: ${codeSpan(b.text)} → ${codeSpan(a.text)}${note}`, a.line, 'head'));
    }
  }

  // relations added or removed without a swap and not explained by a join change, nor by the column whose scalar
  // subquery alone reads them (`(select count(*) from items i where i.order_id = o.id) as n_items`: a column's value)
  const explained = new Set([...addedJoins, ...goneJoins].flatMap((j) => j.relations));
  for (const [shape, rels] of [[head, addedRels], [base, removedRels]] as const) {
    for (const r of rels) if (onlyInColumnSubqueries(shape, r)) explained.add(r);
  }
  for (const r of addedRels.slice(pairs.length)) if (!explained.has(r) && !head.setOperations.length) changes.push(modelWide('source_changed', `now also reads ${codeSpan(r)}`, head.relationLines[r], 'head'));
  for (const r of removedRels.slice(pairs.length)) if (!explained.has(r) && !base.setOperations.length) changes.push(modelWide('source_changed', `no longer reads ${codeSpan(r)}`, base.relationLines[r], 'base'));

  // grain, distinct
  const isDistinct = (g: GrainClause): boolean => g.kind === 'distinct' || g.kind === 'distinct_on';
  for (const distinct of [false, true]) {
    const kind = distinct ? 'distinct_changed' : 'grain_changed';
    const [gone, added] = clauseDiff(base.grain.filter((g) => isDistinct(g) === distinct).map(mapClause), head.grain.filter((g) => isDistinct(g) === distinct));
    const n = Math.min(gone.length, added.length);
    for (let i = 0; i < n; i++) {
      if (broken(gone[i]!, added[i]!)) continue;
      const all = groupByAllChange(gone[i]!, added[i]!, base, head, map);
      changes.push(modelWide(kind, all?.detail ?? `${codeSpan(gone[i]!.text)} → ${codeSpan(added[i]!.text)}${sameText(gone[i]!, added[i]!)}`, all?.line ?? added[i]!.line, 'head'));
    }
    for (const a of added.slice(n)) changes.push(modelWide(kind, `added: ${codeSpan(a.text)} (${a.kind === 'distinct' || a.kind === 'distinct_on' || a.kind === 'qualify' ? 'duplicate rows collapse' : 'one row per group now'})`, a.line, 'head'));
    for (const g of gone.slice(n)) changes.push(modelWide(kind, `removed: ${codeSpan(g.text)} (${g.kind === 'distinct' || g.kind === 'distinct_on' || g.kind === 'qualify' ? 'duplicates can reappear' : 'rows are no longer grouped'})`, g.line, 'base'));
  }

  // fan-out
  {
    const [gone, added] = clauseDiff(base.fanOut.map(mapClause), head.fanOut);
    // one edit of a fan-out (`lateral flatten(input => a)` → `input => b`) is one change
    const where = (c: Clause): string => c.canonical.slice(0, c.canonical.indexOf(':') + 1);
    for (const a of added) {
      const i = gone.findIndex((g) => where(g) === where(a));
      if (i >= 0) {
        const g = gone.splice(i, 1)[0]!;
        if (broken(g, a)) continue;
        changes.push(modelWide('grain_changed', `fan-out changed: ${codeSpan(g.text)} → ${codeSpan(a.text)}${sameText(g, a)}: ${fanOutChangedEffect(g.canonical, a.canonical)}`, a.line, 'head'));
      } else changes.push(modelWide('grain_changed', `fan-out added: ${codeSpan(a.text)} multiplies rows (${fanOutAddedEffect(a.canonical)})`, a.line, 'head'));
    }
    for (const g of gone) changes.push(modelWide('grain_changed', `fan-out removed: ${codeSpan(g.text)}`, g.line, 'base'));
  }

  // set operations: their operators, and their branches (by the relations each reads)
  {
    const isBranch = (c: Clause): boolean => c.canonical.startsWith(SETOP_BRANCH);
    const [gone, added] = clauseDiff(base.setOperations.filter((c) => !isBranch(c)).map(mapClause), head.setOperations.filter((c) => !isBranch(c)));
    const [goneBranches, newBranches] = clauseDiff(base.setOperations.filter(isBranch).map(mapClause), head.setOperations.filter(isBranch));
    const n = Math.min(gone.length, added.length);
    for (let i = 0; i < n; i++) changes.push(modelWide('set_operation_changed', `${codeSpan(gone[i]!.text)} → ${codeSpan(added[i]!.text)}${setOperatorEffect(gone[i]!.text, added[i]!.text)}`, added[i]!.line, 'head'));
    // a set operation reduced to one branch (or made of a query and new branches): that branch is the query
    const readBy = (shape: ModelShape, c: Clause): boolean => c.canonical.slice(SETOP_BRANCH.length).split(',').every((r) => shape.relations.some((x) => map(relMark(x)) === r));
    const removedBranches = gone.length > n ? goneBranches.filter((b) => !readBy(head, b)) : goneBranches;
    const addedBranches = added.length > n ? newBranches.filter((a) => !readBy(base, a)) : newBranches;
    for (const a of addedBranches) changes.push(modelWide('set_operation_changed', branchChange(a, 'added'), a.line, 'head'));
    for (const g of removedBranches) changes.push(modelWide('set_operation_changed', branchChange(g, 'removed'), g.line, 'base'));
    if (addedBranches.length === 0) for (const a of added.slice(n)) changes.push(modelWide('set_operation_changed', `set operation added: ${codeSpan(a.text)}`, a.line, 'head'));
    if (removedBranches.length === 0) for (const g of gone.slice(n)) changes.push(modelWide('set_operation_changed', `set operation removed: ${codeSpan(g.text)}`, g.line, 'base'));
  }

  // the order of a row_number() dedup: which row of a key is kept (the dedup itself is in the grain)
  {
    const isDedup = (c: Clause): boolean => c.canonical.startsWith(DEDUP_ORDER);
    const partitionOf = (c: Clause): string => c.canonical.slice(0, c.canonical.indexOf(' order('));
    const [gone, added] = clauseDiff(base.orderLimit.filter(isDedup).map(mapClause), head.orderLimit.filter(isDedup));
    for (const a of added) {
      const i = gone.findIndex((g) => partitionOf(g) === partitionOf(a));
      if (i < 0) continue; // a dedup added or re-keyed: reported as a grain change
      const b = gone.splice(i, 1)[0]!;
      if (broken(b, a)) continue;
      const key = dedupKeyText(a.text);
      changes.push({
        kind: 'order_limit_changed',
        detail: `${codeSpan(b.text)} → ${codeSpan(a.text)}${sameText(b, a)}: still one row per ${key ? `${codeSpan(snippet(key, 60))}` : 'partition'}, but which row is kept when there are several (and so the values of the other columns) can change`,
        line: a.line,
        side: 'head',
        impact: 'model_wide',
        breaking: false,
      });
    }
  }

  // order + limit/offset
  {
    const notDedup = (c: Clause): boolean => !c.canonical.startsWith(DEDUP_ORDER);
    const [gone, added] = clauseDiff(base.orderLimit.filter(notDedup).map(mapClause), head.orderLimit.filter(notDedup));
    const n = Math.min(gone.length, added.length);
    for (let i = 0; i < n; i++) changes.push(modelWide('order_limit_changed', `${codeSpan(gone[i]!.text)} → ${codeSpan(added[i]!.text)} (a different set of rows survives)`, added[i]!.line, 'head'));
    for (const a of added.slice(n)) changes.push(modelWide('order_limit_changed', `${a.text} added: only part of the rows survive`, a.line, 'head'));
    for (const g of gone.slice(n)) changes.push(modelWide('order_limit_changed', `${g.text} removed: all rows are returned now`, g.line, 'base'));
  }
  return changes;
}

/** Whether `canonical` reads `mark` (`⟦?⟧.customer_id`, not `⟦?⟧.customer_id_2`). */
function readsMark(canonical: string, mark: string): boolean {
  for (let at = canonical.indexOf(mark); at >= 0; at = canonical.indexOf(mark, at + 1)) {
    if (!/[\w$]/.test(canonical[at + mark.length] ?? '')) return true;
  }
  return false;
}

const loose = (name: string): string => name.replace(/^["`]|["`]$/g, '').toLowerCase();

/**
 * The columns the head reads from a CTE or subquery that does not select them, which the change broke: the base
 * read the same column of the same CTE (or subquery) by name, and it was there (not already missing).
 */
function newlyMissing(base: ModelShape, head: ModelShape): MissingColumn[] {
  const key = (m: MissingColumn): string => (m.kind === 'cte' ? m.name : `(${m.name})`);
  return (head.missingColumns ?? []).filter((m) => {
    const same = (b: MissingColumn): boolean => b.kind === m.kind && b.name === m.name && loose(b.column) === loose(m.column);
    if ((base.missingColumns ?? []).some(same)) return false;
    return (base.derivedColumnsRead?.[key(m)] ?? []).some((c) => loose(c) === loose(m.column));
  });
}

/** One change per column and CTE (or subquery), at its first reference; the other references' lines are listed. */
function missingColumnChanges(missing: readonly MissingColumn[]): SqlChange[] {
  const groups = groupBy(missing, (m) => `${m.kind}\u0000${m.name}\u0000${loose(m.column)}`);
  return [...groups.values()].map((refs) => {
    const lines = [...new Set(refs.map((r) => r.line).filter((l): l is number => l !== undefined))].sort((x, y) => x - y);
    const m = refs[0]!;
    const what = m.kind === 'cte' ? `CTE ${codeSpan(m.name)}` : `subquery ${codeSpan(m.name)}`;
    const defined = mention('defined', m.definedLine !== undefined ? [m.definedLine] : []);
    const also = mention('also', lines.slice(1));
    const mentions = [defined, also].filter((x): x is LineMention => x !== undefined);
    return settled({
      kind: 'column_unresolved',
      column: m.column,
      detail: `${codeSpan(m.column)} is read from ${what}${defined?.text ?? ''}, which no longer selects it: the model will not compile${also?.text ?? ''}`,
      line: lines[0],
      side: 'head',
      impact: 'model_wide',
      breaking: false,
      ...(mentions.length > 0 ? { lineMentions: mentions } : {}),
    });
  });
}

/**
 * A `group by all` whose grouping columns changed: which were added, removed or redefined, located on the first
 * added or redefined column (else on `group by all`). Undefined when the clauses are not both `group by all`, or
 * their columns are the same (then something upstream was redefined).
 */
function groupByAllChange(b: Clause, a: Clause, base: ModelShape, head: ModelShape, map: (c: string) => string): { detail: string; line?: number } | undefined {
  const before = groupByAllColumns(b.text);
  const after = groupByAllColumns(a.text);
  if (!before || !after) return undefined;
  const baseCols = new Map(base.columns.map((c) => [c.name, c]));
  const headCols = new Map(head.columns.map((c) => [c.name, c]));
  const redefined = (name: string): boolean => {
    const x = baseCols.get(name);
    const y = headCols.get(name);
    return !!x && !!y && (map(x.expr) !== y.expr || x.type !== y.type);
  };
  const added = after.filter((c) => !before.includes(c));
  const removed = before.filter((c) => !after.includes(c));
  const changed = after.filter((c) => before.includes(c) && redefined(c));
  const list = (names: string[]): string => names.map((c) => `${codeSpan(c)}`).join(', ');
  const parts = [
    added.length ? `now also groups by ${list(added)}` : '',
    removed.length ? `no longer groups by ${list(removed)}` : '',
    changed.length ? `groups by a redefined ${list(changed)}` : '',
  ].filter(Boolean);
  if (parts.length === 0) return undefined;
  const first = added[0] ?? changed[0];
  return {
    detail: `\`group by all\` ${parts.join(', ')}: one row per ${after.length ? list(after) : 'nothing (a single row)'} now`,
    line: (first !== undefined ? headCols.get(first)?.line : undefined) ?? a.line,
  };
}

/**
 * The columns a head `*` over one relation whose columns are unknown provably yields: each column the base read
 * from that relation by name (the base query resolved it there, so the relation has it), unless the star excludes
 * it. Each is the relation's column as is (no cast), at the star's line.
 */
function starYields(base: ModelShape, head: ModelShape, map: (c: string) => string): OutputColumn[] {
  const stars = head.unresolvedStars.filter((s) => s.relations.length === 1);
  if (stars.length === 0) return [];
  const canonicals = shapeCanonicals(base).map(map);
  const out: OutputColumn[] = [];
  for (const star of stars) {
    const relation = star.relations[0]!;
    for (const name of columnsReadIn(canonicals, relation)) {
      if (star.except.includes(name) || out.some((c) => c.name === name)) continue;
      out.push({ name, expr: `${relMark(relation)}.${name}`, text: name, line: star.line });
    }
  }
  return out;
}

/** The expression as written is an outer cast: `x::date`, `(a + b)::varchar`, `cast(x as int)`, `try_cast(...)`. */
function outerCast(text: string): boolean {
  // the text at the outermost level: what parentheses and quotes enclose is dropped
  let flat = '';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "'" || ch === '"' || ch === '`') {
      const end = text.indexOf(ch, i + 1);
      if (end < 0) return false;
      if (depth === 0) flat += ch + ch;
      i = end;
    } else if (ch === '(') {
      if (depth++ === 0) flat += ch;
    } else if (ch === ')') {
      if (--depth === 0) flat += ch;
    } else if (depth === 0) flat += ch;
  }
  flat = flat.trim();
  const isCast = (t: string): boolean => /^(try_|safe_)?cast\s*\(\)$/i.test(t) || /^[^\s+\-*/%|<>=!]+\s*::\s*[a-z_][a-z0-9_ ]*(\(\))?$/i.test(t);
  // the text may be captured with the item's alias (`x::t as a`, `cast(x as t) as a`, `(x)::t a`): test without it too
  // (quoted names were flattened to `""` above)
  const unaliased = flat.replace(/\s+(?:as\s+)?(?:[a-z_][a-z0-9_$]*|""|``)$/i, '');
  return isCast(flat) || (unaliased !== flat && isCast(unaliased));
}

/**
 * A note on the column's outer cast: added (` (now cast to date)`) or removed (` (cast to date removed)`). A cast
 * that is still there, inside the new expression (`x::date` → `to_char(x::date, ...)`), was not removed.
 */
function castNote(b: OutputColumn, h: OutputColumn): string {
  const castOf = (c: OutputColumn): string => `cast(${c.expr} as ${c.type})`;
  const before = b.type !== undefined && outerCast(b.text);
  const after = h.type !== undefined && outerCast(h.text);
  if (after && !before && !b.expr.includes(castOf(h))) return ` (now cast to ${h.type})`;
  if (before && !after && !h.expr.includes(castOf(b))) return ` (cast to ${b.type} removed)`;
  return '';
}

/** The per-branch expressions of a set-operation column (one entry for a plain column). */
function branchesOf(expr: string): string[] {
  return expr.startsWith('setop(') && expr.endsWith(')') ? expr.slice(6, -1).split(SETOP_SEPARATOR) : [expr];
}

/** True when one side's branches are the other's plus or minus whole branches (reported as a set-operation change). */
function branchesAddedOrRemoved(a: string, b: string): boolean {
  const x = branchesOf(a);
  const y = branchesOf(b);
  if (x.length === y.length) return false;
  const [small, large] = x.length < y.length ? [x, y] : [y, x];
  const pool = [...large];
  for (const s of small) {
    const i = pool.indexOf(s);
    if (i < 0) return false;
    pool.splice(i, 1);
  }
  return true;
}

/**
 * The text as SQL reads it: white space collapsed and case folded outside quotes; a string literal or a quoted name
 * kept as written (`'Complete'` is not `'complete'`, `"Amount"` is not `"AMOUNT"`).
 */
function normalText(t: string): string {
  return outsideQuotes(t, (part) => part.replace(/\s+/g, ' ').toLowerCase());
}

function sameText(a: Clause, b: Clause): string {
  return normalText(a.text) === normalText(b.text) ? ' (same text, but a column it uses was redefined upstream)' : '';
}

/** What `* replace (e as c)` over unknown columns changed: a column's new expression, or the column as it is again. */
function replacedColumnChanges(base: UnresolvedStar, head: UnresolvedStar, relations: string): SqlChange[] {
  const before = new Map((base.replaced ?? []).map((c) => [c.name, c]));
  const after = new Map((head.replaced ?? []).map((c) => [c.name, c]));
  const star = codeSpan(`* replace`);
  const of = relations ? ` of ${codeSpan(relations)}` : '';
  const out: SqlChange[] = [];
  const change = (column: string, detail: string, line: number | undefined): SqlChange => ({ kind: 'column_expression_changed', column, detail, line, side: 'head', impact: 'column', breaking: false });
  for (const [name, h] of after) {
    const b = before.get(name);
    if (!b) out.push(change(name, `${codeSpan(name)} is now ${codeSpan(exprText(h))} (${star} over the columns${of}) instead of the column as it is`, h.line ?? head.line));
    else if (b.expr !== h.expr) out.push(change(name, `${codeSpan(name)}: ${codeSpan(exprText(b))} → ${codeSpan(exprText(h))} (${star} over the columns${of})`, h.line ?? head.line));
  }
  for (const [name, b] of before) {
    if (!after.has(name)) out.push(change(name, `${codeSpan(name)} is the column${of} as it is again, no longer ${codeSpan(exprText(b))} (${star} removed)`, head.line));
  }
  return out;
}

function exprText(c: OutputColumn): string {
  return snippet(c.text || display(c.expr), 120);
}

function diffColumnNames(base: OutputColumn[], head: OutputColumn[]): SqlChange[] {
  const out: SqlChange[] = [];
  const headNames = new Set(head.map((c) => c.name));
  const baseNames = new Set(base.map((c) => c.name));
  for (const c of base) if (!headNames.has(c.name)) out.push({ kind: 'column_removed', column: c.name, detail: `column ${codeSpan(c.name)} removed`, line: c.line, side: 'base', impact: 'column', breaking: true });
  for (const c of head) if (!baseNames.has(c.name)) out.push({ kind: 'column_added', column: c.name, detail: `column ${codeSpan(c.name)} added`, line: c.line, side: 'head', impact: 'additive', breaking: false });
  return out;
}

/**
 * The head line of a change to a column: the first head site whose text is new (the set-operation branch or the
 * CTE that was edited), else the column's own line.
 */
function changeLine(b: OutputColumn, h: OutputColumn): number | undefined {
  return newSite(b, h)?.line ?? h.line;
}

function sitesOf(c: OutputColumn): ColumnSite[] {
  return c.sites ?? (c.line !== undefined ? [columnSite(c.line, c.text, c.name)] : []);
}

/** The first head site of a column whose text (under its name, in its CTE) the base does not have. */
function newSite(b: OutputColumn, h: OutputColumn): ColumnSite | undefined {
  const key = (s: ColumnSite): string => `${s.cte ?? ''}\u0000${s.digest}`;
  const before = new Set(sitesOf(b).map(key));
  return sitesOf(h).find((s) => !before.has(key(s)));
}

/** For a column whose own text is unchanged: the CTE column it reads that was edited, when one was. */
function redefinedSite(b: OutputColumn, h: OutputColumn): ColumnSite | undefined {
  const site = newSite(b, h);
  return site?.cte !== undefined ? site : undefined;
}

const LITERAL = /^('.*'|-?[0-9.]+|null|true|false)$/;

/**
 * For a set-operation column: a branch that now gives it the value it gave another column (a positional swap or
 * shift), and that column. Literals do not count (two columns can both be `null`).
 */
function movedFrom(name: string, b: OutputColumn, h: OutputColumn, baseCols: ReadonlyMap<string, OutputColumn>): { branch: number; from: string } | undefined {
  const before = branchesOf(b.expr);
  const after = branchesOf(h.expr);
  if (after.length < 2 || before.length !== after.length) return undefined;
  for (let k = 0; k < after.length; k++) {
    if (after[k] === before[k] || LITERAL.test(after[k]!)) continue;
    for (const [other, o] of baseCols) {
      const theirs = branchesOf(o.expr);
      if (other !== name && theirs.length === after.length && theirs[k] === after[k]) return { branch: writtenBranch(b, h) ?? k + 1, from: other };
    }
  }
  return undefined;
}

/**
 * The branch (1-based, as written) whose text changed, when the texts tell: a union's canonical form lists its
 * branches in an order of its own (see `setOpBranchOrder`), its text as written.
 */
function writtenBranch(b: OutputColumn, h: OutputColumn): number | undefined {
  const before = b.text.split(' | ');
  const after = h.text.split(' | ');
  if (before.length !== after.length || after.length !== branchesOf(h.expr).length) return undefined;
  const k = after.findIndex((t, i) => normalText(t) !== normalText(before[i]!));
  return k < 0 ? undefined : k + 1;
}

function diffColumns(base: ModelShape, head: ModelShape, map: (c: string) => string, readsMissing: (canonical: string) => boolean = () => false): SqlChange[] {
  const out: SqlChange[] = [];
  const baseCols = new Map(base.columns.map((c) => [c.name, { ...c, expr: map(c.expr) }]));
  const headCols = new Map(head.columns.map((c) => [c.name, c]));
  // columns a head `*` over unknown columns provably yields: they stand in for base columns of the same name
  // (or the same expression: a rename), and are not reported as added (the star is, below)
  const yielded = new Set<string>();
  for (const y of starYields(base, head, map)) {
    if (headCols.has(y.name)) continue;
    headCols.set(y.name, y);
    yielded.add(y.name);
  }
  const removed: OutputColumn[] = [];
  const added: OutputColumn[] = [];
  for (const [name, b] of baseCols) {
    const h = headCols.get(name);
    if (!h) {
      removed.push(b);
      continue;
    }
    const line = changeLine(b, h);
    // one side is the other with one more outer cast (`x::date` → `x::date::varchar`): the same value, retyped
    const recast = (x: OutputColumn, y: OutputColumn): boolean => x.type !== undefined && y.expr === `cast(${x.expr} as ${x.type})`;
    const sameValue = b.expr === h.expr || recast(b, h) || recast(h, b);
    const typeChanged = b.type !== undefined && h.type !== undefined && typesDiffer(b.type, h.type);
    if (typeChanged) {
      out.push({ kind: 'column_type_changed', column: name, detail: `type of ${codeSpan(name)} changed: ${b.type} → ${h.type}`, line, side: 'head', impact: 'column', breaking: true });
    }
    if (!sameValue && !branchesAddedOrRemoved(b.expr, h.expr)) {
      const textSame = normalText(b.text) === normalText(h.text);
      // it reads a column its CTE no longer selects: told as that error (`column_unresolved`)
      if (textSame && readsMissing(h.expr)) continue;
      const redefined = textSame ? redefinedSite(b, h) : undefined;
      const moved = movedFrom(name, b, h, baseCols);
      const movedNote = moved ? ` (branch ${moved.branch} of the set operation now gives this column the value it gave ${codeSpan(moved.from)}: branches match columns by position, not by name, so values moved between columns)` : '';
      const changedOn = redefined ? mention('changed', [redefined.line]) : undefined;
      out.push({
        kind: 'column_expression_changed',
        column: name,
        detail: textSame
          ? redefined
            ? `${codeSpan(name)} keeps its text ${codeSpan(exprText(h))} but reads ${codeSpan(redefined.column ?? name)} of CTE ${codeSpan(redefined.cte!)}${changedOn?.text ?? ''}: its values change`
            : `${codeSpan(name)} keeps its text ${codeSpan(exprText(h))} but reads a redefined upstream column: its values change`
          : `${codeSpan(name)}: ${codeSpan(exprText(b))} → ${codeSpan(exprText(h))}${castNote(b, h)}${movedNote}`,
        line,
        side: 'head',
        impact: 'column',
        breaking: moved !== undefined,
        ...(changedOn ? { lineMentions: [changedOn] } : {}),
      });
    } else if (sameValue && !typeChanged && b.type !== h.type) {
      // the same expression with another type: an outer cast was added or removed (or a number made exact)
      const cast = h.type !== undefined && (outerCast(h.text) || (!outerCast(b.text) && !isGenericFamily(h.type)));
      out.push({
        kind: 'column_expression_changed',
        column: name,
        detail: cast ? `${codeSpan(name)} is now cast to ${h.type}` : `cast of ${codeSpan(name)} to ${b.type} removed`,
        line,
        side: 'head',
        impact: 'column',
        breaking: false,
      });
    }
  }
  for (const [name, h] of headCols) if (!baseCols.has(name)) added.push(h);

  // renames: a removed and an added column with the same expression
  for (const r of [...removed]) {
    const i = added.findIndex((a) => a.expr === r.expr && !LITERAL.test(a.expr));
    if (i < 0) continue;
    const a = added.splice(i, 1)[0]!;
    removed.splice(removed.indexOf(r), 1);
    const byStar = yielded.has(a.name) ? ` (the \`*\` yields it under its own name)` : '';
    out.push({ kind: 'column_renamed', column: r.name, detail: `column ${codeSpan(r.name)} renamed to ${codeSpan(a.name)}${byStar}`, line: a.line, side: 'head', impact: 'column', breaking: true });
  }
  for (const r of removed) out.push({ kind: 'column_removed', column: r.name, detail: `column ${codeSpan(r.name)} removed`, line: r.line, side: 'base', impact: 'column', breaking: true });
  for (const a of added) if (!yielded.has(a.name)) out.push({ kind: 'column_added', column: a.name, detail: `column ${codeSpan(a.name)} added`, line: a.line, side: 'head', impact: 'additive', breaking: false });

  // `*` over relations whose columns are unknown
  const starKey = (s: { relations: string[] }): string => s.relations.map(map).sort().join(',');
  const headStars = new Map(head.unresolvedStars.map((s) => [starKey(s), s]));
  for (const b of base.unresolvedStars) {
    const key = starKey(b);
    const h = headStars.get(key);
    if (h) {
      headStars.delete(key);
      for (const col of h.except.filter((x) => !b.except.includes(x))) out.push({ kind: 'column_removed', column: col, detail: `column ${codeSpan(col)} excluded from \`*\``, line: h.line, side: 'head', impact: 'column', breaking: true });
      for (const col of b.except.filter((x) => !h.except.includes(x))) out.push({ kind: 'column_added', column: col, detail: `column ${codeSpan(col)} no longer excluded from \`*\``, line: h.line, side: 'head', impact: 'additive', breaking: false });
      out.push(...replacedColumnChanges(b, h, key));
      continue;
    }
    out.push({
      kind: 'unknown',
      detail: `\`*\` over ${codeSpan(key || 'an upstream relation')} was replaced; its columns are unknown, so removed columns cannot be listed`,
      line: head.columns[0]?.line,
      side: 'head',
      impact: 'unknown',
      breaking: false,
    });
  }
  for (const [key, h] of headStars) {
    out.push({ kind: 'column_added', detail: `now selects \`*\` over ${codeSpan(key)} (its columns are unknown)`, line: h.line, side: 'head', impact: 'additive', breaking: false });
  }
  return out;
}
