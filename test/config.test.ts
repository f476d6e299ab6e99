import { describe, expect, it } from 'vitest';
import { defaultConfig, parseConfigYaml, ruleSeverity, validateConfig } from '../src/config.js';

describe('per-repo configuration', () => {
  it('has defaults for every key', () => {
    const config = defaultConfig();
    expect(config.breakingSeverity).toBe('error');
    expect(config.ownerKey).toBe('owner');
    expect(config.layers.staging).toEqual(['stg_']);
    expect(config.llm.enabled).toBe(true);
  });

  it('reads a valid file and keeps defaults for what it does not set', () => {
    const result = parseConfigYaml('dialect: bigquery\nrules:\n  select-star: off\nllm:\n  enabled: false\n');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.dialect).toBe('bigquery');
    expect(ruleSeverity(result.config, 'select-star', 'warning')).toBe('off');
    expect(ruleSeverity(result.config, 'owner-missing', 'error')).toBe('error');
    expect(result.config.llm.enabled).toBe(false);
    expect(result.config.llm.model).toBe('gpt-4.1-mini');
  });

  it('names an unknown key and its line', () => {
    const result = parseConfigYaml('dialect: snowflake\nllm:\n  enabled: true\n  modle: gpt-4o\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([{ key: 'llm.modle', line: 4, message: 'unknown key `llm.modle`' }]);
  });

  it('names a rule id that is no rule, with the rule it probably meant, and accepts the AI rules', () => {
    const result = parseConfigYaml('rules:\n  select-stars: off\n  key-untested: warning\n  llm-performance: off\n  no-such-thing: info\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      { key: 'rules.select-stars', line: 2, message: '`rules.select-stars`: no rule is named `select-stars`: did you mean `select-star`?' },
      { key: 'rules.no-such-thing', line: 5, message: '`rules.no-such-thing`: no rule is named `no-such-thing`: the rule ids are listed in the README' },
    ]);
  });

  it('reports a wrong value and a rule id that is no rule at once, in the order of the file', () => {
    const result = parseConfigYaml('rules:\n  select-stat: off\nbreakingSeverity: warnign\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.key, e.line])).toEqual([['rules.select-stat', 2], ['breakingSeverity', 3]]);
  });

  it('rejects a business-key pattern that is not a regular expression', () => {
    const result = parseConfigYaml('businessKey:\n  inferPattern: "^({entity}_id$"\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([{ key: 'businessKey.inferPattern', line: 2, message: expect.stringMatching(/^`businessKey.inferPattern`: not a valid regular expression \(.+\)$/) }]);
    expect(parseConfigYaml('businessKey:\n  inferPattern: "^(dim_)?{entity}_(id|key)$"\n').ok).toBe(true);
  });

  it('names a key with a wrong value and its line', () => {
    const result = parseConfigYaml('ownerKey: owner\ndialect: oracle\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]).toMatchObject({ key: 'dialect', line: 2 });
    expect(result.errors[0]!.message).toMatch(/^`dialect`: /);
  });

  it('reports invalid YAML with its line', () => {
    const result = parseConfigYaml('rules:\n  select-star: [off\n');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]!.message).toMatch(/invalid YAML/);
    expect(result.errors[0]!.line).toBeGreaterThan(0);
  });

  it('rejects a key set twice, at the line of the second', () => {
    const result = parseConfigYaml('dialect: bigquery\nownerKey: owner\ndialect: snowflake\n');
    expect(result).toEqual({ ok: false, errors: [{ message: 'invalid YAML: `dialect` is set twice in the same mapping', line: 3 }] });
  });

  it('rejects a file that is not a mapping', () => {
    const result = parseConfigYaml('- a\n- b\n');
    expect(result.ok).toBe(false);
  });

  it('reports every problem of a file at once, each with its key and line, in the order of the file', () => {
    const result = parseConfigYaml(
      ['llm:', '  concurrency: 9', '  modle: x', 'rulez: {}', 'rules:', '  owner-missing: fatal', 'businessKey:', '  metaKeys: [""]', ''].join('\n'),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => [e.key, e.line])).toEqual([
      ['llm.concurrency', 2],
      ['llm.modle', 3],
      ['rulez', 4],
      ['rules.owner-missing', 6],
      ['businessKey.metaKeys.0', 8],
    ]);
    expect(result.errors[3]!.message).toMatch(/^`rules\.owner-missing`: .*"fatal"/);
    expect(result.errors[0]!.message).toMatch(/^`llm\.concurrency`: .*8.*9/);
  });

  it('gives every review its own defaults (no list is shared between configs)', () => {
    defaultConfig().ignore.push('models/legacy/**');
    defaultConfig().layers['staging']!.push('base_');
    expect(defaultConfig().ignore).toEqual([]);
    expect(defaultConfig().layers['staging']).toEqual(['stg_']);
  });

  it('validates objects from Probot the same way', () => {
    expect(validateConfig('dialect: snowflake')).toMatchObject({ ok: false, errors: [{ key: '(root)' }] });
    expect(validateConfig({ breakingSeverity: 'fatal' }).ok).toBe(false);
    expect(validateConfig(null).ok).toBe(true);
  });
});
