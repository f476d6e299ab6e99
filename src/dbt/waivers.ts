/**
 * Waivers (DESIGN.md "Waivers"): `meta.dbt_pr_reviewer: {skip: [rule...], reason: "..."}` on a model, and
 * `-- dbt-pr-reviewer: disable=rule1,rule2 reason: ...` comments in the model's code. A waiver without a reason is
 * kept with `reason` undefined: the checks report it.
 */
import { isComputed } from './pyLiteral.js';
import type { LineIndex } from './textLines.js';
import type { ConfigEntry, Waiver } from './types.js';

export const WAIVER_META_KEY = 'dbt_pr_reviewer';

const COMMENT_WAIVER =
  /(?:--|#|\/\*|\{#-?)[ \t]*dbt-pr-reviewer:[ \t]*disable[ \t]*=[ \t]*([\w.-]+(?:[ \t]*,[ \t]*[\w.-]+)*)(?:[ \t]*,?[ \t]*reason[ \t]*[:=][ \t]*([^\n]*))?/g;

/** Waivers written as comments in SQL or Python code. */
export function commentWaivers(code: string, path: string, lines: LineIndex): Waiver[] {
  const out: Waiver[] = [];
  if (!code.includes('dbt-pr-reviewer')) return out;
  for (const m of code.matchAll(COMMENT_WAIVER)) {
    const rules = (m[1] ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== '');
    const reason = cleanReason(m[2]);
    const waiver: Waiver = { kind: 'sql-comment', rules, path, line: lines.lineAt(m.index) };
    if (reason !== undefined) waiver.reason = reason;
    out.push(waiver);
  }
  return out;
}

function cleanReason(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const text = raw
    .replace(/-?#\}\s*$/, '')
    .replace(/\*\/\s*$/, '')
    .trim()
    .replace(/^["']|["']$/g, '')
    .trim();
  return text === '' ? undefined : text;
}

/** The waiver declared in the model's effective meta (any config level), if any. */
export function metaWaiver(entry: ConfigEntry | undefined): Waiver | undefined {
  if (!entry || entry.unknown) return undefined;
  const value = entry.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const skip = record.skip;
  const rules = (Array.isArray(skip) ? skip : typeof skip === 'string' ? skip.split(',') : [])
    .filter((r): r is string => typeof r === 'string')
    .map((r) => r.trim())
    .filter((r) => r !== '');
  const waiver: Waiver = { kind: 'meta', rules, path: entry.path };
  if (entry.line !== undefined) waiver.line = entry.line;
  const reason = record.reason;
  if (isComputed(reason)) waiver.reason = '(computed by Jinja)';
  else if (typeof reason === 'string' && reason.trim() !== '') waiver.reason = reason.trim();
  return waiver;
}
