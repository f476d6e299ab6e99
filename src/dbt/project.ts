/**
 * `loadProjects`: every `dbt_project.yml` of a revision becomes a `DbtProject` (nested projects own their subtree),
 * with its models (SQL and Python, versions resolved), property files, groups, exposures, macros and the problems
 * found on the way. Pure and synchronous: YAML parsing plus a regex scan of each model file, no rendering.
 */
import picomatch from 'picomatch';
import { codeFactsOf, needsPropertyFile, type CodeFactsCache, type PropertyFocus } from './focus.js';
import { extractMacros } from './macros.js';
import { buildModel, entryEnabled, isStubModel, propertiesPathOf, stubModel, type BuildContext, type ModelFile } from './modelBuilder.js';
import { booleanOf } from './configMerge.js';
import { containsComputed } from './pyLiteral.js';
import { IN_SKIPPED_FOLDER, PROJECT_FILE, ProjectConfigTree, readProjectFile } from './projectFile.js';
import { readPropertyFile, type ModelEntry, type PropertyFileResult } from './propertyFile.js';
import { basenameOf, dirnameOf, joinPath, relativeTo, stemOf } from './textLines.js';
import type { CodeFacts } from './fileFacts.js';
import type { DbtModel, DbtProject, FileSnapshot, ProjectProblem } from './types.js';
import { entryOf, isYMap, itemsOf, stringOf, type YamlTreeCache, type YMap } from './yamlTree.js';

export interface LoadOptions {
  /** The meta key naming a model's owner (reserved for owner-aware loading; owners are read with `ownerOf`). */
  ownerKey: string;
  /** picomatch globs of repository paths to leave out. */
  ignore?: string[];
  /**
   * Parsed YAML by file text, shared between loads (the base and head of a review parse the same unchanged property
   * files once). Parse results are read-only.
   */
  yamlCache?: YamlTreeCache;
  /**
   * Models of another revision to reuse: a model whose SQL file, property file and `dbt_project.yml` are not in
   * `changedPaths` is the same object in both revisions (a review loads the base this way after the head, so the
   * base costs what the change touches, not what the project holds).
   */
  reuse?: { projects: readonly DbtProject[]; changedPaths: ReadonlySet<string> };
  /**
   * Parse only the property files a review of this change needs (see `propertyFocus`), and of an unchanged one only
   * the entries that mention a model in focus (`withEntriesInFocus`); the other models are built from their SQL and
   * `dbt_project.yml` alone, and only when read (`stubModel`: from their code facts, so their files need not be
   * read). Absent: every property file is parsed and every model built.
   */
  focus?: PropertyFocus;
  /**
   * The text a property file had before (the base of a review), for a file this revision cannot parse: its entries
   * are read from there, so the models it describes do not look as if they had lost their tests, docs and owners.
   * The invalid YAML is still reported.
   */
  priorText?: (path: string) => string | undefined;
}

export function loadProjects(snapshot: FileSnapshot, options: LoadOptions): DbtProject[] {
  const ignored = options.ignore && options.ignore.length > 0 ? picomatch(options.ignore, { dot: true }) : undefined;
  const ignoredPaths: string[] = [];
  const paths: string[] = [];
  for (const path of snapshot.paths()) {
    if (IN_SKIPPED_FOLDER.test(path)) continue;
    if (ignored?.(path)) ignoredPaths.push(path);
    else paths.push(path);
  }
  const roots = paths
    .filter((p) => basenameOf(p) === PROJECT_FILE)
    .map(dirnameOf)
    .sort((a, b) => b.length - a.length);
  if (roots.length === 0) return [];
  const filesByRoot = new Map<string, string[]>(roots.map((r) => [r, []]));
  const ignoredByRoot = new Map<string, string[]>(roots.map((r) => [r, []]));
  const assign = (path: string, target: Map<string, string[]>) => {
    const root = roots.length === 1 ? (relativeTo(path, roots[0]!) !== undefined ? roots[0] : undefined) : roots.find((r) => relativeTo(path, r) !== undefined);
    if (root !== undefined) target.get(root)?.push(path);
  };
  for (const path of paths) assign(path, filesByRoot);
  for (const path of ignoredPaths) assign(path, ignoredByRoot);
  return roots
    .slice()
    .sort(compareText)
    .map((root) =>
      loadProject(snapshot, root, filesByRoot.get(root) ?? [], ignoredByRoot.get(root) ?? [], options, reusableModels(root, options.reuse)),
    );
}

function loadProject(
  snapshot: FileSnapshot,
  root: string,
  files: string[],
  ignoredFiles: string[],
  options: Pick<LoadOptions, 'yamlCache' | 'focus' | 'priorText'>,
  reusable?: (file: Pick<ModelFile, 'path'>, entry: ModelEntry | undefined) => DbtModel | undefined,
): DbtProject {
  const projectFile = joinPath(root, PROJECT_FILE);
  const info = readProjectFile(snapshot.read(projectFile) ?? '', projectFile);
  const name = info.name ?? (basenameOf(root) || 'project');
  const project: DbtProject = {
    name,
    root,
    projectFile,
    modelPaths: info.modelPaths,
    macroPaths: info.macroPaths,
    vars: info.vars,
    models: [],
    groups: [],
    exposures: [],
    macros: [],
    problems: [...info.problems],
    propertyFiles: [],
  };
  if (info.unreadable) project.unreadable = info.unreadable;
  if (info.modelPathsLine !== undefined) project.modelPathsLine = info.modelPathsLine;
  if (info.testScopes) project.testScopes = info.testScopes;
  const sorted = isSorted(files) ? files : files.slice().sort(compareText);
  const { focus } = options;
  // First what each file is, without reading it; then the files this load reads, together; then read them.
  const macroFiles: string[] = [];
  const propertyFiles: string[] = [];
  const modelFiles = new Map<string, Omit<ModelFile, 'raw'>>();
  /** Further files with the name of a model in `modelFiles`. */
  const sameName = new Map<string, Omit<ModelFile, 'raw'>[]>();
  const kinds = fileKindsFor(root, info.modelPaths, info.macroPaths);
  for (const path of sorted) {
    let kind = kinds.get(path);
    if (kind === undefined) {
      kind = fileKindOf(path, root, info.modelPaths, info.macroPaths);
      kinds.set(path, kind);
    }
    if (kind === 'macro') {
      macroFiles.push(path);
    } else if (kind === 'properties') {
      const facts = focus && snapshot.facts?.(path);
      if (!focus || needsPropertyFile(focus, path, facts?.kind === 'yaml' ? facts : snapshot.read(path) ?? '')) propertyFiles.push(path);
    } else if (kind !== 'other') {
      if (modelFiles.has(kind.stem)) sameName.set(kind.stem, [...(sameName.get(kind.stem) ?? []), kind.file]);
      else modelFiles.set(kind.stem, kind.file);
    }
  }
  const projectConfig = new ProjectConfigTree(info.modelsTree, projectFile);
  const scanned: CodeFactsCache = focus?.scanned ?? new Map();
  for (const [stem, others] of sameName) {
    const first = modelFiles.get(stem)!;
    modelFiles.set(stem, enabledOfSameName(stem, [first, ...others], project, (file) => enabledByFile(snapshot, file, stem, name, projectConfig, scanned)));
  }
  // Out of focus, a model is made from its code facts (no text needed) unless they say it must be built.
  const stubFacts = new Map<string, CodeFacts & { enabled: unknown[] }>();
  if (focus) {
    for (const [stem, file] of modelFiles) {
      if (focus.models.has(stem.toLowerCase())) continue;
      const facts = codeFactsOf(snapshot, file.path, focus.scanned);
      if (facts && facts.enabled !== 'computed') stubFacts.set(stem, facts as CodeFacts & { enabled: unknown[] });
    }
  }
  // Read together: the macros, the property files and the model files that will be built.
  snapshot.preload?.([...macroFiles, ...propertyFiles, ...[...modelFiles].filter(([stem]) => !stubFacts.has(stem)).map(([, f]) => f.path)]);
  for (const path of macroFiles) project.macros.push(...extractMacros(snapshot.read(path) ?? '', path));
  const propertyEntries = new Map<string, ModelEntry>();
  for (const path of propertyFiles) {
    // An unchanged file is read for the entries of the models in focus only.
    const focusModels = focus && !focus.changedPaths.has(path) ? focus.models : undefined;
    readProperties(snapshot.read(path), path, project, propertyEntries, options, focusModels, focus?.changedPaths.has(path));
  }
  // A versioned model, a model described in a changed property file (whose problems the review reports) and one
  // whose entry computes `enabled` are built from their text, in focus or not.
  for (const entry of propertyEntries.values()) {
    const versions = itemsOf(entryOf(entry.node, 'versions')?.value).filter(isYMap);
    if (versions.length > 0 || focus?.changedPaths.has(entry.path) || containsComputed(entryEnabled(entry))) stubFacts.delete(entry.name);
    for (const versionNode of versions) {
      const v = stringOf(entryOf(versionNode, 'v')?.value);
      if (v !== undefined) stubFacts.delete(versionFileStem(entry, versionNode, v));
    }
  }
  snapshot.preload?.([...modelFiles].filter(([stem]) => !stubFacts.has(stem)).map(([, f]) => f.path));
  const withText = (file: Omit<ModelFile, 'raw'>): ModelFile => ({ ...file, raw: snapshot.read(file.path) ?? '' });
  const ctx: BuildContext = { projectName: name, projectConfig, problems: project.problems, vars: info.vars };
  /** The model files versions use, with the version that uses each. */
  const claimed = new Map<string, { name: string; v: string }>();
  const models: DbtModel[] = [];
  const ignoredStems = new Set(ignoredFiles.filter((p) => /\.(sql|py)$/i.test(p)).map(stemOf));
  for (const entry of propertyEntries.values()) {
    const versions = itemsOf(entryOf(entry.node, 'versions')?.value).filter(isYMap);
    if (versions.length === 0) continue;
    const latest = latestVersion(entry.node, versions);
    const latestLine = entryOf(entry.node, 'latest_version')?.keyLine;
    for (const versionNode of versions) {
      const v = stringOf(entryOf(versionNode, 'v')?.value);
      if (v === undefined) continue;
      let stem = versionFileStem(entry, versionNode, v);
      if (!modelFiles.has(stem) && v === latest) stem = entry.name;
      const located = modelFiles.get(stem);
      const owner = claimed.get(stem);
      if (located && owner) {
        project.problems.push({
          rule: 'properties-orphan',
          path: entry.path,
          line: versionNode.line,
          message: `version ${v} of model \`${entry.name}\` would be built from ${located.path}, which version ${owner.v} of \`${owner.name}\` already uses: give each version its own file (\`defined_in\`, or ${entry.name}_v${v}.sql)`,
          model: entry.name,
        });
        continue;
      }
      if (!located) {
        if (!ignoredStems.has(stem)) {
          project.problems.push({
            rule: 'properties-orphan',
            path: entry.path,
            line: versionNode.line,
            message: `version ${v} of model \`${entry.name}\` has no model file (expected ${stem}.sql)`,
            model: stem,
          });
        }
        continue;
      }
      claimed.set(stem, { name: entry.name, v });
      models.push(buildModel(withText(located), entry.name, entry, { v, node: versionNode, latest, ...(latestLine !== undefined ? { latestLine } : {}) }, ctx));
    }
  }
  for (const [stem, file] of modelFiles) {
    if (claimed.has(stem)) continue;
    const entry = propertyEntries.get(stem);
    const plain = entry && itemsOf(entryOf(entry.node, 'versions')?.value).length === 0 ? entry : undefined;
    const facts = entry && !plain ? undefined : stubFacts.get(stem);
    let reused = reusable?.(file, plain);
    // A stub is reused only where this load would make one too (a wider focus builds the model).
    if (reused && isStubModel(reused) && !facts) reused = undefined;
    // A reused model brings the problems its build found, as building it here would have.
    if (reused && !isStubModel(reused) && reused.buildProblems) project.problems.push(...reused.buildProblems);
    const stub = !reused && facts ? stubModel(file, stem, facts, plain, ctx, () => snapshot.read(file.path) ?? '') : undefined;
    models.push(reused ?? stub ?? builtFrom(buildModel(withText(file), stem, plain, undefined, ctx), plain));
  }
  for (const entry of propertyEntries.values()) {
    const versioned = itemsOf(entryOf(entry.node, 'versions')?.value).length > 0;
    if (versioned || modelFiles.has(entry.name) || ignoredStems.has(entry.name)) continue;
    project.problems.push({
      rule: 'properties-orphan',
      path: entry.path,
      line: entry.node.line,
      message: `properties for model \`${entry.name}\` but no model file \`${entry.name}.sql\` exists in project ${name}`,
      model: entry.name,
    });
  }
  project.models = models.sort((a, b) => compareText(a.path, b.path) || compareText(a.version ?? '', b.version ?? ''));
  return project;
}

/** What a file of a project is, by its path alone (a model file is shared by every load that finds it). */
type FileKind = 'macro' | 'properties' | 'other' | { stem: string; file: Readonly<Omit<ModelFile, 'raw'>> };

function fileKindOf(path: string, root: string, modelPaths: readonly string[], macroPaths: readonly string[]): FileKind {
  const rel = relativeTo(path, root);
  if (rel === undefined) return 'other';
  const macroPath = macroPaths.find((mp) => relativeTo(rel, mp) !== undefined);
  if (macroPath !== undefined && rel.endsWith('.sql')) return 'macro';
  const modelPath = modelPaths.find((mp) => relativeTo(rel, mp) !== undefined);
  if (modelPath === undefined) return 'other';
  const inModelPath = relativeTo(rel, modelPath) ?? rel;
  const lower = path.toLowerCase();
  if (lower.endsWith('.sql') || lower.endsWith('.py')) {
    const folders = dirnameOf(inModelPath).split('/').filter((s) => s !== '');
    return { stem: stemOf(path), file: { path, language: lower.endsWith('.py') ? 'python' : 'sql', modelPath, folders } };
  }
  return lower.endsWith('.yml') || lower.endsWith('.yaml') ? 'properties' : 'other';
}

/**
 * `fileKindOf` by path, for a project root and its model and macro paths: a function of these alone, so the loads
 * of a review (head, a wider head, base) and of the next reviews classify each path once. The last few layouts are
 * kept, each up to `MAX_KINDS` paths.
 */
const fileKinds = new Map<string, Map<string, FileKind>>();
const MAX_LAYOUTS = 4;
const MAX_KINDS = 200_000;

function fileKindsFor(root: string, modelPaths: readonly string[], macroPaths: readonly string[]): Map<string, FileKind> {
  const key = JSON.stringify([root, modelPaths, macroPaths]);
  let kinds = fileKinds.get(key);
  if (!kinds || kinds.size > MAX_KINDS) {
    if (!kinds && fileKinds.size >= MAX_LAYOUTS) fileKinds.delete(fileKinds.keys().next().value!);
    kinds = new Map();
    fileKinds.set(key, kinds);
  }
  return kinds;
}

/**
 * Of several files named like one model, the one that is the model: dbt accepts them when at most one is enabled
 * (a disabled copy, or folders switched on and off per target). Two that are surely enabled are a duplicate, reported
 * at the second; when some are enabled by Jinja, the first that is surely enabled (else the first that may be) wins.
 */
function enabledOfSameName(
  stem: string,
  files: Omit<ModelFile, 'raw'>[],
  project: DbtProject,
  enabledBy: (file: Omit<ModelFile, 'raw'>) => boolean | 'computed',
): Omit<ModelFile, 'raw'> {
  const states = files.map(enabledBy);
  const sure = files.filter((_, i) => states[i] === true);
  for (const file of sure.slice(1)) {
    project.problems.push({
      rule: 'model-duplicate',
      path: file.path,
      message: `model name \`${stem}\` is defined twice (${sure[0]!.path} and ${file.path}), both enabled; dbt requires unique names among a project's enabled models: disable or rename one`,
    });
  }
  return sure[0] ?? files.find((_, i) => states[i] !== false) ?? files[0]!;
}

/**
 * Whether a model file is enabled by what the file and `dbt_project.yml` say (its `config()`, else its folders'
 * `+enabled`): a property-file entry names the model, not one of its files.
 */
function enabledByFile(
  snapshot: FileSnapshot,
  file: Omit<ModelFile, 'raw'>,
  stem: string,
  projectName: string,
  projectConfig: ProjectConfigTree,
  scanned: CodeFactsCache,
): boolean | 'computed' {
  const facts = codeFactsOf(snapshot, file.path, scanned);
  if (!facts || facts.enabled === 'computed') return 'computed';
  const inFile = facts.enabled.at(-1);
  if (inFile !== undefined) return booleanOf(inFile) ?? 'computed';
  const setting = projectConfig.settingFor({ projectName, modelPath: file.modelPath, folders: file.folders, name: stem }, 'enabled');
  if (!setting) return true;
  if (setting.unknown || containsComputed(setting.value)) return 'computed';
  return booleanOf(setting.value) ?? 'computed';
}

/**
 * The property-file entry each unversioned model was built from. A changed property file's entries are parsed once
 * for both revisions when their text and lines are the same (`parseByEntries`): the same node at both.
 */
const entryNodes = new WeakMap<DbtModel, YMap>();

function builtFrom(model: DbtModel, entry: ModelEntry | undefined): DbtModel {
  if (entry) entryNodes.set(model, entry.node);
  return model;
}

/**
 * For the project at `root`: the other revision's unversioned model at the same path, when nothing it is built
 * from changed (its SQL file, its entry in the property file that describes it on both sides, and
 * `dbt_project.yml`). The entry is the same when its file did not change, or when it was built from the very node
 * this revision has (same text at the same lines).
 */
function reusableModels(
  root: string,
  reuse: LoadOptions['reuse'],
): ((file: Pick<ModelFile, 'path'>, entry: ModelEntry | undefined) => DbtModel | undefined) | undefined {
  const other = reuse?.projects.find((p) => p.root === root);
  if (!reuse || !other || reuse.changedPaths.has(other.projectFile)) return undefined;
  const byPath = new Map<string, DbtModel>();
  for (const m of other.models) if (m.version === undefined) byPath.set(m.path, m);
  const { changedPaths } = reuse;
  return (file, entry) => {
    const model = byPath.get(file.path);
    if (!model || changedPaths.has(file.path)) return undefined;
    const propertiesPath = propertiesPathOf(model);
    if (propertiesPath !== entry?.path) return undefined;
    if (propertiesPath !== undefined && changedPaths.has(propertiesPath) && entryNodes.get(model) !== entry?.node) return undefined;
    return model;
  };
}

function readProperties(
  /** Undefined when the file could not be read (binary, not UTF-8, over the size limit). */
  text: string | undefined,
  path: string,
  project: DbtProject,
  entries: Map<string, ModelEntry>,
  { yamlCache, priorText }: Pick<LoadOptions, 'yamlCache' | 'priorText'>,
  focusModels?: ReadonlySet<string>,
  changedPath = false,
): void {
  let result: PropertyFileResult =
    text === undefined
      ? { kind: 'invalid', problem: { rule: 'yaml-invalid', path, message: `${path} could not be read as text (binary or not UTF-8, or over the size limit): dbt reads property files as UTF-8 text` } }
      : readPropertyFile(text, path, yamlCache, focusModels, focusModels === undefined && changedPath);
  if (result.kind === 'invalid') {
    project.problems.push(result.problem);
    project.propertyFiles.push(path);
    const prior = priorText?.(path);
    if (prior === undefined) return;
    result = readPropertyFile(prior, path, yamlCache, focusModels);
    if (result.kind !== 'properties') return;
    (project.readAsBefore ??= []).push(path);
  } else if (result.kind !== 'properties') return;
  else {
    project.propertyFiles.push(path);
    if (result.problems) project.problems.push(...result.problems);
  }
  project.groups.push(...result.content.groups);
  project.exposures.push(...result.content.exposures);
  if (result.content.sources.length > 0) (project.sources ??= []).push(...result.content.sources);
  if (result.content.semanticModels.length > 0) (project.semanticModels ??= []).push(...result.content.semanticModels);
  for (const entry of result.content.models) {
    const existing = entries.get(entry.name);
    if (existing) {
      const problem: ProjectProblem = {
        rule: 'properties-duplicate',
        path: entry.path,
        line: entry.node.line,
        message: `model \`${entry.name}\` is described twice, in ${existing.path}:${existing.node.line} and ${entry.path}:${entry.node.line}; dbt rejects duplicate patches: keep one entry`,
        alsoAt: { path: existing.path, line: existing.node.line },
      };
      project.problems.push(problem);
      continue;
    }
    entries.set(entry.name, entry);
  }
}

/** The file stem of version `v` of a model: its `defined_in`, else `<name>_v<v>`. */
function versionFileStem(entry: ModelEntry, versionNode: YMap, v: string): string {
  return stringOf(entryOf(versionNode, 'defined_in')?.value) ?? `${entry.name}_v${v}`;
}

function latestVersion(node: YMap, versions: YMap[]): string {
  const declared = stringOf(entryOf(node, 'latest_version')?.value);
  if (declared !== undefined) return declared;
  const values = versions.map((v) => stringOf(entryOf(v, 'v')?.value)).filter((v): v is string => v !== undefined);
  const numeric = values.every((v) => !Number.isNaN(Number(v)));
  return values.reduce((best, v) => (numeric ? (Number(v) > Number(best) ? v : best) : v > best ? v : best), values[0] ?? '');
}

function isSorted(paths: readonly string[]): boolean {
  for (let i = 1; i < paths.length; i += 1) if (compareText(paths[i - 1]!, paths[i]!) > 0) return false;
  return true;
}

/** Locale-independent ordering, so results are the same on every machine. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
