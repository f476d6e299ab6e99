/** SQL analysis and the semantic diff (pure). */
export { analyzeSql, columnsUsedFrom } from './analyze.js';
export { diffShapes } from './diff.js';
/** A model's impact from its changes (the same rule the review applies). */
export { impactOf } from '../review/verdict.js';
export { isFormattingOnly } from './formatting.js';
export { normaliseSql, type NormalisedSql } from './normalise.js';
export { baseType } from './canonical.js';
export type { AnalyzeOptions, Clause, GrainClause, JoinShape, ModelShape, OutputColumn, ParseLevel, SqlChange, UnresolvedStar } from './types.js';
