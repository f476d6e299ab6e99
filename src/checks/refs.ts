/**
 * `ref-unresolved`: a `ref()` the change adds to a model (or to an exposure's `depends_on`, or a semantic model's
 * `model:`, in a property file the change touches) names no model, seed or snapshot of the project, so
 * `dbt parse` stops ("depends on a node named '…' which was not found"). Only what can be known from the
 * repository is judged: a ref into another package (`ref('pkg', 'm')`), or any ref of a project that installs
 * packages (`packages.yml`, `dependencies.yml`: their nodes are not in the repository), is left alone; so is a ref
 * the base version of the model (or of the exposure or semantic model of that name) already had. A ref to a model
 * that is disabled (every file of that name), or that pins a version the model does not have, stops `dbt parse` too,
 * and is reported with its own reason.
 *
 * A seed or snapshot that was there and enabled at the base, and that the change removes (its `.csv` file, its
 * `{% snapshot %}` block, its defining `snapshots:` entry) or disables (`dbt_project.yml`, its property-file
 * `config:`, its block's `config()`), breaks every enabled model that still refs it, old refs included: each such
 * ref is reported at its line. Looked at only when the change touches `dbt_project.yml` (how it places or enables
 * seeds and snapshots), a seed or snapshot file or a property file's seed or snapshot entry, and only for the names
 * some model refs (see `refsToGoneNodes`).
 */
import picomatch from 'picomatch';
import { groupBy, pushTo } from '../collections.js';
import { nodeEntriesOf, nodeLayoutOf, sameNodeLayout, seedsAndSnapshots, snapshotNamesOf, type NodeLayout } from '../dbt/seedsSnapshots.js';
import type { DbtModel, DbtProject, FileSnapshot, RefCall } from '../dbt/types.js';
import { escapeRegExp, mentionsIdentifier, relativeTo, stemOf } from '../dbt/textLines.js';
import { enabledReaders, refRendered } from './gone-node-readers.js';
import { code, hasHead } from './model-facts.js';
import type { ProjectCheckContext, Rule, RuleHit } from './types.js';

export const refUnresolved: Rule = {
  id: 'ref-unresolved',
  defaultSeverity: 'error',
  origin: 'rule',
  description:
    "A `ref()` the change adds (to a model's SQL, an exposure's `depends_on` or a semantic model's `model:`) names no model, seed or snapshot of the project (a typo, or a model removed or renamed), a disabled model, or a version the model does not have; or a model still refs a seed or snapshot the change removes or disables: `dbt parse` fails. Refs into packages are not judged.",
  run(ctx) {
    if (!hasHead(ctx)) return [];
    // A ref in a Jinja branch that does not render (`{% if false %}`, `{% if var(...) %}`) is not one dbt records.
    const rendered = ctx.renderedSql;
    const renders = (r: RefCall): boolean => rendered === undefined || mentionsIdentifier(rendered, r.name);
    const added = addedRefs(ctx.model.refs, ctx.baseModel?.refs, ctx.project).filter(renders);
    return unresolved(added, ctx, '').map(({ ref, message }) => ({ rule: 'ref-unresolved', model: ctx.model.name, path: ctx.model.path, line: ref.line, message }));
  },
  runProject(ctx) {
    const { project, baseProject, changedPaths } = ctx;
    const hits: RuleHit[] = [];
    const report = (path: string, refs: readonly RefCall[], before: readonly RefCall[] | undefined, where: string): void => {
      for (const { ref, message } of unresolved(addedRefs(refs, before, project), ctx, where)) hits.push({ rule: 'ref-unresolved', path, line: ref.line, message });
    };
    // (an exposure or semantic model in a file the change does not touch has the refs it had)
    const baseExposures = firstByName(baseProject?.exposures ?? []);
    for (const exposure of project.exposures) {
      // (dbt resolves no ref of a disabled one)
      if (!exposure.refs || exposure.disabled || !changedPaths.has(exposure.path)) continue;
      report(exposure.path, exposure.refs, baseExposures.get(exposure.name)?.refs, ` in exposure ${code(exposure.name)}`);
    }
    const baseSemantic = firstByName(baseProject?.semanticModels ?? []);
    for (const semantic of project.semanticModels ?? []) {
      if (!semantic.ref || semantic.disabled || !changedPaths.has(semantic.path)) continue;
      const before = baseSemantic.get(semantic.name)?.ref;
      report(semantic.path, [semantic.ref], before ? [before] : undefined, ` in semantic model ${code(semantic.name)}`);
    }
    hits.push(...refsToGoneNodes(ctx));
    return hits;
  },
};

/**
 * The refs of the head's enabled models to a seed or snapshot that was there and enabled at the base and that the
 * change removes or disables (`dbt parse` stops on each). Cheap unless the change can do that: only the names the
 * change touches (every name when `dbt_project.yml` places or enables seeds or snapshots differently), and of those
 * only the names a model refs, are looked up in the files. In a project that installs packages the ref may then read a
 * package's node of that name: said. A new ref to a removed node that the model-level check reports is not reported twice.
 * Only the readers dbt enables (their property file read here when the load did not) and the refs it records (not in
 * an `{% if %}` or other block that may not render at parse time) are reported: see gone-node-readers.ts.
 */
function refsToGoneNodes(ctx: ProjectCheckContext): RuleHit[] {
  const { project, baseProject, changedPaths, readFile, listFiles, readBaseFile, listBaseFiles } = ctx;
  if (!baseProject || !readFile || !listFiles || !readBaseFile || !listBaseFiles) return [];
  const touched = nodesTheChangeTouches(ctx, readFile, readBaseFile, baseProject);
  if (touched === undefined) return [];
  // The enabled models that ref a touched name (a name an enabled model has resolves to that model).
  const models = new Set(project.models.filter((m) => m.enabled).map((m) => m.name));
  const readers = new Map<string, { model: DbtModel; ref: RefCall }[]>();
  for (const model of project.models) {
    if (!model.enabled) continue;
    const seen = new Set<string>();
    for (const ref of model.refs) {
      if ((ref.package !== undefined && ref.package !== project.name) || models.has(ref.name) || seen.has(ref.name)) continue;
      if (touched !== 'all' && !touched.has(ref.name)) continue;
      seen.add(ref.name);
      pushTo(readers, ref.name, { model, ref });
    }
  }
  if (readers.size === 0) return [];
  const scope: RefScope = { project, readFile, listFiles };
  // With packages installed, a package's node of that name would be read instead: still a change to tell.
  const orPackage = new OtherNodes(scope).packagesInstalled() ? ' unless an installed package has a node of that name, which the ref would then read instead' : '';
  const ignored = ctx.config.ignore.length > 0 ? picomatch(ctx.config.ignore, { dot: true }) : undefined;
  const kept = (paths: readonly string[]) => (ignored ? paths.filter((p) => !ignored(p)) : paths);
  const headFiles: FileSnapshot = { paths: () => kept(listFiles()), read: readFile };
  // (a file the change does not touch reads the same at both revisions: read once)
  const baseFiles: FileSnapshot = { paths: () => kept(listBaseFiles()), read: (p) => (changedPaths.has(p) ? readBaseFile(p) : readFile(p)) };
  const names = new Set(readers.keys());
  const before = groupBy(seedsAndSnapshots(baseProject, baseFiles, names), (n) => n.name);
  const after = groupBy(seedsAndSnapshots(project, headFiles, names), (n) => n.name);
  const headPaths = new Set(listFiles());
  const baseModels = firstByName(baseProject.models);
  const baseModelsByPath = new Map(baseProject.models.map((m) => [m.path, m]));
  const hits: RuleHit[] = [];
  const pending: { model: DbtModel; name: string; message: (ref: RefCall) => string }[] = [];
  for (const [name, refs] of readers) {
    const was = (before.get(name) ?? []).find((n) => n.enabled !== false);
    const now = after.get(name) ?? [];
    if (!was || now.some((n) => n.enabled !== false)) continue;
    const disabled = now[0];
    const kind = (disabled ?? was).kind;
    let what: string;
    if (disabled) {
      const by = disabled.enabledBy;
      what = `which this change disables${by ? ` (${by.origin} in ${by.path}, line ${by.line})` : ''}, so \`dbt parse\` stops ("depends on a node named '${name}' which is disabled")${orPackage}: keep the ${kind} enabled, or stop reading it`;
    } else {
      const where = headPaths.has(was.path) ? (kind === 'seed' ? was.path : `its definition in ${was.path}`) : was.path;
      what = `which this change removes (${where}), so \`dbt parse\` stops ("depends on a node named '${name}' which was not found")${orPackage}: restore the ${kind}, or stop reading it`;
    }
    for (const { model, ref } of refs) {
      // A ref the model did not have names a node that is not there: the model's own check reports it.
      if (!disabled) {
        const baseModel = baseModels.get(model.name) ?? baseModelsByPath.get(model.path);
        const added = !baseModel || !baseModel.refs.some((r) => r.name === ref.name && (r.package === undefined || r.package === baseProject.name));
        if (added && unresolved([ref], scope, '').length > 0) continue;
      }
      pending.push({ model, name, message: (at) => `${code(refText(at))} names ${kind} ${code(name)}, ${what}.` });
    }
  }
  // Of these, the models dbt enables (a property file the load did not read may disable one) and the refs it records
  // (one in an `{% if %}` block, or another block that may not render at parse time, is not).
  const enabled = enabledReaders(
    pending.map((p) => p.model),
    { project, readFile, listFiles: () => kept(listFiles()) },
  );
  for (const { model, name, message } of pending) {
    if (!enabled.has(model)) continue;
    const at = refRendered(model.raw, name, project.name, model.language);
    if (at) hits.push({ rule: 'ref-unresolved', model: model.name, path: model.path, line: at.line, message: message(at) });
  }
  return hits;
}

/**
 * The names of the seeds and snapshots the change may remove or disable: every name (`all`) when `dbt_project.yml`
 * places or enables them differently; else the seeds whose `.csv` file it touches, the snapshots of the snapshot
 * files it touches (as they were), and the entries of the property files it touches whose `config: enabled:` (or
 * whether they define the snapshot) differ. Undefined when there are none.
 */
function nodesTheChangeTouches(
  { project, changedPaths }: ProjectCheckContext,
  readFile: (path: string) => string | undefined,
  readBaseFile: (path: string) => string | undefined,
  baseProject: DbtProject,
): ReadonlySet<string> | 'all' | undefined {
  if (![...changedPaths].some((p) => relativeTo(p, project.root) !== undefined)) return undefined;
  const head = nodeLayoutOf(readFile(project.projectFile));
  const base = changedPaths.has(baseProject.projectFile) ? nodeLayoutOf(readBaseFile(baseProject.projectFile)) : head;
  if (!sameNodeLayout(head, base)) return 'all';
  const names = new Set<string>();
  const under = (rel: string, folders: NodeLayout['seedPaths']) => folders.some((f) => relativeTo(rel, f) !== undefined);
  for (const path of changedPaths) {
    const rel = relativeTo(path, project.root);
    if (rel === undefined) continue;
    const lower = path.toLowerCase();
    if (lower.endsWith('.csv')) {
      if (under(rel, base.seedPaths)) names.add(stemOf(path));
    } else if (lower.endsWith('.sql')) {
      if (under(rel, base.snapshotPaths)) for (const name of snapshotNamesOf(readBaseFile(path) ?? '')) names.add(name);
    } else if (/\.ya?ml$/.test(lower) && under(rel, base.propertyPaths)) {
      // (each entry's `enabled` and whether it defines the snapshot, by kind and name, at both revisions)
      const state = (text: string | undefined) =>
        new Map((text === undefined ? [] : nodeEntriesOf(text)).map((e) => [`${e.kind}\0${e.name}`, { name: e.name, key: JSON.stringify([e.enabled?.value ?? null, e.defines]) }]));
      const before = state(readBaseFile(path));
      const after = state(readFile(path));
      for (const [key, entry] of [...before, ...after]) if (before.get(key)?.key !== after.get(key)?.key) names.add(entry.name);
    }
  }
  return names.size > 0 ? names : undefined;
}

function firstByName<T extends { name: string }>(items: readonly T[]): Map<string, T> {
  const byName = new Map<string, T>();
  for (const item of items) if (!byName.has(item.name)) byName.set(item.name, item);
  return byName;
}

/** The refs of `refs` that `before` did not have, each once (at its first line: one written twice is one mistake), into `project` itself. */
function addedRefs(refs: readonly RefCall[], before: readonly RefCall[] | undefined, project: DbtProject): RefCall[] {
  const had = new Set((before ?? []).map(refKey));
  const seen = new Set<string>();
  return refs.filter((r) => {
    const key = refKey(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return !had.has(key) && (r.package === undefined || r.package === project.name);
  });
}

/** Where the refs are read from: the project, and its files (seeds, snapshots, packages). */
interface RefScope {
  project: DbtProject;
  readFile?: (path: string) => string | undefined;
  listFiles?: () => readonly string[];
}

/**
 * The refs of `added` that `dbt parse` cannot resolve, with the message that says why; `where` follows the ref in
 * it (e.g. `` in exposure `dash` ``; empty for a model's SQL).
 */
function unresolved(added: readonly RefCall[], scope: RefScope, where: string): { ref: RefCall; message: string }[] {
  if (added.length === 0) return [];
  const { project } = scope;
  const models = modelsByNameOf(project);
  const hits: { ref: RefCall; message: string }[] = [];
  const hit = (ref: RefCall, message: string): void => {
    hits.push({ ref, message });
  };
  // A model that exists but cannot be read: every model of that name is disabled, or none is the pinned version.
  for (const ref of added) {
    const named = models.get(ref.name.toLowerCase());
    if (!named) continue;
    if (!named.some((m) => m.name === ref.name)) {
      // dbt looks refs up by the exact name (its file name)
      const exact = named[0]!.name;
      hit(ref, `${code(refText(ref))}${where} names no node of project ${code(project.name)}: names are matched exactly, so \`dbt parse\` stops ("depends on a node named '${ref.name}' which was not found"): write ${code(refText({ ...ref, name: exact }))}.`);
      continue;
    }
    const enabled = named.filter((m) => m.enabled);
    const versions = [...new Set(enabled.map((m) => m.version).filter((v): v is string => v !== undefined))];
    let why: string | undefined;
    if (enabled.length === 0) {
      const origin = named[0]!.config.enabled?.origin;
      why = `names model ${code(ref.name)}, which is disabled${origin ? ` (${origin})` : ''}, so \`dbt parse\` stops ("depends on a node named '${ref.name}' which is disabled"): enable it, or read another model`;
    } else if (ref.version !== undefined && versions.length > 0 && !versions.includes(ref.version)) {
      why = `pins version ${ref.version} of ${code(ref.name)}, which has version${versions.length > 1 ? 's' : ''} ${versions.join(', ')}, so \`dbt parse\` stops (the node is not found): pin one of them, or drop \`v=\` to read the latest`;
    }
    if (why) hit(ref, `${code(refText(ref))}${where} ${why}.`);
  }
  // (a ref that differs from a model's name only in case is told above; seeds and snapshots are matched loosely)
  const unknown = added.filter((r) => !models.has(r.name.toLowerCase()));
  if (unknown.length === 0) return hits;
  const others = new OtherNodes(scope);
  if (others.packagesInstalled()) return hits;
  for (const ref of unknown) {
    if (others.defines(ref.name)) continue;
    const near = nearestName(ref.name, [...new Set(project.models.map((m) => m.name)), ...others.fileStems()]);
    hit(ref, `${code(`ref('${ref.name}')`)}${where} names no model, seed or snapshot of project ${code(project.name)}, so \`dbt parse\` stops ("depends on a node named '${ref.name}' which was not found")${near ? `: did you mean ${code(near)}?` : ': fix the name, or add the model it should read.'}`);
  }
  return hits;
}

function refKey(r: RefCall): string {
  return `${r.package ?? ''}\0${r.name}\0${r.version ?? ''}`;
}

/** How a ref reads in the model's SQL. */
function refText(ref: RefCall): string {
  const args = [ref.package, ref.name].filter((a): a is string => a !== undefined).map((a) => `'${a}'`);
  return `ref(${args.join(', ')}${ref.version !== undefined ? `, v=${ref.version}` : ''})`;
}

const modelsByName = new WeakMap<DbtProject, ReadonlyMap<string, readonly DbtModel[]>>();

/** The project's models by lower-cased name, disabled models included (a ref to one is not a missing node). */
function modelsByNameOf(project: DbtProject): ReadonlyMap<string, readonly DbtModel[]> {
  let byName = modelsByName.get(project);
  if (!byName) {
    byName = groupBy(project.models, (m) => m.name.toLowerCase());
    modelsByName.set(project, byName);
  }
  return byName;
}

/**
 * The project's nodes that are not models, read only when a ref names no model: seeds (`.csv` files), snapshots
 * (`{% snapshot name %}` blocks, or `snapshots:` entries of a property file) and the installed packages.
 * Generous by design: any `.csv`, `.sql` or `.py` file of the project counts by its file name, wherever it is.
 */
class OtherNodes {
  private stems?: Set<string>;
  private lowerStems?: Set<string>;
  private readonly files: readonly string[];

  constructor(private readonly ctx: RefScope) {
    const root = ctx.project.root;
    this.files = (ctx.listFiles?.() ?? []).filter((p) => relativeTo(p, root) !== undefined);
  }

  /** Whether the project installs packages (whose models a one-argument ref may name). */
  packagesInstalled(): boolean {
    if (!this.ctx.listFiles) return true; // unknown: judge nothing
    const root = this.ctx.project.root;
    return ['packages.yml', 'dependencies.yml'].some((name) => {
      const path = root === '' ? name : `${root}/${name}`;
      return this.files.includes(path) && /^\s*packages\s*:/m.test(this.ctx.readFile?.(path) ?? 'packages:');
    });
  }

  fileStems(): Set<string> {
    this.stems ??= new Set(this.files.filter((p) => /\.(?:csv|sql|py)$/i.test(p)).map(stemOf));
    return this.stems;
  }

  defines(name: string): boolean {
    this.lowerStems ??= new Set([...this.fileStems()].map((stem) => stem.toLowerCase()));
    if (this.lowerStems.has(name.toLowerCase())) return true;
    const word = new RegExp(`(?<![\\w])${escapeRegExp(name)}(?![\\w])`, 'i');
    const block = new RegExp(`\\{%-?\\s*snapshot\\s+${word.source}`, 'i');
    const { root, modelPaths } = this.ctx.project;
    const inModelPath = (p: string) => modelPaths.some((m) => relativeTo(p, root === '' ? m : `${root}/${m}`) !== undefined);
    return this.files.some((p) => {
      if (/\.sql$/i.test(p)) return !inModelPath(p) && block.test(this.ctx.readFile?.(p) ?? '');
      if (!/\.ya?ml$/i.test(p)) return false;
      const text = this.ctx.readFile?.(p) ?? '';
      return /^snapshots\s*:/m.test(text) && word.test(text);
    });
  }
}

/** The closest name within 2 edits (and fewer than a third of the name's length), if one is; ties go to the first in code-unit order. */
export function nearestName(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.min(2, Math.floor((name.length - 1) / 3));
  const lowered = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    if (Math.abs(candidate.length - name.length) > limit) continue;
    // Capped one above the best so far: a capped answer is never mistaken for a tie.
    const d = editDistance(lowered, candidate.toLowerCase(), bestDistance + 1);
    if (d < bestDistance || (d === bestDistance && best !== undefined && candidate < best)) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance, or any value >= `cap` once it is sure to reach `cap`. */
function editDistance(a: string, b: string, cap: number): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin >= cap) return cap;
    previous = current;
  }
  return previous[b.length]!;
}
