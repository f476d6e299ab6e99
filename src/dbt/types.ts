/**
 * The dbt project model: what the reviewer knows of a dbt project at one revision, without running dbt.
 * Pure data; built by `loadProjects()` from a `FileSnapshot`.
 */

import type { FileFacts } from './fileFacts.js';

/** The files of one revision of a repository (only the ones the reviewer needs). Paths are posix, repo-relative. */
export interface FileSnapshot {
  /** Every path in the revision (the whole tree listing; contents may be loaded lazily). */
  paths(): readonly string[];
  /** File content, or undefined when absent (or not loaded because it is not a dbt file). */
  read(path: string): string | undefined;
  /**
   * Stored facts of a model or property file (see `fileFacts.ts`), when the snapshot has them without reading the
   * file: a review then reads only the files it looks at closely. Optional; absent facts are scanned from `read`.
   */
  facts?(path: string): FileFacts | undefined;
  /** A hint: these files are about to be read (a snapshot that loads lazily reads them together). */
  preload?(paths: readonly string[]): void;
}

export interface Location {
  path: string;
  /** 1-based. */
  line?: number;
}

/** A problem found while reading the project (bad YAML, both `meta` and `config.meta`, ...): becomes a finding. */
export interface ProjectProblem extends Location {
  rule: string; // e.g. 'yaml-invalid', 'meta-conflict', 'dbt-project-invalid'
  message: string;
  /** The other place the problem involves (the first of two duplicate entries): a change to it causes it too. */
  alsoAt?: Location;
  /** The model it is about: a change that removes or renames that model's file causes it too. */
  model?: string;
}

export type ConfigLevel = 'dbt_project' | 'properties' | 'sql';

/** One effective config value with its provenance. */
export interface ConfigEntry extends Location {
  value: unknown;
  /** Computed by Jinja (`var`, `env_var`, `target`, ...): present, value not knowable statically. Never flag it. */
  unknown: boolean;
  level: ConfigLevel;
  /** The text that set it, e.g. `+materialized: table` or `config(materialized='table')`. */
  origin?: string;
}

export interface TestRef extends Location {
  /** Normalised test name: `unique`, `not_null`, `accepted_values`, `dbt_utils.unique_combination_of_columns`... */
  name: string;
  /** User-given name (`name:`) if any. */
  alias?: string;
  /** Columns it covers: the column for a column test; `combination_of_columns`/`column_names` for compound tests. */
  columns: string[];
  args: Record<string, unknown>;
  enabled: boolean;
  /** The test sets `enabled` itself (which then wins over `dbt_project.yml`'s `data_tests:`). */
  enabledSet?: boolean;
  level: 'model' | 'column';
}

export type ConstraintType = 'not_null' | 'unique' | 'primary_key' | 'foreign_key' | 'check' | 'custom';

export interface ConstraintRef extends Location {
  type: ConstraintType;
  columns: string[];
  level: 'model' | 'column';
}

export interface DbtColumn extends Location {
  /** As written. Compare with `key` (lower-cased unless quoted). */
  name: string;
  key: string;
  description?: string;
  dataType?: string;
  tests: TestRef[];
  constraints: ConstraintRef[];
  meta: Record<string, unknown>;
  /** Last line of the column's YAML entry. */
  endLine?: number;
  /** Line of the column's `data_tests:`/`tests:` key, when present (where a new test entry goes). */
  testsLine?: number;
  /** Whether the name is quoted (`quote: true`): then `key` keeps its case. */
  quote?: boolean;
}

export interface BusinessKey extends Location {
  columns: string[];
  how: 'constraint' | 'meta' | 'unique_key' | 'compound_test' | 'unique_test' | 'inferred';
  /** Human text, e.g. "declared by meta.primary_key in models/marts/_marts.yml:14" or "inferred from the name". */
  detail: string;
}

export interface Waiver extends Location {
  rules: string[];
  reason?: string;
  kind: 'meta' | 'sql-comment';
}

export interface RefCall {
  name: string;
  package?: string;
  version?: string;
  line: number;
}

export interface SourceCall {
  source: string;
  table: string;
  line: number;
}

export interface DbtModel {
  /** `model.<project>.<name>` (+ `.v<N>` for versions). */
  uniqueId: string;
  project: string;
  name: string;
  version?: string;
  /** Path of the `.sql`/`.py` file. */
  path: string;
  language: 'sql' | 'python';
  raw: string;
  /** Folder segments below the model path, e.g. ['staging', 'stripe']. */
  folders: string[];
  enabled: boolean;
  /** Effective config per key, after precedence (dbt_project.yml < properties `config:` < SQL `config()`). */
  config: Record<string, ConfigEntry>;
  /** Effective meta, merged shallowly, each key with its provenance. */
  meta: Record<string, ConfigEntry>;
  tags: string[];
  /** The model's entry in a property file, if any. */
  properties?: Location & {
    endLine?: number;
    description?: string;
    descriptionLine?: number;
    /** Line of the entry's `columns:` key (where a new column entry goes). */
    columnsLine?: number;
    /** Line of the entry's model-level `data_tests:`/`tests:` key. */
    testsLine?: number;
    /** `deprecation_date` (of the version, else of the model), as written: the model's removal was announced. */
    deprecationDate?: string;
  };
  columns: DbtColumn[];
  /** Model-level tests (column tests are on the columns). */
  tests: TestRef[];
  /** Model-level constraints. */
  constraints: ConstraintRef[];
  group?: string;
  access?: string;
  contractEnforced: boolean | 'unknown';
  refs: RefCall[];
  sources: SourceCall[];
  waivers: Waiver[];
  /** Config resolved from `dbt_project.yml` alone (inherited folder config): see `projectConfigFingerprint`. */
  projectConfig?: Record<string, ConfigEntry>;
  /** A `config(...)` call whose arguments could not be read statically (e.g. `config(**settings)`): config may be incomplete. */
  configOpaque?: Location;
  /** dbt's fully-qualified name: project, folders, model name (+ `v<N>` for versions). */
  fqn?: string[];
  /** For versioned models: the latest version of the model. */
  latestVersion?: string;
  /** For versioned models: the line of `latest_version:` in the property file, when it is set. */
  latestVersionLine?: number;
  /** The model path (e.g. `models`) the file lives under, project-relative. */
  modelPath?: string;
  /** Problems found while building this model (its YAML entry, its config): a load that reuses it reports them. */
  buildProblems?: ProjectProblem[];
}

/**
 * A level of `dbt_project.yml`'s `data_tests:` (or older `tests:`) tree that sets `enabled` for the data tests under
 * it: the root (every package), the project name key (`folders` empty too), or a folder below the model path.
 */
export interface TestScope extends Location {
  folders: string[];
  /** `unknown` when computed by Jinja (present but unknown: the tests count as enabled). */
  enabled: boolean | 'unknown';
  /** The text that set it, e.g. `data_tests: shop: +enabled: false`. */
  origin: string;
}

export interface DbtGroup extends Location {
  name: string;
  owner?: { name?: string; email?: string };
}

export interface DbtExposure extends Location {
  name: string;
  type?: string;
  owner?: { name?: string; email?: string };
  dependsOn: string[]; // model names from ref()
  /** The version each `dependsOn` ref pins (`ref('m', v=2)`), index by index; absent when none pins one. */
  dependsOnVersions?: (string | undefined)[];
  /** The `ref()` calls of `depends_on` as written (package, version), each at the line of its item. */
  refs?: RefCall[];
  /** `config: {enabled: false}` (or `enabled: false`) in its entry: dbt neither resolves its refs nor lists it. */
  disabled?: true;
}

/**
 * A semantic model (`semantic_models:` of a property file): MetricFlow's view of the model its `model:` key refs.
 * Its entities, dimensions and measures name columns of that model (`expr`, else their `name`).
 */
export interface DbtSemanticModel extends Location {
  name: string;
  /** The `ref()` of its `model:` key, at the key's line; absent when the key holds none. */
  ref?: RefCall;
  /**
   * The columns of the model it uses, as written: each entity's, dimension's and measure's `expr` when it is a
   * column name, the identifiers of a SQL `expr` (a superset: function and type names are left out, keywords too),
   * else its `name`.
   */
  columns: string[];
  /** An `expr` could not be read for the columns it uses (Jinja, a subquery): `columns` may miss some. */
  columnsUnknown?: boolean;
  /** Its `meta` (top-level and `config.meta`, merged), for its owner. */
  meta?: Record<string, unknown>;
  /** Its `group` (top-level or `config.group`), whose owner it takes when its meta names none. */
  group?: string;
  /** `config: {enabled: false}` (or `enabled: false`) in its entry: dbt neither resolves its ref nor builds it. */
  disabled?: true;
}

export interface DbtMacro extends Location {
  name: string;
  /** The macro's block, from `{% macro` to `{% endmacro %}` inclusive. */
  source: string;
}

export interface DbtProject {
  name: string;
  /** Folder of `dbt_project.yml` ('' for the repo root). */
  root: string;
  projectFile: string;
  modelPaths: string[];
  macroPaths: string[];
  vars: Record<string, unknown>;
  models: DbtModel[];
  groups: DbtGroup[];
  exposures: DbtExposure[];
  /** Semantic models read from the property files (absent when there are none). */
  semanticModels?: DbtSemanticModel[];
  macros: DbtMacro[];
  problems: ProjectProblem[];
  /** Property files read (for change detection of YAML-only edits). */
  propertyFiles: string[];
  /**
   * Property files that are invalid YAML at this revision and were read as they were before the change
   * (`LoadOptions.priorText`): what is located in them, but their `yaml-invalid` problem, is at lines of that text.
   */
  readAsBefore?: string[];
  /** Source tables declared in property files (`sources:`), with their documented columns. */
  sources?: DbtSourceTable[];
  /** Why `dbt_project.yml` does not define a project dbt could load; its models are then built without it. */
  unreadable?: string;
  /** The line of `model-paths:` in `dbt_project.yml`, when set. */
  modelPathsLine?: number;
  /** The levels of `dbt_project.yml`'s `data_tests:`/`tests:` tree that set `enabled`, parents before children. */
  testScopes?: TestScope[];
}

/** One table of a `sources:` entry; `source('source', 'table')` renders to `source__table`. */
export interface DbtSourceTable extends Location {
  source: string;
  table: string;
  columns: string[];
  /** The relation dbt reads: database, schema, identifier as configured (Jinja text when computed), each with its line when set. */
  relation?: { name: string; line?: number }[];
}
