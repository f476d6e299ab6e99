/**
 * The review's public data model. `Review` serialises to the CLI's `--format json` object (DESIGN.md, "CLI
 * contract"), which scripts rely on: fields may be added, never removed or renamed.
 */

export type Severity = 'error' | 'warning' | 'info';
export type Origin = 'rule' | 'semantic' | 'llm';
export type Conclusion = 'success' | 'failure' | 'neutral';

export interface Finding {
  /** Stable rule id, e.g. `owner-missing`, `breaking-column-removed`, `llm-risk`. */
  rule: string;
  severity: Severity;
  origin: Origin;
  model?: string;
  column?: string;
  /** Repository-relative path (posix). */
  path: string;
  /** 1-based line in the head revision of `path` (base revision for removals: then `side` is `base`). */
  line?: number;
  /** `base` when `line` is a line of the base revision (what a removal removed); absent: the head. */
  side?: 'base';
  message: string;
  /** Replacement text for `line` (a committable GitHub suggestion) when the fix is mechanical. */
  suggestion?: Suggestion;
  /** Hash of rule + model + column + normalised message; never the line, so it survives pushes. */
  fingerprint: string;
}

export interface Suggestion {
  /** Lines `startLine..endLine` (1-based, inclusive, head revision) are replaced by `replacement`. */
  startLine: number;
  endLine: number;
  replacement: string;
}

export type Impact = 'model_wide' | 'column' | 'additive' | 'none' | 'unknown';

export type ChangeKind =
  | 'model_added'
  | 'model_removed'
  | 'model_renamed'
  | 'column_added'
  | 'column_removed'
  | 'column_renamed'
  | 'column_type_changed'
  | 'column_expression_changed'
  /** A column read from a CTE or subquery of the model that no longer selects it: the model does not compile. */
  | 'column_unresolved'
  | 'filter_changed'
  | 'join_changed'
  | 'grain_changed'
  | 'distinct_changed'
  | 'set_operation_changed'
  | 'order_limit_changed'
  | 'source_changed'
  | 'materialization_changed'
  | 'unique_key_changed'
  | 'incremental_strategy_changed'
  | 'relation_identity_changed'
  | 'contract_changed'
  | 'constraint_removed'
  | 'test_added'
  | 'test_removed'
  | 'description_changed'
  | 'owner_changed'
  | 'latest_version_changed'
  | 'formatting_only'
  | 'unknown';

export interface ModelChange {
  kind: ChangeKind;
  column?: string;
  /** Human text: what changed, old -> new. */
  detail: string;
  path: string;
  line?: number;
  /** `base` when `line` is a line of the base revision (where a removed column or clause was); absent: the head. */
  side?: 'base';
  /** This change alone makes the model breaking for downstream users. */
  breaking: boolean;
  /** The impact this change alone implies. */
  impact: Impact;
  /** `detail` states the change's whole consequence (a whole filter predicate added or removed, a left join made
   * inner or back): nothing is left to judge, so it is not sent to the LLM stage. Absent otherwise. */
  settled?: true;
}

export type ModelStatus = 'added' | 'modified' | 'removed' | 'renamed';

export interface OwnerRef {
  value: string;
  /** Where it came from, e.g. `models/marts/_marts.yml:12 (meta.owner)` or `group finance`. */
  source: string;
}

export interface DownstreamUse {
  name: string;
  /** The version of a versioned dependant (each version that reads the model is listed). */
  version?: string;
  /** Kind of dependant: a model, an exposure or a semantic model (`semantic_models:`, which MetricFlow reads). */
  type?: 'model' | 'exposure' | 'semantic_model';
  path?: string;
  owner: string | null;
  /** Affected columns of the upstream model that this dependant reads (when its SQL could be analysed). */
  columnsUsed: string[];
  /**
   * True when its columns were looked for but its SQL could not be rendered or parsed fully: `columnsUsed` is then
   * empty. For a semantic model: an `expr` of it could not be read (Jinja, a subquery), so `columnsUsed` lists the
   * affected columns it is known to use, maybe not all.
   */
  columnsUnknown?: boolean;
  /**
   * The model the change reaches it through: an ephemeral model (inlined into it), or, with `passedThrough`, a
   * model that selects the affected columns on (`select *`), which still builds without them while this one fails.
   */
  via?: string;
  passedThrough?: boolean;
}

export interface ModelReport {
  name: string;
  /** The version, for a versioned model (each version is reported on its own). */
  version?: string;
  path: string;
  previousPath?: string;
  status: ModelStatus;
  impact: Impact;
  breaking: boolean;
  changes: ModelChange[];
  owner: OwnerRef | null;
  downstream: DownstreamUse[];
  /** Layer (staging/intermediate/marts/...) when known. */
  layer?: string;
  /** Why the impact is `unknown`, when it is. */
  unknownReason?: string;
  /** Output columns of the head model when its SQL could be analysed (context for the LLM stage). */
  columns?: string[];
}

export interface Skipped {
  path: string;
  reason: string;
}

export type LlmStatus = 'ran' | 'skipped' | 'failed' | 'over_budget' | 'disabled';

export interface LlmReport {
  status: LlmStatus;
  model: string | null;
  inputTokens: number;
  outputTokens: number;
  findingsDropped: number;
  /** Human explanation of the status (why skipped/failed, what was left out). */
  detail?: string;
  promptVersion?: string;
  estimatedCostUsd?: number;
  leftOut?: string[];
  /** Requests the LLM stage made, and how many of them were answered from the cache (cost nothing). */
  requests?: number;
  cachedRequests?: number;
  /** Secrets redacted before sending. */
  redactions?: number;
}

export interface Review {
  version: 1;
  base: string;
  head: string;
  conclusion: Conclusion;
  models: ModelReport[];
  findings: Finding[];
  skipped: Skipped[];
  llm: LlmReport;
  /** Which SQL dialect was used and why (config, profiles.yml, default). */
  dialect?: { name: string; source: string };
  /** Notes about degraded operation shown in the summary (e.g. huge PR, missing patches). */
  notes?: string[];
  stats?: { modelsInProject: number; modelsChanged: number; modelsAnalysed: number; durationMs?: number };
}
