/**
 * Which models a change touches: at head and base, paired by file then by
 * name, with their status. A model is changed when its SQL file, its property entry or the config it inherits from
 * `dbt_project.yml` changed, when it calls a changed macro or reads a changed project var, when a source it reads
 * moved, or when it became the latest version of its model.
 */
import type { DbtModel, DbtProject } from './dbt/types.js';
import { projectConfigFingerprint, stableStringify } from './dbt/index.js';
import { factsKindOf } from './dbt/fileFacts.js';
import { groupsWithOtherOwner, ownerMovedWithGroup } from './dbt/owner.js';
import { projectTogglesTests, testScopesChanged } from './dbt/keyTests.js';
import { escapeRegExp, relativeTo } from './dbt/textLines.js';
import { lookupProjectVar, scopedVars } from './dbt/vars.js';
import type { ChangedFile } from './ports.js';
import type { ModelStatus, Skipped } from './review/types.js';
import { modelPropertiesFingerprint } from './review/model-fingerprint.js';

export interface ChangedModel {
  project: DbtProject;
  baseProject?: DbtProject;
  head?: DbtModel;
  base?: DbtModel;
  status: ModelStatus;
  /** Sources it reads whose relation (`database`, `schema`, `identifier`) the change moved. */
  movedSources?: SourceMove[];
  /** The changed macros and vars it calls or reads (directly or through macros), e.g. ``macro `cents` (macros/cents.sql)``. */
  renderCauses?: string[];
}

/**
 * What a change of this model's SQL or `config()` came through when its own file is as it was: the changed macros and
 * vars, as ` (through the change of …)` to add to the change's text (the lines it points at are not in the diff), or ''.
 */
export function renderCauseSuffix(changed: Pick<ChangedModel, 'renderCauses' | 'base' | 'head'>): string {
  return changed.renderCauses && changed.base && changed.head && changed.base.raw === changed.head.raw ? ` (through the change of ${changed.renderCauses.join(', ')})` : '';
}

/** A source table that now points at another relation. */
export interface SourceMove {
  call: string;
  before: string;
  after: string;
  path: string;
  line?: number;
}

/** Shared by every model when no source moved (never modified). */
const NO_MOVES: SourceMove[] = [];

/**
 * A model is changed when its SQL file changed, its property-file entry changed, or the config it inherits from
 * `dbt_project.yml` changed. Removed and disabled models count as removed; renamed files pair base and head.
 */
export function findChangedModels(
  changedFiles: readonly ChangedFile[],
  headProjects: readonly DbtProject[],
  baseProjects: readonly DbtProject[],
  skipped: Skipped[],
  /** Receives the `dbt_project.yml` of each project whose models were not compared although the change touches it. */
  uncompared: string[] = [],
  /** The meta key naming a model's owner: a model without one takes its group's owner, so changes with it. */
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
  const renderCausesOf = rendersDifferently(changedPaths, headProjects, baseProjects);
  const moves = sourceMoves(changedPaths, headProjects, baseProjects);
  const result: ChangedModel[] = [];
  const seenBase = new Set<DbtModel>();

  const baseOf = pairProjects(headProjects, baseProjects);
  const notCompared = new Set<string>();
  for (const project of headProjects) {
    const baseProject = baseOf.get(project);
    // Without a readable dbt_project.yml on both sides, the models' names and configs cannot be compared: every
    // model would look removed and added again. The file's own finding says what to fix.
    const unreadable = project.unreadable ? `at the head: ${project.unreadable}` : baseProject?.unreadable ? `at the base: ${baseProject.unreadable}` : undefined;
    if (unreadable) {
      notCompared.add(project.projectFile);
      // A changed SQL, Python or YAML file of the project: one its review would compare.
      if ([...changedPaths].some((p) => factsKindOf(p) !== undefined && relativeTo(p, project.root) !== undefined)) uncompared.push(project.projectFile);
      skipped.push({ path: project.projectFile, reason: `cannot be read ${unreadable}; the models of this project are not compared until it is fixed` });
      continue;
    }
    const baseModels = baseProject?.models ?? [];
    // The base load reuses the head's model object when nothing it is built from changed (almost every model of a
    // big project): that object is its own base. The others are paired through maps built on first need.
    const reused = new Set(baseModels);
    let baseById: Map<string, DbtModel> | undefined;
    let baseByPath: Map<string, DbtModel> | undefined;
    const groupOwners = groupsWithOtherOwner(project, baseProject);
    const testScopesMoved = testScopesChanged(project, baseProject);
    for (const head of project.models) {
      const previousPath = renamedFrom.get(head.path);
      let base: DbtModel | undefined;
      if (previousPath === undefined && reused.has(head)) {
        base = head;
      } else {
        baseById ??= new Map(baseModels.map((m) => [m.uniqueId, m]));
        baseByPath ??= new Map(baseModels.map((m) => [`${m.path}#${m.version ?? ''}`, m]));
        // By file (a renamed file, or the same file in a renamed project), else by name.
        base = baseByPath.get(`${previousPath ?? head.path}#${head.version ?? ''}`) ?? baseById.get(head.uniqueId);
      }
      if (base) seenBase.add(base);
      const movedSources = moves.size === 0 ? NO_MOVES : head.sources.flatMap((s) => moves.get(`${project.projectFile}\0${s.source}.${s.table}`) ?? []);
      // Its owner is its group's, which the change gave another owner.
      // Or dbt_project.yml's `data_tests:` enables or disables some of its tests.
      const groupOwnerChanged = ownerMovedWithGroup(head, groupOwners, ownerKey) || (testScopesMoved && base !== undefined && projectTogglesTests(head, base, project, baseProject));
      const renderCauses = renderCausesOf(head);
      // The base load reuses the head's model object when nothing it is built from changed.
      if (base === head && movedSources.length === 0 && !renderCauses && !groupOwnerChanged) continue;
      const sqlChanged = changedPaths.has(head.path) || (base !== undefined && base.path !== head.path);
      // Only a changed property file (or dbt_project.yml, below) can change what YAML says about a model.
      const propertiesChanged =
        metadataChanged &&
        base !== undefined &&
        (changedPaths.has(base.properties?.path ?? '') || changedPaths.has(head.properties?.path ?? '')) &&
        modelPropertiesFingerprint(base) !== modelPropertiesFingerprint(head);
      // What dbt_project.yml gives a model changed (a default made explicit, `+enabled: true`, changes nothing).
      const projectChanged =
        base !== undefined &&
        base.projectConfig !== head.projectConfig &&
        projectConfigFingerprint(base) !== projectConfigFingerprint(head);
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
      if (!sqlChanged && !propertiesChanged && !projectChanged && !becameLatest && movedSources.length === 0 && !renderCauses && !groupOwnerChanged) continue;
      const status: ModelStatus = base.path !== head.path && base.name !== head.name ? 'renamed' : 'modified';
      result.push({ project, baseProject, head, base, status, ...(movedSources.length > 0 ? { movedSources } : {}), ...(renderCauses ? { renderCauses } : {}) });
    }
  }
  const headOf = new Map([...baseOf].map(([head, base]) => [base, head]));
  for (const baseProject of baseProjects) {
    const project = headOf.get(baseProject);
    if (notCompared.has(baseProject.projectFile)) continue;
    // A project whose dbt_project.yml is gone (deleted, or no longer a project): dbt builds none of its models.
    for (const base of baseProject.models) {
      if (seenBase.has(base) || !base.enabled) continue;
      result.push({ project: project ?? baseProject, baseProject, base, status: 'removed' });
    }
  }
  return result.sort((a, b) => (a.head ?? a.base)!.path.localeCompare((b.head ?? b.base)!.path));
}

/**
 * The base project of each head project: the one with the same `dbt_project.yml`, else (a project moved to another
 * folder) the one of the same name whose `dbt_project.yml` the head no longer has.
 */
function pairProjects(headProjects: readonly DbtProject[], baseProjects: readonly DbtProject[]): Map<DbtProject, DbtProject> {
  const pairs = new Map<DbtProject, DbtProject>();
  const baseByFile = new Map(baseProjects.map((p) => [p.projectFile, p]));
  const headFiles = new Set(headProjects.map((p) => p.projectFile));
  const moved = baseProjects.filter((p) => !headFiles.has(p.projectFile));
  for (const head of headProjects) {
    const base = baseByFile.get(head.projectFile) ?? (baseByFile.has(head.projectFile) ? undefined : moved.find((p) => p.name.toLowerCase() === head.name.toLowerCase()));
    if (!base) continue;
    pairs.set(head, base);
    if (moved.includes(base)) moved.splice(moved.indexOf(base), 1);
  }
  return pairs;
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
): (model: DbtModel) => string[] | undefined {
  // What made each macro render differently: the changed macros and vars it calls or reads, itself included.
  const causes = new Map<string, Set<string>>();
  for (const project of [...headProjects, ...baseProjects]) {
    for (const macro of project.macros) if (changedPaths.has(macro.path)) causes.set(macro.name, new Set([`macro \`${macro.name}\` (${macro.path})`]));
  }
  const vars = changedVars(headProjects, baseProjects);
  if (causes.size === 0 && vars.size === 0) return () => undefined;
  const varCall = (name: string) => new RegExp(`\\bvar\\s*\\(\\s*['"]${escapeRegExp(name)}['"]`);
  const varReads = [...vars.keys()].map((name) => ({ cause: `var \`${name}\` (${vars.get(name)})`, call: varCall(name) }));
  const macroCall = (name: string) => new RegExp(`\\b${escapeRegExp(name)}\\s*\\(`);
  const calls = new Map<string, RegExp>();
  const callOf = (name: string): RegExp => calls.get(name) ?? calls.set(name, macroCall(name)).get(name)!;
  /** The causes a text (a macro's or a model's) renders differently by, or undefined. */
  const causesOf = (text: string): Set<string> | undefined => {
    let found: Set<string> | undefined;
    for (const [name, from] of causes) if (callOf(name).test(text)) for (const c of from) (found ??= new Set()).add(c);
    for (const { cause, call } of varReads) if (call.test(text)) (found ??= new Set()).add(cause);
    return found;
  };
  // Macros that call a changed macro (or read a changed var) render differently too: close over them.
  const macros = headProjects.flatMap((p) => p.macros);
  for (let grew = true; grew; ) {
    grew = false;
    for (const macro of macros) {
      const found = causesOf(macro.source);
      if (!found) continue;
      const known = causes.get(macro.name);
      const before = known?.size ?? 0;
      const all = new Set([...(known ?? []), ...found]);
      if (all.size > before) {
        causes.set(macro.name, all);
        grew = true;
      }
    }
  }
  return (model) => {
    if (model.language !== 'sql') return undefined;
    const found = causesOf(model.raw);
    return found ? [...found].sort() : undefined;
  };
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
      // Unquoted names (dbt's default on Snowflake, BigQuery, Databricks...) do not depend on case.
      const moved = after?.findIndex((part, i) => part.name.toLowerCase() !== before?.[i]?.name.toLowerCase()) ?? -1;
      if (!before || !after || moved < 0 || [...before, ...after].some((part) => part.name.includes('{{'))) continue;
      const name = (parts: { name: string }[]) => parts.map((part) => part.name).join('.');
      const line = after[moved]!.line ?? table.line;
      const call = `source('${table.source}', '${table.table}')`;
      moves.set(`${project.projectFile}\0${table.source}.${table.table}`, { call, before: name(before), after: name(after), path: table.path, ...(line !== undefined ? { line } : {}) });
    }
  }
  return moves;
}

/** The project vars whose value differs between base and head (`vars:` of each `dbt_project.yml`), with that file's path. */
function changedVars(headProjects: readonly DbtProject[], baseProjects: readonly DbtProject[]): Map<string, string> {
  const changed = new Map<string, string>();
  for (const head of headProjects) {
    const base = baseProjects.find((p) => p.projectFile === head.projectFile);
    if (!base) continue;
    for (const [name, before, after] of varPairs(head.vars, base.vars, head.name)) {
      if (stableStringify(after) !== stableStringify(before)) changed.set(name, head.projectFile);
    }
  }
  return changed;
}

/**
 * Each var the project's models read, by name, as dbt gives it to them at both revisions: the project-scoped value
 * (`vars: {<project>: {...}}`) over the top-level one. A top-level var that a scoped one hides does not change them.
 */
function varPairs(head: Record<string, unknown>, base: Record<string, unknown>, projectName: string): [string, unknown, unknown][] {
  const names = new Set([head, base, scopedVars(head, projectName), scopedVars(base, projectName)].flatMap((vars) => Object.keys(vars)));
  names.delete(projectName);
  return [...names].map((name) => [name, lookupProjectVar(base, projectName, name).value, lookupProjectVar(head, projectName, name).value]);
}
