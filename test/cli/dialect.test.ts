import { describe, expect, it } from 'vitest';
import { adapterTypeOf, detectDialect } from '../../src/cli/dialect.js';
import { memorySnapshot } from '../../src/sources/memory.js';

const profile = (type: string, extra = '') =>
  `shop:\n  target: prod\n  outputs:\n    dev:\n      type: duckdb\n    prod:\n      type: ${type}\n${extra}`;

describe('dialect detection from profiles.yml', () => {
  it('reads the default target of the profile the project names', () => {
    const text = `other:\n  target: x\n  outputs:\n    x:\n      type: postgres\n${profile('bigquery')}`;
    expect(adapterTypeOf(text, ['shop'])).toBe('bigquery');
    expect(adapterTypeOf(text)).toBe('postgres');
    const snapshot = memorySnapshot({ 'dbt_project.yml': 'name: s\nprofile: shop\n', 'profiles.yml': text });
    expect(detectDialect(snapshot)).toEqual({ name: 'bigquery', source: 'profiles.yml (`type: bigquery`)' });
  });

  it('maps adapters onto the dialect that parses their SQL', () => {
    expect(detectDialect(memorySnapshot({ 'ci/profiles.yml': profile('spark') }))).toEqual({
      name: 'databricks',
      source: 'ci/profiles.yml (`type: spark`)',
    });
    expect(detectDialect(memorySnapshot({ 'profiles.yml': profile('Redshift') }))?.name).toBe('redshift');
  });

  it('prefers the repository root, then the shallowest file, and the first snapshot that has one', () => {
    const base = memorySnapshot({ 'a/b/profiles.yml': profile('postgres'), 'z/profiles.yml': profile('trino') });
    const head = memorySnapshot({ 'profiles.yml': profile('snowflake') });
    expect(detectDialect(base, head)?.name).toBe('trino');
    expect(detectDialect(head, base)?.name).toBe('snowflake');
  });

  it('finds nothing for an unsupported adapter, a Jinja type, invalid YAML or no profiles.yml', () => {
    expect(detectDialect(memorySnapshot({ 'profiles.yml': profile('sqlserver') }))).toBeUndefined();
    expect(detectDialect(memorySnapshot({ 'profiles.yml': profile("\"{{ env_var('DBT_TYPE') }}\"") }))).toBeUndefined();
    expect(detectDialect(memorySnapshot({ 'profiles.yml': 'shop: [unclosed' }))).toBeUndefined();
    expect(detectDialect(memorySnapshot({ 'models/a.sql': 'select 1' }))).toBeUndefined();
  });
});
