/** Stable identities across revisions: a model's key, and a fingerprint of the config it inherits from dbt_project.yml. */
import { isComputed } from './pyLiteral.js';
import { booleanOf } from './configMerge.js';
import type { DbtModel } from './types.js';

/** Identity of a model across revisions: `model.<project>.<name>[.v<N>]`. */
export function modelKey(model: DbtModel): string {
  return model.uniqueId;
}

/**
 * Fingerprint of the config a model inherits from `dbt_project.yml` (values only, not lines): when it differs
 * between base and head, a `dbt_project.yml` edit changed this model even though its own files did not change.
 */
export function projectConfigFingerprint(model: DbtModel): string {
  const config = model.projectConfig ?? {};
  // dbt's defaults made explicit change nothing.
  const keys = Object.keys(config)
    .filter((k) => !(k === 'enabled' && config[k]?.unknown !== true && booleanOf(config[k]?.value) === true))
    .sort();
  return stableStringify(keys.map((k) => [k, config[k]?.value, config[k]?.unknown === true]));
}

/** JSON with sorted object keys; computed values are written as their source text. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(normalise(value));
}

function normalise(value: unknown): unknown {
  if (isComputed(value)) return { $computed: value.text };
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = normalise((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}
