/**
 * Builds one `DbtModel` from its code file, its property-file entry (and version entry) and the project's config
 * tree, applying dbt's config precedence: dbt_project.yml < property file `config:` < in-file `config()`.
 */
import { booleanOf, markJinjaStrings, type ConfigSetting, type ResolvedConfig } from './configMerge.js';
import type { ProjectConfigTree } from './projectFile.js';
import type { ModelEntry } from './propertyFile.js';
import { columnKey, readColumn, readConstraints, readTests } from './propertyNodes.js';
import { containsComputed, isComputed } from './pyLiteral.js';
import { extractRefs, extractSources } from './refs.js';
import type { CodeFacts } from './fileFacts.js';
import { extractConfigCalls } from './sqlConfig.js';
import { resolveVarCalls } from './vars.js';
import { blankJinjaComments, LineIndex } from './textLines.js';
import type { ConfigEntry, DbtColumn, DbtModel, ProjectProblem } from './types.js';
import { commentWaivers, metaWaiver, WAIVER_META_KEY } from './waivers.js';
import { entryOf, isYMap, itemsOf, stringOf, toPlain, type YEntry, type YMap, type YNode } from './yamlTree.js';

export interface ModelFile {
  path: string;
  language: 'sql' | 'python';
  raw: string;
  /** Project-relative model path the file is under. */
  modelPath: string;
  folders: string[];
}

export interface VersionSpec {
  v: string;
  node: YMap;
  latest: string;
  /** The line of the entry's `latest_version:` (absent: the highest version is the latest). */
  latestLine?: number;
}

export interface BuildContext {
  projectName: string;
  /** The project's `dbt_project.yml` `models:` config tree. */
  projectConfig: ProjectConfigTree;
  problems: ProjectProblem[];
  /** The project's vars (`dbt_project.yml`), which a config's `var()` calls read. */
  vars?: Record<string, unknown>;
}

/** Top-level model properties dbt moves into `config:` (and rejects when set in both places). */
const MOVED_TO_CONFIG = ['meta', 'docs', 'group', 'contract', 'access'];

export function buildModel(file: ModelFile, name: string, entry: ModelEntry | undefined, version: VersionSpec | undefined, ctx: BuildContext): DbtModel {
  const firstProblem = ctx.problems.length;
  const resolver = ctx.projectConfig.resolverFor({
    projectName: ctx.projectName,
    modelPath: file.modelPath,
    folders: file.folders,
    name,
    ...(version ? { version: version.v } : {}),
  });
  const projectConfig = resolver.result().config;
  if (entry) {
    resolver.applyAll(propertySettings(entry.node, entry.path, ctx.problems, 'model'));
    if (version) resolver.applyAll(propertySettings(version.node, entry.path, ctx.problems, 'version'));
  }
  const code = blankJinjaComments(file.raw);
  const lines = new LineIndex(file.raw);
  const calls = extractConfigCalls(code, file.language, lines);
  const callName = file.language === 'python' ? 'dbt.config' : 'config';
  for (const call of calls) {
    for (const arg of call.arguments) {
      resolver.apply({
        key: arg.key,
        value: arg.value,
        path: file.path,
        line: arg.line,
        level: 'sql',
        subLines: arg.subLines,
        describe: (sub) => (sub !== undefined ? `${callName}(${arg.key}={'${sub}': …})` : `${callName}(${arg.text})`),
      });
    }
  }
  const { config, meta, tags } = withVarsResolved(resolver.result(), ctx);

  const model: DbtModel = {
    uniqueId: `model.${ctx.projectName}.${name}${version ? `.v${version.v}` : ''}`,
    project: ctx.projectName,
    name,
    path: file.path,
    language: file.language,
    raw: file.raw,
    folders: file.folders,
    enabled: !isFalse(config.enabled),
    config,
    meta,
    tags,
    columns: [],
    tests: [],
    constraints: [],
    contractEnforced: contractEnforcedOf(config),
    refs: extractRefs(code, lines),
    sources: extractSources(code, lines),
    waivers: [],
    projectConfig,
    fqn: [ctx.projectName, ...file.folders, name, ...(version ? [`v${version.v}`] : [])],
    modelPath: file.modelPath,
  };
  if (version) {
    model.version = version.v;
    model.latestVersion = version.latest;
    if (version.latestLine !== undefined) model.latestVersionLine = version.latestLine;
  }
  const opaque = calls.find((c) => c.opaque)?.opaque;
  if (opaque) model.configOpaque = { path: file.path, line: opaque.line };
  const group = knownString(config.group);
  if (group !== undefined) model.group = group;
  const access = knownString(config.access);
  if (access !== undefined) model.access = access;
  if (entry) attachProperties(model, entry, version, ctx);
  const waiver = metaWaiver(meta[WAIVER_META_KEY]);
  if (waiver) model.waivers.push(waiver);
  model.waivers.push(...commentWaivers(file.raw, file.path, lines));
  if (ctx.problems.length > firstProblem) model.buildProblems = ctx.problems.slice(firstProblem);
  return model;
}

/** The fields of a stub that need the model's text: built on first read. */
const LAZY_FIELDS = ['raw', 'config', 'meta', 'tags', 'contractEnforced', 'waivers', 'projectConfig', 'configOpaque', 'group', 'access'] as const;
/** The fields that come from a property-file entry: built on first read too, for a stub that has one. */
const ENTRY_FIELDS = ['properties', 'columns', 'tests', 'constraints'] as const;

/**
 * A model out of focus: the fields of `LAZY_FIELDS` (and `ENTRY_FIELDS`) are getters on the prototype, so a spread
 * or `JSON.stringify` of a stub shows only its eager fields (nothing in the review copies or serialises a model).
 */
class StubModel {
  uniqueId: string;
  project: string;
  name: string;
  path: string;
  language: 'sql' | 'python';
  folders: string[];
  enabled: boolean;
  declare refs: DbtModel['refs'];
  declare sources: DbtModel['sources'];
  fqn: string[];
  modelPath: string;
  // Private fields (not enumerable): a stub shows the fields of a DbtModel only.
  readonly #propertiesPath: string | undefined;
  readonly #facts: CodeFacts;
  readonly #make: () => DbtModel;
  #built?: DbtModel;
  declare properties: DbtModel['properties'];
  declare columns: DbtModel['columns'];
  declare tests: DbtModel['tests'];
  declare constraints: DbtModel['constraints'];

  constructor(
    projectName: string,
    file: Omit<ModelFile, 'raw'>,
    name: string,
    /** Its `ref()` and `source()` calls (scanned when first read, for facts made from text). */
    facts: CodeFacts,
    enabled: boolean,
    entry: ModelEntry | undefined,
    make: () => DbtModel,
  ) {
    this.#facts = facts;
    this.#make = make;
    this.uniqueId = `model.${projectName}.${name}`;
    this.project = projectName;
    this.name = name;
    this.path = file.path;
    this.language = file.language;
    this.folders = file.folders;
    this.enabled = enabled;
    this.fqn = [projectName, ...file.folders, name];
    this.modelPath = file.modelPath;
    this.#propertiesPath = entry?.path;
    if (!entry) {
      // Without an entry these are known: a full build leaves them empty.
      this.properties = undefined;
      this.columns = [];
      this.tests = [];
      this.constraints = [];
    }
  }

  /** The model `buildModel` makes of it (built on the first call). */
  full(): DbtModel {
    return (this.#built ??= this.#make());
  }

  /** Its `ref()` and `source()` calls, from its facts. */
  calls(key: 'refs' | 'sources'): DbtModel['refs'] | DbtModel['sources'] {
    return this.#facts[key];
  }

  /** The property file of its entry (read without building it). */
  propertiesPath(): string | undefined {
    return this.#propertiesPath;
  }
}
/** A field of every stub, read by `read` on access; an assignment makes it the stub's own. */
function defineStubField(key: string, read: (stub: StubModel) => unknown): void {
  Object.defineProperty(StubModel.prototype, key, {
    enumerable: true,
    configurable: true,
    get(this: StubModel) {
      return read(this);
    },
    set(this: StubModel, value: unknown) {
      Object.defineProperty(this, key, { value, enumerable: true, configurable: true, writable: true });
    },
  });
}
for (const key of [...LAZY_FIELDS, ...ENTRY_FIELDS]) defineStubField(key, (stub) => stub.full()[key]);
for (const key of ['refs', 'sources'] as const) defineStubField(key, (stub) => stub.calls(key));

/** Whether `model` was made by `stubModel` (from facts, built from its text only when read). */
export function isStubModel(model: DbtModel): boolean {
  return model instanceof StubModel;
}

/** The property file of a model's entry, without building a stub. */
export function propertiesPathOf(model: DbtModel): string | undefined {
  return model instanceof StubModel ? model.propertiesPath() : model.properties?.path;
}

/** The `config: enabled:` of a property-file entry, as a config value (`JinjaExpr` when computed). */
export function entryEnabled(entry: ModelEntry): unknown {
  const inEntry = entryOf(entryOf(entry.node, 'config')?.value, 'enabled');
  return inEntry ? markJinjaStrings(toPlain(inEntry.value)) : undefined;
}

/**
 * A model out of focus, from its code facts (`enabled` literal, see `CodeFacts`) and its plain property-file entry,
 * if any: its identity, `enabled`, `ref()` and `source()` calls are set at once; the other fields (config, meta, raw
 * SQL, columns, tests, waivers...) are built by `buildModel` the first time one is read, from `readRaw()`. A review
 * reads them only for the models in its focus, so a big project's other models cost their facts, not their text.
 * Undefined when `enabled` cannot be known without building (a computed value in the entry's config).
 */
export function stubModel(
  file: Omit<ModelFile, 'raw'>,
  name: string,
  facts: CodeFacts & { enabled: unknown[] },
  entry: ModelEntry | undefined,
  ctx: BuildContext,
  readRaw: () => string,
): DbtModel | undefined {
  const last = facts.enabled.at(-1);
  let enabled: boolean;
  if (last !== undefined) enabled = booleanOf(last) !== false;
  else {
    const value = entry ? entryEnabled(entry) : undefined;
    if (containsComputed(value)) return undefined;
    if (value !== null && value !== undefined) enabled = booleanOf(value) !== false;
    else {
      const scope = { projectName: ctx.projectName, modelPath: file.modelPath, folders: file.folders, name };
      enabled = !isFalse(ctx.projectConfig.settingFor(scope, 'enabled'));
    }
  }
  // Problems of this build were reported, or not, when the project was loaded: a model out of focus has none that
  // the review shows (its files are not in the change).
  const make = (): DbtModel => buildModel({ ...file, raw: readRaw() }, name, entry, undefined, { ...ctx, problems: [] });
  return new StubModel(ctx.projectName, file, name, facts, enabled, entry, make) as unknown as DbtModel;
}

function attachProperties(model: DbtModel, entry: ModelEntry, version: VersionSpec | undefined, ctx: BuildContext): void {
  const node = entry.node;
  const problemCtx = { path: entry.path, problems: ctx.problems };
  const descriptionEntry = (version && entryOf(version.node, 'description')) || entryOf(node, 'description');
  const description = stringOf(descriptionEntry?.value);
  const properties: NonNullable<DbtModel['properties']> = { path: entry.path, line: node.line, endLine: node.endLine };
  if (description !== undefined && descriptionEntry) {
    properties.description = description;
    properties.descriptionLine = descriptionEntry.keyLine;
  }
  const columnsEntry = entryOf(node, 'columns');
  if (columnsEntry) properties.columnsLine = columnsEntry.keyLine;
  const deprecationDate = stringOf(((version && entryOf(version.node, 'deprecation_date')) || entryOf(node, 'deprecation_date'))?.value);
  if (deprecationDate) properties.deprecationDate = deprecationDate;
  const testsOwner = version && (entryOf(version.node, 'data_tests') || entryOf(version.node, 'tests')) ? version.node : node;
  const testsEntry = entryOf(testsOwner, 'data_tests') ?? entryOf(testsOwner, 'tests');
  if (testsEntry) properties.testsLine = testsEntry.keyLine;
  model.properties = properties;

  const baseColumns = itemsOf(columnsEntry?.value)
    .map((c) => readColumn(c, problemCtx))
    .filter((c): c is DbtColumn => c !== undefined);
  model.columns = version ? versionColumns(baseColumns, version.node, problemCtx) : baseColumns;
  model.tests = readTests(testsOwner, 'model', undefined, problemCtx);
  const versionConstraints = version ? readConstraints(entryOf(version.node, 'constraints')?.value, 'model', undefined, entry.path) : [];
  model.constraints =
    versionConstraints.length > 0 ? versionConstraints : readConstraints(entryOf(node, 'constraints')?.value, 'model', undefined, entry.path);
}

/** dbt's include/exclude: the top-level columns that pass the filter, then the version's own column entries. */
function versionColumns(base: DbtColumn[], versionNode: YMap, ctx: { path: string; problems: ProjectProblem[] }): DbtColumn[] {
  let include: 'all' | Set<string> = 'all';
  let exclude = new Set<string>();
  const own: DbtColumn[] = [];
  for (const item of itemsOf(entryOf(versionNode, 'columns')?.value)) {
    if (isYMap(item) && !item.entries.has('name') && (item.entries.has('include') || item.entries.has('exclude'))) {
      include = namesOf(entryOf(item, 'include')?.value) ?? 'all';
      exclude = namesOf(entryOf(item, 'exclude')?.value) ?? new Set();
      continue;
    }
    const column = readColumn(item, ctx);
    if (column) own.push(column);
  }
  const byKey = new Map<string, DbtColumn>();
  for (const c of base) {
    if ((include === 'all' || include.has(c.key)) && !exclude.has(c.key)) byKey.set(c.key, c);
  }
  for (const c of own) byKey.set(c.key, c);
  return [...byKey.values()];
}

function namesOf(node: YNode | undefined): Set<string> | undefined {
  if (!node) return undefined;
  const single = stringOf(node);
  if (single !== undefined && (single === 'all' || single === '*')) return undefined;
  return new Set(
    itemsOf(node)
      .map(stringOf)
      .filter((s): s is string => s !== undefined)
      .map((s) => columnKey(s)),
  );
}

/** Settings of a property-file model (or version) entry: its `config:` plus the top-level keys dbt moves there. */
function propertySettings(node: YMap, path: string, problems: ProjectProblem[], what: 'model' | 'version'): ConfigSetting[] {
  const out: ConfigSetting[] = [];
  const configNode = entryOf(node, 'config')?.value;
  const prefix = what === 'version' ? 'versions[].' : '';
  if (isYMap(configNode)) {
    for (const [key, e] of configNode.entries) out.push(settingOf(key, e, path, (sub) => `${prefix}config.${key}${sub !== undefined ? `.${sub}` : ''}`));
  }
  for (const key of MOVED_TO_CONFIG) {
    const top = entryOf(node, key);
    if (!top) continue;
    const inConfig = entryOf(configNode, key);
    if (inConfig) {
      problems.push({
        rule: key === 'meta' ? 'meta-conflict' : 'config-conflict',
        path,
        line: top.keyLine,
        message: `\`${key}\` is set both at the top level (line ${top.keyLine}) and under \`config:\` (line ${inConfig.keyLine}); dbt rejects this — keep only \`config.${key}\``,
      });
      continue;
    }
    out.push(settingOf(key, top, path, (sub) => `${prefix}${key}${sub !== undefined ? `.${sub}` : ''}`));
  }
  return out.filter((s) => s.value !== null && s.value !== undefined);
}

function settingOf(key: string, e: YEntry, path: string, describe: (sub?: string) => string): ConfigSetting {
  const subLines: Record<string, number> = {};
  if (isYMap(e.value)) for (const [sub, se] of e.value.entries) subLines[sub] = se.keyLine;
  return { key, value: markJinjaStrings(toPlain(e.value)), path, line: e.keyLine, level: 'properties', subLines, describe };
}

function isFalse(entry: ConfigEntry | undefined): boolean {
  if (!entry || entry.unknown) return false;
  return booleanOf(entry.value) === false;
}

/**
 * The resolved config with each `var()` call of a value replaced by the project's var (see `resolveVarCalls`), as dbt
 * does when it parses the model: `config(materialized=var('mat'))` is judged as the materialization it gives.
 */
function withVarsResolved(resolved: ResolvedConfig, ctx: BuildContext): ResolvedConfig {
  const vars = ctx.vars;
  if (!vars || Object.keys(vars).length === 0) return resolved;
  const resolveAll = (entries: Record<string, ConfigEntry>): Record<string, ConfigEntry> => {
    for (const [key, entry] of Object.entries(entries)) {
      if (!containsComputed(entry.value)) continue;
      const value = resolveVarCalls(entry.value, vars, ctx.projectName);
      if (value !== entry.value) entries[key] = { ...entry, value, unknown: containsComputed(value) };
    }
    return entries;
  };
  return { config: resolveAll(resolved.config), meta: resolveAll(resolved.meta), tags: resolved.tags };
}

function knownString(entry: ConfigEntry | undefined): string | undefined {
  if (!entry || entry.unknown) return undefined;
  return typeof entry.value === 'string' ? entry.value : undefined;
}

function contractEnforcedOf(config: Record<string, ConfigEntry>): boolean | 'unknown' {
  const contract = config.contract;
  if (!contract) return false;
  const value = contract.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value) || isComputed(value)) return contract.unknown ? 'unknown' : false;
  const enforced = (value as Record<string, unknown>).enforced;
  if (isComputed(enforced)) return 'unknown';
  if (enforced === undefined) return contract.unknown ? 'unknown' : false;
  return booleanOf(enforced) === true;
}
