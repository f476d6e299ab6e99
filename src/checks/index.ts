/** The deterministic checks: run them over changed models with `runChecks`; `RULES` documents every rule id. */
export { runChecks, runRules, severityOf } from './run.js';
export { REGISTRY, RULES, PROJECT_PROBLEM_RULES, CHECK_FAILED } from './registry.js';
export { layerOf, type LayerMatch } from './naming.js';
export { DEFAULT_INCREMENTAL_STRATEGY } from './incremental.js';
export { breakingRuleId } from './breaking.js';
export type { CheckContext, ProjectCheckContext, Rule, RuleDoc, RuleHit } from './types.js';
