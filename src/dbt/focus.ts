/**
 * Which property files a review has to parse. A review reports on the changed models, their dependants (the
 * downstream users) and what those read (upstream columns, sources); the other models of a big project only take
 * part through the `ref()` graph, which comes from their SQL. So a property file is parsed when it is in the change,
 * when it mentions one of the models in focus (an exposure names the models it depends on), or when it defines
 * groups (whose owners any model can inherit).
 *
 * The models in focus: those whose SQL changed or whose entry in a changed property file differs, the models that
 * `ref()` them (the dependants the downstream report lists, with their owners and the columns they use), and a few
 * levels upstream of both (the columns they read), from a scan of every `ref()` in every `.sql` and `.py` file of
 * both revisions: a superset of what the review uses. It is undefined (parse everything) when the change can touch every
 * model: a changed `dbt_project.yml`, macro, group or exposure, or a property file that is not valid YAML. Of an
 * unchanged property file, only the entries that mention a model in focus are parsed (`withEntriesInFocus`). A
 * review's output is the same with and without it; only the models nobody asks about are built without their YAML
 * properties.
 */
import { parsedEntryOf, type ParsedEntry } from './entryWiseYaml.js';
import { DEFINES_GROUPS, MODEL_CODE, PROPERTY_FILE, scanCodeLazily, type CodeFacts, type YamlFacts } from './fileFacts.js';
import { MentionIndex, textMentionsModel, useMentionIndex } from './focusedYaml.js';
import { readPropertyFile } from './propertyFile.js';
import { refNamesOf } from './refs.js';
import { blankJinjaComments, dirnameOf, stemOf } from './textLines.js';
import { ownerOf } from './owner.js';
import type { DbtProject, FileSnapshot } from './types.js';
import { toPlain, type YamlTreeCache, type YMap } from './yamlTree.js';

export interface PropertyFocus {
  /** Lower-case names of the models in focus (and their versioned file stems). */
  models: ReadonlySet<string>;
  /** The changed models among them (lower-case). */
  seeds: ReadonlySet<string>;
  /** The `ref()` graph by lower-case name, for `withVersionDependants`. */
  refs: Pick<CodeGraph, 'parents' | 'children'>;
  /** Model file stems by folder, and folders by stem (lower-case), for `withOwnerlessSiblings`. */
  folders: { stems: ReadonlyMap<string, ReadonlySet<string>>; of: ReadonlyMap<string, ReadonlySet<string>> };
  /** Files of the change (always parsed). */
  changedPaths: ReadonlySet<string>;
  /** Decisions by file text or stored facts (the base and head loads ask about the same unchanged files). */
  decided: Map<string | YamlFacts, boolean>;
  /** Where the files mention the names any focus of this review may hold (see `MentionIndex`). */
  mentions: MentionIndex;
  /** Code facts scanned from text, by path (the loads make the models out of focus from them). */
  scanned: CodeFactsCache;
}

/** Code facts scanned from file texts, by path (with the text they were scanned from). */
export type CodeFactsCache = Map<string, { text: string; facts: CodeFacts }>;

/**
 * The code facts of a model file: the snapshot's stored ones, else scanned from its text (once per path and text;
 * its `ref()` and `source()` calls only when read).
 */
export function codeFactsOf(snapshot: FileSnapshot, path: string, cache: CodeFactsCache): CodeFacts | undefined {
  const stored = snapshot.facts?.(path);
  if (stored?.kind === 'code') return stored;
  const text = snapshot.read(path);
  if (text === undefined) return undefined;
  const known = cache.get(path);
  if (known?.text === text) return known.facts;
  const facts = scanCodeLazily(text, path);
  cache.set(path, { text, facts });
  return facts;
}

/** The file stem of a model version, `<name>_v<N>` (without `defined_in`). */
const VERSION_FILE_STEM = /^(.+)_v\d+$/;

/** How far up the ref graph upstream columns are looked for (see `ModelAnalyzer`), plus one. */
const ANCESTOR_DEPTH = 4;

const MACRO_DEFINITION = /\{%-?\s*macro\s/;

interface CodeGraph {
  parents: Map<string, Set<string>>;
  children: Map<string, Set<string>>;
  /** Folder -> stems of the model files in it, and stem -> folders, for the folder siblings of a model. */
  stemsByFolder: Map<string, Set<string>>;
  foldersByStem: Map<string, Set<string>>;
}

function addEdge(map: Map<string, Set<string>>, from: string, to: string): void {
  let set = map.get(from);
  if (!set) {
    set = new Set();
    map.set(from, set);
  }
  set.add(to);
}

/** The `ref()` graph of every model file of the given revisions, by lower-case stem. */
function codeGraph(snapshots: readonly FileSnapshot[]): CodeGraph {
  const graph: CodeGraph = { parents: new Map(), children: new Map(), stemsByFolder: new Map(), foldersByStem: new Map() };
  const seen = new Map<string, CodeFacts | string>();
  for (const snapshot of snapshots) {
    for (const path of snapshot.paths()) {
      if (!MODEL_CODE.test(path)) continue;
      // Stored facts, else the text: an unchanged file has the same in both revisions, and is scanned once.
      const stored = snapshot.facts?.(path);
      const content = stored?.kind === 'code' ? stored : snapshot.read(path);
      if (content === undefined || seen.get(path) === content) continue;
      seen.set(path, content);
      const stem = stemOf(path).toLowerCase();
      addEdge(graph.stemsByFolder, dirnameOf(path), stem);
      addEdge(graph.foldersByStem, stem, dirnameOf(path));
      const names = typeof content === 'string' ? refNamesOf([blankJinjaComments(content)]) : content.refs.map((r) => r.name);
      for (const ref of names) {
        const name = ref.toLowerCase();
        addEdge(graph.parents, stem, name);
        addEdge(graph.children, name, stem);
      }
    }
  }
  return graph;
}

/**
 * The models whose entry in the property file at `path` differs between the revisions (and those an added or edited
 * semantic model reads), or undefined when
 * something else a review reads changed there (groups, exposures) or a side is not valid YAML.
 */
function changedModelEntries(path: string, texts: { base?: string; head?: string }, yamlCache: YamlTreeCache): Set<string> | undefined {
  const read = (text: string | undefined) => {
    const result = readPropertyFile(text ?? '', path, yamlCache, undefined, true);
    return result.kind === 'properties' ? result.content : result.kind === 'other' ? { models: [], groups: [], exposures: [], semanticModels: [] } : undefined;
  };
  const base = read(texts.base);
  const head = read(texts.head);
  if (!base || !head) return undefined;
  const unplaced = (value: unknown) => JSON.stringify(value, (key, v: unknown) => (key === 'line' || key === 'endLine' ? undefined : v));
  if (unplaced(base.groups) !== unplaced(head.groups) || unplaced(base.exposures) !== unplaced(head.exposures)) return undefined;
  // An entry parsed from the same text at both revisions (`parseByEntries`) is the same; the others are compared.
  const entries = (content: typeof base) => new Map(content.models.map((m) => [m.name.toLowerCase(), m.node]));
  const before = entries(base);
  const after = entries(head);
  const changed = new Set<string>();
  for (const name of new Set([...before.keys(), ...after.keys()])) {
    const [a, b] = [before.get(name), after.get(name)];
    if (!a || !b) changed.add(name);
    else if (!sameEntry(a, b)) changed.add(name);
  }
  // A semantic model added or edited reads its model: a new `ref()` there is judged against that model's entry.
  const semantic = (content: typeof base) => new Map(content.semanticModels.map((s) => [s.name.toLowerCase(), unplaced(s)]));
  const [semanticBefore, semanticAfter] = [semantic(base), semantic(head)];
  for (const s of head.semanticModels) {
    if (s.ref && semanticBefore.get(s.name.toLowerCase()) !== semanticAfter.get(s.name.toLowerCase())) changed.add(s.ref.name.toLowerCase());
  }
  return changed;
}

function sameEntry(a: YMap, b: YMap): boolean {
  const [entryA, entryB] = [parsedEntryOf(a), parsedEntryOf(b)];
  if (entryA && entryA === entryB) return true;
  return plainOf(a, entryA) === plainOf(b, entryB);
}

function plainOf(node: YMap, entry: ParsedEntry | undefined): string {
  if (!entry) return JSON.stringify(toPlain(node));
  return (entry.plain ??= JSON.stringify(toPlain(node)));
}

export function propertyFocus(
  snapshots: { base: FileSnapshot; head: FileSnapshot },
  changedPaths: ReadonlySet<string>,
  yamlCache: YamlTreeCache,
): PropertyFocus | undefined {
  const { base, head } = snapshots;
  for (const snapshot of [base, head]) snapshot.preload?.([...changedPaths]);

  const seeds = new Set<string>();
  for (const path of changedPaths) {
    if (path === 'dbt_project.yml' || path.endsWith('/dbt_project.yml')) return undefined;
    const texts = { base: base.read(path), head: head.read(path) };
    if (MODEL_CODE.test(path)) {
      if ([texts.base, texts.head].some((t) => t !== undefined && MACRO_DEFINITION.test(t))) return undefined;
      seeds.add(stemOf(path).toLowerCase());
    } else if (PROPERTY_FILE.test(path)) {
      const changed = changedModelEntries(path, texts, yamlCache);
      if (!changed) return undefined;
      for (const name of changed) seeds.add(name);
    }
  }

  const scanned: CodeFactsCache = new Map();
  const graph = codeGraph([head, base]);
  // A version's file is `<name>_v<N>`, and its dependants ref `<name>`.
  const roots = new Set([...seeds, ...unversionedNamesOf(seeds)]);
  const models = new Set<string>();
  addAround(graph, roots, models);
  // Every name a focus can hold: model file stems, ref() targets, versioned models' names, the changed entries.
  const names = [...graph.foldersByStem.keys(), ...graph.children.keys(), ...seeds];
  const mentions = new MentionIndex(new Set([...names, ...unversionedNamesOf(names)]));
  useMentionIndex(models, mentions);
  return {
    models,
    seeds,
    changedPaths,
    mentions,
    decided: new Map(),
    scanned,
    refs: { parents: graph.parents, children: graph.children },
    folders: { stems: graph.stemsByFolder, of: graph.foldersByStem },
  };
}

/**
 * Adds to `models` the `roots`, their direct dependants (the downstream report lists those, with their owners and
 * the columns they use; models further downstream take part only through the ref() graph) and the ancestors of
 * both up to `ANCESTOR_DEPTH` (the columns they read).
 */
function addAround(graph: Pick<CodeGraph, 'parents' | 'children'>, roots: Iterable<string>, models: Set<string>): void {
  const seen = new Set<string>();
  for (const root of roots) {
    seen.add(root);
    for (const child of graph.children.get(root) ?? []) seen.add(child);
  }
  let frontier = [...seen];
  for (let depth = 0; depth < ANCESTOR_DEPTH && frontier.length > 0; depth += 1) {
    const next: string[] = [];
    for (const name of frontier) {
      for (const parent of graph.parents.get(name) ?? []) {
        if (seen.has(parent)) continue;
        seen.add(parent);
        next.push(parent);
      }
    }
    frontier = next;
  }
  for (const name of seen) models.add(name);
  // A versioned model's files are `<name>_v<N>`; its properties are under `<name>`.
  for (const name of unversionedNamesOf([...models])) models.add(name);
}

/** `<name>` of each `<name>_v<N>` among `stems`. */
function unversionedNamesOf(stems: Iterable<string>): string[] {
  const names: string[] = [];
  for (const stem of stems) {
    const name = VERSION_FILE_STEM.exec(stem)?.[1];
    if (name) names.push(name);
  }
  return names;
}

/**
 * Whether a review with this focus needs the property file at `path` parsed, from its text or its stored facts.
 */
export function needsPropertyFile(focus: PropertyFocus, path: string, content: string | YamlFacts): boolean {
  if (focus.changedPaths.has(path)) return true;
  const facts = typeof content === 'string' ? undefined : content;
  if (facts ? facts.groups : DEFINES_GROUPS.test(content as string)) return true;
  const known = focus.decided.get(content);
  if (known !== undefined) return known;
  // The stored facts hold the file's words, space-separated: searched like the text itself.
  const mentions = textMentionsModel(facts ? facts.words : (content as string), focus.models);
  focus.decided.set(content, mentions);
  return mentions;
}

/**
 * The focus grown by the folder siblings of each changed model that has no owner, or undefined when it already
 * holds them. The owner-missing finding names the owner the model's siblings share, so their full config (YAML
 * included) must be known; this is rare enough (an owned project has no such model) to cost a second load.
 */
export function withOwnerlessSiblings(focus: PropertyFocus, projects: readonly DbtProject[], ownerKey: string): PropertyFocus | undefined {
  const added = new Set<string>();
  for (const project of projects) {
    for (const model of project.models) {
      const stem = stemOf(model.path).toLowerCase();
      if (!focus.seeds.has(model.name.toLowerCase()) && !focus.seeds.has(stem)) continue;
      if (ownerOf(model, project, ownerKey)) continue;
      for (const folder of focus.folders.of.get(stem) ?? []) {
        for (const sibling of focus.folders.stems.get(folder) ?? []) if (!focus.models.has(sibling)) added.add(sibling);
      }
    }
  }
  if (added.size === 0) return undefined;
  return grown(focus, new Set([...focus.models, ...added]));
}

/**
 * The focus grown by the dependants (and their ancestors) of each changed version whose file is not named
 * `<name>_v<N>` (`defined_in`), or undefined when there is none. Its dependants ref it by its name, which only
 * its property entry tells.
 */
export function withVersionDependants(focus: PropertyFocus, projects: readonly DbtProject[]): PropertyFocus | undefined {
  const roots = new Set<string>();
  for (const project of projects) {
    for (const model of project.models) {
      if (model.version === undefined || !focus.seeds.has(stemOf(model.path).toLowerCase())) continue;
      const name = model.name.toLowerCase();
      const dependants = focus.refs.children.get(name) ?? new Set<string>();
      if (!focus.models.has(name) || [...dependants].some((d) => !focus.models.has(d))) roots.add(name);
    }
  }
  if (roots.size === 0) return undefined;
  const models = new Set(focus.models);
  addAround(focus.refs, roots, models);
  return grown(focus, models);
}

/** The focus grown by `withOwnerlessSiblings` and `withVersionDependants`, or undefined when neither adds a model. */
export function widenedFocus(focus: PropertyFocus, projects: readonly DbtProject[], ownerKey: string): PropertyFocus | undefined {
  const siblings = withOwnerlessSiblings(focus, projects, ownerKey);
  return withVersionDependants(siblings ?? focus, projects) ?? siblings;
}

/**
 * `focus` grown to `models`: a file that mentions a model in focus still does; the others are decided again, from
 * the review's `MentionIndex` (no text is scanned twice) when the grown set is large enough to have one.
 */
function grown(focus: PropertyFocus, models: ReadonlySet<string>): PropertyFocus {
  useMentionIndex(models, focus.mentions);
  return { ...focus, models, decided: new Map([...focus.decided].filter(([, needed]) => needed)) };
}
