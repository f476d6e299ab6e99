/**
 * The parsed property files kept in the git directory between local reviews: a stored tree is found by its text
 * only, reads back exactly, and a damaged store only costs the speed-up.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseYamlTree } from '../../src/dbt/yamlTree.js';
import { codeVersionId } from '../../src/sources/versioned-store.js';
import { yamlParserId, YamlTreeStore } from '../../src/sources/yaml-store.js';
import { removeTempDirs, tempDir } from './git-fixture.js';

afterAll(removeTempDirs);

const PARSER = 'fedcba9876543210';
const TEXTS = [
  'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n',
  'version: 2\nmodels:\n  - name: b\n    config: {meta: {owner: "@team"}}\n    loaded_at: 2024-01-02\n',
  'models: [\n',
];

describe('YamlTreeStore', () => {
  it('gives back each parse by its text, in the next review, exactly', async () => {
    const root = tempDir();
    const first = await YamlTreeStore.open(root, PARSER);
    for (const text of TEXTS) expect(first.get(text)).toBeUndefined();
    for (const text of TEXTS) first.set(text, parseYamlTree(text));
    expect(await first.save()).toBeUndefined();
    expect(readdirSync(join(root, PARSER))).toHaveLength(TEXTS.length);

    const next = await YamlTreeStore.open(root, PARSER);
    for (const text of TEXTS) expect(next.get(text)).toEqual(parseYamlTree(text));
    expect(next.get(`${TEXTS[0]}# one more line\n`)).toBeUndefined();
    // A review that only read writes nothing.
    const mtimes = readdirSync(join(root, PARSER)).map((f) => statSync(join(root, PARSER, f)).mtimeMs);
    expect(await next.save()).toBeUndefined();
    expect(readdirSync(join(root, PARSER)).map((f) => statSync(join(root, PARSER, f)).mtimeMs)).toEqual(mtimes);
  });

  it('reads a damaged or hand-edited entry as missing, and the next parse replaces it', async () => {
    const root = tempDir();
    const store = await YamlTreeStore.open(root, PARSER);
    store.set(TEXTS[0]!, parseYamlTree(TEXTS[0]!));
    await store.save();
    const [entry] = readdirSync(join(root, PARSER));
    for (const damage of ['{"r": [0, 1', '{"r": [7, 1, 1, []]}', '[]']) {
      writeFileSync(join(root, PARSER, entry!), damage);
      const reader = await YamlTreeStore.open(root, PARSER);
      expect(reader.get(TEXTS[0]!)).toBeUndefined();
      reader.set(TEXTS[0]!, parseYamlTree(TEXTS[0]!));
      expect(await reader.save()).toBeUndefined();
      expect((await YamlTreeStore.open(root, PARSER)).get(TEXTS[0]!)).toEqual(parseYamlTree(TEXTS[0]!));
    }
  });

  it('does not write a parse that JSON cannot give back exactly', async () => {
    const root = tempDir();
    const store = await YamlTreeStore.open(root, PARSER);
    store.set('a: .nan\n', parseYamlTree('a: .nan\n'));
    store.set(TEXTS[1]!, parseYamlTree(TEXTS[1]!));
    expect(await store.save()).toBeUndefined();
    expect(readdirSync(join(root, PARSER))).toHaveLength(1);
    expect((await YamlTreeStore.open(root, PARSER)).get('a: .nan\n')).toBeUndefined();
  });

  it('does not keep a tree whose aliases make it far bigger than its text', async () => {
    const root = tempDir();
    const store = await YamlTreeStore.open(root, PARSER);
    // 10^3 values from 100 characters: parsed (within the parser's allowance), not worth its size on disk.
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]', `b: &b [${Array(10).fill('*a').join(', ')}]`, `c: [${Array(10).fill('*b').join(', ')}]`];
    const bomb = levels.join('\n');
    expect(parseYamlTree(bomb).ok).toBe(true);
    store.set(bomb, parseYamlTree(bomb));
    store.set(TEXTS[0]!, parseYamlTree(TEXTS[0]!));
    expect(await store.save()).toBeUndefined();
    expect(readdirSync(join(root, PARSER))).toHaveLength(1);
    expect((await YamlTreeStore.open(root, PARSER)).get(bomb)).toBeUndefined();
  });

  it('reports a store it cannot write instead of throwing', async () => {
    const root = join(tempDir(), 'file');
    writeFileSync(root, 'not a folder');
    const store = await YamlTreeStore.open(root, PARSER);
    store.set(TEXTS[0]!, parseYamlTree(TEXTS[0]!));
    expect(await store.save()).toMatch(/ENOTDIR|EEXIST/);
    expect(readFileSync(root, 'utf8')).toBe('not a folder');
  });
});

describe('yamlParserId', () => {
  it('names the parser code with 16 hex digits, the same on every call', async () => {
    const id = await yamlParserId();
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(await yamlParserId()).toBe(id);
  });

  it('changes with a module of a subfolder too (the fast parsers sit in src/dbt/fastYaml/ and src/sql/fast/)', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'fastYaml'));
    writeFileSync(join(dir, 'yamlTree.js'), 'export const a = 1;\n');
    writeFileSync(join(dir, 'fastYaml', 'parser.js'), 'export const b = 1;\n');
    writeFileSync(join(dir, 'other.js'), 'export const c = 1;\n');
    const code = { format: 1, packageName: 'js-yaml', dir: pathToFileURL(`${dir}/`), modules: /^(?:yamlTree|fastYaml\/[^/]+)\.js$/ };
    const id = await codeVersionId(code);
    writeFileSync(join(dir, 'other.js'), 'export const c = 2;\n');
    expect(await codeVersionId(code)).toBe(id);
    writeFileSync(join(dir, 'fastYaml', 'parser.js'), 'export const b = 2;\n');
    expect(await codeVersionId(code)).not.toBe(id);
  });
});
