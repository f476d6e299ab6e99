/**
 * Small facts about a model that several rules need: where to point a model-level finding, effective config
 * values (with Jinja-computed ones kept apart), the folder path as written and the dialect in effect.
 */
import type { Dialect } from '../config.js';
import type { ConfigEntry, DbtModel, DbtProject } from '../dbt/types.js';
import type { CheckContext } from './types.js';

/** Markdown inline code for `text`, also when it contains backticks (BigQuery names). */
export { codeSpan as code } from '../review/code-span.js';

export interface Place {
  path: string;
  line: number;
}

/** The model's property YAML entry when it has one, else line 1 of its SQL/Python file. */
export function modelPlace(model: DbtModel): Place {
  if (model.properties?.path) return { path: model.properties.path, line: model.properties.line ?? 1 };
  return { path: model.path, line: 1 };
}

export type ConfigValue = { state: 'absent' } | { state: 'unknown'; entry: ConfigEntry } | { state: 'known'; value: unknown; entry: ConfigEntry };

/** The effective config value of `key`: absent, computed by Jinja (unknown), or known. */
export function configValue(model: DbtModel, key: string): ConfigValue {
  const entry = model.config[key];
  if (!entry || entry.value === undefined || entry.value === null) return { state: 'absent' };
  if (entry.unknown) return { state: 'unknown', entry };
  return { state: 'known', value: entry.value, entry };
}

/** A known string config value, lower-cased; undefined when absent, computed, or not a string. */
export function configString(model: DbtModel, key: string): string | undefined {
  const v = configValue(model, key);
  return v.state === 'known' && typeof v.value === 'string' ? v.value.trim().toLowerCase() : undefined;
}

/** `models/marts/finance/` for a model in that folder of its project's model path. */
export function folderLabel(model: DbtModel, project: DbtProject): string {
  const dir = model.path.includes('/') ? model.path.slice(0, model.path.lastIndexOf('/') + 1) : '';
  if (dir) return dir;
  const base = project.modelPaths[0] ?? 'models';
  return [project.root, base, ...model.folders].filter((s) => s !== '').join('/') + '/';
}

export function dialectOf(ctx: CheckContext): Dialect {
  return ctx.dialect ?? ctx.config.dialect ?? 'snowflake';
}

/** True when the rules that judge the head state of a model should look at it. */
export function hasHead(ctx: CheckContext): boolean {
  return ctx.status !== 'removed' && ctx.model.enabled;
}

export function isSqlModel(ctx: CheckContext): boolean {
  return ctx.model.language === 'sql';
}

/** `a`, `a` and `b`, `a`, `b` and `c` (each in backticks). */
export function listCode(items: readonly string[], conjunction = 'and'): string {
  const quoted = items.map((i) => `\`${i}\``);
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} ${conjunction} ${quoted[quoted.length - 1]}`;
}


