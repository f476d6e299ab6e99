/**
 * `owner-missing`: a model needs an owner (`meta.<ownerKey>` at any config level, or its group's owner) so that
 * breaking changes reach someone. A placeholder such as `TODO` or `<owner>` does not count.
 */
import { ownerOf } from '../dbt/index.js';
import type { DbtModel, DbtProject } from '../dbt/types.js';
import type { Suggestion } from '../review/types.js';
import { folderLabel, hasHead, modelPlace } from './model-facts.js';
import type { CheckContext, Rule, RuleHit } from './types.js';
import { spaces, yamlScalar, YamlLines } from './yaml-edit.js';

/** Owner values that only hold a place: `TODO`, `TBD`, `<owner>`, `FIXME`, `unknown`, `none`, `-`. */
const PLACEHOLDER = /^\s*(<[^>]*>|todo|tbd|fixme|unknown|none|n\/a|-+|\?+|xxx+|changeme)\s*$/i;

/** The text a suggestion writes when no owner can be proposed; still reported until it is replaced. */
export const OWNER_PLACEHOLDER = '<owner>';

export const ownerMissing: Rule = {
  id: 'owner-missing',
  defaultSeverity: 'error',
  origin: 'rule',
  description:
    'The model has no owner: no `meta.<ownerKey>` at any config level (dbt_project.yml, property YAML, `config()`) and no group with an owner. Breaking changes then reach nobody.',
  run(ctx) {
    if (!hasHead(ctx)) return [];
    const { model, project, config } = ctx;
    const key = config.ownerKey;
    const owner = ownerOf(model, project, key);
    if (owner && !PLACEHOLDER.test(owner.value)) return [];
    const place = modelPlace(model);
    const folder = folderLabel(model, project);
    const sibling = siblingOwner(model, project, key);
    const where = model.properties?.path
      ? `under \`config: meta:\` in its entry in \`${model.properties.path}\``
      : `in a property YAML entry for \`${model.name}\` (\`config: meta: ${key}: ...\`)`;
    const placeholder = owner
      ? `Model \`${model.name}\` has a placeholder owner (\`${key}: ${owner.value}\`, ${owner.source}): replace it with the team or person who owns it.`
      : undefined;
    const message =
      placeholder ??
      `Model \`${model.name}\` has no owner: add \`${key}: <team or person>\` ${where}, or \`+meta: {${key}: ...}\` for \`${folder}\` in \`dbt_project.yml\`, or ${groupAdvice(model, project)}.` +
        (sibling ? ` The other models in \`${folder}\` are owned by \`${sibling}\`.` : '');
    const hit: RuleHit = { rule: 'owner-missing', model: model.name, path: place.path, line: place.line, message };
    if (!owner) {
      const suggestion = ownerSuggestion(ctx, sibling ?? OWNER_PLACEHOLDER);
      if (suggestion) {
        hit.suggestion = suggestion;
        hit.line = suggestion.startLine; // the comment sits on the lines the suggestion replaces
        if (!sibling) hit.message += ` (The suggestion writes \`${OWNER_PLACEHOLDER}\`: replace it before committing.)`;
      }
    }
    return [hit];
  },
};

/** How a group could give the model an owner: its own group, when it names one, may be undefined or without owner. */
function groupAdvice(model: DbtModel, project: DbtProject): string {
  if (model.group === undefined) return 'put the model in a group that has an owner';
  const group = project.groups.find((g) => g.name === model.group);
  if (!group) {
    const at = model.config.group?.path ? ` (set in \`${model.config.group.path}${model.config.group.line !== undefined ? `:${model.config.group.line}` : ''}\`)` : '';
    return `fix its group: no \`groups:\` entry defines \`${model.group}\`${at}, and dbt fails to parse a model whose group does not exist; name a defined group that has an owner`;
  }
  return `give its group \`${group.name}\` an \`owner:\` (\`${group.path}${group.line !== undefined ? `:${group.line}` : ''}\`)`;
}

/** The one owner (a plain string `meta` value) shared by every other owned model in the same folder, if any. */
function siblingOwner(model: DbtModel, project: DbtProject, key: string): string | undefined {
  const owners = new Set<string>();
  for (const other of modelsByFolder(project).get(model.folders.join('/')) ?? []) {
    if (other.uniqueId === model.uniqueId || other.name === model.name || !other.enabled) continue;
    const entry = other.meta[key];
    if (!entry || entry.unknown || typeof entry.value !== 'string' || PLACEHOLDER.test(entry.value) || entry.value.trim() === '') continue;
    owners.add(entry.value.trim());
  }
  return owners.size === 1 ? [...owners][0] : undefined;
}

const folderIndexes = new WeakMap<DbtProject, Map<string, DbtModel[]>>();

/** The models of `project` by folder (`folders` joined with `/`), made once per project. */
function modelsByFolder(project: DbtProject): Map<string, DbtModel[]> {
  let index = folderIndexes.get(project);
  if (!index) {
    index = new Map();
    for (const m of project.models) {
      const folder = m.folders.join('/');
      const models = index.get(folder);
      if (models) models.push(m);
      else index.set(folder, [m]);
    }
    folderIndexes.set(project, index);
  }
  return index;
}

/**
 * Inserts the owner into the model's YAML entry: under an existing `config: meta:` block, an existing `config:`,
 * an existing top-level `meta:`, or as a new `config: meta:` block. None when the entry is not plain block YAML.
 */
function ownerSuggestion(ctx: CheckContext, owner: string): Suggestion | undefined {
  const props = ctx.model.properties;
  if (!props?.path || props.line === undefined || !ctx.readFile) return undefined;
  const text = ctx.readFile(props.path);
  if (text === undefined) return undefined;
  const yaml = new YamlLines(text);
  const entry = yaml.entryAt(props.line, ctx.model.name);
  if (!entry) return undefined;
  const step = yaml.indentStep();
  const key = ctx.config.ownerKey;
  const ownerLine = `${key}: ${yamlScalar(owner)}`;

  const configLine = entry.keys.get('config');
  const metaLine = entry.keys.get('meta');
  if (configLine !== undefined) {
    const config = yaml.blockUnder(configLine, entry.keyColumn);
    if (!config || config.sequence) return undefined;
    const nestedMeta = config.keys.get('meta');
    if (nestedMeta !== undefined) return insertIntoMeta(yaml, nestedMeta, config.childColumn, step, key, ownerLine);
    if (metaLine !== undefined) return insertIntoMeta(yaml, metaLine, entry.keyColumn, step, key, ownerLine);
    return yaml.insertAfter(configLine, [`${spaces(config.childColumn)}meta:`, `${spaces(config.childColumn + step)}${ownerLine}`]);
  }
  if (metaLine !== undefined) return insertIntoMeta(yaml, metaLine, entry.keyColumn, step, key, ownerLine);
  const pad = spaces(entry.keyColumn);
  return yaml.insertAfter(entry.nameLine, [`${pad}config:`, `${pad}${spaces(step)}meta:`, `${pad}${spaces(2 * step)}${ownerLine}`]);
}

function insertIntoMeta(yaml: YamlLines, metaLine: number, metaColumn: number, step: number, key: string, ownerLine: string): Suggestion | undefined {
  const meta = yaml.blockUnder(metaLine, metaColumn);
  if (!meta || meta.sequence || meta.keys.has(key)) return undefined;
  const column = meta.keys.size > 0 ? meta.childColumn : metaColumn + step;
  return yaml.insertAfter(metaLine, [`${spaces(column)}${ownerLine}`]);
}
