/** The dbt project model: read a revision's dbt projects without running dbt (see DESIGN.md "dbt semantics"). */
export * from './types.js';
export { loadProjects, type LoadOptions } from './project.js';
export { isStubModel } from './modelBuilder.js';
export { propertyFocus, needsPropertyFile, widenedFocus, withOwnerlessSiblings, type PropertyFocus } from './focus.js';
export type { YamlParseResult, YamlTreeCache } from './yamlTree.js';
export { ownerOf, ownerText, COMPUTED_OWNER } from './owner.js';
export {
  businessKeyOf,
  entityOf,
  singular,
  DEFAULT_LAYER_PREFIXES,
  type BusinessKeyConfig,
  type BusinessKeyOptions,
} from './businessKey.js';
export { keyTestStatus, projectDisabling, testRuns, type KeyTestStatus, type KeyTestSuggestion, type MissingKeyTest } from './keyTests.js';
export { diffModelConfig, materializationOf, type DiffOptions } from './modelDiff.js';
export { modelKey, projectConfigFingerprint, stableStringify } from './identity.js';
export { baseDataType, sameBaseDataType } from './dataTypes.js';
export { JinjaExpr, isComputed, containsComputed } from './pyLiteral.js';
export { extractRefs, extractSources } from './refs.js';
export { columnKey } from './propertyNodes.js';
export { WAIVER_META_KEY } from './waivers.js';
