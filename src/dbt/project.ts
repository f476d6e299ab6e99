/**
 * `loadProjects`: every `dbt_project.yml` of a revision becomes a `DbtProject` (nested projects own their subtree),
 * with its models (SQL and Python, versions resolved), property files, groups, exposures, macros and the problems
 * found on the way. Pure and synchronous: YAML parsing plus a regex scan of each model file, no rendering.
 */
import picomatch from 'picomatch';
import { needsPropertyFile, type PropertyFocus } from './focus.js';
import { extractMacros } from './macros.js';
import { buildModel, type BuildContext, type ModelFile } from './modelBuilder.js';
import { ProjectConfigTree, readProjectFile } from './projectFile.js';
import { readPropertyFile, type ModelEntry } from './propertyFile.js';
import { basenameOf, dirnameOf, joinPath, relativeTo, stemOf } from './textLines.js';
import type { DbtModel, DbtProject, FileSnapshot, ProjectProblem } from './types.js';
import { entryOf, isYMap, itemsOf, stringOf, type YamlParseResult, type YMap } from './yamlTree.js';

export interface LoadOptions {
  /** The meta key naming a model's owner (reserved for owner-aware loading; owners are read with `ownerOf`). */
  ownerKey: string;
  /** picomatch globs of repository paths to leave out. */
  ignore?: string[];
  /**
   * Parsed YAML by file text, shared between loads (the base and head of a review parse the same unchanged property
   * files once). Parse results are read-only.
   */
  yamlCache?: Map<string, YamlParseResult>;
  /**
   * Models of another revision to reuse: a model whose SQL file, property file and `dbt_project.yml` are not in
   * `changedPaths` is the same object in both revisions (a review loads the base this way after the head, so the
   * base costs what the change touches, not what the project holds).
   */
  reuse?: { projects: readonly DbtProject[]; changedPaths: ReadonlySet<string> };
  /**
   * Parse only the property files a review of this change needs (see `propertyFocus`); the other models are built
   * from their SQL and `dbt_project.yml` alone. Absent: every property file is parsed.
   */
  focus?: PropertyFocus;
}

const PROJECT_FILE = 'dbt_project.yml';
const SKIPPED_FOLDERS = new Set(['dbt_packages', 'dbt_modules', 'target', 'node_modules', '.git']);

export function loadProjects(snapshot: FileSnapshot, options: LoadOptions): DbtProject[] {
  const ignored = options.ignore && options.ignore.length > 0 ? picomatch(options.ignore, { dot: true }) : undefined;
  const ignoredPaths: string[] = [];
  const paths: string[] = [];
  for (const path of snapshot.paths()) {
    if (path.split('/').some((segment) => SKIPPED_FOLDERS.has(segment))) continue;
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
    const root = roots.find((r) => relativeTo(path, r) !== undefined);
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
  options: Pick<LoadOptions, 'yamlCache' | 'focus'>,
  reusable?: (file: ModelFile, entry: ModelEntry | undefined) => DbtModel | undefined,
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
  const sorted = files.slice().sort(compareText);
  const modelFiles = new Map<string, ModelFile>();
  const propertyEntries = new Map<string, ModelEntry>();
  for (const path of sorted) {
    const rel = relativeTo(path, root);
    if (rel === undefined) continue;
    const macroPath = info.macroPaths.find((mp) => relativeTo(rel, mp) !== undefined);
    if (macroPath !== undefined && rel.endsWith('.sql')) {
      project.macros.push(...extractMacros(snapshot.read(path) ?? '', path));
      continue;
    }
    const modelPath = info.modelPaths.find((mp) => relativeTo(rel, mp) !== undefined);
    if (modelPath === undefined) continue;
    const inModelPath = relativeTo(rel, modelPath) ?? rel;
    const lower = path.toLowerCase();
    if (lower.endsWith('.sql') || lower.endsWith('.py')) {
      const stem = stemOf(path);
      const existing = modelFiles.get(stem);
      if (existing) {
        project.problems.push({
          rule: 'model-duplicate',
          path,
          message: `model name \`${stem}\` is defined twice (${existing.path} and ${path}); dbt requires unique model names in a project`,
        });
        continue;
      }
      const folders = dirnameOf(inModelPath).split('/').filter((s) => s !== '');
      modelFiles.set(stem, {
        path,
        language: lower.endsWith('.py') ? 'python' : 'sql',
        raw: snapshot.read(path) ?? '',
        modelPath,
        folders,
      });
    } else if (lower.endsWith('.yml') || lower.endsWith('.yaml')) {
      const text = snapshot.read(path) ?? '';
      if (!options.focus || needsPropertyFile(options.focus, path, text)) readProperties(text, path, project, propertyEntries, options.yamlCache);
    }
  }
  const ctx: BuildContext = { projectName: name, projectConfig: new ProjectConfigTree(info.modelsTree, projectFile), problems: project.problems };
  const claimed = new Set<string>();
  const models: DbtModel[] = [];
  const ignoredStems = new Set(ignoredFiles.filter((p) => /\.(sql|py)$/i.test(p)).map(stemOf));
  for (const entry of propertyEntries.values()) {
    const versions = itemsOf(entryOf(entry.node, 'versions')?.value).filter(isYMap);
    if (versions.length === 0) continue;
    const latest = latestVersion(entry.node, versions);
    for (const versionNode of versions) {
      const v = stringOf(entryOf(versionNode, 'v')?.value);
      if (v === undefined) continue;
      const definedIn = stringOf(entryOf(versionNode, 'defined_in')?.value);
      let stem = definedIn ?? `${entry.name}_v${v}`;
      if (!modelFiles.has(stem) && v === latest) stem = entry.name;
      const file = modelFiles.get(stem);
      if (!file || claimed.has(stem)) {
        if (!ignoredStems.has(stem)) {
          project.problems.push({
            rule: 'properties-orphan',
            path: entry.path,
            line: versionNode.line,
            message: `version ${v} of model \`${entry.name}\` has no model file (expected ${stem}.sql)`,
          });
        }
        continue;
      }
      claimed.add(stem);
      models.push(buildModel(file, entry.name, entry, { v, node: versionNode, latest }, ctx));
    }
  }
  for (const [stem, file] of modelFiles) {
    if (claimed.has(stem)) continue;
    const entry = propertyEntries.get(stem);
    const plain = entry && itemsOf(entryOf(entry.node, 'versions')?.value).length === 0 ? entry : undefined;
    const reused = reusable?.(file, plain);
    // A reused model brings the problems its build found, as building it here would have.
    if (reused?.buildProblems) project.problems.push(...reused.buildProblems);
    models.push(reused ?? buildModel(file, stem, plain, undefined, ctx));
  }
  for (const entry of propertyEntries.values()) {
    const versioned = itemsOf(entryOf(entry.node, 'versions')?.value).length > 0;
    if (versioned || modelFiles.has(entry.name) || ignoredStems.has(entry.name)) continue;
    project.problems.push({
      rule: 'properties-orphan',
      path: entry.path,
      line: entry.node.line,
      message: `properties for model \`${entry.name}\` but no model file \`${entry.name}.sql\` exists in project ${name}`,
    });
  }
  project.models = models.sort((a, b) => compareText(a.path, b.path) || compareText(a.version ?? '', b.version ?? ''));
  return project;
}

/**
 * For the project at `root`: the other revision's unversioned model at the same path, when nothing it is built
 * from changed (its SQL file, the property file that describes it on both sides, and `dbt_project.yml`).
 */
function reusableModels(
  root: string,
  reuse: LoadOptions['reuse'],
): ((file: ModelFile, entry: ModelEntry | undefined) => DbtModel | undefined) | undefined {
  const other = reuse?.projects.find((p) => p.root === root);
  if (!reuse || !other || reuse.changedPaths.has(other.projectFile)) return undefined;
  const byPath = new Map<string, DbtModel>();
  for (const m of other.models) if (m.version === undefined) byPath.set(m.path, m);
  const { changedPaths } = reuse;
  return (file, entry) => {
    const model = byPath.get(file.path);
    if (!model || changedPaths.has(file.path)) return undefined;
    const propertiesPath = model.properties?.path;
    if (propertiesPath !== entry?.path) return undefined;
    if (propertiesPath !== undefined && changedPaths.has(propertiesPath)) return undefined;
    return model;
  };
}

function readProperties(
  text: string,
  path: string,
  project: DbtProject,
  entries: Map<string, ModelEntry>,
  yamlCache?: Map<string, YamlParseResult>,
): void {
  const result = readPropertyFile(text, path, yamlCache);
  if (result.kind === 'invalid') {
    project.problems.push(result.problem);
    project.propertyFiles.push(path);
    return;
  }
  if (result.kind !== 'properties') return;
  project.propertyFiles.push(path);
  project.groups.push(...result.content.groups);
  project.exposures.push(...result.content.exposures);
  for (const entry of result.content.models) {
    const existing = entries.get(entry.name);
    if (existing) {
      const problem: ProjectProblem = {
        rule: 'properties-duplicate',
        path: entry.path,
        line: entry.node.line,
        message: `model \`${entry.name}\` is described twice (${existing.path}:${existing.node.line} and here); dbt rejects duplicate patches`,
      };
      project.problems.push(problem);
      continue;
    }
    entries.set(entry.name, entry);
  }
}

function latestVersion(node: YMap, versions: YMap[]): string {
  const declared = stringOf(entryOf(node, 'latest_version')?.value);
  if (declared !== undefined) return declared;
  const values = versions.map((v) => stringOf(entryOf(v, 'v')?.value)).filter((v): v is string => v !== undefined);
  const numeric = values.every((v) => !Number.isNaN(Number(v)));
  return values.reduce((best, v) => (numeric ? (Number(v) > Number(best) ? v : best) : v > best ? v : best), values[0] ?? '');
}

/** Locale-independent ordering, so results are the same on every machine. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
