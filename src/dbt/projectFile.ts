/**
 * `dbt_project.yml`: project name, model/macro paths, vars, and the `models:` config tree; plus the walk of that
 * tree along a model's fqn (dbt's `fqn_search`): the `models:` root, the project name key, each folder, the model
 * name and the version. At each level `+key` is a config, a mapping without `+` is a child folder, any other value
 * without `+` is a config.
 */
import { booleanOf, ConfigResolver, markJinjaStrings, type ConfigSetting } from './configMerge.js';
import { joinPath, normaliseFolder } from './textLines.js';
import { duplicateKeyProblems } from './propertyFile.js';
import type { ConfigEntry, ProjectProblem, TestScope } from './types.js';
import { entryOf, isYMap, isYSeq, parseYamlTree, stringOf, toPlain, type YMap, type YNode } from './yamlTree.js';

export interface ProjectFileInfo {
  name?: string;
  modelPaths: string[];
  macroPaths: string[];
  vars: Record<string, unknown>;
  /** The `models:` mapping. */
  modelsTree?: YMap;
  problems: ProjectProblem[];
  /** Why the file does not define a project dbt could load (invalid YAML, not a mapping, no `name`). */
  unreadable?: string;
  /** The line of `model-paths:`, when set. */
  modelPathsLine?: number;
  /** The levels of the `data_tests:` (or `tests:`) tree that set `enabled`. */
  testScopes?: TestScope[];
}

export function readProjectFile(text: string, path: string): ProjectFileInfo {
  const info: ProjectFileInfo = { modelPaths: ['models'], macroPaths: ['macros'], vars: {}, problems: [] };
  const parsed = parseYamlTree(text);
  if (!parsed.ok) {
    info.problems.push({ rule: 'yaml-invalid', path, line: parsed.line, message: `invalid YAML in ${path}: ${parsed.message}` });
    info.unreadable = 'invalid YAML';
    return info;
  }
  if (parsed.duplicateKeys) info.problems.push(...duplicateKeyProblems(parsed.duplicateKeys, path));
  const root = parsed.root;
  if (!isYMap(root)) {
    info.problems.push({ rule: 'dbt-project-invalid', path, line: 1, message: `${path} must be a mapping of keys to values` });
    info.unreadable = 'not a mapping';
    return info;
  }
  const name = stringOf(entryOf(root, 'name')?.value);
  if (name) info.name = name;
  else {
    info.problems.push({ rule: 'dbt-project-invalid', path, line: 1, message: `${path} has no \`name\`` });
    info.unreadable = 'no `name`';
  }
  const modelPathsEntry = entryOf(root, 'model-paths') ?? entryOf(root, 'source-paths');
  info.modelPaths = pathList(modelPathsEntry?.value) ?? info.modelPaths;
  if (modelPathsEntry) info.modelPathsLine = modelPathsEntry.keyLine;
  info.macroPaths = pathList(entryOf(root, 'macro-paths')?.value) ?? info.macroPaths;
  const vars = toPlain(entryOf(root, 'vars')?.value);
  if (vars !== null && typeof vars === 'object' && !Array.isArray(vars)) info.vars = vars as Record<string, unknown>;
  const models = entryOf(root, 'models')?.value;
  if (isYMap(models)) info.modelsTree = models;
  const testsKey = entryOf(root, 'data_tests') ? 'data_tests' : 'tests';
  const tests = entryOf(root, testsKey)?.value;
  if (isYMap(tests) && name) {
    const scopes = testScopesOf(tests, testsKey, name, path);
    if (scopes.length > 0) info.testScopes = scopes;
  }
  return info;
}

/**
 * The levels of the `data_tests:` tree that set `enabled` (`+enabled`, or `enabled` as a scalar) for this project's
 * tests: the root, the project name key, then folders (a mapping key without `+`), as dbt walks a test's fqn
 * (project, the folders of its property file below the model path, its name). Parents come before children.
 */
function testScopesOf(tree: YMap, rootKey: string, projectName: string, path: string): TestScope[] {
  const out: TestScope[] = [];
  const visit = (level: YMap, folders: string[], shown: string, depth: number): void => {
    for (const [rawKey, entry] of level.entries) {
      const key = rawKey.startsWith('+') ? rawKey.slice(1).trim() : rawKey;
      if (key !== 'enabled' || (!rawKey.startsWith('+') && isYMap(entry.value))) continue;
      const value = markJinjaStrings(toPlain(entry.value));
      const flag = typeof value === 'boolean' ? value : typeof value === 'string' ? booleanOf(value) : undefined;
      out.push({ folders, enabled: flag ?? 'unknown', path, line: entry.keyLine, origin: `${shown}: ${rawKey}: ${String(toPlain(entry.value))}` });
    }
    for (const [rawKey, entry] of level.entries) {
      if (rawKey.startsWith('+') || !isYMap(entry.value)) continue;
      // Below the root, only this project's key; below it, folders.
      if (depth === 0 && rawKey !== projectName) continue;
      visit(entry.value, depth === 0 ? [] : [...folders, rawKey], `${shown}: ${rawKey}`, depth + 1);
    }
  };
  visit(tree, [], rootKey, 0);
  return out;
}

/** The file that makes a folder a dbt project. */
export const PROJECT_FILE = 'dbt_project.yml';
/** A path with one of these folders (at any depth) is not part of a project. */
export const IN_SKIPPED_FOLDER = /(?:^|\/)(?:dbt_packages|dbt_modules|target|node_modules|\.git)\//;

/** The folders a `*-paths:` key lists (one string or a list), normalised; undefined when it lists none. */
export function pathList(node: YNode | undefined): string[] | undefined {
  if (!node) return undefined;
  const items = isYSeq(node) ? node.items : [node];
  const out = items.map(stringOf).filter((s): s is string => s !== undefined).map(normaliseFolder);
  return out.length > 0 ? out : undefined;
}

export interface ModelScope {
  projectName: string;
  /** Project-relative model path of the model (for describing scopes). */
  modelPath: string;
  folders: string[];
  name: string;
  version?: string;
}

interface FolderWalk {
  /** The settings of every level down to the model's folder, applied (copied per model, never changed). */
  resolver: ConfigResolver;
  /** The level of the model's own folder, when the tree reaches that deep (model and version levels hang below). */
  folderLevel?: YMap;
}

/**
 * The `models:` tree of one `dbt_project.yml`, walked along a model's fqn. Models of one folder share the walk
 * down to their folder, so its settings are read and merged once per folder; only the model and version levels are
 * read per model.
 */
export class ProjectConfigTree {
  private readonly walks = new Map<string, FolderWalk>();

  constructor(
    private readonly tree: YMap | undefined,
    private readonly projectFile: string,
  ) {}

  /** A resolver holding the config `dbt_project.yml` gives a model (more specific settings can be applied on it). */
  resolverFor(model: ModelScope): ConfigResolver {
    const walk = this.folderWalk(model);
    const resolver = walk.resolver.copy();
    const modelLevel = asMap(entryOf(walk.folderLevel, model.name)?.value);
    if (!modelLevel) return resolver;
    const modelScope = joinPath(model.modelPath, ...model.folders, model.name);
    resolver.applyAll(levelSettings(modelLevel, modelScope, this.projectFile));
    const versionLevel = model.version === undefined ? undefined : asMap(entryOf(modelLevel, `v${model.version}`)?.value);
    if (versionLevel) resolver.applyAll(levelSettings(versionLevel, `${modelScope} v${model.version ?? ''}`, this.projectFile));
    return resolver;
  }

  /**
   * The setting of `key` that `dbt_project.yml` gives a model: `resolverFor(model).result().config[key]`, without
   * copying the folder's settings when the model has no level of its own.
   */
  settingFor(model: ModelScope, key: string): ConfigEntry | undefined {
    const walk = this.folderWalk(model);
    if (asMap(entryOf(walk.folderLevel, model.name)?.value)) return this.resolverFor(model).result().config[key];
    return walk.resolver.setting(key);
  }

  /** The levels from the `models:` root through the project name key and each folder (dbt's `fqn_search`). */
  private folderWalk(model: ModelScope): FolderWalk {
    const key = `${model.projectName}\0${model.modelPath}\0${model.folders.join('/')}`;
    const cached = this.walks.get(key);
    if (cached) return cached;
    const walk: FolderWalk = { resolver: new ConfigResolver() };
    const segments = [model.projectName, ...model.folders];
    let level: YMap | undefined = this.tree;
    for (let depth = 0; level; depth += 1) {
      walk.resolver.applyAll(levelSettings(level, folderScope(model, depth), this.projectFile));
      const segment = segments[depth];
      if (segment === undefined) {
        walk.folderLevel = level;
        break;
      }
      level = asMap(entryOf(level, segment)?.value);
    }
    this.walks.set(key, walk);
    return walk;
  }
}

function asMap(node: YNode | undefined): YMap | undefined {
  return isYMap(node) ? node : undefined;
}

/** Depth 0 is the `models:` root, depth 1 the project name key, then one depth per folder. */
function folderScope(model: ModelScope, depth: number): string {
  if (depth === 0) return 'all models';
  const path = joinPath(model.modelPath, ...model.folders.slice(0, depth - 1));
  return path === '' ? `project ${model.projectName}` : path;
}

function levelSettings(level: YMap, scope: string, projectFile: string): ConfigSetting[] {
  const out: ConfigSetting[] = [];
  for (const [rawKey, entry] of level.entries) {
    const plus = rawKey.startsWith('+');
    if (!plus && isYMap(entry.value)) continue; // a folder
    const key = plus ? rawKey.slice(1).trim() : rawKey;
    const value = markJinjaStrings(toPlain(entry.value));
    if (value === null || value === undefined) continue;
    const shown = plus ? `+${key}` : key;
    const subLines: Record<string, number> = {};
    if (isYMap(entry.value)) for (const [sub, e] of entry.value.entries) subLines[sub] = e.keyLine;
    out.push({
      key,
      value,
      path: projectFile,
      line: entry.keyLine,
      level: 'dbt_project',
      subLines,
      describe: (sub) => `${shown}${sub !== undefined ? `.${sub}` : ''} for ${scope}`,
    });
  }
  return out;
}
