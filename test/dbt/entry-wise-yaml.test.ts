import { describe, expect, it } from 'vitest';
import { parseByEntries } from '../../src/dbt/entryWiseYaml.js';
import { mentionsModel } from '../../src/dbt/focusedYaml.js';
import { loadProjects, propertyFocus } from '../../src/dbt/index.js';
import { readPropertyFile } from '../../src/dbt/propertyFile.js';
import { parseYamlTree, type YamlParseResult, type YMap } from '../../src/dbt/yamlTree.js';
import { lines, modelNamed, PROJECT, snapshotOf } from './helpers.js';

const FILE = lines(
  'version: 2',
  '',
  'models: # the models',
  '# staging first',
  '  - name: stg_orders',
  '    description: Orders.',
  '    columns:',
  '      - name: order_id',
  '        data_tests: [unique,',
  '          not_null]',
  '  # customers are keyed by email',
  '',
  '  - name: stg_customers',
  '    description: |+',
  '      Customers.',
  '',
  '  - name: stg_payments',
  '    config:',
  '      meta: {owner: "pay", since: 2024-01-02}',
  '    columns:',
  '      - name: order_id',
  '        data_tests:',
  '          - relationships:',
  "              to: ref('stg_orders')",
  '              field: order_id',
  '# the end of the models',
  '',
  'sources:',
  '  - name: shop',
  '    tables:',
  '      - name: customers',
);

function modelsOf(result: YamlParseResult): YMap[] {
  if (!result.ok || result.root?.kind !== 'map') throw new Error('not a map');
  const models = result.root.entries.get('models')?.value;
  if (models?.kind !== 'seq') throw new Error('no models');
  return models.items as YMap[];
}

describe('parseByEntries: a changed property file parsed entry by entry', () => {
  const variants = [
    FILE,
    FILE.trimEnd(),
    FILE.slice(0, FILE.indexOf('sources:')),
    FILE.slice(0, FILE.indexOf('# the end')).trimEnd(),
    FILE.slice(0, FILE.indexOf('# the end')) + '    description: |+\n      kept\n\n\n',
    FILE.slice(0, FILE.indexOf('sources:')).replace(/\n/g, '\r\n'),
    lines('models:', '- name: a', '  description: "two', '    lines"', '- name: b', '- just text', '- - nested', '  - seq'),
  ];

  it('gives the tree the whole text parses to, lines included', () => {
    for (const text of variants) {
      const byEntries = parseByEntries(text, new Map());
      expect(byEntries, text).toBeDefined();
      expect(byEntries).toEqual(parseYamlTree(text));
    }
  });

  it('parses an entry the revisions share once, and places it at each revision’s lines', () => {
    const cache = new Map<string, YamlParseResult>();
    const base = FILE.replace('description: Orders.', 'description: All orders.');
    const head = FILE.replace('        data_tests: [unique,', '        description: Key.\n        data_tests: [unique,');
    const [b, h] = [parseByEntries(base, cache)!, parseByEntries(head, cache)!];
    expect(b).toEqual(parseYamlTree(base));
    expect(h).toEqual(parseYamlTree(head));
    const [before, after] = [modelsOf(b), modelsOf(h)];
    expect(after[0]).not.toBe(before[0]);
    // Same text, moved one line down by the edit above it: the same values at other lines.
    expect(after[1]).not.toBe(before[1]);
    expect(after[1]!.line).toBe(before[1]!.line + 1);
    // Same text at the same lines in another revision: the very same node.
    const again = parseByEntries(base.replace('sources:', 'sources: # shop'), cache)!;
    expect(modelsOf(again)[2]).toBe(before[2]);
  });

  it('leaves to a whole parse what it cannot cut with certainty, and what is not valid YAML', () => {
    const declined = [
      lines('models:', '  - name: only'),
      lines('models:', '  - &a {name: a}', '  - name: b'),
      lines('models:', '  - name: a', '\t  description: x', '  - name: b'),
      lines('models:', '  - name: a', '    description: x', '    description: y', '  - name: b'),
      lines('models:', '  - name: a', '  - name: b', 'version: 2', 'version: 3'),
      lines('models:', '  - name: a', '    description: "open', '  - name: b"'),
    ];
    for (const text of declined) expect(parseByEntries(text, new Map()), text).toBeUndefined();
    // a repeated key (dbt keeps the last value) is read whole, where its line is known
    const repeated = declined[3]!;
    expect(readPropertyFile(repeated, 'models/_m.yml', new Map(), undefined, true)).toEqual(readPropertyFile(repeated, 'models/_m.yml'));
    expect(readPropertyFile(repeated, 'models/_m.yml')).toMatchObject({ kind: 'properties', problems: [{ rule: 'yaml-duplicate-key', path: 'models/_m.yml', line: 4 }] });
    const invalid = lines('models:', '  - name: a', '    description: [unclosed', '  - name: b');
    expect(parseByEntries(invalid, new Map())).toBeUndefined();
    expect(readPropertyFile(invalid, 'models/_m.yml', new Map(), undefined, true)).toEqual(readPropertyFile(invalid, 'models/_m.yml'));
    expect(readPropertyFile(invalid, 'models/_m.yml').kind).toBe('invalid');
  });
});

describe('a review of a changed property file', () => {
  const yml = (description: string, extra: string[] = []) =>
    lines('models:', '  - name: a', '    description: A.', '  - name: b', `    description: ${description}`, ...extra, '  - name: c', '    description: C.');
  const files = (description: string, extra?: string[]): Record<string, string> => ({
    'dbt_project.yml': PROJECT,
    'models/a.sql': 'select 1 as a_id\n',
    'models/b.sql': 'select 2 as b_id\n',
    'models/c.sql': 'select 3 as c_id\n',
    'models/_m.yml': yml(description, extra),
  });

  it('counts as changed the models whose entry differs, whatever moved', () => {
    const base = snapshotOf(files('B.'));
    const head = snapshotOf(files('New B.', ['    columns:', '      - name: b_id']));
    const focus = propertyFocus({ base, head }, new Set(['models/_m.yml']), new Map());
    expect([...(focus?.seeds ?? [])]).toEqual(['b']);
  });

  it('shares the model of an entry that is the same at the same lines, and builds the others', () => {
    const yamlCache = new Map<string, YamlParseResult>();
    const changedPaths = new Set(['models/_m.yml']);
    const base = snapshotOf(files('B.'));
    const head = snapshotOf(files('New B.', ['    columns:', '      - name: b_id']));
    propertyFocus({ base, head }, changedPaths, yamlCache);
    const [h] = loadProjects(head, { ownerKey: 'owner', yamlCache });
    const [b] = loadProjects(base, { ownerKey: 'owner', yamlCache, reuse: { projects: [h!], changedPaths } });
    expect(modelNamed(b!, 'a')).toBe(modelNamed(h!, 'a'));
    expect(modelNamed(b!, 'b')).not.toBe(modelNamed(h!, 'b'));
    expect(modelNamed(b!, 'b').properties?.description).toBe('B.');
    // `c` has the same text, two lines further down at the head.
    expect(modelNamed(b!, 'c')).not.toBe(modelNamed(h!, 'c'));
    expect(modelNamed(b!, 'c').properties?.line).toBe(6);
    expect(modelNamed(h!, 'c').properties?.line).toBe(8);
  });
});

describe('mentionsModel', () => {
  it('finds a model name as a word, with few names and with many', () => {
    const many = new Set(Array.from({ length: 100 }, (_, i) => `model_${i}`));
    for (const models of [new Set(['stg_orders']), new Set([...many, 'stg_orders'])]) {
      expect(mentionsModel("to: ref('stg_orders')", models)).toBe(true);
      expect(mentionsModel('- name: stg_orders\n', models)).toBe(true);
      expect(mentionsModel('name: stg_orders_v2', models)).toBe(false);
      expect(mentionsModel('name: xstg_orders', models)).toBe(false);
      expect(mentionsModel('name: _stg_orders', models)).toBe(false);
    }
    expect(mentionsModel('name: 9model_7', many)).toBe(true);
    expect(mentionsModel('name: model_7x', many)).toBe(false);
  });
});
