import { describe, expect, it } from 'vitest';
import { entryOf, parseYamlTree, toPlain, type YNode } from '../../src/dbt/yamlTree.js';

function parse(text: string): YNode | null {
  const result = parseYamlTree(text);
  if (!result.ok) throw new Error(result.message);
  return result.root;
}

describe('parseYamlTree', () => {
  it('keeps key lines and sequence item lines, including compact nested sequences and explicit keys', () => {
    const root = parse(['a:', '  - - x', '    - y', '  - z', '? b', ': 2', 'c: |', '  text', '  more', 'd: 4'].join('\n'));
    const a = entryOf(root, 'a')!;
    expect(a.keyLine).toBe(1);
    expect(a.value.kind === 'seq' && a.value.items.map((i) => i.line)).toEqual([2, 4]);
    expect(toPlain(a.value)).toEqual([['x', 'y'], 'z']);
    expect(entryOf(root, 'b')).toMatchObject({ keyLine: 5 });
    expect(entryOf(root, 'c')).toMatchObject({ keyLine: 7, value: { value: 'text\nmore\n' } });
    expect(entryOf(root, 'd')?.keyLine).toBe(10);
  });

  it('merges a list of anchors, the first source winning, explicit keys winning over all', () => {
    const root = parse(['x: &x {k: 1, a: x}', 'y: &y {k: 2, b: y}', 'm:', '  <<: [*x, *y]', '  a: own'].join('\n'));
    expect(toPlain(entryOf(root, 'm')?.value)).toEqual({ a: 'own', k: 1, b: 'y' });
    expect(entryOf(entryOf(root, 'm')?.value, 'k')?.keyLine).toBe(1);
  });

  it('resolves aliases of scalars and sequences', () => {
    const root = parse(['s: &s hello', 'l: &l [1, 2]', 't: *s', 'u: *l'].join('\n'));
    expect(toPlain(root)).toEqual({ s: 'hello', l: [1, 2], t: 'hello', u: [1, 2] });
  });

  it('reads a flow mapping with a key without value', () => {
    expect(toPlain(parse('x: {a, b: 1}'))).toEqual({ x: { a: null, b: 1 } });
  });

  it('reads a repeated key as dbt does (PyYAML: the last value wins) and says where it repeats', () => {
    const parsed = parseYamlTree('a: 1\nb: 2\na: 3\nc:\n  d: x\n  d: y\n');
    expect(parsed).toMatchObject({ ok: true, duplicateKeys: [{ key: 'a', line: 3 }, { key: 'd', line: 6 }] });
    if (!parsed.ok) throw new Error('not parsed');
    expect(toPlain(parsed.root!)).toEqual({ a: 3, b: 2, c: { d: 'y' } });
    expect(parsed.root?.kind === 'map' && parsed.root.entries.get('a')).toMatchObject({ keyLine: 3, value: { value: 3, line: 3 } });
    expect(parseYamlTree('a: 1\nb: 2\n')).not.toHaveProperty('duplicateKeys');
  });

  it('fails on syntax errors with the line', () => {
    // an unclosed construct is reported at the end of the input: on the file's last line, not the one after it
    expect(parseYamlTree('models:\n  - name: a\n    description: [unclosed\n')).toMatchObject({ ok: false, line: 3 });
    expect(parseYamlTree('models:\n  - name: a\n    description: "unclosed')).toMatchObject({ ok: false, line: 3 });
    expect(parseYamlTree('a: [1\nb: 2\n')).toMatchObject({ ok: false });
  });

  it('returns no root for an empty or comment-only document', () => {
    expect(parseYamlTree('# nothing\n')).toEqual({ ok: true, root: null });
    expect(parseYamlTree('')).toEqual({ ok: true, root: null });
  });

  it('drops __proto__ keys instead of polluting objects', () => {
    const plain = toPlain(parse('a: 1\n__proto__: {polluted: true}\n')) as Record<string, unknown>;
    expect(plain).toEqual({ a: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
  });

  it('reads dates as ISO date strings', () => {
    expect(toPlain(parse('deprecation_date: 2024-06-30\n'))).toEqual({ deprecation_date: '2024-06-30' });
  });

  it('rejects an alias bomb (a few hundred bytes meaning a billion values) instead of expanding it', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i += 1) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    lines.push('models:', '  - name: m', '    meta: *a8');
    const result = parseYamlTree(lines.join('\n'));
    expect(result).toEqual({ ok: false, message: expect.stringContaining('alias bomb') });
  });

  it('reads ordinary anchors and merge keys, reused many times', () => {
    const columns = Array.from({ length: 300 }, (_, i) => `      - name: c${i}\n        <<: *checked`);
    const text = ['defaults: &checked', '  data_tests: [not_null, unique]', '  meta: {pii: false}', 'models:', '  - name: m', '    columns:', ...columns].join('\n');
    const result = parseYamlTree(text);
    expect(result.ok).toBe(true);
    const plain = toPlain(result.ok ? result.root : null) as { models: { columns: { data_tests: string[] }[] }[] };
    expect(plain.models[0]!.columns).toHaveLength(300);
    expect(plain.models[0]!.columns[299]!.data_tests).toEqual(['not_null', 'unique']);
  });
});
