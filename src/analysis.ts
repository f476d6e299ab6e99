/**
 * Renders and analyses models (memoised per model and render mode) and computes the SQL-level changes of a changed
 * model between base and head. Upstream columns for `*` expansion come from the upstream model's YAML columns when
 * a contract enforces them, else from its own analysed SQL (a few levels deep); a `*` over a source stays open (its
 * YAML columns are documentation, often partial).
 */
import type { Dialect } from './config.js';
import { createHash } from 'node:crypto';
import type { JinjaRenderer, RenderResult, ShapeCache } from './ports.js';
import type { DbtModel, DbtProject } from './dbt/types.js';
import type { ModelChange } from './review/types.js';
import { analyzeSql, columnsUsedFrom, diffShapes, isFormattingOnly, type ModelShape, type SqlChange } from './sql/index.js';
import { renderCauseSuffix, type ChangedModel } from './changed-models.js';
import { templateLineMap } from './review/line-map.js';
import { remapDetail } from './sql/line-mentions.js';
import { mergesOnUniqueKey } from './checks/incremental.js';
import { escapeRegExp } from './dbt/textLines.js';

export interface AnalysedModel {
  changed: ChangedModel;
  /** Its file was not read (too large, binary, a symbolic link): nothing about it is known to judge. */
  notRead?: boolean;
  /** Output columns of the base version (what dependants were written against), when known. */
  baseColumns?: string[];
  /** SQL-level and lifecycle changes (config-level changes are added by the pipeline). */
  changes: ModelChange[];
  headSql?: string;
  headShape?: ModelShape;
  headColumns?: string[];
  /** The line in the model's file of a head output column (where its select item is written), when known. */
  headColumnLine?: (name: string) => number | undefined;
  unknownReason?: string;
}

interface ShapeResult {
  sql?: string;
  /** Known upstream columns the shape was analysed with. */
  upstream?: Record<string, string[]>;
  /** Rendered line -> template line of the model file. */
  lineOf?: (renderedLine: number) => number;
  /** Rendered line -> template line, only when that line is known (see `templateLineMap`). */
  knownLineOf?: (renderedLine: number) => number | undefined;
  shape?: ModelShape;
  /** Why there is no usable shape. */
  error?: string;
}

const MAX_UPSTREAM_DEPTH = 3;

export class ModelAnalyzer {
  private readonly shapes = new WeakMap<DbtModel, Map<string, Promise<ShapeResult>>>();
  private readonly renders = new WeakMap<DbtModel, Map<string, Promise<{ rendered: RenderResult; upstream: Record<string, string[]> }>>>();

  constructor(
    private readonly renderer: JinjaRenderer,
    private readonly dialect: Dialect,
    private readonly cache?: ShapeCache,
    /** Models the change renamed (lower-cased old name -> new name): a reader that follows a rename reads the same rows. */
    private readonly renamed: ReadonlyMap<string, string> = new Map(),
  ) {}

  private analyzeSql(sql: string, upstreamColumns: Record<string, string[]>): ModelShape {
    const analyse = () => analyzeSql(sql, { dialect: this.dialect, upstreamColumns: (rel) => upstreamColumns[rel.toLowerCase()] });
    if (!this.cache) return analyse();
    const key = shapeKey(this.dialect, sql, upstreamColumns);
    let shape = this.cache.get(key);
    if (!shape) {
      shape = analyse();
      this.cache.set(key, shape);
    }
    return shape;
  }

  /**
   * Asks for the renders every analysis of `changes` starts with (head and base, full mode) at once, so the Jinja
   * sandbox renders ahead while the main thread parses, instead of waiting for each analysis to ask (measured:
   * 10-25 ms less on 50- and 100-model reviews). The renders are memoised; `analyse` picks them up.
   */
  renderAhead(changes: readonly ChangedModel[]): void {
    for (const { head, base, project, baseProject, status } of changes) {
      if (status === 'removed') continue;
      const headSql = head?.enabled && head.language === 'sql';
      const baseSql = base && status !== 'added' && base.language === 'sql';
      if (headSql) this.prefetch(head, project, false);
      if (baseSql) this.prefetch(base, baseProject ?? project, false);
      // The is_incremental() branch is compared too when both sides are incremental and the template changed.
      if (headSql && baseSql && base.raw !== head.raw && isIncremental(base) && isIncremental(head)) {
        this.prefetch(head, project, true);
        this.prefetch(base, baseProject ?? project, true);
      }
    }
  }

  /** Asks for the renders `columnsUsed` will need for these models, so they render while the main thread parses. */
  renderAheadForColumns(models: readonly { model: DbtModel; project: DbtProject }[]): void {
    for (const { model, project } of models) if (model.language === 'sql') this.prefetch(model, project, false);
  }

  private prefetch(model: DbtModel, project: DbtProject, incremental: boolean): void {
    void this.renderedOf(model, project, incremental, 0).catch(() => undefined);
  }

  async analyse(changed: ChangedModel): Promise<AnalysedModel> {
    const result = await this.analyseVersion(changed);
    await this.addLatestVersionMove(changed, result);
    return result;
  }

  /**
   * A version that became the latest (`latest_version`, or a new highest version): unpinned `ref()`s of the model
   * now read it instead of the previous latest, so the columns of the two are compared as a change of this version.
   */
  private async addLatestVersionMove(changed: ChangedModel, result: AnalysedModel): Promise<void> {
    const { head, base, status } = changed;
    if (!head?.enabled || head.version === undefined || head.version !== head.latestVersion || status === 'removed') return;
    const baseProject = changed.baseProject;
    const sameName = baseProject?.models.filter((m) => m.name === head.name && m.version !== undefined && m.enabled) ?? [];
    const previousLatest = base?.latestVersion ?? sameName[0]?.latestVersion;
    const previous = sameName.find((m) => m.version === previousLatest);
    if (!baseProject || !previous || previousLatest === head.version) return;
    // `latest_version:`, else (removed: the highest version is the latest) the model's property entry.
    const line = head.latestVersionLine ?? head.properties?.line;
    const where = head.properties ? { path: head.properties.path, ...(line !== undefined ? { line } : {}) } : { path: head.path };
    const prefix = `for unpinned \`ref('${head.name}')\` (v${previous.version} → v${head.version}): `;
    result.changes.push({
      kind: 'latest_version_changed',
      detail: `the latest version is now v${head.version} (was v${previous.version}): unpinned \`ref('${head.name}')\` reads v${head.version}`,
      ...where,
      breaking: false,
      impact: 'none',
    });
    if (previous.language !== 'sql' || head.language !== 'sql') return;
    const moved = await this.compare(previous, baseProject, head, changed.project, false);
    if (moved === 'identical') return;
    // Told where the change was made (`latest_version:`), not in the versions' SQL files, which did not change.
    for (const c of moved.changes) {
      if (c.kind === 'formatting_only') continue;
      const { line: _line, ...rest } = c;
      result.changes.push({ ...rest, detail: `${prefix}${c.detail}`, ...where });
    }
    // Its unpinned readers were written against the previous latest version's columns.
    if (moved.base?.shape && moved.base.shape.unresolvedStars.length === 0) result.baseColumns = moved.base.shape.columns.map((c) => c.name);
  }

  private async analyseVersion(changed: ChangedModel): Promise<AnalysedModel> {
    const { head, base, status } = changed;
    const model = (head ?? base)!;
    const result: AnalysedModel = { changed, changes: [] };
    if (status === 'removed') {
      // A disabled model points at what disabled it: its `config()`, its property entry or `dbt_project.yml`.
      const disabled = head !== undefined && !head.enabled;
      // A file left outside the project's `model-paths` is no model any more: point at the setting that moved.
      const gone = base?.modelPath !== undefined && !changed.project.modelPaths.includes(base.modelPath) ? changed.project : undefined;
      // The whole project went: its dbt_project.yml was deleted (`findChangedModels` pairs it with itself).
      const projectGone = changed.baseProject !== undefined && changed.project === changed.baseProject;
      const where =
        (disabled && head.config.enabled) ||
        (gone && { path: gone.projectFile, line: gone.modelPathsLine }) || { path: (disabled ? head : base ?? model).path, line: 1 };
      // One version of a versioned model: which one.
      const label = model.version !== undefined ? `${model.name} v${model.version}` : model.name;
      const removal: ModelChange = {
        kind: 'model_removed',
        detail: disabled
          ? `${label} is now disabled (${head.config.enabled?.origin ?? 'enabled: false'})`
          : projectGone
            ? `${label} is no longer built: the file of its dbt project, \`${changed.project.projectFile}\`, was removed`
            : gone
            ? `${label} is no longer a model: \`${base?.path ?? model.path}\` is outside \`model-paths\` (${gone.modelPaths.join(', ')})`
            : `${label} was removed`,
        path: where.path,
        breaking: true,
        impact: 'model_wide',
      };
      if (where.line !== undefined) removal.line = where.line;
      // A deleted file's line is a line of the base revision.
      if (!disabled && !gone && where.line !== undefined) removal.side = 'base';
      result.changes.push(removal);
      return result;
    }
    if (!head) return result;
    if (head.language === 'python' || base?.language === 'python') {
      const reason = 'Python model: not analysed by the rules (its diff goes to the LLM stage)';
      result.unknownReason = reason;
      if (status !== 'added' && base?.raw !== head.raw) {
        result.changes.push({ kind: 'unknown', detail: reason, path: head.path, breaking: false, impact: 'unknown' });
      }
      if (status === 'added') result.changes.push(addedChange(head));
      return result;
    }

    const headFull = await this.shapeOf(head, changed.project, false);
    result.headSql = headFull.sql;
    result.headShape = headFull.shape;
    result.headColumns = headFull.shape && headFull.shape.unresolvedStars.length === 0 ? headFull.shape.columns.map((c) => c.name) : undefined;
    if (result.headColumns && headFull.shape && headFull.lineOf) {
      const { shape, lineOf } = headFull;
      result.headColumnLine = (name) => {
        const line = shape.columns.find((c) => c.name === name)?.line;
        return line === undefined ? undefined : lineOf(line);
      };
    }

    if (status === 'added') {
      result.changes.push(addedChange(head));
      if (headFull.error) {
        // Nothing downstream reads a new model yet, but the checks that read its SQL (its key, its columns) did
        // not run: the review is incomplete, as for a changed model that could not be analysed.
        const reason = `new model not analysed: ${headFull.error}`;
        result.unknownReason = reason;
        result.changes.push({ kind: 'unknown', detail: reason, path: head.path, breaking: false, impact: 'unknown' });
      }
      return result;
    }
    if (status === 'renamed' && base) {
      result.changes.push({
        kind: 'model_renamed',
        detail: `${base.name} was renamed to ${head.name}: queries of the old relation fail`,
        path: head.path,
        line: 1,
        breaking: true,
        impact: 'model_wide',
      });
    }
    if (!base) return result;

    const baseProject = changed.baseProject ?? changed.project;
    const full = await this.compare(base, baseProject, head, changed.project, false);
    // Same template and same rendering: only YAML or inherited config changed (the pipeline adds those changes).
    if (full === 'identical') return result;
    // An incremental model keeps the rows it loaded: a changed row filter applies to the batches it loads from now
    // on, and to the rows already there only after a full refresh.
    const incremental = isIncremental(base) && isIncremental(head);
    const sqlChanges = incremental
      ? full.changes.map((c) => (c.kind === 'filter_changed' ? { ...c, detail: `${c.detail} (an incremental model: the rows it already loaded change only with \`--full-refresh\`)` } : c))
      : full.changes;
    if (full.base?.shape && full.base.shape.unresolvedStars.length === 0) result.baseColumns = full.base.shape.columns.map((c) => c.name);
    if (incremental) {
      const inc = await this.compare(base, baseProject, head, changed.project, true);
      const seen = new Set(sqlChanges.map(changeKey));
      // A changed incremental filter decides which rows each run adds: it changes the table's row set, in a way
      // that depends on the runs (its text speaks of the full refresh), so it is left to judge. Breaking unless rows
      // are merged on a unique_key: then a row processed again replaces itself (a wider window is safe, a narrower
      // one can miss late rows); otherwise it is inserted again, or rows are lost.
      const merged = mergesOnUniqueKey(head, this.dialect);
      // The window of new rows reads the model itself (`{{ this }}`, rendered as its name): other conditions of the
      // branch decide which rows are loaded at all, merged or not.
      const readsItself = new RegExp(`\\b${escapeRegExp(head.name)}\\b`, 'i');
      for (const c of inc === 'identical' ? [] : inc.changes) {
        if (c.kind === 'formatting_only' || seen.has(changeKey(c))) continue;
        const { settled: _settled, ...unsettled } = c;
        // (a filter the diff found harmless to the row set, e.g. on the optional side of a left join, stays so)
        if (c.kind !== 'filter_changed' || !c.breaking) sqlChanges.push(unsettled);
        else if (!merged || !readsItself.test(c.detail)) sqlChanges.push({ ...unsettled, impact: 'model_wide', breaking: true });
        else sqlChanges.push({ ...unsettled, detail: `${c.detail} (rows are merged on \`unique_key\`: a row processed again replaces itself, so a wider window only costs time; a narrower one can miss late-arriving rows)`, impact: 'model_wide', breaking: false });
      }
      if (sqlChanges.length > 1) removeRedundantFormatting(sqlChanges);
    }
    const unknown = sqlChanges.find((c) => c.kind === 'unknown');
    if (unknown) result.unknownReason = unknown.detail;
    // The model's own file is as it was: what changed its SQL is a macro or var the change edited. Said, since the
    // lines these changes point at are not in the diff.
    const causes = renderCauseSuffix(changed);
    result.changes.push(...(causes ? sqlChanges.map((c) => (c.kind === 'formatting_only' ? c : { ...c, detail: `${c.detail}${causes}` })) : sqlChanges));
    return result;
  }

  /**
   * Columns a model reads from `upstream` (for downstream impact), when its SQL can be analysed. The dependant was
   * written against the upstream's base columns: pass them so a column that the change removed is still attributed
   * to `upstream` (`['*']` when it reads every column). One parse; no analysis of the dependant's other parents.
   * Undefined when the SQL could not be parsed fully: a tolerant reading does not know which columns it reads.
   * `output`: the model's own columns (with the upstream's base columns), when all are known; `sql`: as rendered.
   */
  async columnsUsed(model: DbtModel, project: DbtProject, upstream: string, upstreamBaseColumns?: string[]): Promise<{ used: string[]; output?: string[]; sql: string } | undefined> {
    if (model.language !== 'sql') return undefined;
    const { rendered, upstream: known } = await this.renderedOf(model, project, false, 0);
    if (!rendered.ok) return undefined;
    const shape = this.analyzeSql(rendered.sql, upstreamBaseColumns ? { ...known, [upstream.toLowerCase()]: upstreamBaseColumns } : known);
    if (shape.parse !== 'full') return undefined;
    // (its own columns, as its readers were written against them: known when no star is left unexpanded)
    return { used: columnsUsedFrom(shape, upstream), ...(shape.unresolvedStars.length === 0 ? { output: shape.columns.map((c) => c.name) } : {}), sql: rendered.sql };
  }

  /**
   * SQL-level changes between two versions in one render mode. Renders are compared first: identical or
   * formatting-only renders need no parse of the base.
   */
  private async compare(
    base: DbtModel,
    baseProject: DbtProject,
    head: DbtModel,
    headProject: DbtProject,
    incremental: boolean,
  ): Promise<'identical' | { changes: ModelChange[]; base?: ShapeResult }> {
    const prefix = incremental ? 'in the is_incremental() branch: ' : '';
    const [b, h] = await Promise.all([
      this.renderedOf(base, baseProject, incremental, 0),
      this.renderedOf(head, headProject, incremental, 0),
    ]);
    if (b.rendered.ok && h.rendered.ok) {
      if (b.rendered.sql === h.rendered.sql) {
        if (base.raw === head.raw) return 'identical';
        return { changes: [formatting(head, prefix ? `${prefix}rendered SQL is identical` : 'the rendered SQL is identical (a Jinja-only change)')] };
      }
      if (isFormattingOnly(b.rendered.sql, h.rendered.sql, this.dialect)) {
        return { changes: [formatting(head, `${prefix}only formatting, comments or keyword case changed`)] };
      }
    }
    const [bShape, hShape] = await Promise.all([
      this.shapeOf(base, baseProject, incremental),
      this.shapeOf(head, headProject, incremental),
    ]);
    const failed = bShape.error ? { side: 'base', error: bShape.error } : hShape.error ? { side: 'head', error: hShape.error } : undefined;
    if (failed || !bShape.shape || !hShape.shape) {
      const reason = failed ? `${failed.side} version could not be analysed: ${failed.error}` : 'could not be analysed';
      return { changes: [{ kind: 'unknown', detail: `${prefix}${reason}`, path: head.path, breaking: false, impact: 'unknown' }], base: bShape };
    }
    // A CTE named like a relation the model reads through `ref()`, `source()` or `{{ this }}` (rendered here by that
    // name alone, but qualified by dbt, so never the CTE): which one a query reads is not known, so no column of it
    // is called missing.
    const external = new Set([base.name, head.name].map((n) => n.toLowerCase()));
    for (const r of [b.rendered, h.rendered]) {
      if (!r.ok) continue;
      for (const ref of r.refs) external.add(ref.name.toLowerCase());
      for (const src of r.sources) external.add(`${src.source}__${src.table}`.toLowerCase());
    }
    const ambiguous = (m: NonNullable<ModelShape['missingColumns']>[number]): boolean => m.kind === 'cte' && external.has(m.name.toLowerCase());
    const unambiguous = (shape: ModelShape): ModelShape =>
      shape.missingColumns?.some(ambiguous) ? { ...shape, missingColumns: shape.missingColumns.filter((m) => !ambiguous(m)) } : shape;
    const changes = diffShapes(unambiguous(bShape.shape), unambiguous(hShape.shape), this.renamed).map((c) =>
      toModelChange(c, c.side === 'base' ? base : head, c.side === 'base' ? bShape : hShape, prefix),
    );
    return { changes, base: bShape };
  }

  private shapeOf(model: DbtModel, project: DbtProject, incremental: boolean, depth = 0): Promise<ShapeResult> {
    return memo(this.shapes, model, modeKey(project, incremental), () => this.computeShape(model, project, incremental, depth));
  }

  /**
   * The model rendered once per mode. Upstream columns are resolved before rendering only when the template asks
   * for them (`dbt_utils.star`, `get_columns_in_relation`); otherwise the YAML-declared ones are passed.
   */
  private renderedOf(model: DbtModel, project: DbtProject, incremental: boolean, depth: number): Promise<{ rendered: RenderResult; upstream: Record<string, string[]> }> {
    return memo(this.renders, model, modeKey(project, incremental), async () => {
      let upstream = declaredUpstreamColumns(model, project);
      if (COLUMN_MACRO.test(model.raw)) upstream = await this.analysedUpstreamColumns(model, project, depth, upstream);
      let rendered: RenderResult;
      try {
        rendered = await this.renderer.render({
          template: model.raw,
          path: model.path,
          modelName: model.name,
          projectName: project.name,
          vars: project.vars,
          macros: macroSourcesOf(project),
          isIncremental: incremental,
          upstreamColumns: upstream,
          dialect: this.dialect,
        });
      } catch (error) {
        rendered = { ok: false, reason: error instanceof Error ? error.message : String(error) };
      }
      return { rendered, upstream };
    });
  }

  private async computeShape(model: DbtModel, project: DbtProject, incremental: boolean, depth: number): Promise<ShapeResult> {
    if (model.language !== 'sql') return { error: 'not a SQL model' };
    const { rendered, upstream: declared } = await this.renderedOf(model, project, incremental, depth);
    if (!rendered.ok) return { error: `Jinja could not be rendered: ${rendered.reason}` };
    let upstream = declared;
    let shape = this.analyzeSql(rendered.sql, upstream);
    // A `*` over a parent without documented columns: learn the parent's columns from its own SQL, then re-analyse.
    if (shape.parse !== 'failed' && shape.unresolvedStars.length > 0 && depth < MAX_UPSTREAM_DEPTH) {
      const richer = await this.analysedUpstreamColumns(model, project, depth, upstream);
      if (Object.keys(richer).length > Object.keys(upstream).length) {
        upstream = richer;
        shape = this.analyzeSql(rendered.sql, upstream);
      }
    }
    if (shape.parse === 'failed') return { sql: rendered.sql, error: shape.error ?? 'the SQL could not be parsed' };
    // Aligned on first use: most shapes (upstream columns, readers) are never asked for a line.
    let map: ReturnType<typeof templateLineMap> | undefined;
    const mapped = (line: number) => (map ??= templateLineMap(model.raw, rendered.sql))(line);
    return {
      sql: rendered.sql,
      shape,
      upstream,
      lineOf: (line) => mapped(line).line,
      knownLineOf: (line) => {
        const m = mapped(line);
        return m.known ? m.line : undefined;
      },
    };
  }

  /** `known` plus the output columns of parents without documented columns, from their analysed SQL. */
  private async analysedUpstreamColumns(
    model: DbtModel,
    project: DbtProject,
    depth: number,
    known: Record<string, string[]>,
  ): Promise<Record<string, string[]>> {
    const out = { ...known };
    const byName = modelIndex(project);
    for (const ref of model.refs) {
      const key = ref.name.toLowerCase();
      const upstream = byName.get(key);
      if (!upstream || out[key] || depth >= MAX_UPSTREAM_DEPTH) continue;
      const r = await this.shapeOf(upstream, project, false, depth + 1);
      if (r.shape && r.shape.unresolvedStars.length === 0) out[key] = r.shape.columns.map((c) => c.name);
    }
    return out;
  }
}

/**
 * What `analyzeSql` computes a shape from, as one key: the dialect, the rendered SQL and the upstream columns it
 * expands `*` with (sorted by relation). The analyser's own version is the cache's business (see `ShapeCache`).
 */
export function shapeKey(dialect: Dialect, sql: string, upstreamColumns: Record<string, string[]>): string {
  const upstream = Object.keys(upstreamColumns)
    .sort()
    .map((rel) => [rel, upstreamColumns[rel]]);
  return createHash('sha256').update(JSON.stringify([dialect, sql, upstream])).digest('hex');
}

/** Template calls that need upstream columns to render (`dbt_utils.star` and friends). */
const COLUMN_MACRO = /\b(?:star|get_columns_in_relation|get_filtered_columns_in_relation)\s*\(/;

/** Columns documented in YAML for the relations a model reads, keyed by rendered relation name (lower case). */
function declaredUpstreamColumns(model: DbtModel, project: DbtProject): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const byName = modelIndex(project);
  for (const ref of model.refs) {
    // A model's YAML `columns:` are its documentation, often of some columns only: they are all of its columns
    // only under an enforced contract. Otherwise its own SQL tells (`analysedUpstreamColumns`).
    const upstream = byName.get(ref.name.toLowerCase());
    const declared = upstream?.contractEnforced === true ? upstream.columns.map((c) => c.name) : [];
    if (declared.length > 0) out[ref.name.toLowerCase()] = declared;
  }
  // A source's YAML columns are documentation too, and nothing enforces them: a `*` over a source stays open.
  return out;
}

const macroSources = new WeakMap<DbtProject, { path: string; source: string }[]>();
/** One array per project, so the renderer can tell it already sent this set to a worker. */
function macroSourcesOf(project: DbtProject): { path: string; source: string }[] {
  let sources = macroSources.get(project);
  if (!sources) {
    sources = project.macros.map((m) => ({ path: m.path, source: m.source }));
    macroSources.set(project, sources);
  }
  return sources;
}

const projectIds = new WeakMap<DbtProject, number>();
let nextProjectId = 1;
/**
 * Cache key of a model's render or shape: the render mode and the revision's project. An unchanged model is the
 * same object at base and head (see `LoadOptions.reuse`), yet renders differently when a macro it calls changed.
 */
function modeKey(project: DbtProject, incremental: boolean): string {
  let id = projectIds.get(project);
  if (id === undefined) {
    id = nextProjectId++;
    projectIds.set(project, id);
  }
  return `${id}:${incremental ? 'inc' : 'full'}`;
}

function memo<V>(cache: WeakMap<DbtModel, Map<string, V>>, model: DbtModel, key: string, make: () => V): V {
  let perModel = cache.get(model);
  if (!perModel) {
    perModel = new Map();
    cache.set(model, perModel);
  }
  let value = perModel.get(key);
  if (value === undefined) {
    value = make();
    perModel.set(key, value);
  }
  return value;
}

const indexCache = new WeakMap<DbtProject, Map<string, DbtModel>>();
function modelIndex(project: DbtProject): Map<string, DbtModel> {
  let index = indexCache.get(project);
  if (!index) {
    index = new Map();
    for (const m of project.models) {
      if (!m.enabled) continue;
      const key = m.name.toLowerCase();
      const existing = index.get(key);
      // For versioned models, `ref('m')` resolves to the latest version: keep the highest.
      if (!existing || Number(m.version ?? 0) > Number(existing.version ?? 0)) index.set(key, m);
    }
    indexCache.set(project, index);
  }
  return index;
}

function isIncremental(model: DbtModel): boolean {
  return model.config.materialized?.value === 'incremental';
}

function addedChange(head: DbtModel): ModelChange {
  const detail = head.version !== undefined ? `new version v${head.version} of ${head.name}` : `new model ${head.name}`;
  return { kind: 'model_added', detail, path: head.path, line: 1, breaking: false, impact: 'additive' };
}

function formatting(head: DbtModel, detail: string): ModelChange {
  return { kind: 'formatting_only', detail, path: head.path, breaking: false, impact: 'none' };
}

function toModelChange(c: SqlChange, model: DbtModel, side: ShapeResult, prefix: string): ModelChange {
  const line = c.line !== undefined ? (side.lineOf ? side.lineOf(c.line) : c.line) : undefined;
  // the lines the detail names are rendered-SQL lines too: named as template lines, or left out when not known
  const detail = c.lineMentions && side.knownLineOf ? remapDetail(c.detail, c.lineMentions, side.knownLineOf, line) : c.detail;
  const change: ModelChange = {
    kind: c.kind,
    detail: `${prefix}${detail}`,
    path: model.path,
    breaking: c.breaking,
    impact: c.impact,
  };
  if (c.column !== undefined) change.column = c.column;
  if (line !== undefined) change.line = line;
  if (c.side === 'base' && change.line !== undefined) change.side = 'base';
  if (c.settled) change.settled = true;
  return change;
}

function changeKey(c: ModelChange): string {
  return `${c.kind}\u0000${c.column ?? ''}`;
}

function removeRedundantFormatting(changes: ModelChange[]): void {
  for (let i = changes.length - 1; i >= 0; i--) if (changes[i]!.kind === 'formatting_only') changes.splice(i, 1);
}
