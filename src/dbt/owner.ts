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

const NO_GROUPS: ReadonlySet<string> = new Set();

/**
 * The names of the groups whose owner is not the same at the base and the head revision of a project (a group
 * defined or removed too). Empty, and cheap, when the groups did not change (almost every review).
 */
export function groupsWithOtherOwner(head: DbtProject, base: DbtProject | undefined): ReadonlySet<string> {
  if (!base || head.groups === base.groups) return NO_GROUPS;
  const ownerBy = (groups: DbtProject['groups']) => {
    const owners = new Map<string, string | undefined>();
    for (const g of groups) if (!owners.has(g.name)) owners.set(g.name, ownerText(g.owner));
    return owners;
  };
  const before = ownerBy(base.groups);
  const after = ownerBy(head.groups);
  const out = new Set<string>();
  for (const [name, owner] of after) if (!before.has(name) || before.get(name) !== owner) out.add(name);
  for (const name of before.keys()) if (!after.has(name)) out.add(name);
  return out.size > 0 ? out : NO_GROUPS;
}

/** The model takes its owner from its group (it has no `meta.<ownerKey>`), and that group's owner changed (`groupsWithOtherOwner`). */
export function ownerMovedWithGroup(model: DbtModel, groups: ReadonlySet<string>, ownerKey: string): boolean {
  if (groups.size === 0 || model.group === undefined || !groups.has(model.group)) return false;
  return model.meta[ownerKey] === undefined && !(model.config.meta?.unknown && isComputed(model.config.meta.value));
}
