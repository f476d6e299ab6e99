import type { DbtModel } from '../dbt/types.js';

/**
 * Everything a property file or a config says about a model, without locations: two revisions with the same
 * fingerprint have the same documented properties, so a YAML edit elsewhere in the same file does not mark the
 * model as changed.
 */
export function modelPropertiesFingerprint(model: DbtModel): string {
  return stableStringify({
    config: Object.fromEntries(Object.entries(model.config).map(([k, v]) => [k, v.unknown ? '<jinja>' : v.value])),
    meta: Object.fromEntries(Object.entries(model.meta).map(([k, v]) => [k, v.unknown ? '<jinja>' : v.value])),
    tags: model.tags,
    description: model.properties?.description ?? null,
    group: model.group ?? null,
    access: model.access ?? null,
    contract: model.contractEnforced,
    tests: model.tests.map((t) => [t.name, t.alias ?? null, t.columns, t.args, t.enabled]),
    constraints: model.constraints.map((c) => [c.type, c.columns]),
    columns: model.columns.map((c) => [
      c.key,
      c.description ?? null,
      c.dataType ?? null,
      c.meta,
      c.tests.map((t) => [t.name, t.alias ?? null, t.args, t.enabled]),
      c.constraints.map((k) => k.type),
    ]),
  });
}

function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)));
    }
    return v;
  });
}
