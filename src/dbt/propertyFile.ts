/**
 * A property file (`models/**.yml`): its `models:` entries (kept as positioned YAML for the model builder), groups,
 * exposures, source tables and semantic models. `unit_tests`, `metrics`, `saved_queries`... are recognised (the file
 * counts as a property file) but not modelled.
 */
import { parseByEntries } from './entryWiseYaml.js';
import { withEntriesInFocus } from './focusedYaml.js';
import { extractRefs, refTargetsOf } from './refs.js';
import { semanticModelOf } from './semanticModels.js';
import { LineIndex } from './textLines.js';
import type { DbtExposure, DbtGroup, DbtSemanticModel, DbtSourceTable, ProjectProblem, RefCall } from './types.js';
import { entryOf, isYMap, itemsOf, parseYamlTree, stringOf, toPlain, type YamlParseResult, type YamlTreeCache, type YMap, type YNode } from './yamlTree.js';
import { booleanOf } from './configMerge.js';

export interface ModelEntry {
  name: string;
  path: string;
  node: YMap;
}

export interface PropertyFileContent {
  models: ModelEntry[];
  groups: DbtGroup[];
  exposures: DbtExposure[];
  sources: DbtSourceTable[];
  semanticModels: DbtSemanticModel[];
}

function parsedYaml(text: string, yamlCache?: YamlTreeCache, byEntries = false): YamlParseResult {
  let parsed = yamlCache?.get(text);
  if (!parsed) {
    parsed = (byEntries && yamlCache && parseByEntries(text, yamlCache)) || parseYamlTree(text);
    yamlCache?.set(text, parsed);
  }
  return parsed;
}

/** The parse of `text` with its entries out of focus blanked, if it holds exactly the entries kept. */
function parsedInFocus(text: string, focusModels: ReadonlySet<string>, yamlCache?: YamlTreeCache): YamlParseResult | undefined {
  const focused = withEntriesInFocus(text, focusModels);
  if (focused.keptEntries === undefined) return undefined;
  const parsed = parsedYaml(focused.text, yamlCache);
  if (!parsed.ok || !isYMap(parsed.root)) return undefined;
  return itemsOf(entryOf(parsed.root, 'models')?.value).length === focused.keptEntries ? parsed : undefined;
}

const PROPERTY_KEYS = [
  'models',
  'sources',
  'groups',
  'exposures',
  'unit_tests',
  'semantic_models',
  'metrics',
  'saved_queries',
  'seeds',
  'snapshots',
  'analyses',
  'macros',
  'data_tests',
];

export type PropertyFileResult =
  | { kind: 'properties'; content: PropertyFileContent; problems?: ProjectProblem[] }
  | { kind: 'other' }
  | { kind: 'invalid'; problem: ProjectProblem };

/**
 * The property file at `path`. With `focusModels` (an unchanged file in a review's focus), only the `models:`
 * entries that mention one of them are read (`withEntriesInFocus`); the others are as if absent. With `byEntries`
 * (a changed file, read at both revisions), its `models:` entries are parsed one by one, each text once per review
 * (`parseByEntries`): the same tree, without parsing twice what the revisions share.
 */
export function readPropertyFile(
  text: string,
  path: string,
  yamlCache?: YamlTreeCache,
  focusModels?: ReadonlySet<string>,
  byEntries = false,
): PropertyFileResult {
  const parsed = (focusModels && parsedInFocus(text, focusModels, yamlCache)) ?? parsedYaml(text, yamlCache, byEntries);
  if (!parsed.ok) {
    return {
      kind: 'invalid',
      problem: { rule: 'yaml-invalid', path, line: parsed.line, message: `invalid YAML in ${path}: ${parsed.message}` },
    };
  }
  const root = parsed.root;
  if (!isYMap(root) || !PROPERTY_KEYS.some((k) => root.entries.has(k))) return { kind: 'other' };
  const content: PropertyFileContent = { models: [], groups: [], exposures: [], sources: [], semanticModels: [] };
  for (const item of itemsOf(entryOf(root, 'models')?.value)) {
    if (!isYMap(item)) continue;
    const name = stringOf(entryOf(item, 'name')?.value);
    if (name) content.models.push({ name, path, node: item });
  }
  for (const item of itemsOf(entryOf(root, 'groups')?.value)) {
    if (!isYMap(item)) continue;
    const name = stringOf(entryOf(item, 'name')?.value);
    if (!name) continue;
    const group: DbtGroup = { name, path, line: item.line };
    const owner = ownerOfNode(entryOf(item, 'owner')?.value);
    if (owner) group.owner = owner;
    content.groups.push(group);
  }
  for (const item of itemsOf(entryOf(root, 'exposures')?.value)) {
    if (!isYMap(item)) continue;
    const name = stringOf(entryOf(item, 'name')?.value);
    if (!name) continue;
    const dependsOn = itemsOf(entryOf(item, 'depends_on')?.value);
    const targets = refTargetsOf(dependsOn.map(stringOf).filter((s): s is string => s !== undefined));
    const exposure: DbtExposure = { name, path, line: item.line, dependsOn: targets.map((t) => t.name) };
    if (targets.some((t) => t.version !== undefined)) exposure.dependsOnVersions = targets.map((t) => t.version);
    const refs = dependsOn.flatMap((node): RefCall[] => {
      const text = stringOf(node);
      return text === undefined ? [] : extractRefs(text, new LineIndex(text)).map((r) => ({ ...r, line: node.line }));
    });
    if (refs.length > 0) exposure.refs = refs;
    const type = stringOf(entryOf(item, 'type')?.value);
    if (type) exposure.type = type;
    const owner = ownerOfNode(entryOf(item, 'owner')?.value);
    if (owner) exposure.owner = owner;
    if (entryDisabled(item)) exposure.disabled = true;
    content.exposures.push(exposure);
  }
  content.sources = sourceTables(root, path);
  for (const item of itemsOf(entryOf(root, 'semantic_models')?.value)) {
    const semantic = isYMap(item) ? semanticModelOf(item, path) : undefined;
    if (semantic && entryDisabled(item as YMap)) semantic.disabled = true;
    if (semantic) content.semanticModels.push(semantic);
  }
  return parsed.duplicateKeys ? { kind: 'properties', content, problems: duplicateKeyProblems(parsed.duplicateKeys, path) } : { kind: 'properties', content };
}

/**
 * The tables of the `sources:` entries, with the relation dbt reads for each: `database.schema.identifier`, where the
 * schema defaults to the source's name and the identifier to the table's name (the database to the target's).
 */
function sourceTables(root: YMap, path: string): DbtSourceTable[] {
  const tables: DbtSourceTable[] = [];
  for (const item of itemsOf(entryOf(root, 'sources')?.value)) {
    if (!isYMap(item)) continue;
    const source = stringOf(entryOf(item, 'name')?.value);
    if (!source) continue;
    const databaseEntry = entryOf(item, 'database') ?? entryOf(item, 'catalog');
    const schemaEntry = entryOf(item, 'schema');
    for (const t of itemsOf(entryOf(item, 'tables')?.value)) {
      if (!isYMap(t)) continue;
      const table = stringOf(entryOf(t, 'name')?.value);
      if (!table) continue;
      const identifierEntry = entryOf(t, 'identifier');
      const columns = itemsOf(entryOf(t, 'columns')?.value)
        .map((c) => (isYMap(c) ? stringOf(entryOf(c, 'name')?.value) : undefined))
        .filter((c): c is string => c !== undefined);
      const part = (entry: typeof schemaEntry, fallback: string) => ({ name: stringOf(entry?.value) ?? fallback, ...(entry ? { line: entry.keyLine } : {}) });
      const relation = [part(databaseEntry, '(target database)'), part(schemaEntry, source), part(identifierEntry, table)];
      tables.push({ source, table, columns, path, line: t.line, relation });
    }
  }
  return tables;
}

function ownerOfNode(node: YNode | undefined): { name?: string; email?: string } | undefined {
  if (!isYMap(node)) return undefined;
  const owner: { name?: string; email?: string } = {};
  const name = stringOf(entryOf(node, 'name')?.value);
  const email = stringOf(entryOf(node, 'email')?.value);
  if (name) owner.name = name;
  if (email) owner.email = email;
  return owner.name || owner.email ? owner : undefined;
}

/** A `yaml-duplicate-key` warning for each key a mapping of the file at `path` repeats. */
export function duplicateKeyProblems(duplicates: readonly { key: string; line: number }[], path: string): ProjectProblem[] {
  return duplicates.map(({ key, line }) => ({
    rule: 'yaml-duplicate-key',
    path,
    line,
    message: `\`${key}\` is set again in the same mapping: dbt keeps this last value, ignores the earlier one, and warns that repeated keys are deprecated; remove one of them`,
  }));
}

/** An entry whose `config: {enabled: false}` (or top-level `enabled: false`) turns it off, as a literal. */
function entryDisabled(item: YMap): boolean {
  const config = entryOf(item, 'config')?.value;
  const enabled = (isYMap(config) ? entryOf(config, 'enabled')?.value : undefined) ?? entryOf(item, 'enabled')?.value;
  return enabled !== undefined && booleanOf(toPlain(enabled)) === false;
}
