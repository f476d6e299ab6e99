/**
 * The one orchestrator: ReviewRequest + ports -> Review. Pure over its ports (snapshots, renderer, LLM stage):
 * no filesystem, network or environment access here.
 */
import picomatch from 'picomatch';
import type { Dialect, ReviewerConfig } from './config.js';
import { changedPathsOf, type ReviewPorts, type ReviewRequest } from './ports.js';
import { relativeTo, stemOf } from './dbt/textLines.js';
import type { DbtProject, ProjectProblem } from './dbt/types.js';
import type { Finding, LlmReport, ModelChange, ModelReport, Review, Skipped } from './review/types.js';
import {
  loadProjects,
  ownerOf,
  diffModelConfig,
  propertyFocus,
  widenedFocus,
  type LoadOptions,
  type PropertyFocus,
  type YamlParseResult,
  type YamlTreeCache,
} from './dbt/index.js';
import { runChecks } from './checks/index.js';
import type { CheckContext, ProjectCheckContext } from './checks/types.js';
import { breakingOf, conclusionOf, impactOf } from './review/verdict.js';
import { ModelAnalyzer, type AnalysedModel } from './analysis.js';
import { buildDownstream } from './review/downstream.js';
import { findChangedModels, renderCauseSuffix, type ChangedModel } from './changed-models.js';

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
  // This review's parses: the base and head loads share the unchanged files' trees.
  const yamlCache: YamlTreeCache = new Map<string, YamlParseResult>();
  let focus = propertyFocus(ports, changedPaths, yamlCache);
  const optionsFor = (f: PropertyFocus | undefined): LoadOptions => ({ ownerKey: config.ownerKey, ignore: config.ignore, yamlCache, ...(f ? { focus: f } : {}) });
  // A property file the change made unparseable is read as it was: its invalid YAML is the finding, not the tests
  // and docs its models would seem to lose.
  const renamedFrom = new Map(changedFiles.flatMap((f) => (f.previousPath !== undefined ? [[f.path, f.previousPath] as const] : [])));
  const priorText = (path: string): string | undefined => ports.base.read(renamedFrom.get(path) ?? path);
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

  const uncompared: string[] = [];
  const changed = findChangedModels(changedFiles, headProjects, baseProjects, skipped, uncompared, config.ownerKey);
  const renamed = new Map(changed.flatMap((c) => (c.status === 'renamed' && c.base && c.head ? [[c.base.name.toLowerCase(), c.head.name.toLowerCase()] as const] : [])));
  const analyzer = new ModelAnalyzer(ports.renderer, dialect.name, ports.shapes, renamed);

  const unread = new Map((request.unread ?? []).map((u) => [u.path, u.reason]));
  const reasons = new Map(changed.map((c) => [c, unreadReason(c, unread)]));
  // A changed file of a project that could not be read and is not a model's (a submodule, a link that leads
  // nowhere): what it changes is not known, so the review is incomplete, and says what it did not read.
  const modelPaths = new Set(changed.flatMap((c) => [c.head?.path, c.base?.path]));
  for (const f of changedFiles) {
    const reason = unread.get(f.path);
    if (reason === undefined || f.status === 'removed' || modelPaths.has(f.path) || !headProjects.some((p) => relativeTo(f.path, p.root) !== undefined)) continue;
    if (headProjects.some((p) => p.problems.some((problem) => problem.path === f.path))) continue; // its own finding says why
    skipped.push({ path: f.path, reason });
    uncompared.push(f.path);
  }
  analyzer.renderAhead(changed.filter((c) => reasons.get(c) === undefined));
  const analysed = await mapLimit(changed, 4, (c) => {
    const reason = reasons.get(c);
    return reason === undefined ? analyzer.analyse(c) : Promise.resolve(notRead(c, reason));
  });

  const models: ModelReport[] = [];
  const contexts: CheckContext[] = [];
  for (const a of analysed) {
    const report = toModelReport(a, config);
    models.push(report);
    const subject = a.changed.status === 'removed' ? a.changed.base : a.changed.head;
    // A model whose file was not read has no config, owner or SQL to judge: the rules would see an empty file.
    if (!subject || a.notRead) continue;
    const revision = a.changed.status === 'removed' ? ports.base : ports.head;
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
      ...(a.headColumnLine ? { selectedColumnLine: a.headColumnLine } : {}),
      dialect: dialect.name,
      readFile: (path) => revision.read(path),
      listFiles: () => revision.paths(),
    });
  }

  await buildDownstream(models, analysed, headProjects, analyzer, config.ownerKey, (paths) => ports.head.preload?.(paths));
  for (const [i, report] of models.entries()) retireAnnouncedRemoval(report, analysed[i]!);

  // Problems of files outside the change were there before it: they are not this change's findings.
  // (by name and by file stem: a version's orphaned entry names its file, `orders_v2`)
  const goneModels = new Set(
    changed.flatMap((c) => (c.base && (c.status === 'removed' || c.status === 'renamed') ? [c.base.name, stemOf(c.base.path)] : [])),
  );
  const problemProjects = headProjects.map((p) => ({ ...p, problems: p.problems.flatMap((problem) => causedByChange(problem, changedPaths, goneModels)) }));
  // Exposures and semantic models are judged per project (a change may touch only them).
  const projectContexts: ProjectCheckContext[] = headProjects.map((project) => ({
    project,
    baseProject: baseProjects.find((p) => p.root === project.root),
    config,
    changedPaths,
    readFile: (path) => ports.head.read(path),
    listFiles: () => ports.head.paths(),
    readBaseFile: (path) => ports.base.read(path),
    listBaseFiles: () => ports.base.paths(),
  }));
  const deterministic: Finding[] = onLinesRead(runChecks(contexts, config, problemProjects, projectContexts), headProjects);
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
  // A project whose dbt_project.yml cannot be read was not compared (its skipped entry says why): the review of
  // the change is incomplete, never a pass.
  review.conclusion = conclusionOf(review.findings, review.models, review.llm, uncompared.length > 0);
  return review;
}

/**
 * A property file the change made invalid is read as it was (`priorText`): a finding located in it, other than its
 * `yaml-invalid`, is at a line of the base text, and says so (`side: 'base'`) rather than pointing at whatever
 * the head has on that line.
 */
function onLinesRead(findings: Finding[], projects: readonly DbtProject[]): Finding[] {
  const asBefore = new Set(projects.flatMap((p) => p.readAsBefore ?? []));
  if (asBefore.size === 0) return findings;
  return findings.map((f) => (asBefore.has(f.path) && f.rule !== 'yaml-invalid' && f.side === undefined && f.line !== undefined ? { ...f, side: 'base' } : f));
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
 * The removal of a model whose deprecation was announced (`deprecation_date`) and that nothing in the project reads
 * any more is the deprecation completed, not a breaking change: there is no one left to tell, and the rule's advice
 * (announce it, keep it until consumers moved) has been followed. Changes the report and its check context share.
 */
function retireAnnouncedRemoval(report: ModelReport, a: AnalysedModel): void {
  const date = a.changed.base?.properties?.deprecationDate;
  const removal = report.changes.find((c) => c.kind === 'model_removed');
  if (!date || !removal || report.downstream.length > 0 || a.changed.head?.enabled === true) return;
  removal.breaking = false;
  removal.detail = `${removal.detail}: its deprecation was announced (deprecation_date: ${date}) and nothing in the project reads it`;
  report.breaking = breakingOf(report.changes);
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
  return { changed: c, notRead: true, unknownReason: reason, changes: [{ kind: 'unknown', detail: reason, path: model.path, breaking: false, impact: 'unknown' }] };
}

function toModelReport(a: AnalysedModel, config: ReviewerConfig): ModelReport {
  const { changed } = a;
  const model = (changed.head ?? changed.base)!;
  // Owners inherited from a group are compared too: a model moved to another group changes hands.
  const projects = { headProject: changed.project, baseProject: changed.baseProject ?? changed.project };
  // A `config()` that reads a changed var (`materialized=var('mat')`) changes with it: said, as for its SQL.
  const causes = renderCauseSuffix(changed);
  const configChanges = (
    changed.status === 'added' || changed.status === 'removed' || a.notRead ? [] : diffModelConfig(changed.base, changed.head, { ownerKey: config.ownerKey, ...projects })
  ).map((c) => (causes && c.path === model.path ? { ...c, detail: `${c.detail}${causes}` } : c));
  // An edit of the model's `config()` (its SQL renders the same, or with other whitespace) is told by its config
  // changes alone, not also as "formatting only".
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
  const changes: ModelChange[] = [...a.changes.filter((c) => !(configInSql && c.kind === 'formatting_only')), ...configChanges, ...sourceChanges];
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
