/**
 * The one orchestrator: ReviewRequest + ports -> Review. Pure over its ports (snapshots, renderer, LLM stage):
 * no filesystem, network or environment access here.
 */
import picomatch from 'picomatch';
import type { Dialect, ReviewerConfig } from './config.js';
import { changedPathsOf, type ChangedFile, type ReviewPorts, type ReviewRequest } from './ports.js';
import type { DbtModel, DbtProject, ProjectProblem } from './dbt/types.js';
import type { Finding, LlmReport, ModelChange, ModelReport, ModelStatus, Review, Skipped } from './review/types.js';
import {
  loadProjects,
  ownerOf,
  diffModelConfig,
  projectConfigFingerprint,
  stableStringify,
  propertyFocus,
  widenedFocus,
  type LoadOptions,
  type PropertyFocus,
  type YamlParseResult,
  type YamlTreeCache,
} from './dbt/index.js';
import { runChecks } from './checks/index.js';
import type { CheckContext } from './checks/types.js';
import { breakingOf, conclusionOf, impactOf } from './review/verdict.js';
import { isRenderIdentical, ModelAnalyzer, type AnalysedModel } from './analysis.js';
import { buildDownstream } from './review/downstream.js';
import { modelPropertiesFingerprint } from './review/model-fingerprint.js';

export interface ChangedModel {
  project: DbtProject;
  baseProject?: DbtProject;
  head?: DbtModel;
  base?: DbtModel;
  status: ModelStatus;
  /** Sources it reads whose relation (`database`, `schema`, `identifier`) the change moved. */
  movedSources?: SourceMove[];
}

/** A source table that now points at another relation. */
interface SourceMove {
  call: string;
  before: string;
  after: string;
  path: string;
  line?: number;
}

export async function runReview(request: ReviewRequest, ports: ReviewPorts): Promise<Review> {
  const { config } = request;
  const dialect = resolveDialect(config, request);
  const isIgnored = config.ignore.length > 0 ? picomatch(config.ignore, { dot: true }) : () => false;

  const skipped: Skipped[] = [];
  const changedFiles = request.changedFiles.filter((f) => {
    if (!isIgnored(f.path)) return true;
    skipped.push({ path: f.path, reason: 'ignored by the `ignore` setting' });
    return false;
  });

  // Base and head share most property files: parse each distinct text once, and only those the change needs.
  const changedPaths = new Set(changedPathsOf(changedFiles));
  const yamlCache = reviewYamlCache(ports.yamlTrees);
  let focus = propertyFocus(ports, changedPaths, yamlCache);
  const optionsFor = (f: PropertyFocus | undefined): LoadOptions => ({ ownerKey: config.ownerKey, ignore: config.ignore, yamlCache, ...(f ? { focus: f } : {}) });
  // A property file the change made unparseable is read as it was: its invalid YAML is the finding, not the tests
  // and docs its models would seem to lose.
  const priorText = (path: string): string | undefined => ports.base.read(path);
  let headProjects = loadProjects(ports.head, { ...optionsFor(focus), priorText });
  const widened = focus && widenedFocus(focus, headProjects, config.ownerKey);
  if (widened) {
    focus = widened;
    // Same revision: every model whose property entry is unchanged by the wider focus is reused as built.
    headProjects = loadProjects(ports.head, { ...optionsFor(focus), priorText, reuse: { projects: headProjects, changedPaths: new Set() } });
  }
  const loadOptions = optionsFor(focus);
  // The base shares every model the change does not touch with the head: build only the others.
  const baseProjects = loadProjects(ports.base, { ...loadOptions, reuse: { projects: headProjects, changedPaths } });

  const changed = findChangedModels(changedFiles, headProjects, baseProjects, skipped, config.ownerKey);
  const analyzer = new ModelAnalyzer(ports.renderer, dialect.name, ports.shapes);

  const unread = new Map((request.unread ?? []).map((u) => [u.path, u.reason]));
  const readable = changed.filter((c) => unreadReason(c, unread) === undefined);
  analyzer.renderAhead(readable);
  const analysed = await mapLimit(changed, 4, (c) => {
    const reason = unreadReason(c, unread);
    return reason === undefined ? analyzer.analyse(c) : Promise.resolve(notRead(c, reason));
  });

  const models: ModelReport[] = [];
  const contexts: CheckContext[] = [];
  for (const a of analysed) {
    const report = toModelReport(a, config);
    models.push(report);
    const subject = a.changed.status === 'removed' ? a.changed.base : a.changed.head;
    if (!subject) continue;
    contexts.push({
      model: subject,
      baseModel: a.changed.base,
      project: a.changed.status === 'removed' ? a.changed.baseProject ?? a.changed.project : a.changed.project,
      baseProject: a.changed.baseProject,
      status: a.changed.status,
      config,
      changes: report.changes,
      renderedSql: a.headSql,
      selectedColumns: a.headColumns,
      dialect: dialect.name,
      readFile: (path) => (a.changed.status === 'removed' ? ports.base : ports.head).read(path),
    });
  }

  await buildDownstream(models, analysed, headProjects, analyzer, config.ownerKey);

  // Problems of files outside the change were there before it: they are not this change's findings.
  const goneModels = new Set(changed.flatMap((c) => (c.base && (c.status === 'removed' || c.status === 'renamed') ? [c.base.name] : [])));
  const problemProjects = headProjects.map((p) => ({ ...p, problems: p.problems.flatMap((problem) => causedByChange(problem, changedPaths, goneModels)) }));
  const deterministic: Finding[] = runChecks(contexts, config, problemProjects);
  for (const m of models) {
    if (m.impact === 'unknown' && m.unknownReason) skipped.push({ path: m.path, reason: m.unknownReason });
  }

  const review: Review = {
    version: 1,
    base: request.base,
    head: request.head,
    conclusion: 'success',
    models,
    findings: sortFindings(deterministic),
    skipped: dedupeSkipped(skipped),
    llm: absentLlmReport(ports),
    dialect,
    notes: request.notes && request.notes.length > 0 ? [...request.notes] : undefined,
    stats: {
      modelsInProject: headProjects.reduce((n, p) => n + p.models.length, 0),
      modelsChanged: models.length,
      modelsAnalysed: models.filter((m) => m.impact !== 'unknown').length,
    },
  };

  if (ports.llm) {
    const llm = await ports.llm.run({ review, request, base: ports.base, head: ports.head });
    review.llm = llm.report;
    review.findings = sortFindings([...review.findings, ...llm.findings.map(capLlmFinding)]);
  }
  review.conclusion = conclusionOf(review.findings, review.models, review.llm);
  return review;
}

/**
 * A project problem as this change's finding, or nothing when the change did not cause it: it is in a changed file;
 * or it involves one (the other of two duplicate entries: the finding moves there); or it is about a model whose
 * file the change removed or renamed (its entry left behind).
 */
function causedByChange(problem: ProjectProblem, changedPaths: ReadonlySet<string>, goneModels: ReadonlySet<string>): ProjectProblem[] {
  if (changedPaths.has(problem.path)) return [problem];
  if (problem.alsoAt && changedPaths.has(problem.alsoAt.path)) return [{ ...problem, ...problem.alsoAt }];
  return problem.model !== undefined && goneModels.has(problem.model) ? [problem] : [];
}

function resolveDialect(config: ReviewerConfig, request: ReviewRequest): { name: Dialect; source: string } {
  if (config.dialect) return { name: config.dialect, source: 'config `dialect`' };
  if (request.dialectHint) return request.dialectHint;
  return { name: 'snowflake', source: 'the default; set `dialect` in .github/dbt-pr-reviewer.yml' };
}

function absentLlmReport(ports: ReviewPorts): LlmReport {
  const absent = ports.llmAbsentReason ?? { status: 'skipped' as const, detail: 'no LLM stage configured' };
  return { status: absent.status, model: null, inputTokens: 0, outputTokens: 0, findingsDropped: 0, detail: absent.detail };
}

/** LLM findings are advice: never above `warning`, always marked as origin `llm`. */
function capLlmFinding(f: Finding): Finding {
  return { ...f, origin: 'llm', severity: f.severity === 'error' ? 'warning' : f.severity };
}

/**
 * A model is changed when its SQL file changed, its property-file entry changed, or the config it inherits from
 * `dbt_project.yml` changed. Removed and disabled models count as removed; renamed files pair base and head.
 */
export function findChangedModels(
  changedFiles: readonly ChangedFile[],
  headProjects: readonly DbtProject[],
  baseProjects: readonly DbtProject[],
  skipped: Skipped[],
  ownerKey = 'owner',
): ChangedModel[] {
  const changedPaths = new Set<string>();
  const renamedFrom = new Map<string, string>(); // head path -> base path
  for (const f of changedFiles) {
    changedPaths.add(f.path);
    if (f.previousPath) {
      changedPaths.add(f.previousPath);
      renamedFrom.set(f.path, f.previousPath);
    }
  }
  const metadataChanged = [...changedPaths].some((p) => /\.ya?ml$/i.test(p));
  const readsChangedMacroOrVar = rendersDifferently(changedPaths, headProjects, baseProjects);
  const moves = sourceMoves(changedPaths, headProjects, baseProjects);
  const result: ChangedModel[] = [];
  const seenBase = new Set<DbtModel>();

  const baseByProjectFile = new Map(baseProjects.map((p) => [p.projectFile, p]));
  const notCompared = new Set<string>();
  for (const project of headProjects) {
    const baseProject = baseByProjectFile.get(project.projectFile);
    // Without a readable dbt_project.yml on both sides, the models' names and configs cannot be compared: every
    // model would look removed and added again. The file's own finding says what to fix.
    const unreadable = project.unreadable ? `at the head: ${project.unreadable}` : baseProject?.unreadable ? `at the base: ${baseProject.unreadable}` : undefined;
    if (unreadable) {
      notCompared.add(project.projectFile);
      skipped.push({ path: project.projectFile, reason: `cannot be read ${unreadable}; the models of this project are not compared until it is fixed` });
      continue;
    }
    const baseById = new Map((baseProject?.models ?? []).map((m) => [m.uniqueId, m]));
    const baseByPath = new Map((baseProject?.models ?? []).map((m) => [`${m.path}#${m.version ?? ''}`, m]));
    for (const head of project.models) {
      const previousPath = renamedFrom.get(head.path);
      // By file (a renamed file, or the same file in a renamed project), else by name.
      const base =
        baseByPath.get(`${previousPath ?? head.path}#${head.version ?? ''}`) ?? baseById.get(head.uniqueId);
      if (base) seenBase.add(base);
      const movedSources = head.sources.flatMap((s) => moves.get(`${project.projectFile}\0${s.source}.${s.table}`) ?? []);
      // The base load reuses the head's model object when nothing it is built from changed.
      if (base === head && movedSources.length === 0 && !readsChangedMacroOrVar(head)) continue;
      const sqlChanged = changedPaths.has(head.path) || (base !== undefined && base.path !== head.path);
      // Only a changed property file (or dbt_project.yml, below) can change what YAML says about a model.
      const propertiesChanged =
        metadataChanged &&
        base !== undefined &&
        (changedPaths.has(base.properties?.path ?? '') || changedPaths.has(head.properties?.path ?? '')) &&
        modelPropertiesFingerprint(base) !== modelPropertiesFingerprint(head);
      // What dbt_project.yml gives a model changed, in a way the review can tell (not, e.g., a default made explicit).
      const projectChanged =
        base !== undefined &&
        base.projectConfig !== head.projectConfig &&
        projectConfigFingerprint(base) !== projectConfigFingerprint(head) &&
        diffModelConfig(base, head, { ownerKey }).length > 0;
      const headOn = head.enabled;
      const baseOn = base?.enabled ?? false;
      if (!headOn && !baseOn) continue;
      if (!base || !baseOn) {
        result.push({ project, baseProject, head, base: baseOn ? base : undefined, status: 'added' });
        continue;
      }
      if (!headOn) {
        result.push({ project, baseProject, head, base, status: 'removed' });
        continue;
      }
      // Unpinned refs move to a version that became the latest.
      const becameLatest = head.version !== undefined && head.version === head.latestVersion && base.latestVersion !== head.latestVersion;
      if (!sqlChanged && !propertiesChanged && !projectChanged && !becameLatest && movedSources.length === 0 && !readsChangedMacroOrVar(head)) continue;
      const status: ModelStatus = base.path !== head.path && base.name !== head.name ? 'renamed' : 'modified';
      result.push({ project, baseProject, head, base, status, ...(movedSources.length > 0 ? { movedSources } : {}) });
    }
  }
  const headByProjectFile = new Map(headProjects.map((p) => [p.projectFile, p]));
  for (const baseProject of baseProjects) {
    const project = headByProjectFile.get(baseProject.projectFile);
    if (notCompared.has(baseProject.projectFile)) continue;
    for (const base of baseProject.models) {
      if (seenBase.has(base) || !base.enabled) continue;
      if (project) result.push({ project, baseProject, base, status: 'removed' });
      else skipped.push({ path: base.path, reason: `its dbt project (${baseProject.projectFile}) was removed` });
    }
  }
  return result.sort((a, b) => (a.head ?? a.base)!.path.localeCompare((b.head ?? b.base)!.path));
}

/**
 * Models that render differently at base and head without a change of their own: they call a macro defined in a
 * changed macro file, or read a project var (`var('x')`) whose value `dbt_project.yml` changed, directly or through
 * a macro. They are changed (their rendered SQL is compared like any other change).
 */
function rendersDifferently(
  changedPaths: ReadonlySet<string>,
  headProjects: readonly DbtProject[],
  baseProjects: readonly DbtProject[],
): (model: DbtModel) => boolean {
  const names = new Set<string>();
  for (const project of [...headProjects, ...baseProjects]) {
    for (const macro of project.macros) if (changedPaths.has(macro.path)) names.add(macro.name);
  }
  const vars = changedVars(headProjects, baseProjects);
  if (names.size === 0 && vars.size === 0) return () => false;
  const alternatives = (set: ReadonlySet<string>) => [...set].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
  const readsVar = vars.size > 0 ? new RegExp(`\\bvar\\s*\\(\\s*['"](?:${alternatives(vars)})['"]`) : undefined;
  const uses = (text: string, call: RegExp | undefined): boolean => call?.test(text) === true || readsVar?.test(text) === true;
  const callOf = (set: ReadonlySet<string>) => (set.size > 0 ? new RegExp(`\\b(?:${alternatives(set)})\\s*\\(`) : undefined);
  // Macros that call a changed macro (or read a changed var) render differently too: close over them.
  const macros = headProjects.flatMap((p) => p.macros);
  for (let grew = true; grew; ) {
    grew = false;
    const call = callOf(names);
    for (const macro of macros) {
      if (!names.has(macro.name) && uses(macro.source, call)) {
        names.add(macro.name);
        grew = true;
      }
    }
  }
  const call = callOf(names);
  return (model) => model.language === 'sql' && uses(model.raw, call);
}

/**
 * Source tables of the changed property files that now point at another relation, by project file and
 * `source.table`. A relation computed by Jinja is not compared.
 */
function sourceMoves(changedPaths: ReadonlySet<string>, headProjects: readonly DbtProject[], baseProjects: readonly DbtProject[]): Map<string, SourceMove> {
  const moves = new Map<string, SourceMove>();
  for (const project of headProjects) {
    const base = baseProjects.find((p) => p.projectFile === project.projectFile);
    for (const table of project.sources ?? []) {
      if (!changedPaths.has(table.path)) continue;
      const before = base?.sources?.find((s) => s.source === table.source && s.table === table.table)?.relation;
      const after = table.relation;
      const moved = after?.findIndex((part, i) => part.name !== before?.[i]?.name) ?? -1;
      if (!before || !after || moved < 0 || [...before, ...after].some((part) => part.name.includes('{{'))) continue;
      const name = (parts: { name: string }[]) => parts.map((part) => part.name).join('.');
      const line = after[moved]!.line ?? table.line;
      const call = `source('${table.source}', '${table.table}')`;
      moves.set(`${project.projectFile}\0${table.source}.${table.table}`, { call, before: name(before), after: name(after), path: table.path, ...(line !== undefined ? { line } : {}) });
    }
  }
  return moves;
}

/** Why a changed model's file was not read, at the head or the base, if it was not. */
function unreadReason(c: ChangedModel, unread: ReadonlyMap<string, string>): string | undefined {
  if (c.head && unread.has(c.head.path)) return `its file was not read: ${unread.get(c.head.path)}`;
  if (c.base && unread.has(c.base.path)) return `its base version was not read: ${unread.get(c.base.path)}`;
  return undefined;
}

/** A changed model whose SQL was not read: not analysed, for that reason. */
function notRead(c: ChangedModel, reason: string): AnalysedModel {
  const model = (c.head ?? c.base)!;
  return { changed: c, unknownReason: reason, changes: [{ kind: 'unknown', detail: reason, path: model.path, breaking: false, impact: 'unknown' }] };
}

/** The project vars whose value differs between base and head (`vars:` of each `dbt_project.yml`). */
function changedVars(headProjects: readonly DbtProject[], baseProjects: readonly DbtProject[]): Set<string> {
  const changed = new Set<string>();
  for (const head of headProjects) {
    const base = baseProjects.find((p) => p.projectFile === head.projectFile);
    if (!base) continue;
    for (const key of new Set([...Object.keys(head.vars), ...Object.keys(base.vars)])) {
      if (stableStringify(head.vars[key]) !== stableStringify(base.vars[key])) changed.add(key);
    }
  }
  return changed;
}

function toModelReport(a: AnalysedModel, config: ReviewerConfig): ModelReport {
  const { changed } = a;
  const model = (changed.head ?? changed.base)!;
  const configChanges = changed.status === 'added' || changed.status === 'removed' ? [] : diffModelConfig(changed.base, changed.head, { ownerKey: config.ownerKey });
  // An edit of the model's `config()` that renders the same SQL is told by its config changes alone.
  const configInSql = configChanges.some((c) => c.path === model.path);
  const sourceChanges = (changed.movedSources ?? []).map(
    (m): ModelChange => ({
      kind: 'source_changed',
      detail: `\`${m.call}\` now reads \`${m.after}\` instead of \`${m.before}\`: every value can change`,
      path: m.path,
      ...(m.line !== undefined ? { line: m.line } : {}),
      breaking: true,
      impact: 'model_wide',
    }),
  );
  const changes: ModelChange[] = [...a.changes.filter((c) => !(configInSql && isRenderIdentical(c))), ...configChanges, ...sourceChanges];
  const ownerModel = changed.status === 'removed' ? changed.base ?? model : model;
  const ownerProject = changed.status === 'removed' ? changed.baseProject ?? changed.project : changed.project;
  return {
    name: model.name,
    ...(model.version !== undefined ? { version: model.version } : {}),
    path: model.path,
    previousPath: changed.base && changed.base.path !== model.path ? changed.base.path : undefined,
    status: changed.status,
    impact: impactOf(changes),
    breaking: breakingOf(changes),
    changes,
    owner: ownerOf(ownerModel, ownerProject, config.ownerKey),
    downstream: [],
    layer: model.folders[0],
    unknownReason: a.unknownReason,
    columns: a.headColumns ?? (model.columns.length > 0 ? model.columns.map((c) => c.name) : undefined),
  };
}

/** This review's parses, in front of the ones the edge kept (read once each, and given every new parse). */
function reviewYamlCache(kept: YamlTreeCache | undefined): YamlTreeCache {
  const parses = new Map<string, YamlParseResult>();
  if (!kept) return parses;
  return {
    get(text) {
      let result = parses.get(text);
      if (!result) {
        result = kept.get(text);
        if (result) parses.set(text, result);
      }
      return result;
    },
    set(text, result) {
      parses.set(text, result);
      kept.set(text, result);
    },
  };
}

function sortFindings(findings: Finding[]): Finding[] {
  const rank = { error: 0, warning: 1, info: 2 } as const;
  return [...findings].sort(
    (a, b) =>
      rank[a.severity] - rank[b.severity] ||
      a.path.localeCompare(b.path) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      a.rule.localeCompare(b.rule),
  );
}

function dedupeSkipped(skipped: Skipped[]): Skipped[] {
  const seen = new Set<string>();
  return skipped.filter((s) => {
    const key = `${s.path}\u0000${s.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}
