/**
 * The contract between the pipeline and the deterministic checks: what a rule sees (`CheckContext`) and what it
 * returns (`RuleHit`, a finding before severity, origin and fingerprint are applied by `runChecks`).
 */
import type { Dialect, ReviewerConfig } from '../config.js';
import type { DbtModel, DbtProject } from '../dbt/types.js';
import type { Finding, ModelChange, ModelStatus, Origin, Severity } from '../review/types.js';

export interface CheckContext {
  /**
   * Head version of a changed model (enabled). For `status: 'removed'` there is no head version: the pipeline
   * passes the base version here (and in `baseModel`); rules that judge the head state skip removed models.
   */
  model: DbtModel;
  /** Base version, if it existed. */
  baseModel?: DbtModel;
  /** Head project (the base project for a removed model). */
  project: DbtProject;
  baseProject?: DbtProject;
  status: ModelStatus;
  config: ReviewerConfig;
  /** Semantic + config changes of this model (already computed by the pipeline). */
  changes: ModelChange[];
  /** Head SQL after Jinja rendering (undefined if rendering failed). */
  renderedSql?: string;
  /** Output columns from SQL analysis, when known. */
  selectedColumns?: string[];
  /** The line in the model's file of one of `selectedColumns` (by its name), when known. */
  selectedColumnLine?: (name: string) => number | undefined;
  /** The SQL dialect in effect (configured or detected); defaults to `config.dialect`, else snowflake. */
  dialect?: Dialect;
  /**
   * Reads a head file (e.g. the property YAML of the model) so rules can build committable suggestions with the
   * file's own indentation. Optional: without it, rules report the same findings without suggestions.
   */
  readFile?: (path: string) => string | undefined;
  /** Every file of the revision `readFile` reads (rules that need the project's other files list them here). */
  listFiles?: () => readonly string[];
}

/**
 * What a rule sees of a whole project (the head revision), for what is not a model's: exposures, semantic models,
 * seeds and snapshots (`Rule.runProject`).
 */
export interface ProjectCheckContext {
  project: DbtProject;
  /** The same project at the base revision, when it existed. */
  baseProject?: DbtProject;
  config: ReviewerConfig;
  /** The files the change touches (a property file outside them is as it was). */
  changedPaths: ReadonlySet<string>;
  /** Reads a head file. */
  readFile?: (path: string) => string | undefined;
  /** Every file of the head revision. */
  listFiles?: () => readonly string[];
  /** Reads a base file (what the change removed or changed is read there). */
  readBaseFile?: (path: string) => string | undefined;
  /** Every file of the base revision. */
  listBaseFiles?: () => readonly string[];
}

/** A finding as a rule reports it: `runChecks` adds the severity, the origin and the fingerprint. */
export type RuleHit = Omit<Finding, 'severity' | 'fingerprint' | 'origin'>;

export interface Rule {
  /** Stable id, documented in the README; also the key of `config.rules` and of waivers. */
  id: string;
  defaultSeverity: Severity;
  /** `semantic` for the breaking-change rules (severity `config.breakingSeverity`), else `rule`. */
  origin: Extract<Origin, 'rule' | 'semantic'>;
  /** One sentence for the README: what the rule reports and why. */
  description: string;
  run(ctx: CheckContext): RuleHit[];
  /** What the rule reports once per project, beyond the changed models (e.g. about exposures). */
  runProject?(ctx: ProjectCheckContext): RuleHit[];
}

/** What the README lists for each rule. */
export interface RuleDoc {
  id: string;
  defaultSeverity: Severity;
  origin: Extract<Origin, 'rule' | 'semantic'>;
  description: string;
}
