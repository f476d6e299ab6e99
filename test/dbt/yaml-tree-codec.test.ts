/**
 * A parse kept between reviews must read back as exactly the parse (every node, value and line), and anything that
 * is not a stored parse must read back as nothing, so that it is parsed again.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseYamlTree, type YamlParseResult } from '../../src/dbt/yamlTree.js';
import { decodeYamlParse, encodeYamlParse, yamlNodesWithin } from '../../src/dbt/yamlTreeCodec.js';

/** What a store gives back for a parse: its encoding through JSON text, decoded. */
function storedAndRead(result: YamlParseResult): YamlParseResult | undefined {
  const encoded = encodeYamlParse(result);
  return encoded === undefined ? undefined : decodeYamlParse(JSON.parse(JSON.stringify(encoded)));
}

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFilesUnder(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

const DEMO = fileURLToPath(new URL('../../examples/demo/', import.meta.url));

const TEXTS: Record<string, string> = {
  'property file with tests, meta and docs': [
    'version: 2',
    'models:',
    '  - name: fct_orders',
    '    description: >',
    '      Orders, one row each.',
    '    config: {materialized: incremental, unique_key: order_id, meta: {owner: "@data/finance"}}',
    '    columns:',
    '      - name: order_id',
    '        data_tests: [unique, not_null]',
    '      - name: status',
    '        data_tests:',
    '          - accepted_values:',
    '              arguments: {values: [placed, shipped, 3, 4.5, true, null, ~]}',
  ].join('\n'),
  'anchors, aliases and merge keys': ['x: &x {k: 1, a: x}', 'y: &y {k: 2, b: y}', 'm:', '  <<: [*x, *y]', '  a: own', 'l: &l [1, 2]', 'u: *l'].join('\n'),
  'compact nested sequences and explicit keys': ['a:', '  - - x', '    - y', '  - z', '? b', ': 2', 'c: |', '  text', '  more', 'd: 4'].join('\n'),
  'a flow mapping with a key without value': 'x: {a, b: 1}\n',
  'timestamps and dates': 'loaded_at: 2024-03-01\nat: 2024-03-01T10:20:30Z\n',
  'numbers JSON keeps': 'a: 1.5e300\nb: -7\nc: 0x1F\nd: 0.1\n',
  'a scalar document': 'just text\n',
  'an empty document': '',
  'a comment only': '# nothing\n',
  'a syntax error': 'a: [1\nb: 2\n',
  'a duplicate key': 'a: 1\nb: 2\na: 3\n',
};

describe('encodeYamlParse / decodeYamlParse', () => {
  it.each(Object.entries(TEXTS))('give back %s exactly', (_name, text) => {
    const parsed = parseYamlTree(text);
    expect(storedAndRead(parsed)).toEqual(parsed);
  });

  it('give back every YAML file of the demo project exactly', () => {
    const files = yamlFilesUnder(DEMO);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const parsed = parseYamlTree(readFileSync(file, 'utf8'));
      expect(parsed.ok, file).toBe(true);
      expect(storedAndRead(parsed), file).toEqual(parsed);
    }
  });

  it('keep dates as dates and errors with their line', () => {
    const dates = storedAndRead(parseYamlTree(TEXTS['timestamps and dates']!));
    expect(dates?.ok && dates.root?.kind === 'map' && dates.root.entries.get('at')?.value).toMatchObject({ kind: 'scalar', value: new Date('2024-03-01T10:20:30Z') });
    expect(storedAndRead(parseYamlTree(TEXTS['a duplicate key']!))).toMatchObject({ ok: false, line: 3 });
  });

  it('do not store what JSON cannot give back exactly: NaN, infinities, -0', () => {
    for (const text of ['a: .nan\n', 'a: .inf\n', 'a: [1, -.inf]\n', 'a: -0.0\n']) {
      const parsed = parseYamlTree(text);
      expect(parsed.ok, text).toBe(true);
      expect(encodeYamlParse(parsed), text).toBeUndefined();
    }
  });

  it('do not store the expansion of an alias-heavy document beyond a bound', () => {
    // Each level repeats the one before ten times: 10^5 values at `e`, six of those at `f`. The parser allows it
    // (a long text may expand to ten values a character), but a store would hold every copy.
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [name, of] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd']]) levels.push(`${name}: &${name} [${Array(10).fill(`*${of}`).join(', ')}]`);
    levels.push(`f: [${Array(6).fill('*e').join(', ')}]`);
    const text = `${'#'.repeat(100_000)}\n${levels.join('\n')}\n`;
    const parsed = parseYamlTree(text);
    expect(parsed.ok).toBe(true);
    expect(encodeYamlParse(parsed)).toBeUndefined();
    // Without `f` (10^5 values) it is stored, and read back exactly.
    const smaller = parseYamlTree(levels.slice(0, 5).join('\n'));
    expect(smaller.ok).toBe(false); // 10^5 values from 200 characters: an alias bomb, refused by the parser
    const small = parseYamlTree(levels.slice(0, 3).join('\n'));
    expect(storedAndRead(small)).toEqual(small);
  });

  it('count nodes with aliases expanded, as they would be written', () => {
    // root map, `l` seq with 2 items, `u` the same seq again: 1 + 3 + 3
    const parsed = parseYamlTree('l: &l [1, 2]\nu: *l\n');
    expect(yamlNodesWithin(parsed, 7)).toBe(true);
    expect(yamlNodesWithin(parsed, 6)).toBe(false);
    expect(yamlNodesWithin(parseYamlTree(''), 0)).toBe(true);
    expect(yamlNodesWithin(parseYamlTree('a: [1\n'), 0)).toBe(true);
  });

  it('read what is not a stored parse as nothing', () => {
    const good = encodeYamlParse(parseYamlTree('a: 1\n')) as { r: unknown[] };
    const bad: unknown[] = [
      null,
      [],
      'text',
      {},
      { r: [9, 1, 1, 'x'] },
      { r: [0, 1, 1, ['a', 1]] },
      { r: [0, 1, 1, ['a', -1, [2, 1, 1, 1]]] },
      { r: [0, 1, 1, ['a', 1, [2, 1, 1, 1], 'a', 2, [2, 2, 2, 2]]] },
      { r: [0, 1, 1, ['__proto__', 1, [2, 1, 1, 1]]] },
      { r: [1, 1, 1, 'not items'] },
      { r: [1, 1.5, 1, []] },
      { r: [2, 1, 1, { nested: true }] },
      { r: [3, 1, 1, 'yesterday'] },
      { r: [3, 1, 1, 1e300] },
      { e: 3 },
      { e: 'bad', l: 'two' },
      { ...good, r: [...good.r.slice(0, 3)] },
    ];
    for (const value of bad) expect(decodeYamlParse(value), JSON.stringify(value)).toBeUndefined();
    let deep: unknown = [2, 1, 1, 'leaf'];
    for (let i = 0; i < 100_000; i++) deep = [1, 1, 1, [deep]];
    expect(decodeYamlParse({ r: deep })).toBeUndefined();
  });
});
