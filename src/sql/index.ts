/** SQL analysis and the semantic diff (pure). */
export { analyzeSql, columnsUsedFrom } from './analyze.js';
export { diffShapes, impactOf } from './diff.js';
export { isFormattingOnly } from './formatting.js';
export { normaliseSql, type NormalisedSql } from './normalise.js';
export { baseType } from './canonical.js';
export type { AnalyzeOptions, Clause, GrainClause, JoinShape, ModelShape, OutputColumn, ParseLevel, SqlChange, UnresolvedStar } from './types.js';
