/**
 * Waivers (DESIGN.md "Waivers"): `meta.dbt_pr_reviewer: {skip: [rule...], reason: "..."}` on a model and
 * `-- dbt-pr-reviewer: disable=rule reason: ...` in its code (both parsed into `DbtModel.waivers` by the project
 * model). A waiver suppresses the named rules' findings on that model; `breaking-*` (a trailing `*`) names every
 * rule with that prefix. A waiver without a reason still suppresses, and is itself reported
 * (`waiver-reason-missing`); a name that is not a rule is reported too (`waiver-unknown-rule`).
 */
import type { DbtModel, Waiver } from '../dbt/types.js';
import type { Severity } from '../review/types.js';
import type { RuleDoc, RuleHit } from './types.js';

export const WAIVER_REASON_MISSING = 'waiver-reason-missing';
export const WAIVER_UNKNOWN_RULE = 'waiver-unknown-rule';

export const WAIVER_RULES: readonly RuleDoc[] = [
  {
    id: WAIVER_REASON_MISSING,
    defaultSeverity: 'warning',
    origin: 'rule',
    description:
      'A waiver has no reason. The waived rules stay suppressed; this finding takes the highest severity of the rules the waiver names (an unexplained waiver of an error is an error). It cannot itself be waived.',
  },
  {
    id: WAIVER_UNKNOWN_RULE,
    defaultSeverity: 'warning',
    origin: 'rule',
    description: 'A waiver names a rule that does not exist (a typo?), so it waives nothing.',
  },
];

/** LLM findings have their own ids (`llm-...`); a waiver may name them for the stage that applies it. */
const LLM_RULE_PREFIX = 'llm-';

/** Rules a waiver can never suppress. */
const UNWAIVABLE = new Set([WAIVER_REASON_MISSING, WAIVER_UNKNOWN_RULE]);

function matches(pattern: string, rule: string): boolean {
  return pattern.endsWith('*') ? rule.startsWith(pattern.slice(0, -1)) : pattern === rule;
}

/** True when one of the model's waivers names `rule`. */
export function isWaived(model: DbtModel, rule: string): boolean {
  if (UNWAIVABLE.has(rule)) return false;
  return model.waivers.some((w) => w.rules.some((p) => matches(p, rule)));
}

export interface WaiverHit extends RuleHit {
  /** Severity this finding takes by default (before `config.rules` overrides). */
  severity: Severity;
}

/**
 * Findings about the model's waivers themselves. `severityOf` gives the effective severity of a rule id (or `off`)
 * so an unexplained waiver is as severe as what it hides.
 */
export function waiverHits(model: DbtModel, knownRules: readonly string[], severityOf: (rule: string) => Severity | 'off'): WaiverHit[] {
  const hits: WaiverHit[] = [];
  for (const waiver of model.waivers) {
    const named = waiver.rules.length > 0 ? waiver.rules.map((r) => `\`${r}\``).join(', ') : 'no rule';
    if (waiver.reason === undefined) {
      hits.push({
        rule: WAIVER_REASON_MISSING,
        severity: waivedSeverity(waiver, knownRules, severityOf),
        model: model.name,
        path: waiver.path,
        ...(waiver.line !== undefined ? { line: waiver.line } : {}),
        message:
          waiver.kind === 'meta'
            ? `The waiver of ${named} on \`${model.name}\` (\`meta.dbt_pr_reviewer\`) has no reason: add \`reason: "..."\` next to \`skip:\`, saying why the rule does not apply here.`
            : `The waiver of ${named} in \`${model.name}\` has no reason: end the comment with \`reason: ...\` (\`-- dbt-pr-reviewer: disable=${waiver.rules.join(',')} reason: ...\`), saying why the rule does not apply here.`,
      });
    }
    for (const rule of waiver.rules) {
      if (knownRules.some((k) => matches(rule, k)) || UNWAIVABLE.has(rule) || rule.startsWith(LLM_RULE_PREFIX)) continue;
      const near = nearestRule(rule, knownRules);
      hits.push({
        rule: WAIVER_UNKNOWN_RULE,
        severity: 'warning',
        model: model.name,
        path: waiver.path,
        ...(waiver.line !== undefined ? { line: waiver.line } : {}),
        message: `\`${rule}\` in the waiver on \`${model.name}\` is not a dbt-pr-reviewer rule, so it waives nothing: ${near ? `did you mean \`${near}\`?` : 'use a rule id from the README.'}`,
      });
    }
  }
  return hits;
}

function waivedSeverity(waiver: Waiver, knownRules: readonly string[], severityOf: (rule: string) => Severity | 'off'): Severity {
  const severities = knownRules.filter((k) => waiver.rules.some((p) => matches(p, k))).map(severityOf);
  if (severities.includes('error')) return 'error';
  return 'warning';
}

/** The known rule closest to `name` by edit distance, when close enough to be a typo. */
export function nearestRule(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 4)) + 1;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return prev[b.length]!;
}
