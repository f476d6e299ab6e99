/**
 * The narrow interfaces between the pure pipeline and the edges (git/GitHub sources, Jinja sandbox, LLM).
 */
import type { ReviewerConfig, Dialect } from './config.js';
import type { FileSnapshot } from './dbt/types.js';
import type { Finding, LlmReport, Review } from './review/types.js';
import type { ModelShape } from './sql/types.js';

/** One file of the change, as the PR files API (or `git diff --name-status`) reports it. */
export interface ChangedFile {
  path: string;
  previousPath?: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  /** Unified diff of the file (GitHub's `patch`); absent for huge or binary files. */
  patch?: string;
}

/** Every path a change touches: each file's path and, for a rename, its previous path. */
export function changedPathsOf(files: readonly ChangedFile[]): string[] {
  return files.flatMap((f) => (f.previousPath ? [f.path, f.previousPath] : [f.path]));
}

export interface ReviewRequest {
  base: string;
  head: string;
  config: ReviewerConfig;
  /** Where the config came from, for the summary (e.g. `.github/dbt-pr-reviewer.yml@base`). */
  configSource?: string;
  /** The change's files with patches. */
  changedFiles: ChangedFile[];
  /** Set when the dialect was not configured and was detected outside the core. */
  dialectHint?: { name: Dialect; source: string };
  pr?: { number: number; title: string; body: string };
  /** Notes from the edge (e.g. "PR lists more than 3000 files; only the first 3000 were reviewed"). */
  notes?: string[];
  /**
   * Files of either revision whose content the edge did not read (too large, binary, a symbolic link), with why: a
   * changed model whose file is one of them is not analysed, and says so.
   */
  unread?: { path: string; reason: string }[];
}

export interface RenderInput {
  template: string;
  /** Path of the template (for messages). */
  path: string;
  modelName: string;
  projectName: string;
  vars: Record<string, unknown>;
  /** The project's macros (`{% macro %}` files), made callable from the template. */
  macros: { path: string; source: string }[];
  /** Render the `is_incremental()` branch as true (dbt renders both over time). */
  isIncremental: boolean;
  /** Known columns of upstream relations (by rendered name) for `dbt_utils.star`. */
  upstreamColumns?: Record<string, string[]>;
  /** SQL dialect: `target.type` and the adapter prefix of `adapter.dispatch` (default snowflake). */
  dialect?: Dialect;
}

export type RenderResult =
  | {
      ok: true;
      sql: string;
      /** Arguments of each `config(...)` call, in order. */
      configs: Record<string, unknown>[];
      refs: { name: string; package?: string; version?: string }[];
      sources: { source: string; table: string }[];
    }
  | { ok: false; reason: string };

/** Renders dbt Jinja in a sandbox with bounded time and memory. */
export interface JinjaRenderer {
  render(input: RenderInput): Promise<RenderResult>;
  /** Starts the sandbox now (optional), so the first render does not wait for it. */
  warm?(): void;
  close(): Promise<void>;
}

export interface LlmStageInput {
  /** The deterministic review so far (its findings are context; its models say what is explained). */
  review: Review;
  request: ReviewRequest;
  base: FileSnapshot;
  head: FileSnapshot;
}

export interface LlmStageOutput {
  findings: Finding[];
  report: LlmReport;
}

/** The LLM stage: reviews the residual diff. Never throws; failures are reported in `report.status`. */
export interface LlmStage {
  run(input: LlmStageInput): Promise<LlmStageOutput>;
}

export interface ReviewPorts {
  base: FileSnapshot;
  head: FileSnapshot;
  renderer: JinjaRenderer;
  /** Absent: LLM disabled (e.g. `--no-llm`, no key). `llmAbsentReason` says why. */
  llm?: LlmStage;
  llmAbsentReason?: { status: 'skipped' | 'disabled'; detail: string };
  /** Analysed SQL kept between reviews (absent: every model is parsed). */
  shapes?: ShapeCache;
}

/**
 * Analysed SQL by content key (`shapeKey` in `src/analysis.ts`: dialect, rendered SQL and the upstream columns it
 * was analysed with), kept by the edge between reviews: the CLI in the repository's git directory, the App in
 * memory. A key names everything the shape depends on, so a stored shape never goes stale; a shape from it is
 * shared, never modified.
 */
export interface ShapeCache {
  get(key: string): ModelShape | undefined;
  set(key: string, shape: ModelShape): void;
}
