/**
 * The seeds and snapshots of a dbt project at one revision, and whether each is enabled, read the way dbt reads them
 * (without running dbt), for the refs that name them:
 *
 * - Seeds: the `.csv` files under `seed-paths` (default `seeds`; older `data-paths`), named by file stem.
 * - Snapshots: the `{% snapshot name %}` blocks of the `.sql` files under `snapshot-paths` (default `snapshots`), and
 *   (dbt 1.9) the `snapshots:` entries of a property file that define one (they have a `relation:`).
 * - Enabled, by dbt's config precedence (lowest first): the `seeds:` / `snapshots:` tree of `dbt_project.yml` walked
 *   along the node's fqn (the root, the project name key, each folder below the seed or snapshot path, for a snapshot
 *   in a `.sql` file its file stem, then its name; `+enabled`, or `enabled` as a scalar, at each level), then the
 *   `config: enabled:` of its entry in a property file (`seeds:` / `snapshots:`, in any property file under the model,
 *   seed, snapshot, analysis, macro or test paths), then a `{{ config(enabled=...) }}` inside its snapshot block.
 *   A value computed by Jinja is `unknown` (present but unknown: never flag it).
 *
 * Pure: files in (a `FileSnapshot`), nodes out. The caller decides when it is worth reading them (it reads the
 * snapshot files, and the property files that mention one of `names`).
 */
import { booleanOf, markJinjaStrings, normaliseConfigKey } from './configMerge.js';
import { IN_SKIPPED_FOLDER, PROJECT_FILE, pathList } from './projectFile.js';
import { containsComputed, isComputed } from './pyLiteral.js';
import { extractConfigCalls } from './sqlConfig.js';
import { basenameOf, blankJinjaComments, dirnameOf, joinPath, LineIndex, relativeTo, stemOf } from './textLines.js';
import type { FileSnapshot } from './types.js';
import { entryOf, isYMap, itemsOf, parseYamlTree, stringOf, toPlain, type YMap, type YNode } from './yamlTree.js';

export type NodeKind = 'seed' | 'snapshot';

/** What `dbt_project.yml` says about where seeds, snapshots and property files are, and how they are configured. */
export interface NodeLayout {
  /** The project's `name`, when set. */
  name?: string;
  seedPaths: string[];
  snapshotPaths: string[];
  /** Where dbt reads property files: the model, seed, snapshot, analysis, macro and test paths. */
  propertyPaths: string[];
  /** The `enabled` settings of the `seeds:` tree. */
  seedSettings: TreeSetting[];
  /** The `enabled` settings of the `snapshots:` tree. */
  snapshotSettings: TreeSetting[];
}

/** One `enabled` setting of a `seeds:` / `snapshots:` tree of `dbt_project.yml`. */
export interface TreeSetting {
  /** The keys from the tree's root to the level that sets it: `[]` the root, `[project]`, then folders, file, name. */
  scope: string[];
  /** Plain value (`JinjaExpr` when computed). */
  value: unknown;
  line: number;
  /** As written, e.g. `+enabled: false`. */
  text: string;
}

/** What set a node's `enabled`. */
export interface EnabledSetting {
  path: string;
  line: number;
  /** What set it, e.g. `` `+enabled: false` for seeds ``, `` `config: enabled: false` of seed `codes` ``, `` `config(enabled=false)` ``. */
  origin: string;
}

export interface SeedOrSnapshot {
  kind: NodeKind;
  name: string;
  /** The file that defines it: the `.csv`, the `.sql` holding the snapshot block, or the property file. */
  path: string;
  /** The line of the snapshot block, or of the property-file entry that defines the snapshot. */
  line?: number;
  /** `unknown` when computed by Jinja. */
  enabled: boolean | 'unknown';
  /** The setting that gave `enabled` its value, when one did. */
  enabledBy?: EnabledSetting;
}

const DEFAULTS = { seeds: ['seeds'], snapshots: ['snapshots'], models: ['models'], analyses: ['analyses'], macros: ['macros'], tests: ['tests'] };
const SNAPSHOT_BLOCK = /\{%-?\s*snapshot\s+([A-Za-z_][\w]*)\s*-?%\}/g;
const END_SNAPSHOT = /\{%-?\s*endsnapshot\s*-?%\}/g;
/** A property file that can describe seeds or snapshots. */
const NODE_ENTRIES = /^(?:seeds|snapshots)\s*:/m;

/** The layout `dbt_project.yml` (its text) gives; defaults when it is absent or unreadable. */
export function nodeLayoutOf(projectFileText: string | undefined): NodeLayout {
  const parsed = projectFileText === undefined ? undefined : parseYamlTree(projectFileText);
  const root = parsed?.ok && isYMap(parsed.root) ? parsed.root : undefined;
  const paths = (keys: string[], fallback: string[]): string[] => {
    for (const key of keys) {
      const list = pathList(entryOf(root, key)?.value);
      if (list) return list;
    }
    return fallback;
  };
  const seedPaths = paths(['seed-paths', 'data-paths'], DEFAULTS.seeds);
  const snapshotPaths = paths(['snapshot-paths'], DEFAULTS.snapshots);
  const propertyPaths = [
    ...paths(['model-paths', 'source-paths'], DEFAULTS.models),
    ...seedPaths,
    ...snapshotPaths,
    ...paths(['analysis-paths'], DEFAULTS.analyses),
    ...paths(['macro-paths'], DEFAULTS.macros),
    ...paths(['test-paths'], DEFAULTS.tests),
  ];
  const layout: NodeLayout = {
    seedPaths,
    snapshotPaths,
    propertyPaths: [...new Set(propertyPaths)],
    seedSettings: enabledSettingsOf(entryOf(root, 'seeds')?.value),
    snapshotSettings: enabledSettingsOf(entryOf(root, 'snapshots')?.value),
  };
  const name = stringOf(entryOf(root, 'name')?.value);
  if (name !== undefined) layout.name = name;
  return layout;
}

/**
 * Whether two layouts place and enable seeds and snapshots alike (a change to `dbt_project.yml` that keeps them can
 * neither remove nor disable one). Lines do not count.
 */
export function sameNodeLayout(a: NodeLayout, b: NodeLayout): boolean {
  const key = (l: NodeLayout) =>
    JSON.stringify([l.name, l.seedPaths, l.snapshotPaths, l.propertyPaths, ...[l.seedSettings, l.snapshotSettings].map((s) => s.map((x) => [x.scope, shown(x.value)]))]);
  return key(a) === key(b);
}

/**
 * The property file `path` (its text) describes seeds or snapshots: the `config: enabled:` of each entry, and whether
 * it defines the snapshot (`relation:`), by kind and name. Entries that are not mappings with a `name` are skipped.
 */
export function nodeEntriesOf(text: string): { kind: NodeKind; name: string; line: number; enabled?: { value: unknown; line: number }; defines: boolean }[] {
  if (!NODE_ENTRIES.test(text)) return [];
  const parsed = parseYamlTree(text);
  if (!parsed.ok || !isYMap(parsed.root)) return [];
  const out: ReturnType<typeof nodeEntriesOf> = [];
  for (const [key, kind] of [['seeds', 'seed'], ['snapshots', 'snapshot']] as const) {
    for (const item of itemsOf(entryOf(parsed.root, key)?.value)) {
      const name = stringOf(entryOf(item, 'name')?.value);
      if (!isYMap(item) || name === undefined) continue;
      const enabled = entryOf(entryOf(item, 'config')?.value, 'enabled');
      out.push({
        kind,
        name,
        line: item.line,
        ...(enabled ? { enabled: { value: markJinjaStrings(toPlain(enabled.value)), line: enabled.keyLine } } : {}),
        defines: kind === 'snapshot' && entryOf(item, 'relation') !== undefined,
      });
    }
  }
  return out;
}

/** A project as far as its seeds and snapshots go. */
export interface NodeProject {
  name: string;
  /** Folder of `dbt_project.yml` ('' for the repository root). */
  root: string;
  projectFile: string;
}

/**
 * The seeds and snapshots of `project` in `files`, each with whether it is enabled. With `names`, only the nodes of
 * those names (the property files that mention none of them are not parsed). Reads `dbt_project.yml`, the `.sql`
 * files under the snapshot paths and the property files that can describe seeds or snapshots.
 */
export function seedsAndSnapshots(project: NodeProject, files: FileSnapshot, names?: ReadonlySet<string>): SeedOrSnapshot[] {
  const layout = nodeLayoutOf(files.read(project.projectFile));
  const own = projectFilesOf(project.root, files.paths());
  const wanted = (name: string) => names === undefined || names.has(name);
  const under = (rel: string, folders: readonly string[]) => folders.find((f) => relativeTo(rel, f) !== undefined);

  const nodes: { node: SeedOrSnapshot; fqn: string[]; inFile?: EnabledSetting & { value: unknown } }[] = [];
  const entries = new Map<string, { path: string; line: number; enabled?: { value: unknown; line: number }; defines: boolean }>();
  for (const { path, rel } of own) {
    const lower = path.toLowerCase();
    if (lower.endsWith('.csv')) {
      const seedPath = under(rel, layout.seedPaths);
      const name = stemOf(path);
      if (seedPath === undefined || !wanted(name)) continue;
      nodes.push({ node: { kind: 'seed', name, path, enabled: true }, fqn: [project.name, ...foldersOf(rel, seedPath), name] });
    } else if (lower.endsWith('.sql')) {
      const snapshotPath = under(rel, layout.snapshotPaths);
      if (snapshotPath === undefined) continue;
      const text = files.read(path);
      if (text === undefined || !text.includes('snapshot')) continue;
      const prefix = [project.name, ...foldersOf(rel, snapshotPath), stemOf(path)];
      for (const block of snapshotBlocks(text, path)) {
        if (!wanted(block.name)) continue;
        nodes.push({ node: { kind: 'snapshot', name: block.name, path, line: block.line, enabled: true }, fqn: [...prefix, block.name], ...(block.enabled ? { inFile: block.enabled } : {}) });
      }
    } else if (/\.ya?ml$/.test(lower) && under(rel, layout.propertyPaths) !== undefined) {
      const text = files.read(path);
      if (text === undefined || !NODE_ENTRIES.test(text) || (names !== undefined && ![...names].some((n) => text.includes(n)))) continue;
      const propertyPath = under(rel, layout.propertyPaths)!;
      for (const entry of nodeEntriesOf(text)) {
        if (!wanted(entry.name)) continue;
        const key = `${entry.kind}\0${entry.name}`;
        // dbt rejects a node described twice; the first description is the one read here.
        if (!entries.has(key)) entries.set(key, { path, line: entry.line, defines: entry.defines, ...(entry.enabled ? { enabled: entry.enabled } : {}) });
        if (entry.defines) {
          // (its fqn: the project, the folders of its property file below the path that holds it, its name)
          nodes.push({ node: { kind: 'snapshot', name: entry.name, path, line: entry.line, enabled: true }, fqn: [project.name, ...foldersOf(rel, propertyPath), entry.name] });
        }
      }
    }
  }
  return nodes.map(({ node, fqn, inFile }) => {
    const settings = node.kind === 'seed' ? layout.seedSettings : layout.snapshotSettings;
    let effective: (EnabledSetting & { value: unknown }) | undefined = fromTree(settings, fqn, node.kind, project.projectFile, layout);
    const entry = entries.get(`${node.kind}\0${node.name}`);
    if (entry?.enabled) effective = { value: entry.enabled.value, path: entry.path, line: entry.enabled.line, origin: `\`config: enabled: ${shown(entry.enabled.value)}\` of ${node.kind} \`${node.name}\`` };
    if (inFile) effective = inFile;
    if (!effective) return node;
    const { value, ...by } = effective;
    const flag = containsComputed(value) ? undefined : booleanOf(value);
    return { ...node, enabled: flag ?? 'unknown', enabledBy: by };
  });
}

/** The files of the project at `root`, with their project-relative paths: not in a nested project, nor in `dbt_packages/`, `target/`... */
export function projectFilesOf(root: string, paths: readonly string[]): { path: string; rel: string }[] {
  const inside: { path: string; rel: string }[] = [];
  const nested: string[] = [];
  for (const path of paths) {
    const rel = relativeTo(path, root);
    if (rel === undefined || IN_SKIPPED_FOLDER.test(rel)) continue;
    if (basenameOf(rel) === PROJECT_FILE && rel !== PROJECT_FILE) nested.push(dirnameOf(rel));
    inside.push({ path, rel });
  }
  if (nested.length === 0) return inside;
  return inside.filter(({ rel }) => !nested.some((n) => relativeTo(rel, n) !== undefined));
}

/** The folders of a project-relative path below `base` (the seed or snapshot path that holds it). */
function foldersOf(rel: string, base: string): string[] {
  return dirnameOf(relativeTo(rel, base) ?? rel)
    .split('/')
    .filter((s) => s !== '');
}

/** The names of the `{% snapshot %}` blocks of a file's text. */
export function snapshotNamesOf(text: string): string[] {
  return [...blankJinjaComments(text).matchAll(SNAPSHOT_BLOCK)].map((m) => m[1]!);
}

/** The `{% snapshot %}` blocks of a file, each with the last `enabled` its `config()` calls set. */
function snapshotBlocks(text: string, path: string): { name: string; line: number; enabled?: EnabledSetting & { value: unknown } }[] {
  const code = blankJinjaComments(text);
  const lines = new LineIndex(code);
  const blocks: { name: string; line: number; endLine: number; enabled?: EnabledSetting & { value: unknown } }[] = [];
  for (const m of code.matchAll(SNAPSHOT_BLOCK)) {
    const start = m.index;
    END_SNAPSHOT.lastIndex = start;
    const end = END_SNAPSHOT.exec(code);
    blocks.push({ name: m[1]!, line: lines.lineAt(start), endLine: end ? lines.lineAt(end.index) : Number.MAX_SAFE_INTEGER });
  }
  if (blocks.length === 0 || !code.includes('config')) return blocks;
  for (const call of extractConfigCalls(code, 'sql', lines)) {
    const block = blocks.find((b) => call.line >= b.line && call.line <= b.endLine);
    if (!block) continue;
    if (call.opaque) block.enabled = { value: markJinjaStrings('{{ opaque }}'), path, line: call.opaque.line, origin: `\`config(${call.opaque.text})\`` };
    for (const arg of call.arguments) {
      if (normaliseConfigKey(arg.key) !== 'enabled') continue;
      block.enabled = { value: arg.value, path, line: arg.line, origin: `\`config(${arg.text})\`` };
    }
  }
  return blocks;
}

/** The setting of the `seeds:` / `snapshots:` tree that applies to the node of `fqn` last (the deepest). */
function fromTree(settings: readonly TreeSetting[], fqn: readonly string[], kind: NodeKind, projectFile: string, layout: NodeLayout): (EnabledSetting & { value: unknown }) | undefined {
  let found: TreeSetting | undefined;
  for (const s of settings) {
    if (s.scope.length > fqn.length || !s.scope.every((key, i) => key === fqn[i])) continue;
    if (!found || s.scope.length >= found.scope.length) found = s;
  }
  if (!found) return undefined;
  return { value: found.value, path: projectFile, line: found.line, origin: `\`${found.text}\` ${scopeText(found.scope, fqn, kind, layout)}` };
}

/** E.g. `for seeds`, `for seeds/lookups`, `for seed \`codes\``. */
function scopeText(scope: readonly string[], fqn: readonly string[], kind: NodeKind, layout: NodeLayout): string {
  const plural = `${kind}s`;
  if (scope.length <= 1) return scope.length === 0 ? `for all ${plural}` : `for ${plural}`;
  if (scope.length === fqn.length) return `for ${kind} \`${fqn.at(-1)}\``;
  const base = (kind === 'seed' ? layout.seedPaths : layout.snapshotPaths)[0] ?? plural;
  return `for ${joinPath(base, ...scope.slice(1))}`;
}

/** Every `enabled` setting of a `seeds:` / `snapshots:` tree: `+enabled` at any level, or `enabled` as a scalar. */
function enabledSettingsOf(tree: YNode | undefined): TreeSetting[] {
  const out: TreeSetting[] = [];
  const visit = (level: YMap, scope: string[]): void => {
    for (const [rawKey, entry] of level.entries) {
      const plus = rawKey.startsWith('+');
      const key = plus ? rawKey.slice(1).trim() : rawKey;
      if (!plus && isYMap(entry.value)) {
        visit(entry.value, [...scope, rawKey]);
        continue;
      }
      if (key !== 'enabled') continue;
      const value = markJinjaStrings(toPlain(entry.value));
      if (value === null || value === undefined) continue;
      out.push({ scope, value, line: entry.keyLine, text: `${rawKey}: ${shown(value)}` });
    }
  };
  if (isYMap(tree)) visit(tree, []);
  return out;
}

function shown(value: unknown): string {
  if (isComputed(value)) return value.text;
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}
