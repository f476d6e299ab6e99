/**
 * `ref-unresolved`: a `ref()` the change adds to a model (or to an exposure's `depends_on`, or a semantic model's
 * `model:`, in a property file the change touches) names no model, seed or snapshot of the project, so
 * `dbt parse` stops ("depends on a node named '…' which was not found"). Only what can be known from the
 * repository is judged: a ref into another package (`ref('pkg', 'm')`), or any ref of a project that installs
 * packages (`packages.yml`, `dependencies.yml`: their nodes are not in the repository), is left alone; so is a ref
 * the base version of the model (or of the exposure or semantic model of that name) already had. A ref to a model
 * that is disabled (every file of that name), or that pins a version the model does not have, stops `dbt parse` too,
 * and is reported with its own reason.
 */
import type { DbtModel, DbtProject, RefCall } from '../dbt/types.js';
import { escapeRegExp, mentionsIdentifier, relativeTo, stemOf } from '../dbt/textLines.js';
import { code, hasHead } from './model-facts.js';
import type { Rule, RuleHit } from './types.js';

export const refUnresolved: Rule = {
  id: 'ref-unresolved',
  defaultSeverity: 'error',
  origin: 'rule',
  description:
    "A `ref()` the change adds (to a model's SQL, an exposure's `depends_on` or a semantic model's `model:`) names no model, seed or snapshot of the project (a typo, or a model removed or renamed), a disabled model, or a version the model does not have: `dbt parse` fails. Refs into packages are not judged.",
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
      if (!exposure.refs || !changedPaths.has(exposure.path)) continue;
      report(exposure.path, exposure.refs, baseExposures.get(exposure.name)?.refs, ` in exposure ${code(exposure.name)}`);
    }
    const baseSemantic = firstByName(baseProject?.semanticModels ?? []);
    for (const semantic of project.semanticModels ?? []) {
      if (!semantic.ref || !changedPaths.has(semantic.path)) continue;
      const before = baseSemantic.get(semantic.name)?.ref;
      report(semantic.path, [semantic.ref], before ? [before] : undefined, ` in semantic model ${code(semantic.name)}`);
    }
    return hits;
  },
};

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
    const map = new Map<string, DbtModel[]>();
    for (const m of project.models) {
      const key = m.name.toLowerCase();
      const list = map.get(key);
      if (list) list.push(m);
      else map.set(key, [m]);
    }
    byName = map;
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
