/**
 * Every deterministic rule, in the order findings are reported, and their documentation for the README.
 */
import { breakingRules } from './breaking.js';
import { contractColumnsMismatch, publicModelContractMissing } from './contracts.js';
import { modelDescriptionMissing } from './docs.js';
import { incrementalUniqueKeyMissing } from './incremental.js';
import { incrementalSchemaChange } from './incremental-schema.js';
import { keyMissing, keyUntested } from './keys.js';
import { namingLayerPrefix } from './naming.js';
import { ownerMissing } from './ownership.js';
import { refUnresolved } from './refs.js';
import { hardcodedRelation, selectStar, trailingSemicolon } from './sql-style.js';
import { testRemoved } from './tests-removed.js';
import { testedColumnMissing } from './column-tests.js';
import { columnUnresolved } from './sql-columns.js';
import type { Rule, RuleDoc } from './types.js';
import { WAIVER_RULES } from './waivers.js';

export const REGISTRY: readonly Rule[] = [
  ownerMissing,
  keyUntested,
  keyMissing,
  incrementalUniqueKeyMissing,
  incrementalSchemaChange,
  namingLayerPrefix,
  refUnresolved,
  columnUnresolved,
  hardcodedRelation,
  trailingSemicolon,
  selectStar,
  modelDescriptionMissing,
  publicModelContractMissing,
  contractColumnsMismatch,
  testRemoved,
  testedColumnMissing,
  ...breakingRules,
];

/**
 * Rules that come from reading the project (`ProjectProblem.rule`). Problems dbt itself rejects are errors;
 * a rule not listed here is reported as an error too.
 */
export const PROJECT_PROBLEM_RULES: readonly RuleDoc[] = [
  { id: 'yaml-invalid', defaultSeverity: 'error', origin: 'rule', description: 'A YAML file of the dbt project cannot be parsed.' },
  { id: 'yaml-duplicate-key', defaultSeverity: 'warning', origin: 'rule', description: 'A YAML mapping sets a key twice: dbt keeps the last value and warns (repeated keys are deprecated).' },
  { id: 'dbt-project-invalid', defaultSeverity: 'error', origin: 'rule', description: '`dbt_project.yml` is invalid (e.g. no `name`).' },
  { id: 'meta-conflict', defaultSeverity: 'error', origin: 'rule', description: 'A model entry sets both top-level `meta` and `config.meta`; dbt rejects it.' },
  { id: 'config-conflict', defaultSeverity: 'error', origin: 'rule', description: 'A model entry sets a config key both at the top level and under `config:`; dbt rejects it.' },
  { id: 'tests-conflict', defaultSeverity: 'error', origin: 'rule', description: 'An entry has both `data_tests` and `tests`; dbt rejects it.' },
  { id: 'model-duplicate', defaultSeverity: 'error', origin: 'rule', description: 'Two enabled model files of a project have the same name; dbt rejects it (a disabled copy, or folders enabled per target, are accepted).' },
  { id: 'properties-duplicate', defaultSeverity: 'error', origin: 'rule', description: 'A model is described in two property entries; dbt rejects it.' },
  { id: 'properties-orphan', defaultSeverity: 'warning', origin: 'rule', description: 'A property entry names a model (or version) that has no file: its tests and docs apply to nothing.' },
];

/** Reported (as a warning) when a rule throws on a model: the review goes on without that rule's verdict. */
export const CHECK_FAILED = 'check-failed';

const INTERNAL_RULES: readonly RuleDoc[] = [
  { id: CHECK_FAILED, defaultSeverity: 'warning', origin: 'rule', description: 'A rule could not run on a model (a reviewer bug): that model was not checked for it.' },
];

/** Every rule id with its default severity and description (for the README and `waiver-unknown-rule`). */
export const RULES: readonly RuleDoc[] = [
  ...REGISTRY.map(({ id, defaultSeverity, origin, description }) => ({ id, defaultSeverity, origin, description })),
  ...WAIVER_RULES,
  ...PROJECT_PROBLEM_RULES,
  ...INTERNAL_RULES,
];
