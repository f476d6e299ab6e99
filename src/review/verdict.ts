import type { Conclusion, Finding, Impact, LlmReport, ModelChange, ModelReport } from './types.js';

const IMPACT_RANK: Record<Exclude<Impact, 'unknown'>, number> = { none: 0, additive: 1, column: 2, model_wide: 3 };

/**
 * A model's impact from its changes: the strongest change wins. `unknown` (a side could not be analysed) is only
 * the answer when nothing certain already makes the model `model_wide`.
 */
export function impactOf(changes: readonly Pick<ModelChange, 'impact'>[]): Impact {
  let best: Exclude<Impact, 'unknown'> = 'none';
  let unknown = false;
  for (const c of changes) {
    if (c.impact === 'unknown') {
      unknown = true;
      continue;
    }
    if (IMPACT_RANK[c.impact] > IMPACT_RANK[best]) best = c.impact;
  }
  if (best === 'model_wide') return best;
  return unknown ? 'unknown' : best;
}

export function breakingOf(changes: readonly Pick<ModelChange, 'breaking'>[]): boolean {
  return changes.some((c) => c.breaking);
}

export function impactRank(impact: Impact): number {
  return impact === 'unknown' ? 2.5 : IMPACT_RANK[impact];
}

/**
 * failure: any error from a rule or the semantic diff (LLM findings never fail the check);
 * neutral: the run was degraded (LLM failed or over budget while configured, a model could not be analysed, or
 * `incomplete`: the change touches a project that could not be compared);
 * success otherwise.
 */
export function conclusionOf(findings: readonly Finding[], models: readonly ModelReport[], llm: LlmReport, incomplete = false): Conclusion {
  if (findings.some((f) => f.severity === 'error' && f.origin !== 'llm')) return 'failure';
  if (llm.status === 'failed' || llm.status === 'over_budget') return 'neutral';
  if (incomplete || models.some((m) => m.impact === 'unknown')) return 'neutral';
  return 'success';
}
