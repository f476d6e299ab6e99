import { describe, expect, it } from 'vitest';
import { RULES, runChecks, runRules } from '../../src/checks/index.js';
import type { Rule } from '../../src/checks/types.js';
import { change, config, context, loadedContext, model, project } from './factory.js';

const PROJECT = 'name: shop\nversion: "1.0"\nconfig-version: 2\nmodels:\n  shop:\n    +meta:\n      owner: data-team\n';

/** A model that breaks exactly two rules: select-star (warning) and trailing-semicolon (error). */
function styleFiles(sqlPrefix = '', yamlExtra: string[] = []): Record<string, string> {
  return {
    'dbt_project.yml': PROJECT,
    'models/marts/fct_orders.sql': `${sqlPrefix}select * from {{ ref('stg_orders') }};\n`,
    'models/marts/_marts.yml':
      ['version: 2', 'models:', '  - name: fct_orders', '    description: Orders', ...yamlExtra, '    columns:', '      - name: order_id', '        data_tests: [unique, not_null]'].join('\n') + '\n',
  };
}

const rulesOf = (findings: { rule: string }[]) => findings.map((f) => f.rule).sort();

describe('runChecks', () => {
  it('applies default severities, origin and fingerprints', () => {
    const findings = runChecks([loadedContext(styleFiles(), 'fct_orders')], config());
    expect(rulesOf(findings)).toEqual(['select-star', 'trailing-semicolon']);
    const semi = findings.find((f) => f.rule === 'trailing-semicolon')!;
    expect(semi).toMatchObject({ severity: 'error', origin: 'rule', model: 'fct_orders', path: 'models/marts/fct_orders.sql', line: 1 });
    expect(semi.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(findings.find((f) => f.rule === 'select-star')!.severity).toBe('warning');
  });

  it('keeps fingerprints stable when lines move', () => {
    const a = runChecks([loadedContext(styleFiles(), 'fct_orders')], config());
    const b = runChecks([loadedContext(styleFiles('\n\n-- moved down\n'), 'fct_orders')], config());
    expect(b.find((f) => f.rule === 'trailing-semicolon')!.line).toBe(4);
    expect(b.map((f) => f.fingerprint).sort()).toEqual(a.map((f) => f.fingerprint).sort());
  });

  it('applies severity overrides and off from config.rules', () => {
    const cfg = config({ rules: { 'trailing-semicolon': 'warning', 'select-star': 'off' } });
    const findings = runChecks([loadedContext(styleFiles(), 'fct_orders')], cfg);
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([['trailing-semicolon', 'warning']]);
  });

  it('suppresses a rule waived in meta with a reason, and reports nothing else', () => {
    const yaml = ['    config:', '      meta:', '        dbt_pr_reviewer:', '          skip: [select-star]', '          reason: passthrough view for BI'];
    const findings = runChecks([loadedContext(styleFiles('', yaml), 'fct_orders')], config());
    expect(rulesOf(findings)).toEqual(['trailing-semicolon']);
  });

  it('still suppresses a waived rule without reason, and reports the waiver at its line with the waived rule\'s severity', () => {
    const yaml = ['    config:', '      meta:', '        dbt_pr_reviewer:', '          skip: [trailing-semicolon]'];
    const findings = runChecks([loadedContext(styleFiles('', yaml), 'fct_orders')], config());
    expect(rulesOf(findings)).toEqual(['select-star', 'waiver-reason-missing']);
    const waiver = findings.find((f) => f.rule === 'waiver-reason-missing')!;
    expect(waiver).toMatchObject({ severity: 'error', path: 'models/marts/_marts.yml', line: 7, origin: 'rule' });
    expect(waiver.message).toContain('add `reason: "..."` next to `skip:`');
  });

  it('honours SQL comment waivers, with and without reason', () => {
    const withReason = runChecks([loadedContext(styleFiles('-- dbt-pr-reviewer: disable=select-star reason: BI needs every column\n'), 'fct_orders')], config());
    expect(rulesOf(withReason)).toEqual(['trailing-semicolon']);
    const without = runChecks([loadedContext(styleFiles('\n-- dbt-pr-reviewer: disable=select-star\n'), 'fct_orders')], config());
    expect(rulesOf(without)).toEqual(['trailing-semicolon', 'waiver-reason-missing']);
    const waiver = without.find((f) => f.rule === 'waiver-reason-missing')!;
    expect(waiver).toMatchObject({ severity: 'warning', path: 'models/marts/fct_orders.sql', line: 2 });
    expect(waiver.message).toContain('-- dbt-pr-reviewer: disable=select-star reason: ...');
  });

  it('reports an unknown rule in a waiver with the closest rule id', () => {
    const findings = runChecks([loadedContext(styleFiles('-- dbt-pr-reviewer: disable=select-stars reason: typo\n'), 'fct_orders')], config());
    const unknown = findings.find((f) => f.rule === 'waiver-unknown-rule')!;
    expect(unknown.message).toContain('did you mean `select-star`?');
    expect(rulesOf(findings)).toContain('select-star');
  });

  it('accepts prefix patterns such as breaking-* in waivers', () => {
    const m = model({ name: 'fct_orders', waivers: [{ kind: 'meta', rules: ['breaking-*'], reason: 'agreed with consumers', path: 'm.yml', line: 3 }] });
    const findings = runChecks([context(m, { changes: [change('column_removed', { column: 'a' })] })], config({ rules: { 'model-description-missing': 'off', 'owner-missing': 'off' } }));
    expect(findings.filter((f) => f.rule.startsWith('breaking-'))).toEqual([]);
    expect(findings.filter((f) => f.rule.startsWith('waiver-'))).toEqual([]);
  });

  it('reports a removed model\'s breaking change but not the waivers of the deleted file', () => {
    const m = model({ name: 'old', waivers: [{ kind: 'sql-comment', rules: ['select-star'], path: 'models/old.sql', line: 1 }] });
    const findings = runChecks([context(m, { status: 'removed', changes: [change('model_removed', { path: 'models/old.sql', line: 1 })] })], config());
    expect(findings.map((f) => f.rule)).toEqual(['breaking-model-removed']);
  });

  it('reports breaking changes with origin semantic and breakingSeverity, unless overridden per rule', () => {
    const m = model({ name: 'fct_orders' });
    const ctx = (cfg: ReturnType<typeof config>) =>
      context(m, { config: cfg, changes: [change('column_removed', { column: 'amount', path: 'models/fct_orders.sql', line: 4 })] });
    const only = { 'owner-missing': 'off', 'model-description-missing': 'off' };
    const asError = runChecks([ctx(config({ rules: only }))], config({ rules: only }));
    expect(asError).toEqual([expect.objectContaining({ rule: 'breaking-column-removed', severity: 'error', origin: 'semantic', column: 'amount', line: 4 })]);
    const warn = config({ rules: only, breakingSeverity: 'warning' });
    expect(runChecks([ctx(warn)], warn)[0]!.severity).toBe('warning');
    const perRule = config({ rules: { ...only, 'breaking-column-removed': 'info' } });
    expect(runChecks([ctx(perRule)], perRule)[0]!.severity).toBe('info');
  });

  it('turns project problems into findings, error by default', () => {
    const p = project([], {
      problems: [
        { rule: 'yaml-invalid', path: 'models/_bad.yml', line: 3, message: 'invalid YAML: bad indentation' },
        { rule: 'properties-orphan', path: 'models/_m.yml', line: 9, message: 'properties for model `x` but no model file' },
        { rule: 'something-new', path: 'dbt_project.yml', message: 'odd' },
      ],
    });
    const findings = runChecks([], config(), [p]);
    expect(findings.map((f) => [f.rule, f.severity, f.path, f.line])).toEqual([
      ['yaml-invalid', 'error', 'models/_bad.yml', 3],
      ['properties-orphan', 'warning', 'models/_m.yml', 9],
      ['something-new', 'error', 'dbt_project.yml', undefined],
    ]);
    expect(runChecks([], config({ rules: { 'yaml-invalid': 'off' } }), [p]).map((f) => f.rule)).not.toContain('yaml-invalid');
  });

  it('reports a rule that throws as check-failed (warning) and keeps going', () => {
    const boom: Rule = { id: 'boom', defaultSeverity: 'error', origin: 'rule', description: 'x', run: () => { throw new Error('bad input'); } };
    const ok: Rule = { id: 'ok', defaultSeverity: 'info', origin: 'rule', description: 'x', run: (c) => [{ rule: 'ok', path: c.model.path, message: 'fine' }] };
    const findings = runRules([boom, ok], [context(model({ name: 'a' }))], config());
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([
      ['check-failed', 'warning'],
      ['ok', 'info'],
    ]);
    expect(findings[0]!.message).toContain('could not run `boom` on `a` (bad input)');
  });

  it('documents every rule id once with a severity and a description', () => {
    const ids = RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ['owner-missing', 'key-untested', 'key-missing', 'incremental-unique-key-missing', 'naming-layer-prefix', 'hardcoded-relation', 'trailing-semicolon', 'select-star', 'model-description-missing', 'public-model-contract-missing', 'test-removed', 'breaking-column-removed', 'breaking-model-removed', 'waiver-reason-missing', 'yaml-invalid']) {
      expect(ids).toContain(id);
    }
    for (const r of RULES) expect(r.description.length).toBeGreaterThan(20);
  });
});
