/**
 * Downstream impact from the head project's `ref()` graph: the models, exposures and semantic models that read a
 * changed model, their owners, and which of the affected columns each one uses (when its SQL can be analysed; a
 * semantic model names them in its entities, dimensions and measures).
 */
import type { DbtModel, DbtProject, DbtSemanticModel } from '../dbt/types.js';
import type { DownstreamUse, ModelReport } from './types.js';
import { materializationOf, ownerOf, ownerText } from '../dbt/index.js';
import { mentionsIdentifier } from '../dbt/textLines.js';
import type { AnalysedModel, ModelAnalyzer } from '../analysis.js';
import { pushTo } from '../collections.js';

/** Upper bound of dependants whose SQL is analysed for column use, per changed model. */
const MAX_COLUMN_ANALYSIS = 40;

export interface RefGraph {
  /** `nodeKey` of a model -> enabled models that `ref()` it, with the versions they pin (undefined: the latest). */
  children: Map<string, { model: DbtModel; project: DbtProject; versions: (string | undefined)[] }[]>;
  /** `nodeKey` of a model -> exposures that depend on it, with the versions they pin (undefined: the latest). */
  exposures: Map<string, { name: string; path: string; owner: string | null; versions: (string | undefined)[] }[]>;
  /** `nodeKey` of a model -> semantic models whose `model:` refs it, with the version it pins. */
  semanticModels: Map<string, { semantic: DbtSemanticModel; project: DbtProject; versions: (string | undefined)[] }[]>;
}

/** A model of one project (by the project's folder: it stays the same across a rename of the project). */
function nodeKey(project: Pick<DbtProject, 'root'>, name: string): string {
  return `${project.root}\0${name.toLowerCase()}`;
}

/**
 * The graph of the head projects. A ref names a model of its own project (unqualified, when the project has one of
 * that name), of the package it names (`ref('pkg', 'm')`: another project of the repository, installed as a local
 * package; a package that is not in the repository is not followed), or else of the other projects that have one.
 * So with two projects in a repository, each reads its own `stg_orders`.
 */
export function buildRefGraph(projects: readonly DbtProject[]): RefGraph {
  const children: RefGraph['children'] = new Map();
  const exposures: RefGraph['exposures'] = new Map();
  const semanticModels: RefGraph['semanticModels'] = new Map();
  const definers = new Map<string, DbtProject[]>();
  for (const project of projects) {
    for (const name of new Set(project.models.map((m) => m.name.toLowerCase()))) pushTo(definers, name, project);
  }
  const byName = new Map(projects.map((p) => [p.name.toLowerCase(), p]));
  const targets = (from: DbtProject, name: string, pkg: string | undefined): DbtProject[] => {
    if (pkg !== undefined) return [byName.get(pkg.toLowerCase())].filter((p): p is DbtProject => p !== undefined);
    const owners = definers.get(name.toLowerCase()) ?? [];
    return owners.length === 0 || owners.includes(from) ? [from] : owners;
  };
  const versionsByNode = (from: DbtProject, refs: readonly { name: string; package?: string | undefined; version?: string | undefined }[]) => {
    const byNode = new Map<string, (string | undefined)[]>();
    for (const ref of refs) for (const target of targets(from, ref.name, ref.package)) pushTo(byNode, nodeKey(target, ref.name), ref.version);
    return byNode;
  };
  for (const project of projects) {
    for (const model of project.models) {
      // (A stub, out of the review's focus, refs no changed model, but can read an ephemeral one that does.)
      if (!model.enabled) continue;
      for (const [node, versions] of versionsByNode(project, model.refs)) pushTo(children, node, { model, project, versions });
    }
    for (const exposure of project.exposures) {
      if (exposure.disabled) continue;
      const owner = exposure.owner ? formatOwner(exposure.owner) : null;
      const refs = exposure.dependsOn.map((name, i) => ({ name, version: exposure.dependsOnVersions?.[i] }));
      for (const [node, versions] of versionsByNode(project, refs)) pushTo(exposures, node, { name: exposure.name, path: exposure.path, owner, versions });
    }
    for (const semantic of project.semanticModels ?? []) {
      if (!semantic.ref || semantic.disabled) continue;
      for (const [node, versions] of versionsByNode(project, [semantic.ref])) pushTo(semanticModels, node, { semantic, project, versions });
    }
  }
  return { children, exposures, semanticModels };
}

export async function buildDownstream(
  models: ModelReport[],
  analysed: readonly AnalysedModel[],
  headProjects: readonly DbtProject[],
  analyzer: ModelAnalyzer,
  ownerKey: string,
  /** Reads these head files together (a snapshot that loads lazily); readers out of focus are built from them. */
  preload: (paths: readonly string[]) => void = () => undefined,
): Promise<void> {
  const graph = buildRefGraph(headProjects);
  const plans = models.map((report, i) => {
    const affectedColumns = new Set(
      report.changes.filter((c) => c.breaking && c.column).map((c) => (c.column as string).toLowerCase()),
    );
    const changed = analysed[i]?.changed;
    const subject = changed?.head ?? changed?.base;
    // A renamed model's readers are those still reading its old name: their ref() no longer resolves.
    const name = (changed?.status === 'renamed' && changed.base ? changed.base.name : report.name).toLowerCase();
    const node = nodeKey(changed?.project ?? { root: '' }, name);
    const dependants = (graph.children.get(node) ?? []).filter((d) => d.model.name.toLowerCase() !== name && readsVersion(d.versions, subject));
    const exposures = (graph.exposures.get(node) ?? []).filter((e) => readsVersion(e.versions, subject));
    const semanticModels = (graph.semanticModels.get(node) ?? []).filter((s) => readsVersion(s.versions, subject));
    const analysedCount = report.breaking && affectedColumns.size > 0 ? Math.min(dependants.length, MAX_COLUMN_ANALYSIS) : 0;
    return { affectedColumns, dependants, exposures, semanticModels, analysedCount };
  });
  const budget = { left: MAX_THROUGH_EPHEMERAL };
  // The first readers behind ephemeral dependants, of every changed model, read together (not one read per model).
  preload([...new Set(plans.flatMap((p) => readersOfEphemeral(p.dependants, graph).map((r) => r.model.path)))].slice(0, MAX_THROUGH_EPHEMERAL));
  // Every dependant's render is asked for first: the sandbox renders them while the loop below parses.
  analyzer.renderAheadForColumns(plans.flatMap((p) => p.dependants.slice(0, p.analysedCount)));
  for (const [i, report] of models.entries()) {
    const baseColumns = analysed[i]?.baseColumns;
    const { affectedColumns, dependants, exposures, semanticModels, analysedCount } = plans[i]!;
    const uses: DownstreamUse[] = [];
    /** Dependants that select affected columns under their own name (a `select *`): their readers lose them too. */
    const passing: Passing[] = [];
    for (const [n, { model, project }] of dependants.entries()) {
      const owner = ownerOf(model, project, ownerKey);
      let columnsUsed: string[] = [];
      let columnsUnknown = false;
      if (n < analysedCount) {
        const read = await analyzer.columnsUsed(model, project, report.name, baseColumns);
        // `*` means the dependant reads every column (e.g. `select *`): it uses all the affected ones.
        if (read === undefined) columnsUnknown = true;
        else {
          columnsUsed = read.used.includes('*') ? [...affectedColumns] : read.used.filter((c) => affectedColumns.has(c.toLowerCase()));
          const output = new Set((read.output ?? []).map((c) => c.toLowerCase()));
          const selected = columnsUsed.filter((c) => output.has(c.toLowerCase()));
          if (selected.length > 0 && read.output && !isEphemeral(model)) {
            // Passed on by a `*`: the dependant does not name them (not a word of its SQL), so it still builds, and
            // its readers fail. (One that names them fails itself: it is the one to fix.)
            const passed = selected.filter((c) => !mentionsIdentifier(read.sql, c));
            if (passed.length > 0) passing.push({ model, project, passed, output: read.output });
          }
        }
      }
      uses.push({
        name: model.name,
        ...(model.version !== undefined ? { version: model.version } : {}),
        type: 'model',
        path: model.path,
        owner: owner?.value ?? null,
        columnsUsed,
        ...(columnsUnknown ? { columnsUnknown } : {}),
      });
    }
    for (const exposure of exposures) {
      uses.push({ name: exposure.name, type: 'exposure', path: exposure.path, owner: exposure.owner, columnsUsed: [] });
    }
    // A change that breaks only some columns breaks the semantic models that use one of them (or may: an `expr`
    // that could not be read); any other breaking change, or none, lists them all.
    const columnsOnly = report.breaking && report.changes.every((c) => !c.breaking || c.column !== undefined);
    for (const { semantic, project } of semanticModels) {
      const use = semanticUse(semantic, project, ownerKey, affectedColumns);
      if (!columnsOnly || use.columnsUsed.length > 0 || use.columnsUnknown) uses.push(use);
    }
    const seen = new Set([key(report), ...uses.filter((u) => u.type !== 'semantic_model').map((u) => u.name.toLowerCase())]);
    uses.push(...(await throughPassing(passing, graph, analyzer, ownerKey, seen, preload, budget)));
    uses.push(...throughEphemeral(dependants, graph, ownerKey, seen, preload, budget));
    report.downstream = uses;
  }
}

/** A semantic model as a downstream user: the affected columns it uses, its owner (its meta's, else its group's). */
function semanticUse(semantic: DbtSemanticModel, project: DbtProject, ownerKey: string, affected: ReadonlySet<string>): DownstreamUse {
  const group = semantic.group === undefined ? undefined : project.groups.find((g) => g.name === semantic.group);
  const owner = ownerText(semantic.meta?.[ownerKey]) ?? (group?.owner ? ownerText(group.owner) : undefined) ?? null;
  const columnsUsed = semantic.columns.filter((c) => affected.has(c.toLowerCase()));
  return {
    name: semantic.name,
    type: 'semantic_model',
    path: semantic.path,
    owner,
    columnsUsed,
    ...(semantic.columnsUnknown ? { columnsUnknown: true } : {}),
  };
}

interface Passing {
  model: DbtModel;
  project: DbtProject;
  /** The affected columns it selects under their own name. */
  passed: string[];
  /** Its columns, as its readers were written against them. */
  output: string[];
}

/**
 * The readers of dependants that pass affected columns on (`select *` from the changed model): those dependants
 * still build without the columns, and it is their readers that use the columns that fail. One level; a reader is
 * listed when it uses a passed column (`via` names the dependant, `passedThrough` says how).
 */
async function throughPassing(
  passing: readonly Passing[],
  graph: RefGraph,
  analyzer: ModelAnalyzer,
  ownerKey: string,
  seen: Set<string>,
  preload: (paths: readonly string[]) => void,
  budget: { left: number },
): Promise<DownstreamUse[]> {
  const uses: DownstreamUse[] = [];
  // The semantic models on such a dependant that use a column it passes on (their `expr` names it).
  for (const via of passing) {
    for (const { semantic, project } of graph.semanticModels.get(nodeKey(via.project, via.model.name)) ?? []) {
      const use = semanticUse(semantic, project, ownerKey, new Set(via.passed.map((c) => c.toLowerCase())));
      if (use.columnsUsed.length > 0) uses.push({ ...use, via: via.model.name, passedThrough: true });
    }
  }
  const level = passing.flatMap((p) => (graph.children.get(nodeKey(p.project, p.model.name)) ?? []).map((reader) => ({ reader, via: p })));
  preload([...new Set(level.map(({ reader }) => reader.model.path))].slice(0, budget.left));
  for (const { reader, via } of level) {
    const name = reader.model.name.toLowerCase();
    if (seen.has(name) || budget.left <= 0) continue;
    const read = await analyzer.columnsUsed(reader.model, reader.project, via.model.name, via.output);
    if (!read) continue;
    const used = read.used.includes('*') ? via.passed : via.passed.filter((c) => read.used.some((u) => u.toLowerCase() === c.toLowerCase()));
    if (used.length === 0) continue;
    seen.add(name);
    budget.left -= 1;
    const owner = ownerOf(reader.model, reader.project, ownerKey);
    const version = reader.model.version !== undefined ? { version: reader.model.version } : {};
    uses.push({ name: reader.model.name, ...version, type: 'model', path: reader.model.path, owner: owner?.value ?? null, columnsUsed: used, via: via.model.name, passedThrough: true });
  }
  return uses;
}

/**
 * How deep readers are followed through ephemeral models, and how many are listed per review (each one out of focus
 * is built from its file).
 */
const MAX_EPHEMERAL_DEPTH = 3;
const MAX_THROUGH_EPHEMERAL = 100;

function key(report: ModelReport): string {
  return report.name.toLowerCase();
}

/** The models that read the ephemeral models among `dependants` (`throughEphemeral`'s first level, unfiltered). */
function readersOfEphemeral(dependants: readonly { model: DbtModel; project: DbtProject }[], graph: RefGraph): { model: DbtModel }[] {
  return dependants.flatMap(({ model, project }) => (isEphemeral(model) ? (graph.children.get(nodeKey(project, model.name)) ?? []) : []));
}

function isEphemeral(model: DbtModel): boolean {
  const m = materializationOf(model);
  return !m.unknown && m.value === 'ephemeral';
}

/**
 * The readers of the ephemeral models among `dependants`, and theirs in turn: an ephemeral model is inlined into its
 * readers, so the people a change reaches are downstream of it (`via` names the ephemeral model it flows through).
 * Readers out of the review's focus are built from their files: each level's files are read together (`preload`).
 */
function throughEphemeral(
  dependants: readonly { model: DbtModel; project: DbtProject }[],
  graph: RefGraph,
  ownerKey: string,
  seen: Set<string>,
  preload: (paths: readonly string[]) => void,
  budget: { left: number },
  depth = 1,
): DownstreamUse[] {
  if (depth > MAX_EPHEMERAL_DEPTH || budget.left <= 0) return [];
  const uses: DownstreamUse[] = [];
  const next: { model: DbtModel; project: DbtProject }[] = [];
  const level: { reader: { model: DbtModel; project: DbtProject }; via: string }[] = [];
  for (const { model, project } of dependants) {
    if (!isEphemeral(model)) continue;
    const node = nodeKey(project, model.name);
    for (const d of graph.children.get(node) ?? []) {
      if (seen.has(d.model.name.toLowerCase()) || budget.left <= 0) continue;
      seen.add(d.model.name.toLowerCase());
      budget.left -= 1;
      level.push({ reader: d, via: model.name });
    }
    for (const e of graph.exposures.get(node) ?? []) {
      if (seen.has(e.name.toLowerCase())) continue;
      seen.add(e.name.toLowerCase());
      uses.push({ name: e.name, type: 'exposure', path: e.path, owner: e.owner, columnsUsed: [], via: model.name });
    }
  }
  preload(level.map(({ reader }) => reader.model.path));
  for (const { reader, via } of level) {
    const owner = ownerOf(reader.model, reader.project, ownerKey);
    const version = reader.model.version !== undefined ? { version: reader.model.version } : {};
    uses.push({ name: reader.model.name, ...version, type: 'model', path: reader.model.path, owner: owner?.value ?? null, columnsUsed: [], via });
    next.push(reader);
  }
  return [...uses, ...throughEphemeral(next, graph, ownerKey, seen, preload, budget, depth + 1)];
}

/**
 * Whether refs pinning `versions` read `model`: any ref to an unversioned model; for a version, a ref that pins it,
 * or an unpinned ref when it is the latest version.
 */
function readsVersion(versions: readonly (string | undefined)[], model: DbtModel | undefined): boolean {
  if (model?.version === undefined) return true;
  return versions.some((v) => (v === undefined ? model.version === model.latestVersion : v === model.version));
}

function formatOwner(owner: { name?: string; email?: string }): string | null {
  if (owner.name && owner.email) return `${owner.name} <${owner.email}>`;
  return owner.name ?? owner.email ?? null;
}
