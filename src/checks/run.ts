/**
 * Runs the registry over the changed models and turns rule hits into findings: severity (`config.rules`
 * overrides or `off`, `breakingSeverity` for the semantic rules), waivers, origin and fingerprint. Project
 * problems (bad YAML, conflicting keys) become findings too.
 */
import type { ReviewerConfig } from '../config.js';
import type { DbtProject } from '../dbt/types.js';
import { withFingerprint } from '../review/fingerprint.js';
import type { Finding, Severity } from '../review/types.js';
import { CHECK_FAILED, PROJECT_PROBLEM_RULES, REGISTRY, RULES } from './registry.js';
import type { CheckContext, ProjectCheckContext, Rule, RuleHit } from './types.js';
import { isWaived, waiverHits } from './waivers.js';

/** Effective severity of a registry rule under `config`, or `off`. */
export function severityOf(rule: Pick<Rule, 'id' | 'defaultSeverity' | 'origin'>, config: ReviewerConfig): Severity | 'off' {
  const override = config.rules[rule.id];
  if (override !== undefined) return override;
  if (rule.origin === 'semantic') return config.breakingSeverity;
  return rule.defaultSeverity;
}

export function runChecks(contexts: CheckContext[], config: ReviewerConfig, projects?: DbtProject[], projectContexts?: readonly ProjectCheckContext[]): Finding[] {
  return runRules(REGISTRY, contexts, config, projects, projectContexts);
}

/** `runChecks` over a given rule list (the registry by default). */
export function runRules(
  rules: readonly Rule[],
  contexts: CheckContext[],
  config: ReviewerConfig,
  projects?: DbtProject[],
  projectContexts: readonly ProjectCheckContext[] = [],
): Finding[] {
  const findings: Finding[] = [];
  const knownIds = [...new Set([...RULES.map((r) => r.id), ...rules.map((r) => r.id)])];
  const docById = new Map(RULES.map((r) => [r.id, r]));
  const ruleSeverity = (id: string): Severity | 'off' => {
    const rule = rules.find((r) => r.id === id) ?? docById.get(id);
    return rule ? severityOf(rule, config) : (config.rules[id] ?? 'warning');
  };

  for (const ctx of contexts) {
    for (const rule of rules) {
      const severity = severityOf(rule, config);
      if (severity === 'off') continue;
      if (isWaived(ctx.model, rule.id)) continue;
      for (const hit of safeRun(rule, ctx)) {
        if (hit.rule === CHECK_FAILED) {
          findings.push(toFinding(hit, 'warning', 'rule'));
          continue;
        }
        if (isWaived(ctx.model, hit.rule)) continue;
        findings.push(toFinding(hit, severity, rule.origin));
      }
    }
    if (ctx.status === 'removed') continue; // the waivers of a deleted file are not this change's to fix
    for (const hit of waiverHits(ctx.model, knownIds, ruleSeverity)) {
      const { severity: fallback, ...rest } = hit;
      const override = config.rules[hit.rule];
      if (override === 'off') continue;
      findings.push(toFinding(rest, override ?? fallback, 'rule'));
    }
  }

  for (const ctx of projectContexts) {
    for (const rule of rules) {
      const severity = severityOf(rule, config);
      if (!rule.runProject || severity === 'off') continue;
      for (const hit of safeRunProject(rule, ctx)) findings.push(toFinding(hit, hit.rule === CHECK_FAILED ? 'warning' : severity, hit.rule === CHECK_FAILED ? 'rule' : rule.origin));
    }
  }

  for (const project of projects ?? []) {
    for (const problem of project.problems) {
      const doc = PROJECT_PROBLEM_RULES.find((r) => r.id === problem.rule);
      const severity = config.rules[problem.rule] ?? doc?.defaultSeverity ?? 'error';
      if (severity === 'off') continue;
      const hit: RuleHit = { rule: problem.rule, path: problem.path, message: problem.message };
      if (problem.line !== undefined) hit.line = problem.line;
      if (problem.model !== undefined) hit.model = problem.model;
      findings.push(toFinding(hit, severity, 'rule'));
    }
  }
  return dedupe(findings);
}

function toFinding(hit: RuleHit, severity: Severity, origin: 'rule' | 'semantic'): Finding {
  const s = hit.suggestion;
  // A review comment carrying a suggestion must sit on the lines the suggestion replaces.
  const line = s && (hit.line === undefined || hit.line < s.startLine || hit.line > s.endLine) ? s.endLine : hit.line;
  const finding: Omit<Finding, 'fingerprint'> = { ...hit, severity, origin };
  if (line !== undefined) finding.line = line;
  return withFingerprint(finding);
}

/** A rule that throws must not sink the review: its failure is reported on the model instead. */
function safeRun(rule: Rule, ctx: CheckContext): RuleHit[] {
  try {
    return rule.run(ctx);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return [
      {
        rule: CHECK_FAILED,
        model: ctx.model.name,
        path: ctx.model.path,
        message: `dbt-pr-reviewer could not run \`${rule.id}\` on \`${ctx.model.name}\` (${reason}); this model was not checked for it. Please report it.`,
      },
    ];
  }
}

/** `safeRun` of a rule's `runProject`: its failure is reported on the project file. */
function safeRunProject(rule: Rule, ctx: ProjectCheckContext): RuleHit[] {
  try {
    return rule.runProject?.(ctx) ?? [];
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return [
      {
        rule: CHECK_FAILED,
        path: ctx.project.projectFile,
        message: `dbt-pr-reviewer could not run \`${rule.id}\` on project \`${ctx.project.name}\` (${reason}); its exposures and semantic models were not checked for it. Please report it.`,
      },
    ];
  }
}

/** The same finding reported twice (same fingerprint, path and line) is kept once. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.fingerprint}\u0000${f.path}\u0000${f.line ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
