/**
 * A model's owner (DESIGN.md "Owner"): `meta.<ownerKey>` at any config level (a string, or a mapping with
 * `name`/`email`), else the owner of the model's `group`. A value computed by Jinja counts as present. Exposure
 * owners are never model owners.
 */
import type { OwnerRef } from '../review/types.js';
import { containsComputed, isComputed } from './pyLiteral.js';
import type { ConfigEntry, DbtModel, DbtProject } from './types.js';

export const COMPUTED_OWNER = '(computed by Jinja)';

export function ownerOf(model: DbtModel, project: DbtProject, ownerKey: string): OwnerRef | null {
  const entry = model.meta[ownerKey];
  if (entry) {
    const value = entry.unknown || containsComputed(entry.value) ? COMPUTED_OWNER : ownerText(entry.value);
    if (value) return { value, source: sourceOf(entry) };
  } else if (model.config.meta?.unknown && isComputed(model.config.meta.value)) {
    // `meta` itself is computed: it may well hold the owner. Present but unknown: never flag it.
    return { value: COMPUTED_OWNER, source: sourceOf(model.config.meta) };
  }
  const group = model.group ? project.groups.find((g) => g.name === model.group) : undefined;
  const value = group?.owner ? ownerText(group.owner) : undefined;
  if (group && value) return { value, source: `${group.path}${group.line !== undefined ? `:${group.line}` : ''} (owner of group ${group.name})` };
  return null;
}

/** `"team"` -> team; `{name, email}` -> "name <email>"; a list of owners is joined. Empty -> undefined. */
export function ownerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) {
    const parts = value.map(ownerText).filter((v): v is string => v !== undefined);
    return parts.length > 0 ? parts.join(', ') : undefined;
  }
  if (isObject(value)) {
    const name = typeof value.name === 'string' ? value.name.trim() : '';
    const email = typeof value.email === 'string' ? value.email.trim() : '';
    if (name && email) return `${name} <${email}>`;
    return name || email || undefined;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function sourceOf(entry: ConfigEntry): string {
  const where = entry.line !== undefined ? `${entry.path}:${entry.line}` : entry.path;
  return entry.origin ? `${where} (${entry.origin})` : where;
}
