import { describe, expect, it } from 'vitest';
import { lines, loadOne, PROJECT } from './helpers.js';

describe('model versions and their files', () => {
  const props = (v4: string) =>
    lines('version: 2', 'models:', '  - name: dim_customers', '    latest_version: 2', '    versions:', '      - v: 1', '      - v: 2', v4);
  const files = (v4: string) => ({
    'dbt_project.yml': PROJECT,
    'models/props.yml': props(v4),
    'models/dim_customers_v1.sql': 'select 1 as id\n',
    'models/dim_customers_v2.sql': 'select 2 as id\n',
  });

  it("says which version already uses the file a version's defined_in names", () => {
    const project = loadOne(files('      - v: 4\n        defined_in: dim_customers_v2'));
    expect(project.problems.filter((p) => p.rule === 'properties-orphan')).toEqual([
      {
        rule: 'properties-orphan',
        path: 'models/props.yml',
        line: 8,
        message:
          'version 4 of model `dim_customers` would be built from models/dim_customers_v2.sql, which version 2 of `dim_customers` already uses: give each version its own file (`defined_in`, or dim_customers_v4.sql)',
        model: 'dim_customers',
      },
    ]);
    expect(project.models.map((m) => `${m.name} v${m.version}: ${m.path}`)).toEqual([
      'dim_customers v1: models/dim_customers_v1.sql',
      'dim_customers v2: models/dim_customers_v2.sql',
    ]);
  });

  it('still says a version has no file when none exists', () => {
    const project = loadOne(files('      - v: 3'));
    expect(project.problems.filter((p) => p.rule === 'properties-orphan')).toEqual([
      expect.objectContaining({ line: 8, message: 'version 3 of model `dim_customers` has no model file (expected dim_customers_v3.sql)', model: 'dim_customers_v3' }),
    ]);
  });
});
