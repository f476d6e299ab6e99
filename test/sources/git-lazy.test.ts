/**
 * Lazy git snapshots: with stored file facts, a snapshot leaves the model and property files it has facts for
 * unread until the review asks for their text, and the review is the same as one that read everything. Then the
 * CLI end to end: cold, warm and `--no-cache` reviews print the same JSON, and the store lives in the git directory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanFile } from '../../src/dbt/fileFacts.js';
import { FactsStore, factsStorePath } from '../../src/sources/facts-store.js';
import { gitSnapshot, type GitSnapshot } from '../../src/sources/git.js';
import { reviewWithoutTiming, runCli } from '../cli/run-cli.js';
import { GIT_TEST_ENV, commit, git, initRepo, removeTempDirs } from './git-fixture.js';

afterAll(removeTempDirs);

const lines = (...rows: string[]): string => rows.join('\n') + '\n';

const FILES: Record<string, string> = {
  'dbt_project.yml': lines(
    'name: shop',
    'version: "1.0"',
    'config-version: 2',
    'profile: shop',
    'model-paths: ["models"]',
    'macro-paths: ["macros"]',
    'models:',
    '  shop:',
    '    staging:',
    '      +materialized: view',
    '      +meta:',
    '        owner: "@shop/platform"',
    '    marts:',
    '      +materialized: table',
    '      +meta:',
    '        owner: "@shop/analytics"',
    '    legacy:',
    '      +enabled: false',
  ),
  'profiles.yml': lines('shop:', '  target: prod', '  outputs:', '    prod:', '      type: bigquery', '      project: shop-prod', '      dataset: analytics'),
  'macros/cents.sql': lines('{% macro cents_to_units(column) %}({{ column }} / 100.0){% endmacro %}'),
  'models/staging/stg_orders.sql': lines(
    'select',
    '    id as order_id,',
    '    customer_id,',
    "    {{ cents_to_units('amount_cents') }} as amount,",
    '    status',
    "from {{ source('shop', 'orders') }}",
  ),
  'models/staging/stg_customers.sql': lines('select', '    id as customer_id,', '    name', "from {{ source('shop', 'customers') }}"),
  'models/staging/stg_payments.sql': lines('select', '    id as payment_id,', '    order_id', "from {{ source('shop', 'payments') }}"),
  'models/staging/_staging.yml': lines(
    'version: 2',
    'sources:',
    '  - name: shop',
    '    tables:',
    '      - name: orders',
    '      - name: customers',
    '      - name: payments',
    'models:',
    '  - name: stg_orders',
    '    description: Orders.',
    '    columns:',
    '      - name: order_id',
    '        data_tests: [unique, not_null]',
    '  - name: stg_customers',
    '    description: Customers.',
    '    columns:',
    '      - name: customer_id',
    '        data_tests: [unique, not_null]',
  ),
  'models/marts/fct_orders.sql': lines(
    'select',
    '    o.order_id,',
    '    o.customer_id,',
    '    c.name as customer_name,',
    '    o.amount',
    "from {{ ref('stg_orders') }} o",
    "join {{ ref('stg_customers') }} c using (customer_id)",
    "where o.status != 'cancelled'",
  ),
  'models/marts/fct_payments.sql': lines('select payment_id, order_id', "from {{ ref('stg_payments') }}"),
  'models/marts/_marts.yml': lines(
    'version: 2',
    'models:',
    '  - name: fct_orders',
    '    description: Orders that were not cancelled.',
    '    columns:',
    '      - name: order_id',
    '        data_tests: [unique, not_null]',
    '      - name: customer_id',
  ),
  'models/marts/orders_ml.py': lines('def model(dbt, session):', '    dbt.config(materialized="table")', '    return dbt.ref("fct_orders")'),
  'models/legacy/old_orders.sql': lines("select * from {{ ref('stg_orders') }}"),
  'models/other/off.sql': lines('{{ config(enabled=false) }}', 'select 1 as id'),
  'models/other/maybe.sql': lines("{{ config(enabled=var('on')) }}", "select * from {{ ref('stg_payments') }}"),
  'models/docs.md': lines('{% docs orders %}Orders{% enddocs %}'),
  'README.md': lines('# shop'),
  'seeds/countries.csv': lines('code,name', 'fr,France'),
};

/** Paths of FILES that have facts (model code and property files) and are not read up front anyway. */
const DEFERRABLE = Object.keys(FILES).filter((p) => /\.(sql|py|ya?ml)$/.test(p) && p !== 'dbt_project.yml' && p !== 'profiles.yml');
/** Paths a snapshot reads whatever it has stored: dbt_project.yml, profiles.yml and files without facts (.md). */
const ALWAYS_READ = ['README.md', 'dbt_project.yml', 'models/docs.md', 'profiles.yml'];
const RELEVANT = [...DEFERRABLE, ...ALWAYS_READ];

/** A store that knows every file of `snapshots`: learned, saved and opened again from disk. */
async function knowingStore(path: string, snapshots: GitSnapshot[]): Promise<FactsStore> {
  const store = await FactsStore.open(path);
  store.learn(snapshots);
  expect(await store.save(snapshots)).toBeUndefined();
  return FactsStore.open(path);
}

describe('gitSnapshot with stored facts', () => {
  let repo: string;
  let v1: string;
  let v2: string;
  let storePath: string;

  beforeAll(() => {
    repo = initRepo();
    v1 = commit(repo, FILES, 'v1');
    v2 = commit(repo, { 'models/marts/fct_payments.sql': lines('select payment_id, order_id, 1 as n', "from {{ ref('stg_payments') }}") }, 'v2');
    storePath = factsStorePath(git(repo, 'rev-parse', '--absolute-git-dir').trim());
  });

  it('reads every relevant file without facts', async () => {
    const plain = await gitSnapshot(repo, v1);
    expect(plain.loadedCount).toBe(RELEVANT.length);
    expect([...plain.oids.keys()].sort()).toEqual([...RELEVANT].sort());
  });

  it('leaves the files with stored facts unread, yet gives their facts and exact text', async () => {
    const plain = await gitSnapshot(repo, v1);
    const store = await knowingStore(storePath, [plain]);
    const lazy = await gitSnapshot(repo, v1, { facts: store });

    // Only what every review reads is loaded up front.
    expect(lazy.loadedCount).toBe(ALWAYS_READ.length);
    expect(lazy.loadedCount).toBeLessThan(plain.loadedCount);
    expect(lazy.read('dbt_project.yml')).toBe(FILES['dbt_project.yml']);
    expect(lazy.loadedCount).toBe(ALWAYS_READ.length); // it was loaded already
    expect(lazy.paths()).toEqual(plain.paths());
    expect(lazy.oids).toEqual(plain.oids);

    for (const path of DEFERRABLE) expect(lazy.facts(path), path).toEqual(scanFile(path, FILES[path]!));
    expect(lazy.facts('models/docs.md')).toBeUndefined();
    expect(lazy.facts('README.md')).toBeUndefined();
    expect(lazy.facts('seeds/countries.csv')).toBeUndefined();

    // A deferred file is read when asked for, synchronously, and counts as loaded from then on.
    const text = lazy.read('models/marts/fct_orders.sql');
    expect(text).toBe(FILES['models/marts/fct_orders.sql']);
    expect(lazy.loadedCount).toBe(ALWAYS_READ.length + 1);
    expect(lazy.read('models/marts/fct_orders.sql')).toBe(text);
    expect(lazy.loadedCount).toBe(ALWAYS_READ.length + 1);

    // Every file reads exactly as without facts.
    for (const path of plain.paths()) expect(lazy.read(path), path).toBe(plain.read(path));
    expect(lazy.loadedCount).toBe(plain.loadedCount);
  });

  it('preload and load make files loaded', async () => {
    const plain = await gitSnapshot(repo, v1);
    const store = await knowingStore(storePath, [plain]);
    const lazy = await gitSnapshot(repo, v1, { facts: store });
    expect(lazy.loadedCount).toBe(ALWAYS_READ.length);

    lazy.preload(['models/staging/stg_orders.sql', 'models/staging/_staging.yml', 'models/no/such.sql', 'README.md', 'seeds/countries.csv']);
    expect(lazy.loadedCount).toBe(ALWAYS_READ.length + 2);
    // preloading again, or a file already loaded, changes nothing
    lazy.preload(['models/staging/stg_orders.sql', 'dbt_project.yml']);
    expect(lazy.loadedCount).toBe(ALWAYS_READ.length + 2);

    await lazy.load(['models/marts/_marts.yml', 'models/marts/orders_ml.py', 'macros/cents.sql']);
    expect(lazy.loadedCount).toBe(ALWAYS_READ.length + 5);
    await lazy.load([]);
    expect(lazy.loadedCount).toBe(ALWAYS_READ.length + 5);

    expect(lazy.read('models/staging/_staging.yml')).toBe(FILES['models/staging/_staging.yml']);
    expect(lazy.read('models/marts/orders_ml.py')).toBe(FILES['models/marts/orders_ml.py']);
    expect(lazy.read('macros/cents.sql')).toBe(FILES['macros/cents.sql']);
    expect(lazy.loadedCount).toBe(ALWAYS_READ.length + 5);
  });

  it('reads the rest at once when a review keeps asking for files it did not preload', async () => {
    const many = initRepo();
    const files: Record<string, string> = { 'dbt_project.yml': 'name: many\n' };
    for (let i = 0; i < 30; i += 1) files[`models/m${i}.sql`] = `select ${i} as n\n`;
    const sha = commit(many, files);
    const plain = await gitSnapshot(many, sha);
    const store = await knowingStore(factsStorePath(git(many, 'rev-parse', '--absolute-git-dir').trim()), [plain]);
    const lazy = await gitSnapshot(many, sha, { facts: store });
    expect(lazy.loadedCount).toBe(1);
    // 16 reads of single files, then the 17th reads everything left.
    for (let i = 0; i < 16; i += 1) expect(lazy.read(`models/m${i}.sql`)).toBe(files[`models/m${i}.sql`]);
    expect(lazy.loadedCount).toBe(17);
    expect(lazy.read('models/m16.sql')).toBe(files['models/m16.sql']);
    expect(lazy.loadedCount).toBe(31);
    for (let i = 17; i < 30; i += 1) expect(lazy.read(`models/m${i}.sql`)).toBe(files[`models/m${i}.sql`]);
  });

  it('reads undefined for a path with no such file, with or without facts', async () => {
    const plain = await gitSnapshot(repo, v1);
    const store = await knowingStore(storePath, [plain]);
    const lazy = await gitSnapshot(repo, v1, { facts: store });
    for (const snapshot of [plain, lazy]) {
      expect(snapshot.read('models/no_such_model.sql')).toBeUndefined();
      expect(snapshot.read('models/staging')).toBeUndefined(); // a folder
      expect(snapshot.read('seeds/countries.csv')).toBeUndefined(); // not a file a review reads
      expect(snapshot.facts('models/no_such_model.sql')).toBeUndefined();
    }
    expect(lazy.loadedCount).toBe(ALWAYS_READ.length);
  });

  it('shares the blobs of two revisions through reuse: a file read by one is not read from git again by the other', async () => {
    const warm1 = await gitSnapshot(repo, v1);
    const warm2 = await gitSnapshot(repo, v2, { reuse: warm1 });
    const store = await knowingStore(storePath, [warm1, warm2]);

    const head = await gitSnapshot(repo, v2, { facts: store });
    const base = await gitSnapshot(repo, v1, { reuse: head, facts: store });
    expect(head.loadedCount).toBe(ALWAYS_READ.length);
    expect(base.loadedCount).toBe(ALWAYS_READ.length);

    // The head reads a file both revisions share; then its object disappears from the repository.
    const shared = 'models/staging/stg_orders.sql';
    const oid = head.oids.get(shared)!;
    expect(base.oids.get(shared)).toBe(oid);
    expect(head.read(shared)).toBe(FILES[shared]);
    const object = join(git(repo, 'rev-parse', '--absolute-git-dir').trim(), 'objects', oid.slice(0, 2), oid.slice(2));
    expect(existsSync(object)).toBe(true); // a loose object (the fixture never packs)
    const saved = readFileSync(object);
    unlinkSync(object);
    expect(spawnSync('git', ['cat-file', '-e', oid], { cwd: repo, env: GIT_TEST_ENV }).status).not.toBe(0);
    try {
      // The base still reads it: from the blobs the head loaded.
      expect(base.read(shared)).toBe(FILES[shared]);
    } finally {
      writeFileSync(object, saved);
    }

    // The changed file differs between the revisions, each read from its own blob.
    expect(head.read('models/marts/fct_payments.sql')).toContain('1 as n');
    expect(base.read('models/marts/fct_payments.sql')).toBe(FILES['models/marts/fct_payments.sql']);
    expect(head.facts('models/marts/fct_payments.sql')).toEqual(scanFile('models/marts/fct_payments.sql', head.read('models/marts/fct_payments.sql')!));
  });

  it('reuses blobs without facts too, with the same texts as fresh snapshots', async () => {
    const head = await gitSnapshot(repo, v2);
    const base = await gitSnapshot(repo, v1, { reuse: head });
    const fresh = await gitSnapshot(repo, v1);
    for (const path of fresh.paths()) expect(base.read(path), path).toBe(fresh.read(path));
    expect(base.loadedCount).toBe(fresh.loadedCount);
  });
});

describe('review with the file facts store (CLI)', () => {
  let repo: string;
  let base: string;
  let head: string;
  let storePath: string;

  beforeAll(() => {
    repo = initRepo();
    base = commit(repo, FILES, 'base');
    git(repo, 'checkout', '--quiet', '-b', 'feature');
    head = commit(
      repo,
      {
        // drops customer_id, which fct_orders uses: a breaking change with a downstream model
        'models/staging/stg_orders.sql': lines('select', '    id as order_id,', "    {{ cents_to_units('amount_cents') }} as amount,", '    status', "from {{ source('shop', 'orders') }}"),
      },
      'drop customer_id',
    );
    git(repo, 'checkout', '--quiet', 'main');
    storePath = factsStorePath(git(repo, 'rev-parse', '--absolute-git-dir').trim());
  });

  const review = (...extra: string[]) => runCli(['review', '--repo', repo, '--base', base, '--head', head, '--format', 'json', '--no-llm', ...extra]);

  it('prints the same review cold, warm and with --no-cache, and keeps the store in the git directory', async () => {
    rmSync(storePath, { force: true });
    const cold = await review();
    expect(cold.stderr).toBe('');
    expect(cold.code).toBe(1);
    expect(existsSync(storePath)).toBe(true);
    expect(storePath).toBe(join(git(repo, 'rev-parse', '--absolute-git-dir').trim(), 'dbt-pr-reviewer', 'file-facts.json'));
    const stored = JSON.parse(readFileSync(storePath, 'utf8')) as { sql: unknown[]; yaml: unknown[] };
    expect(stored.sql.length).toBeGreaterThan(0);
    expect(stored.yaml.length).toBeGreaterThan(0);

    const coldReview = reviewWithoutTiming(cold.stdout) as { findings: { rule: string }[]; models: { name: string }[] };
    // The review found what it is meant to find, so the comparison below compares something.
    expect(coldReview.findings.map((f) => f.rule)).toContain('breaking-column-removed');
    expect(coldReview.models.map((m) => m.name)).toContain('stg_orders');

    const warm = await review();
    expect(warm.stderr).toBe('');
    expect(warm.code).toBe(cold.code);
    expect(reviewWithoutTiming(warm.stdout)).toEqual(coldReview);

    const uncached = await review('--no-cache');
    expect(uncached.code).toBe(cold.code);
    expect(reviewWithoutTiming(uncached.stdout)).toEqual(coldReview);
  });

  it('the warm review reads the files it does not look at closely from facts alone', async () => {
    // The store of the previous runs knows every file of both revisions.
    const store = await FactsStore.open(storePath);
    const snapshot = await gitSnapshot(repo, head, { facts: store });
    expect(snapshot.loadedCount).toBe(ALWAYS_READ.length);
  });

  it('does not create a store with --no-cache', async () => {
    const fresh = initRepo();
    const b = commit(fresh, FILES, 'base');
    const h = commit(fresh, { 'models/marts/fct_payments.sql': lines('select payment_id, order_id, 2 as n', "from {{ ref('stg_payments') }}") });
    const path = factsStorePath(git(fresh, 'rev-parse', '--absolute-git-dir').trim());
    const run = await runCli(['review', '--repo', fresh, '--base', b, '--head', h, '--format', 'json', '--no-llm', '--no-cache']);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toMatchObject({ base: b, head: h });
    expect(existsSync(path)).toBe(false);
    expect(existsSync(join(path, '..'))).toBe(false);
    // and without it, the same review creates one
    const cached = await runCli(['review', '--repo', fresh, '--base', b, '--head', h, '--format', 'json', '--no-llm']);
    expect(reviewWithoutTiming(cached.stdout)).toEqual(reviewWithoutTiming(run.stdout));
    expect(existsSync(path)).toBe(true);
  });

  it('a corrupt store does not change the review, and is replaced by a valid one', async () => {
    const reference = reviewWithoutTiming((await review('--no-cache')).stdout);
    for (const corrupt of ['{', '', JSON.stringify({ format: 'dbt-pr-reviewer file facts', version: 1, code: [1, 2, 3], yaml: 'x' })]) {
      writeFileSync(storePath, corrupt);
      const run = await review();
      expect(run.stderr).toBe('');
      expect(reviewWithoutTiming(run.stdout)).toEqual(reference);
      expect(() => JSON.parse(readFileSync(storePath, 'utf8')) as unknown).not.toThrow();
    }
  });
});
