/**
 * The file facts store kept in the git directory between local reviews. It must give back exactly what a scan of
 * the file would, and never make a review fail: a missing, damaged or foreign store is an empty one, and a store
 * that cannot be written is reported, not thrown.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FACTS_VERSION, factsKindOf, scanCode, scanFile, scanYaml, type CodeFacts, type YamlFacts } from '../../src/dbt/fileFacts.js';
import { FactsStore, decodeCode, decodeYaml, encodeCode, encodeYaml, factsStorePath } from '../../src/sources/facts-store.js';
import { gitSnapshot } from '../../src/sources/git.js';
import { commit, git, initRepo, removeTempDirs, tempDir } from './git-fixture.js';

afterAll(removeTempDirs);

const FORMAT = 'dbt-pr-reviewer file facts';

const CODE: CodeFacts = {
  kind: 'code',
  refs: [
    { name: 'stg_orders', line: 3 },
    { name: 'dim_fx', package: 'finance', line: 4 },
    { name: 'dim_customers', version: '2', line: 5 },
    { name: 'dim_products', package: 'catalog', version: '3', line: 9 },
  ],
  sources: [
    { source: 'shop', table: 'orders', line: 7 },
    { source: 'shop', table: 'customers', line: 8 },
  ],
  enabled: [true, false, 'yes'],
};

const YAML: YamlFacts = { kind: 'yaml', words: ' models name stg_orders ', groups: true };

/** Writes a store file with the given entries (already encoded). */
function writeStore(path: string, code: unknown[], yaml: unknown[], header: Record<string, unknown> = {}): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, JSON.stringify({ format: FORMAT, version: FACTS_VERSION, sql: code, python: [], yaml, ...header }));
}

const OID_A = 'a'.repeat(40);
const OID_B = 'b'.repeat(40);
const OID_C = 'c'.repeat(40);

describe('encode / decode', () => {
  it('round-trips code facts: refs with package and version, sources, enabled literals', () => {
    expect(decodeCode(encodeCode(CODE))).toEqual(CODE);
    const computed: CodeFacts = { kind: 'code', refs: [], sources: [], enabled: 'computed' };
    expect(decodeCode(encodeCode(computed))).toEqual(computed);
    const empty: CodeFacts = { kind: 'code', refs: [], sources: [], enabled: [] };
    expect(decodeCode(encodeCode(empty))).toEqual(empty);
    // and survives JSON, as it is written to disk
    expect(decodeCode(JSON.parse(JSON.stringify(encodeCode(CODE))))).toEqual(CODE);
  });

  it('round-trips the facts of a real scan', () => {
    const scanned = scanCode(
      "{{ config(enabled=false) }}\nselect * from {{ ref('a') }} join {{ ref('p', 'b', v=1) }}\njoin {{ source('s', 't') }}\n",
      'models/x.sql',
    );
    expect(scanned.refs).toHaveLength(2);
    expect(decodeCode(JSON.parse(JSON.stringify(encodeCode(scanned))))).toEqual(scanned);
    const yaml = scanYaml('models:\n  - name: X\ngroups: []\n');
    expect(decodeYaml(JSON.parse(JSON.stringify(encodeYaml(yaml))))).toEqual(yaml);
  });

  it('round-trips yaml facts', () => {
    expect(decodeYaml(encodeYaml(YAML))).toEqual(YAML);
    const blank: YamlFacts = { kind: 'yaml', words: ' ', groups: false };
    expect(decodeYaml(encodeYaml(blank))).toEqual(blank);
  });

  it('rejects malformed code facts', () => {
    const good = encodeCode(CODE);
    const bad: [string, unknown][] = [
      ['not an array', { enabled: [] }],
      ['too short', [[]]],
      ['enabled of the wrong type', ['nope', 0]],
      ['enabled null', [null, 0]],
      ['negative ref count', [[], -1]],
      ['fractional ref count', [[], 0.5]],
      ['ref count as a string', [[], '1', 'a', 1, null, null]],
      ['more refs announced than given', [[], 2, 'a', 1, null, null]],
      ['a ref cut short', [[], 1, 'a', 1, null]],
      ['a source cut short', [[], 0, 's', 't']],
      ['a trailing extra value', [...good, 'x']],
      ['a non-integer line', [[], 1, 'a', 1.5, null, null]],
      ['line 0', [[], 1, 'a', 0, null, null]],
      ['a line as a string', [[], 1, 'a', '3', null, null]],
      ['a source on line 0', [[], 0, 's', 't', 0]],
      ['a ref name that is not a string', [[], 1, 7, 1, null, null]],
      ['a package that is a number', [[], 1, 'a', 1, 5, null]],
      ['a version that is a number', [[], 1, 'a', 1, null, 2]],
      ['a source table that is null', [[], 0, 's', null, 1]],
    ];
    for (const [what, value] of bad) expect(decodeCode(value), what).toBeUndefined();
  });

  it('rejects malformed yaml facts', () => {
    const bad: [string, unknown][] = [
      ['not an array', 'models'],
      ['one value', [true]],
      ['three values', [true, ' a ', 1]],
      ['groups not a boolean', ['true', ' a ']],
      ['words not a string', [false, ['a']]],
      ['words without a leading space', [false, 'a ']],
      ['words without a trailing space', [false, ' a']],
      ['empty words', [false, '']],
    ];
    for (const [what, value] of bad) expect(decodeYaml(value), what).toBeUndefined();
  });
});

describe('FactsStore.open', () => {
  it('is an empty store when the file is missing', async () => {
    const store = await FactsStore.open(join(tempDir(), 'none', 'file-facts.json'));
    expect(store.get(OID_A, 'sql')).toBeUndefined();
    expect(store.get(OID_A, 'yaml')).toBeUndefined();
  });

  it('is an empty store when the file is not JSON, or is a folder', async () => {
    const dir = tempDir();
    const path = join(dir, 'file-facts.json');
    writeFileSync(path, '{');
    expect((await FactsStore.open(path)).get(OID_A, 'sql')).toBeUndefined();
    const folder = join(dir, 'folder.json');
    mkdirSync(folder);
    expect((await FactsStore.open(folder)).get(OID_A, 'sql')).toBeUndefined();
  });

  it('reads a valid store, and ignores one of another version or format', async () => {
    const dir = tempDir();
    const code = [OID_A, encodeCode(CODE)];
    const yaml = [OID_B, encodeYaml(YAML)];

    const valid = join(dir, 'valid.json');
    writeStore(valid, code, yaml);
    const store = await FactsStore.open(valid);
    expect(store.get(OID_A, 'sql')).toEqual(CODE);
    expect(store.get(OID_B, 'yaml')).toEqual(YAML);
    // kinds are kept apart
    expect(store.get(OID_A, 'yaml')).toBeUndefined();
    expect(store.get(OID_B, 'sql')).toBeUndefined();

    for (const [name, header] of [
      ['newer.json', { version: FACTS_VERSION + 1 }],
      ['older.json', { version: FACTS_VERSION - 1 }],
      ['version-string.json', { version: String(FACTS_VERSION) }],
      ['format.json', { format: 'something else' }],
      ['no-format.json', { format: undefined }],
      ['sql-not-list.json', { sql: { [OID_A]: encodeCode(CODE) } }],
    ] as const) {
      const path = join(dir, name);
      writeStore(path, code, yaml, header);
      const other = await FactsStore.open(path);
      expect(other.get(OID_A, 'sql'), name).toBeUndefined();
      expect(other.get(OID_B, 'yaml'), name).toBeUndefined();
    }
  });

  it('ignores a damaged entry and still decodes the others', async () => {
    const path = join(tempDir(), 'file-facts.json');
    const damagedCode = encodeCode(CODE);
    damagedCode[3] = 0; // line 0 of the first ref
    writeStore(path, [OID_A, damagedCode, OID_C, encodeCode(CODE), 42, encodeCode(CODE)], [OID_A, [true], OID_B, encodeYaml(YAML)]);
    const store = await FactsStore.open(path);
    expect(store.get(OID_A, 'sql')).toBeUndefined();
    expect(store.get(OID_C, 'sql')).toEqual(CODE);
    expect(store.get(OID_A, 'yaml')).toBeUndefined();
    expect(store.get(OID_B, 'yaml')).toEqual(YAML);
    // asking twice gives the same answer
    expect(store.get(OID_A, 'sql')).toBeUndefined();
    expect(store.get(OID_C, 'sql')).toEqual(CODE);
  });
});

const FILES: Record<string, string> = {
  'dbt_project.yml': 'name: shop\nmodel-paths: ["models"]\n',
  'models/staging/stg_orders.sql': "select * from {{ source('shop', 'orders') }}\n",
  'models/staging/_staging.yml': 'version: 2\nmodels:\n  - name: stg_orders\n    description: Orders.\n',
  'models/marts/fct_orders.sql': "{{ config(enabled=true) }}\nselect *\nfrom {{ ref('stg_orders') }}\njoin {{ ref('fx', 'rates', v=2) }} on true\n",
  'models/marts/score.py': 'def model(dbt, session):\n    dbt.config(enabled=False)\n    return dbt.ref("fct_orders")\n',
  'models/marts/maybe.sql': "{{ config(enabled=var('on')) }}\nselect 1 as id\n",
  'models/_groups.yaml': 'groups:\n  - name: finance\n    owner: {name: Finance}\n',
  'models/docs.md': '{% docs orders %}Orders{% enddocs %}\n',
};

describe('FactsStore.learn and save', () => {
  it('keeps the facts of the files of real snapshots: a fresh open gives what scanFile gives', async () => {
    const repo = initRepo();
    const v1 = commit(repo, FILES);
    const v2 = commit(repo, { 'models/marts/fct_orders.sql': `${FILES['models/marts/fct_orders.sql']}where true\n`, 'models/new.sql': "select * from {{ ref('fct_orders') }}\n" });
    const head = await gitSnapshot(repo, v2);
    const base = await gitSnapshot(repo, v1, { reuse: head });
    const gitDir = git(repo, 'rev-parse', '--absolute-git-dir').trim();
    const path = factsStorePath(gitDir);
    expect(path).toBe(join(gitDir, 'dbt-pr-reviewer', 'file-facts.json'));

    const store = await FactsStore.open(path);
    store.learn([head, base]);
    expect(await store.save([head, base])).toBeUndefined();
    expect(existsSync(path)).toBe(true);
    const onDisk = JSON.parse(readFileSync(path, 'utf8')) as { format: string; version: number };
    expect(onDisk).toMatchObject({ format: FORMAT, version: FACTS_VERSION });

    const reopened = await FactsStore.open(path);
    let checked = 0;
    for (const snapshot of [head, base]) {
      for (const [filePath, oid] of snapshot.oids) {
        const text = snapshot.read(filePath)!;
        const expected = scanFile(filePath, text);
        if (expected === undefined) {
          expect(filePath).toMatch(/\.md$/);
          continue;
        }
        expect(reopened.get(oid, factsKindOf(filePath)!), filePath).toEqual(expected);
        checked += 1;
      }
    }
    // dbt_project.yml, 2 yaml, 5 models in head + the other fct_orders in base (and the base's unchanged files)
    expect(checked).toBeGreaterThanOrEqual(9);
    expect(reopened.get(head.oids.get('models/marts/maybe.sql')!, 'sql')).toMatchObject({ enabled: 'computed' });
    expect(reopened.get(head.oids.get('models/marts/score.py')!, 'python')).toMatchObject({ enabled: [false] });
    expect(reopened.get(head.oids.get('models/_groups.yaml')!, 'yaml')).toMatchObject({ groups: true });
    // The two versions of fct_orders have different blobs, and both are kept.
    const [headOrders, baseOrders] = [head, base].map((s) => s.oids.get('models/marts/fct_orders.sql')!);
    expect(headOrders).not.toBe(baseOrders);
    expect(reopened.get(baseOrders!, 'sql')).toEqual(scanFile('models/marts/fct_orders.sql', FILES['models/marts/fct_orders.sql']!));
  });

  it('keeps the facts of earlier reviews when a later one saves', async () => {
    const repo = initRepo();
    const v1 = commit(repo, FILES);
    const v2 = commit(repo, { 'models/other.sql': "select * from {{ ref('stg_orders') }}\n" });
    const path = factsStorePath(git(repo, 'rev-parse', '--absolute-git-dir').trim());
    const first = await gitSnapshot(repo, v1);
    const s1 = await FactsStore.open(path);
    s1.learn([first]);
    expect(await s1.save([first])).toBeUndefined();

    const second = await gitSnapshot(repo, v2);
    const s2 = await FactsStore.open(path);
    s2.learn([second]);
    expect(await s2.save([second])).toBeUndefined();
    const reopened = await FactsStore.open(path);
    expect(reopened.get(first.oids.get('models/staging/stg_orders.sql')!, 'sql')).toEqual(
      scanFile('models/staging/stg_orders.sql', FILES['models/staging/stg_orders.sql']!),
    );
    expect(reopened.get(second.oids.get('models/other.sql')!, 'sql')).toMatchObject({ refs: [{ name: 'stg_orders', line: 1 }] });
  });

  it('does not create the file when it learned nothing', async () => {
    const repo = initRepo();
    const sha = commit(repo, FILES);
    const snapshot = await gitSnapshot(repo, sha);
    const path = join(tempDir(), 'store', 'file-facts.json');
    const store = await FactsStore.open(path);
    expect(await store.save([snapshot])).toBeUndefined();
    expect(existsSync(path)).toBe(false);
    expect(existsSync(join(path, '..'))).toBe(false);

    // A snapshot without any model or property file teaches nothing either.
    const empty = initRepo();
    const emptySnapshot = await gitSnapshot(empty, commit(empty, { 'README.md': '# nothing\n' }));
    store.learn([emptySnapshot]);
    expect(await store.save([emptySnapshot])).toBeUndefined();
    expect(existsSync(path)).toBe(false);
  });

  it('does not rewrite a store that already knows every file', async () => {
    const repo = initRepo();
    const sha = commit(repo, FILES);
    const snapshot = await gitSnapshot(repo, sha);
    const path = join(tempDir(), 'file-facts.json');
    const store = await FactsStore.open(path);
    store.learn([snapshot]);
    expect(await store.save([snapshot])).toBeUndefined();
    writeFileSync(path, readFileSync(path, 'utf8') + '\n'); // marks the file: a rewrite would drop the newline
    const again = await FactsStore.open(path);
    again.learn([snapshot]);
    expect(await again.save([snapshot])).toBeUndefined();
    expect(readFileSync(path, 'utf8').endsWith('\n')).toBe(true);
  });

  it('replaces a damaged entry by the facts of the file when it learns it again', async () => {
    const repo = initRepo();
    const sha = commit(repo, FILES);
    const snapshot = await gitSnapshot(repo, sha);
    const oid = snapshot.oids.get('models/marts/fct_orders.sql')!;
    const path = join(tempDir(), 'file-facts.json');
    writeStore(path, [oid, [[], 1, 'x', 0, null, null]], []);
    const store = await FactsStore.open(path);
    expect(store.get(oid, 'sql')).toBeUndefined();
    store.learn([snapshot]);
    expect(await store.save([snapshot])).toBeUndefined();
    const reopened = await FactsStore.open(path);
    expect(reopened.get(oid, 'sql')).toEqual(scanFile('models/marts/fct_orders.sql', FILES['models/marts/fct_orders.sql']!));
  });

  it('reports a store that cannot be written instead of throwing, and leaves no temporary file', async () => {
    const repo = initRepo();
    const sha = commit(repo, FILES);
    const snapshot = await gitSnapshot(repo, sha);
    const dir = tempDir();
    const regularFile = join(dir, 'not-a-folder');
    writeFileSync(regularFile, 'x');
    const path = join(regularFile, 'dbt-pr-reviewer', 'file-facts.json');
    const store = await FactsStore.open(path);
    store.learn([snapshot]);
    const error = await store.save([snapshot]);
    expect(typeof error).toBe('string');
    expect(error).not.toBe('');
    expect(readFileSync(regularFile, 'utf8')).toBe('x');
    // What it learned is still usable in this process.
    expect(store.get(snapshot.oids.get('models/staging/stg_orders.sql')!, 'sql')).toMatchObject({ sources: [{ source: 'shop', table: 'orders', line: 1 }] });

    // A store path that is a folder: the temporary file is written, the rename fails, and it is removed.
    const folder = join(dir, 'file-facts.json');
    mkdirSync(join(folder, 'inside'), { recursive: true });
    const blocked = await FactsStore.open(folder);
    blocked.learn([snapshot]);
    const message = await blocked.save([snapshot]);
    expect(typeof message).toBe('string');
    expect(readdirSync(dir).sort()).toEqual(['file-facts.json', 'not-a-folder']);
  });
});

describe('FactsStore: one blob at a .sql and a .py path', () => {
  it('keeps its SQL facts and its Python facts apart (dbt.config() counts only in Python)', async () => {
    const repo = initRepo();
    const code = 'def model(dbt, session):\n    dbt.config(enabled=False)\n    return dbt.ref("other")\n';
    const sha = commit(repo, { 'dbt_project.yml': "name: shop\nmodel-paths: ['models']\n", 'models/a_py_model.py': code, 'models/b_sql_model.sql': code });
    const snapshot = await gitSnapshot(repo, sha);
    const path = factsStorePath(git(repo, 'rev-parse', '--absolute-git-dir').trim());
    const store = await FactsStore.open(path);
    store.learn([snapshot]);
    await store.save([snapshot]);

    const reopened = await FactsStore.open(path);
    const oid = snapshot.oids.get('models/b_sql_model.sql')!;
    expect(snapshot.oids.get('models/a_py_model.py')).toBe(oid);
    expect(reopened.get(oid, 'python')).toMatchObject({ enabled: [false] });
    expect(reopened.get(oid, 'sql')).toMatchObject({ enabled: [] });
    const lazy = await gitSnapshot(repo, sha, { facts: reopened });
    expect(lazy.facts('models/b_sql_model.sql')).toEqual(scanFile('models/b_sql_model.sql', code));
    expect(lazy.facts('models/a_py_model.py')).toEqual(scanFile('models/a_py_model.py', code));
  });
});
