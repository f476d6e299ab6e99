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

/**
 * `JSON.stringify` with the keys of every object sorted. The value is copied with sorted keys
 * first (an object whose keys are in order already is kept), then stringified natively: no replacer call per value.
 */
function stableStringify(value: unknown): string {
  return JSON.stringify(sortedKeys(value));
}

/** Keys in code-unit order (any fixed order gives equal texts for equal values; `localeCompare` costs more). */
const byKey = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

function sortedKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  // Stringified as their `toJSON` gives (a Date: a string), as the replacer would have seen them.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i += 1) {
      const item: unknown = value[i];
      const sorted = sortedKeys(item);
      if (sorted !== item && !copy) copy = value.slice(0, i);
      copy?.push(sorted);
    }
    return copy ?? value;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  // Anything but a plain object (a boxed primitive, a Map...) becomes one, as with the replacer.
  const proto: unknown = Object.getPrototypeOf(value);
  let changed = proto !== Object.prototype && proto !== null;
  for (let i = 0; i < entries.length; i += 1) {
    const entry = entries[i]!;
    const sorted = sortedKeys(entry[1]);
    if (sorted !== entry[1]) {
      entries[i] = [entry[0], sorted];
      changed = true;
    }
    if (i > 0 && !changed && entries[i - 1]![0] > entry[0]) changed = true;
  }
  return changed ? Object.fromEntries(entries.sort(byKey)) : value;
}
