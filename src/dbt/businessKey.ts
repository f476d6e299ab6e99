/**
 * Business keys (DESIGN.md "Business key"): where a model declares its key, in order — a `primary_key` constraint
 * (model- or column-level), `meta.primary_key`/`meta.business_key`, the incremental `unique_key`, the columns of a
 * compound uniqueness test — else an inferred key: the column matching `inferPattern` with the model's entity
 * (`fct_orders` -> `order_id`), else the first column tested unique and not null, else the first selected column
 * ending in one of `inferSuffixes`.
 */
import type { ReviewerConfig } from '../config.js';
import { columnKey } from './propertyNodes.js';
import { escapeRegExp } from './textLines.js';
import type { BusinessKey, ConfigEntry, DbtModel } from './types.js';

export type BusinessKeyConfig = ReviewerConfig['businessKey'];

export interface BusinessKeyOptions {
  config: BusinessKeyConfig;
  /** Output columns of the model's SQL, in select order (from the SQL analysis), used for inference. */
  selectedColumns?: string[];
  /** Model-name prefixes that name a layer (default: stg_, int_, fct_, dim_, ...), stripped to find the entity. */
  layerPrefixes?: string[];
}

export const DEFAULT_LAYER_PREFIXES = ['stg_', 'int_', 'fct_', 'fact_', 'dim_', 'mart_', 'rpt_', 'agg_', 'base_', 'src_', 'raw_', 'obt_', 'bridge_'];

export function businessKeyOf(model: DbtModel, options: BusinessKeyOptions): BusinessKey | undefined {
  return (
    fromConstraints(model) ??
    fromMeta(model, options.config.metaKeys) ??
    fromUniqueKey(model) ??
    fromCompoundTest(model, options.config.compoundUniqueTests) ??
    inferKey(model, options)
  );
}

function at(path: string, line: number | undefined): string {
  return line !== undefined ? `${path}:${line}` : path;
}

function fromConstraints(model: DbtModel): BusinessKey | undefined {
  const modelPk = model.constraints.find((c) => c.type === 'primary_key' && c.columns.length > 0);
  if (modelPk) {
    return {
      columns: modelPk.columns,
      how: 'constraint',
      path: modelPk.path,
      ...(modelPk.line !== undefined ? { line: modelPk.line } : {}),
      detail: `declared by the model's primary_key constraint at ${at(modelPk.path, modelPk.line)}`,
    };
  }
  const pkColumns = model.columns.filter((c) => c.constraints.some((k) => k.type === 'primary_key'));
  const first = pkColumns[0];
  if (!first) return undefined;
  const constraint = first.constraints.find((k) => k.type === 'primary_key');
  const line = constraint?.line ?? first.line;
  return {
    columns: pkColumns.map((c) => c.key),
    how: 'constraint',
    path: first.path,
    ...(line !== undefined ? { line } : {}),
    detail: `declared by the primary_key constraint on ${pkColumns.map((c) => c.name).join(', ')} at ${at(first.path, line)}`,
  };
}

function columnsOfValue(value: unknown): string[] | undefined {
  const list = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
  if (!list) return undefined;
  const columns = list.filter((c): c is string => typeof c === 'string' && c.trim() !== '').map((c) => columnKey(c));
  return columns.length > 0 ? columns : undefined;
}

function fromEntry(entry: ConfigEntry | undefined, how: BusinessKey['how'], what: string): BusinessKey | undefined {
  if (!entry || entry.unknown) return undefined;
  const columns = columnsOfValue(entry.value);
  if (!columns) return undefined;
  return {
    columns,
    how,
    path: entry.path,
    ...(entry.line !== undefined ? { line: entry.line } : {}),
    detail: `declared by ${what} at ${at(entry.path, entry.line)}`,
  };
}

function fromMeta(model: DbtModel, metaKeys: string[]): BusinessKey | undefined {
  for (const key of metaKeys) {
    const found = fromEntry(model.meta[key], 'meta', `meta.${key}`);
    if (found) return found;
  }
  return undefined;
}

function fromUniqueKey(model: DbtModel): BusinessKey | undefined {
  const materialized = model.config.materialized;
  const kind = materialized && !materialized.unknown ? String(materialized.value) : materialized ? 'unknown' : 'view';
  if (kind !== 'incremental' && kind !== 'snapshot' && kind !== 'unknown') return undefined;
  return fromEntry(model.config.unique_key, 'unique_key', 'the incremental unique_key');
}

function fromCompoundTest(model: DbtModel, compoundTests: string[]): BusinessKey | undefined {
  const names = new Set(compoundTests);
  const test = model.tests.find((t) => t.enabled && names.has(t.name) && t.columns.length > 0);
  if (!test) return undefined;
  return {
    columns: test.columns,
    how: 'compound_test',
    path: test.path,
    ...(test.line !== undefined ? { line: test.line } : {}),
    detail: `declared by the ${test.name} test at ${at(test.path, test.line)}`,
  };
}

/**
 * The first column tested (or constrained) both unique and not null: the project already treats it as the key. A
 * column only tested unique can be a nullable alternate key (`email`), so it is not taken.
 */
function fromUniqueColumn(model: DbtModel, config: BusinessKeyConfig): BusinessKey | undefined {
  const unique = new Set(config.uniqueTests);
  const notNull = new Set(config.notNullTests);
  for (const column of model.columns) {
    const tests = column.tests.filter((t) => t.enabled);
    const isUnique = tests.some((t) => unique.has(t.name)) || column.constraints.some((c) => c.type === 'unique' || c.type === 'primary_key');
    const isNotNull = tests.some((t) => notNull.has(t.name)) || column.constraints.some((c) => c.type === 'not_null' || c.type === 'primary_key');
    if (!isUnique || !isNotNull) continue;
    return {
      columns: [column.key],
      how: 'unique_test',
      path: column.path,
      ...(column.line !== undefined ? { line: column.line } : {}),
      detail: `inferred: ${column.name} is tested unique and not null at ${at(column.path, column.line)}`,
    };
  }
  return undefined;
}

/** The entity a model is about: `fct_orders` -> `order`, `stg_stripe__payments` -> `payment`. */
export function entityOf(modelName: string, layerPrefixes: string[] = DEFAULT_LAYER_PREFIXES): string {
  return singular(entityWord(modelName, layerPrefixes));
}

/** The model name without its layer prefix and source (`stg_stripe__payments` -> `payments`). */
function entityWord(modelName: string, layerPrefixes: string[]): string {
  let name = modelName.toLowerCase();
  const prefix = layerPrefixes.map((p) => p.toLowerCase()).find((p) => name.startsWith(p) && name.length > p.length);
  if (prefix) name = name.slice(prefix.length);
  const source = name.lastIndexOf('__');
  if (source !== -1 && source + 2 < name.length) name = name.slice(source + 2);
  return name;
}

/** English singular of a snake_case name's last word (`customers` -> `customer`, `categories` -> `category`). */
export function singular(word: string): string {
  if (/[^aeiou]ies$/.test(word)) return word.slice(0, -3) + 'y';
  if (/(ss|x|z|ch|sh)es$/.test(word) || /[^o]uses$/.test(word)) return word.slice(0, -2);
  if (/[^su]s$/.test(word)) return word.slice(0, -1);
  return word;
}

function inferKey(model: DbtModel, options: BusinessKeyOptions): BusinessKey | undefined {
  const yamlColumns = model.columns.map((c) => c.key);
  const selected = (options.selectedColumns ?? []).map((c) => columnKey(c));
  const known = [...new Set([...selected, ...yamlColumns])];
  const located = (column: string, detail: string): BusinessKey => {
    const yaml = model.columns.find((c) => c.key === column);
    return {
      columns: [column],
      how: 'inferred',
      path: yaml ? yaml.path : model.path,
      ...(yaml?.line !== undefined ? { line: yaml.line } : {}),
      detail,
    };
  };
  const word = entityWord(model.name, options.layerPrefixes ?? DEFAULT_LAYER_PREFIXES);
  for (const candidate of [...new Set([singular(word), word])]) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(options.config.inferPattern.split('{entity}').join(escapeRegExp(candidate)), 'i');
    } catch {
      break;
    }
    const match = known.find((c) => pattern.test(c));
    if (match) return located(match, `inferred from the model name: ${match} (no key is declared)`);
  }
  // A column the project already tests unique says more than a name ending in _id.
  const tested = fromUniqueColumn(model, options.config);
  if (tested) return tested;
  const ordered = selected.length > 0 ? selected : yamlColumns;
  const suffixes = options.config.inferSuffixes.map((s) => s.toLowerCase());
  const bySuffix = ordered.find((c) => suffixes.some((s) => c.endsWith(s) && c.length > s.length));
  if (bySuffix) return located(bySuffix, `inferred: first selected column ending in ${suffixes.join('/')}: ${bySuffix} (no key is declared)`);
  return undefined;
}
