/**
 * Seeds and snapshots of a project, and whether each is enabled (dbt's config precedence), without running dbt.
 */
import { describe, expect, it } from 'vitest';
import { nodeEntriesOf, nodeLayoutOf, sameNodeLayout, seedsAndSnapshots, snapshotNamesOf } from '../../src/dbt/seedsSnapshots.js';
import type { FileSnapshot } from '../../src/dbt/types.js';
import { lines, snapshotOf } from './helpers.js';

const SHOP = { name: 'shop', root: '', projectFile: 'dbt_project.yml' };

const FILES: Record<string, string> = {
  'dbt_project.yml': lines('name: shop', 'config-version: 2'),
  'seeds/country_codes.csv': 'code\nUS\n',
  'seeds/lookups/currencies.csv': 'code\nUSD\n',
  'models/countries.csv': 'not a seed\n',
  'snapshots/orders.sql': lines(
    '{% snapshot snap_orders %}',
    "{{ config(strategy='check', check_cols='all') }}",
    'select 1',
    '{% endsnapshot %}',
    '',
    '{%- snapshot snap_items -%}',
    '{{ config(enabled=false) }}',
    'select 2',
    '{%- endsnapshot -%}',
  ),
  'models/p.yml': lines('version: 2', 'models:', '  - name: m'),
};

function nodes(files: Record<string, string>, names?: string[], project = SHOP) {
  return seedsAndSnapshots(project, snapshotOf(files), names ? new Set(names) : undefined).map((n) => ({
    kind: n.kind,
    name: n.name,
    path: n.path,
    enabled: n.enabled,
    ...(n.enabledBy ? { by: `${n.enabledBy.origin} @${n.enabledBy.path}:${n.enabledBy.line}` } : {}),
  }));
}

describe('nodeLayoutOf', () => {
  it('defaults the seed and snapshot paths, and reads them (and the older data-paths) when set', () => {
    expect(nodeLayoutOf(undefined)).toMatchObject({ seedPaths: ['seeds'], snapshotPaths: ['snapshots'] });
    expect(nodeLayoutOf(lines('name: shop', 'seed-paths: ["./data/", lookups]', 'snapshot-paths: snaps'))).toMatchObject({
      name: 'shop',
      seedPaths: ['data', 'lookups'],
      snapshotPaths: ['snaps'],
    });
    expect(nodeLayoutOf(lines('name: shop', 'data-paths: ["data"]')).seedPaths).toEqual(['data']);
    expect(nodeLayoutOf(lines('name: shop', 'model-paths: ["transform"]')).propertyPaths).toEqual(['transform', 'seeds', 'snapshots', 'analyses', 'macros', 'tests']);
  });

  it('lists the enabled settings of the seeds: and snapshots: trees, and compares layouts without lines', () => {
    const layout = nodeLayoutOf(lines('name: shop', 'seeds:', '  +enabled: true', '  shop:', '    lookups:', '      enabled: false', '    +schema: raw', 'snapshots:', '  shop:', '    +enabled: false'));
    expect(layout.seedSettings.map((s) => [s.scope, s.value, s.line, s.text])).toEqual([
      [[], true, 3, '+enabled: true'],
      [['shop', 'lookups'], false, 6, 'enabled: false'],
    ]);
    expect(layout.snapshotSettings.map((s) => [s.scope, s.value])).toEqual([[['shop'], false]]);
    const moved = nodeLayoutOf(lines('name: shop', '# a comment', 'seeds:', '  +enabled: true', '  shop:', '    lookups:', '      enabled: false', '    +schema: other', 'snapshots:', '  shop:', '    +enabled: false'));
    expect(sameNodeLayout(layout, moved)).toBe(true);
    expect(sameNodeLayout(layout, nodeLayoutOf(lines('name: shop', 'seeds:', '  +enabled: true')))).toBe(false);
  });
});

describe('seedsAndSnapshots', () => {
  it('finds the seeds under the seed paths and the snapshot blocks under the snapshot paths, with the config in each block', () => {
    expect(nodes(FILES)).toEqual([
      { kind: 'seed', name: 'country_codes', path: 'seeds/country_codes.csv', enabled: true },
      { kind: 'seed', name: 'currencies', path: 'seeds/lookups/currencies.csv', enabled: true },
      { kind: 'snapshot', name: 'snap_orders', path: 'snapshots/orders.sql', enabled: true },
      { kind: 'snapshot', name: 'snap_items', path: 'snapshots/orders.sql', enabled: false, by: '`config(enabled=false)` @snapshots/orders.sql:7' },
    ]);
  });

  it('walks the tree along the fqn (project key, folders, a snapshot file stem, the name); the deepest level wins; other packages do not count', () => {
    const files = {
      ...FILES,
      'dbt_project.yml': lines(
        'name: shop',
        'seeds:',
        '  +enabled: false',
        '  dbt_utils:',
        '    +enabled: true',
        '  shop:',
        '    lookups:',
        '      +enabled: true',
        'snapshots:',
        '  shop:',
        '    orders:',
        '      snap_orders:',
        '        enabled: false',
      ),
    };
    expect(nodes(files)).toEqual([
      { kind: 'seed', name: 'country_codes', path: 'seeds/country_codes.csv', enabled: false, by: '`+enabled: false` for all seeds @dbt_project.yml:3' },
      { kind: 'seed', name: 'currencies', path: 'seeds/lookups/currencies.csv', enabled: true, by: '`+enabled: true` for seeds/lookups @dbt_project.yml:8' },
      { kind: 'snapshot', name: 'snap_orders', path: 'snapshots/orders.sql', enabled: false, by: '`enabled: false` for snapshot `snap_orders` @dbt_project.yml:13' },
      { kind: 'snapshot', name: 'snap_items', path: 'snapshots/orders.sql', enabled: false, by: '`config(enabled=false)` @snapshots/orders.sql:7' },
    ]);
  });

  it('applies a property file config over dbt_project.yml, and a block config() over both; computed values are unknown', () => {
    const files = {
      ...FILES,
      'dbt_project.yml': lines('name: shop', 'seeds:', '  shop:', '    +enabled: false', 'snapshots:', '  +enabled: false'),
      'seeds/seeds.yml': lines('version: 2', 'seeds:', '  - name: country_codes', '    config:', '      enabled: true', '  - name: currencies', '    config:', "      enabled: \"{{ var('x') }}\""),
      'snapshots/orders.sql': FILES['snapshots/orders.sql']!.replace('{{ config(enabled=false) }}', '{{ config(enabled=true) }}'),
    };
    expect(nodes(files).map((n) => [n.name, n.enabled, n.by])).toEqual([
      ['country_codes', true, '`config: enabled: true` of seed `country_codes` @seeds/seeds.yml:5'],
      ['currencies', 'unknown', "`config: enabled: {{ var('x') }}` of seed `currencies` @seeds/seeds.yml:8"],
      ['snap_orders', false, '`+enabled: false` for all snapshots @dbt_project.yml:6'],
      ['snap_items', true, '`config(enabled=true)` @snapshots/orders.sql:7'],
    ]);
  });

  it('finds a snapshot defined in a property file (dbt 1.9: a snapshots: entry with a relation)', () => {
    const files = {
      'dbt_project.yml': lines('name: shop'),
      'snapshots/snaps.yml': lines('snapshots:', '  - name: snap_customers', "    relation: source('raw', 'customers')", '    config:', '      enabled: false', '  - name: snap_orders', '    description: properties of a block snapshot'),
    };
    expect(nodes(files)).toEqual([
      { kind: 'snapshot', name: 'snap_customers', path: 'snapshots/snaps.yml', enabled: false, by: '`config: enabled: false` of snapshot `snap_customers` @snapshots/snaps.yml:5' },
    ]);
  });

  it('keeps to its own project: not a nested project, not dbt_packages/ or target/, not another root', () => {
    const files = {
      'proj/dbt_project.yml': lines('name: shop'),
      'proj/seeds/a.csv': 'x\n',
      'proj/dbt_packages/pkg/seeds/b.csv': 'x\n',
      'proj/target/seeds/c.csv': 'x\n',
      'proj/sub/dbt_project.yml': lines('name: sub', 'seed-paths: ["."]'),
      'proj/sub/seeds/d.csv': 'x\n',
      'other/seeds/e.csv': 'x\n',
    };
    expect(nodes(files, undefined, { name: 'shop', root: 'proj', projectFile: 'proj/dbt_project.yml' }).map((n) => n.path)).toEqual(['proj/seeds/a.csv']);
  });

  it('with names, returns only the nodes of those names, without reading the seed files', () => {
    const reads: string[] = [];
    const files = { ...FILES, 'models/other.yml': lines('seeds:', '  - name: unrelated', '    config: {enabled: false}') };
    const inner = snapshotOf(files);
    const snapshot: FileSnapshot = { paths: inner.paths, read: (p) => (reads.push(p), inner.read(p)) };
    expect(seedsAndSnapshots(SHOP, snapshot, new Set(['country_codes'])).map((n) => n.name)).toEqual(['country_codes']);
    // (the .csv files are not read: a seed is its file name)
    expect(reads.filter((p) => p.endsWith('.csv'))).toEqual([]);
  });
});

describe('nodeEntriesOf and snapshotNamesOf', () => {
  it("reads each seeds: and snapshots: entry's enabled and whether it defines a snapshot", () => {
    const text = lines('version: 2', 'seeds:', '  - name: a', '    config: {enabled: false}', '  - name: b', 'snapshots:', '  - name: s', '    relation: ref("a")', 'models:', '  - name: m');
    expect(nodeEntriesOf(text)).toEqual([
      { kind: 'seed', name: 'a', line: 3, enabled: { value: false, line: 4 }, defines: false },
      { kind: 'seed', name: 'b', line: 5, defines: false },
      { kind: 'snapshot', name: 's', line: 7, defines: true },
    ]);
    expect(nodeEntriesOf(lines('models:', '  - name: m'))).toEqual([]);
    expect(nodeEntriesOf('seeds: [')).toEqual([]);
  });

  it('names the snapshot blocks of a file, not those in Jinja comments', () => {
    expect(snapshotNamesOf(lines('{% snapshot a %}', '{% endsnapshot %}', '{# {% snapshot b %} #}', '{%- snapshot  c -%}'))).toEqual(['a', 'c']);
  });
});
