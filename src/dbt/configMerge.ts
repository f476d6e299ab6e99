/**
 * dbt config precedence with provenance. Settings are applied from the least to the most specific
 * (dbt_project.yml folders -> property file `config:` -> SQL `config()`); per key, dbt's merge behaviour:
 * `meta`, `docs`, `contract`, `quoting`, `column_types`, `grants` merge shallowly (key by key), `tags`, hooks and
 * `packages` append, everything else is replaced. Sub-keys of the shallow-merged dicts also get their own entries
 * (`config['contract.enforced']`, `config['docs.show']`) so their provenance survives the merge.
 */
import { containsComputed, isComputed, JinjaExpr } from './pyLiteral.js';
import type { ConfigEntry, ConfigLevel } from './types.js';

export interface ConfigSetting {
  key: string;
  /** Plain value; computed parts are `JinjaExpr`. */
  value: unknown;
  path: string;
  line?: number;
  level: ConfigLevel;
  /** Human description of what set it, e.g. `+materialized for models/marts`; `sub` names a key of a dict value. */
  describe: (sub?: string) => string;
  /** Lines of the keys of a dict value. */
  subLines?: Record<string, number>;
}

const SHALLOW_MERGE = new Set(['meta', 'docs', 'contract', 'quoting', 'column_types', 'grants']);
const APPEND = new Set(['tags', 'pre-hook', 'post-hook', 'packages']);
const KEY_ALIASES: Record<string, string> = { pre_hook: 'pre-hook', post_hook: 'post-hook' };

export interface ResolvedConfig {
  config: Record<string, ConfigEntry>;
  meta: Record<string, ConfigEntry>;
  tags: string[];
}

export function normaliseConfigKey(key: string): string {
  const k = key.trim();
  return KEY_ALIASES[k] ?? k;
}

/** Marks YAML strings that contain Jinja (`"{{ var('x') }}"`) as computed, recursively. */
export function markJinjaStrings(value: unknown): unknown {
  if (typeof value === 'string') return /\{\{|\{%/.test(value) ? new JinjaExpr(value) : value;
  if (Array.isArray(value)) return value.map(markJinjaStrings);
  if (value !== null && typeof value === 'object' && !(value instanceof JinjaExpr)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = markJinjaStrings(v);
    return out;
  }
  return value;
}

/**
 * A boolean as dbt reads it: YAML booleans, and the YAML 1.1 spellings PyYAML (dbt's loader) also accepts
 * (`yes`/`no`/`on`/`off`) when they reach us as strings. Undefined for anything else.
 */
export function booleanOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === 'yes' || v === 'on') return true;
  if (v === 'false' || v === 'no' || v === 'off') return false;
  return undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof JinjaExpr);
}

export class ConfigResolver {
  private config: Record<string, ConfigEntry> = {};
  private meta: Record<string, ConfigEntry> = {};
  private tags: string[] = [];

  apply(setting: ConfigSetting): void {
    const key = normaliseConfigKey(setting.key);
    if (key === 'meta') this.applyMeta(setting);
    else if (key === 'tags') this.applyTags(setting);
    else if (APPEND.has(key)) this.applyAppend(key, setting);
    else if (SHALLOW_MERGE.has(key)) this.applyShallow(key, setting);
    else this.config[key] = this.entry(setting, setting.value, isComputed(setting.value), setting.describe());
  }

  applyAll(settings: readonly ConfigSetting[]): void {
    for (const s of settings) this.apply(s);
  }

  /** The entry of one config key so far (read-only). */
  setting(key: string): ConfigEntry | undefined {
    return this.config[key];
  }

  /** A resolver that continues from this one's settings; this one is left as it is. */
  copy(): ConfigResolver {
    const copy = new ConfigResolver();
    copy.config = { ...this.config };
    copy.meta = { ...this.meta };
    copy.tags = [...this.tags];
    return copy;
  }

  result(): ResolvedConfig {
    return { config: { ...this.config }, meta: { ...this.meta }, tags: [...this.tags] };
  }

  private entry(setting: ConfigSetting, value: unknown, unknown: boolean, origin: string, line = setting.line): ConfigEntry {
    const e: ConfigEntry = { path: setting.path, value, unknown, level: setting.level, origin };
    if (line !== undefined) e.line = line;
    return e;
  }

  private applyMeta(setting: ConfigSetting): void {
    const previous = this.config.meta;
    const value = setting.value;
    if (!isPlainObject(value)) {
      if (value === null || value === undefined) return;
      // `meta: "{{ ... }}"` or another non-mapping: present, not knowable.
      this.config.meta = this.entry(setting, value, true, setting.describe());
      return;
    }
    const merged: Record<string, unknown> = isPlainObject(previous?.value) ? { ...previous.value } : {};
    for (const [sub, v] of Object.entries(value)) {
      merged[sub] = v;
      this.meta[sub] = this.entry(setting, v, containsComputed(v), setting.describe(sub), setting.subLines?.[sub] ?? setting.line);
    }
    this.config.meta = this.entry(setting, merged, (previous?.unknown ?? false) || containsComputed(value), setting.describe());
  }

  private applyTags(setting: ConfigSetting): void {
    const previous = this.config.tags;
    const value = setting.value;
    const list = Array.isArray(value) ? value : [value];
    let unknown = previous?.unknown ?? false;
    for (const t of list) {
      if (typeof t === 'string') {
        if (!this.tags.includes(t)) this.tags.push(t);
      } else if (t !== null && t !== undefined) unknown = true;
    }
    this.config.tags = this.entry(setting, [...this.tags], unknown, setting.describe());
  }

  private applyAppend(key: string, setting: ConfigSetting): void {
    const previous = this.config[key];
    const before = Array.isArray(previous?.value) ? previous.value : previous ? [previous.value] : [];
    const added = Array.isArray(setting.value) ? setting.value : [setting.value];
    const value = [...before, ...added];
    this.config[key] = this.entry(setting, value, (previous?.unknown ?? false) || containsComputed(setting.value), setting.describe());
  }

  private applyShallow(key: string, setting: ConfigSetting): void {
    const previous = this.config[key];
    const value = setting.value;
    if (!isPlainObject(value)) {
      this.config[key] = this.entry(setting, value, isComputed(value), setting.describe());
      return;
    }
    const merged = isPlainObject(previous?.value) ? { ...previous.value, ...value } : { ...value };
    // Each sub-key keeps its own provenance too, e.g. `contract.enforced`.
    for (const [sub, v] of Object.entries(value)) {
      this.config[`${key}.${sub}`] = this.entry(setting, v, containsComputed(v), setting.describe(sub), setting.subLines?.[sub] ?? setting.line);
    }
    const unknown = (previous?.unknown === true && !isPlainObject(previous.value)) || containsComputed(merged);
    this.config[key] = this.entry(setting, merged, unknown, setting.describe());
  }
}
