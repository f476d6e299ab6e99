/**
 * `dbt_project.yml`: project name, model/macro paths, vars, and the `models:` config tree; plus the walk of that
 * tree along a model's fqn (dbt's `fqn_search`): the `models:` root, the project name key, each folder, the model
 * name and the version. At each level `+key` is a config, a mapping without `+` is a child folder, any other value
 * without `+` is a config.
 */
import { markJinjaStrings, type ConfigSetting } from './configMerge.js';
import { joinPath, normaliseFolder } from './textLines.js';
import type { ProjectProblem } from './types.js';
import { entryOf, isYMap, isYSeq, parseYamlTree, stringOf, toPlain, type YMap, type YNode } from './yamlTree.js';

export interface ProjectFileInfo {
  name?: string;
  modelPaths: string[];
  macroPaths: string[];
  vars: Record<string, unknown>;
  /** The `models:` mapping. */
  modelsTree?: YMap;
  problems: ProjectProblem[];
}

export function readProjectFile(text: string, path: string): ProjectFileInfo {
  const info: ProjectFileInfo = { modelPaths: ['models'], macroPaths: ['macros'], vars: {}, problems: [] };
  const parsed = parseYamlTree(text);
  if (!parsed.ok) {
    info.problems.push({ rule: 'yaml-invalid', path, line: parsed.line, message: `invalid YAML in ${path}: ${parsed.message}` });
    return info;
  }
  const root = parsed.root;
  if (!isYMap(root)) {
    info.problems.push({ rule: 'dbt-project-invalid', path, line: 1, message: `${path} must be a mapping of keys to values` });
    return info;
  }
  const name = stringOf(entryOf(root, 'name')?.value);
  if (name) info.name = name;
  else info.problems.push({ rule: 'dbt-project-invalid', path, line: 1, message: `${path} has no \`name\`` });
  info.modelPaths = pathList(entryOf(root, 'model-paths')?.value ?? entryOf(root, 'source-paths')?.value) ?? info.modelPaths;
  info.macroPaths = pathList(entryOf(root, 'macro-paths')?.value) ?? info.macroPaths;
  const vars = toPlain(entryOf(root, 'vars')?.value);
  if (vars !== null && typeof vars === 'object' && !Array.isArray(vars)) info.vars = vars as Record<string, unknown>;
  const models = entryOf(root, 'models')?.value;
  if (isYMap(models)) info.modelsTree = models;
  return info;
}

function pathList(node: YNode | undefined): string[] | undefined {
  if (!node) return undefined;
  const items = isYSeq(node) ? node.items : [node];
  const out = items.map(stringOf).filter((s): s is string => s !== undefined).map(normaliseFolder);
  return out.length > 0 ? out : undefined;
}

export interface ProjectConfigContext {
  projectFile: string;
  projectName: string;
  /** Project-relative model path of the model (for describing scopes). */
  modelPath: string;
  folders: string[];
  name: string;
  version?: string;
}

/** The config settings `dbt_project.yml` gives a model, least specific first. */
export function projectConfigSettings(tree: YMap | undefined, ctx: ProjectConfigContext): ConfigSetting[] {
  if (!tree) return [];
  const out: ConfigSetting[] = [];
  const fqn = [ctx.projectName, ...ctx.folders, ctx.name, ...(ctx.version !== undefined ? [`v${ctx.version}`] : [])];
  let level: YMap | undefined = tree;
  for (let depth = 0; level; depth += 1) {
    out.push(...levelSettings(level, scopeOf(ctx, depth), ctx.projectFile));
    const segment = fqn[depth];
    if (segment === undefined) break;
    const child: YNode | undefined = entryOf(level, segment)?.value;
    level = isYMap(child) ? child : undefined;
  }
  return out;
}

function scopeOf(ctx: ProjectConfigContext, depth: number): string {
  if (depth === 0) return 'all models';
  const folderDepth = depth - 1;
  if (folderDepth <= ctx.folders.length) {
    const path = joinPath(ctx.modelPath, ...ctx.folders.slice(0, folderDepth));
    return path === '' ? `project ${ctx.projectName}` : path;
  }
  const modelScope = joinPath(ctx.modelPath, ...ctx.folders, ctx.name);
  return folderDepth === ctx.folders.length + 1 ? modelScope : `${modelScope} v${ctx.version ?? ''}`;
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
