import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  GitError,
  changedFiles,
  dbtRelevantPaths,
  gitSnapshot,
  readFileAt,
  resolveRev,
  resolveRevs,
} from '../../src/sources/git.js';
import { GIT_TEST_ENV, commit, git, initRepo, removeTempDirs, tempDir, writeFiles } from './git-fixture.js';

afterAll(removeTempDirs);

const ORDERS_V1 = `with orders as (
    select * from {{ ref('stg_orders') }}
)
select
    order_id,
    customer_id,
    amount,
    status
from orders
`;

const ORDERS_V2 = ORDERS_V1.replace('    amount,\n', '    amount,\n    currency,\n');

const PROJECT = {
  'dbt_project.yml': 'name: shop\nversion: "1.0"\nprofile: shop\nmodel-paths: ["models"]\n',
  'models/marts/fct_orders.sql': ORDERS_V1,
  'models/marts/_marts.yml': 'version: 2\nmodels:\n  - name: fct_orders\n',
  'models/staging/stg_orders.sql': "select * from {{ source('shop', 'orders') }}\n",
  'models/staging/stg_customers.sql': "select id as customer_id from {{ source('shop', 'customers') }}\n",
  'README.md': '# shop warehouse\n',
};

async function gitErrorOf(promise: Promise<unknown>): Promise<GitError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GitError);
  return error as GitError;
}

describe('resolveRev', () => {
  let repo: string;
  let first: string;
  let second: string;
  beforeAll(() => {
    repo = initRepo();
    first = commit(repo, PROJECT, 'first');
    git(repo, 'tag', '-a', 'v1', '-m', 'release 1');
    second = commit(repo, { 'models/marts/fct_orders.sql': ORDERS_V2 }, 'second');
  });

  it('resolves branches, annotated tags, short shas and relative revisions to commit shas', async () => {
    expect(await resolveRev(repo, 'main')).toBe(second);
    expect(await resolveRev(repo, 'HEAD')).toBe(second);
    expect(await resolveRev(repo, 'HEAD~1')).toBe(first);
    expect(await resolveRev(repo, 'v1')).toBe(first); // the tag object is peeled to its commit
    expect(await resolveRev(repo, first.slice(0, 8))).toBe(first);
  });

  it('names an unknown revision', async () => {
    const error = await gitErrorOf(resolveRev(repo, 'feature/does-not-exist'));
    expect(error.kind).toBe('unknown-revision');
    expect(error.message).toContain("unknown revision 'feature/does-not-exist'");
  });

  it('refuses a name that is both a branch and a tag (git would silently pick the tag), and says how to choose', async () => {
    git(repo, 'branch', 'same-name', second);
    git(repo, 'tag', 'same-name', first);
    for (const resolve of [() => resolveRev(repo, 'same-name'), () => resolveRevs(repo, ['main', 'same-name'])]) {
      const error = await gitErrorOf(resolve());
      expect(error.kind).toBe('unknown-revision');
      expect(error.message).toBe(`'same-name' names more than one ref in ${repo} (e.g. a branch and a tag): say which, e.g. 'heads/same-name' or 'tags/same-name'`);
    }
    expect(await resolveRev(repo, 'heads/same-name')).toBe(second);
    expect(await resolveRevs(repo, ['tags/same-name'])).toEqual([first]);
  });

  it('refuses a revision that git would read as an option', async () => {
    const error = await gitErrorOf(resolveRev(repo, '--output=/tmp/pwned'));
    expect(error.kind).toBe('unknown-revision');
    expect(existsSync('/tmp/pwned')).toBe(false);
  });

  it('refuses a tree or blob where a commit is needed', async () => {
    const tree = git(repo, 'rev-parse', 'HEAD^{tree}').trim();
    expect((await gitErrorOf(resolveRev(repo, tree))).kind).toBe('unknown-revision');
  });

  it('says when the folder is not a git repository, or does not exist', async () => {
    const plain = tempDir();
    const error = await gitErrorOf(resolveRev(plain, 'HEAD'));
    expect(error.kind).toBe('not-a-repository');
    expect(error.message).toBe(`not a git repository: ${plain}`);
    const missing = join(plain, 'nope');
    expect((await gitErrorOf(resolveRev(missing, 'HEAD'))).message).toContain(`not a git repository: ${missing}`);
  });

  it('is not redirected by GIT_DIR or GIT_WORK_TREE in the environment', async () => {
    const other = initRepo();
    const otherHead = commit(other, { 'a.txt': 'other repository\n' });
    process.env.GIT_DIR = join(other, '.git');
    process.env.GIT_WORK_TREE = other;
    try {
      expect(await resolveRev(repo, 'HEAD')).toBe(second);
      expect(second).not.toBe(otherHead);
    } finally {
      delete process.env.GIT_DIR;
      delete process.env.GIT_WORK_TREE;
    }
  });
});

describe('size limits', () => {
  it('reads YAML up to 8 times the limit of model code (a generated sources file passes 2 MB), and notes what it does not read', async () => {
    const repo = initRepo();
    const sized = (bytes: number, head: string) => head + 'x'.repeat(bytes - head.length - 1) + '\n';
    const sha = commit(repo, {
      'dbt_project.yml': 'name: shop\n',
      'models/_sources.yml': sized(3000, '# '),
      'models/_huge.yml': sized(9000, '# '),
      'models/big.sql': sized(3000, '-- '),
    });
    const snapshot = await gitSnapshot(repo, sha, { maxBlobBytes: 1000 });
    expect(snapshot.read('models/_sources.yml')).toHaveLength(3000);
    expect(snapshot.read('models/big.sql')).toBeUndefined();
    expect(snapshot.read('models/_huge.yml')).toBeUndefined();
    expect(snapshot.skipped).toEqual([
      { path: 'models/_huge.yml', reason: 'file is 9 KB, over the 8 KB limit; not read' },
      { path: 'models/big.sql', reason: 'file is 3 KB, over the 1000 bytes limit; not read' },
    ]);
  });
});

describe('symbolic links in a revision', () => {
  it('reads a link as the file it points to, inside the repository; notes and does not read the others', async () => {
    const repo = initRepo();
    commit(repo, {
      'dbt_project.yml': 'name: shop\n',
      'shared/marts.yml': 'models:\n  - name: fct_orders\n',
      'models/stg_orders.sql': 'select 1 as order_id\n',
    });
    const link = (to: string, at: string) => symlinkSync(to, join(repo, at));
    link('../shared/marts.yml', 'models/_marts.yml'); // outside the project folder: still a file of the revision
    link('_marts.yml', 'models/_again.yml'); // a link to a link
    link('../../../etc/passwd', 'models/escape.sql'); // leaves the repository
    link('/etc/passwd', 'models/absolute.sql');
    link('missing.sql', 'models/dangling.sql');
    link('loop_b.sql', 'models/loop_a.sql');
    link('loop_a.sql', 'models/loop_b.sql');
    git(repo, 'add', '--all');
    git(repo, 'commit', '--quiet', '-m', 'links');
    const snapshot = await gitSnapshot(repo, git(repo, 'rev-parse', 'HEAD').trim());
    expect(snapshot.read('models/_marts.yml')).toBe('models:\n  - name: fct_orders\n');
    expect(snapshot.read('models/_again.yml')).toBe('models:\n  - name: fct_orders\n');
    for (const path of ['models/escape.sql', 'models/absolute.sql', 'models/dangling.sql', 'models/loop_a.sql']) expect(snapshot.read(path), path).toBeUndefined();
    expect(snapshot.skipped).toContainEqual({ path: 'models/escape.sql', reason: 'a symbolic link to `../../../etc/passwd`, which is not a file of this revision: not read (dbt would read the file it points to)' });
    expect(snapshot.skipped).toContainEqual({ path: 'models/absolute.sql', reason: 'a symbolic link to `/etc/passwd`, which is not a file of this revision: not read (dbt would read the file it points to)' });
    expect(snapshot.skipped).toContainEqual({ path: 'models/loop_a.sql', reason: 'a chain of more than 8 symbolic links: not read' });
    expect(snapshot.skipped.map((s) => s.path)).not.toContain('models/_marts.yml');
  });

  it('readFileAt follows a link inside the tree (the reviewer config may be one) and reads nothing for the others', async () => {
    const repo = initRepo();
    commit(repo, { 'config/reviewer.yml': 'dialect: bigquery\n' });
    mkdirSync(join(repo, '.github'));
    symlinkSync('../config/reviewer.yml', join(repo, '.github/dbt-pr-reviewer.yml'));
    symlinkSync('/etc/passwd', join(repo, 'absolute.yml'));
    symlinkSync('missing.yml', join(repo, 'dangling.yml'));
    git(repo, 'add', '--all');
    git(repo, 'commit', '--quiet', '-m', 'links');
    expect(await readFileAt(repo, 'HEAD', '.github/dbt-pr-reviewer.yml')).toBe('dialect: bigquery\n');
    expect(await readFileAt(repo, 'HEAD', 'absolute.yml')).toBeUndefined();
    expect(await readFileAt(repo, 'HEAD', 'dangling.yml')).toBeUndefined();
    expect(await readFileAt(repo, 'HEAD', 'config/reviewer.yml')).toBe('dialect: bigquery\n');
  });
});

describe('changedFiles', () => {
  let repo: string;
  let base: string;
  let head: string;
  beforeAll(() => {
    repo = initRepo();
    base = commit(repo, {
      ...PROJECT,
      'models/staging/stg_payments.sql': 'select\n    id as payment_id,\n    order_id,\n    amount\nfrom raw.payments\n',
      'assets/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 0, 4]),
    });
    head = commit(repo, {
      'models/marts/fct_orders.sql': ORDERS_V2, // modified
      'models/staging/stg_customers.sql': null, // removed
      'models/staging/stg_payments.sql': null, // renamed, with an edit
      'models/staging/payments/stg_payments.sql':
        'select\n    id as payment_id,\n    order_id,\n    amount,\n    method\nfrom raw.payments\n',
      'models/marts/dim_customers.sql': "select customer_id from {{ ref('stg_customers') }}\n", // added
      'models/marts/naïve café.sql': 'select 1 as id\n', // added, unusual name
      'assets/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 9, 9, 9, 0, 4]), // binary modified
    });
  });

  it('lists added, modified, removed and renamed files', async () => {
    const files = await changedFiles(repo, base, head);
    const byPath = Object.fromEntries(files.map((f) => [f.path, f]));
    expect(files.map((f) => `${f.status} ${f.path}`).sort()).toEqual(
      [
        'added models/marts/dim_customers.sql',
        'added models/marts/naïve café.sql',
        'modified assets/logo.png',
        'modified models/marts/fct_orders.sql',
        'removed models/staging/stg_customers.sql',
        'renamed models/staging/payments/stg_payments.sql',
      ].sort(),
    );
    expect(byPath['models/staging/payments/stg_payments.sql']?.previousPath).toBe('models/staging/stg_payments.sql');
    expect(byPath['models/marts/fct_orders.sql']?.previousPath).toBeUndefined();
  });

  it('gives each file its unified patch with 3 lines of context, from the first hunk like GitHub', async () => {
    const files = await changedFiles(repo, base, head);
    const patch = files.find((f) => f.path === 'models/marts/fct_orders.sql')?.patch;
    expect(patch).toBe(
      [
        '@@ -5,5 +5,6 @@ select',
        '     order_id,',
        '     customer_id,',
        '     amount,',
        '+    currency,',
        '     status',
        ' from orders',
      ].join('\n'),
    );
    const renamed = files.find((f) => f.status === 'renamed')?.patch ?? '';
    expect(renamed).toMatch(/^@@ /);
    expect(renamed).toContain('-    amount\n+    amount,\n+    method');
    expect(files.find((f) => f.status === 'removed')?.patch).toContain("-select id as customer_id from {{ source('shop', 'customers') }}");
    expect(files.find((f) => f.path === 'models/marts/naïve café.sql')?.patch).toBe('@@ -0,0 +1 @@\n+select 1 as id');
  });

  it('has no patch for a binary file', async () => {
    const files = await changedFiles(repo, base, head);
    const binary = files.find((f) => f.path === 'assets/logo.png');
    expect(binary?.status).toBe('modified');
    expect(binary?.patch).toBeUndefined();
  });

  it('diffs from the merge base, like a pull request: later commits on the base branch are not part of the change', async () => {
    const r = initRepo();
    const root = commit(r, PROJECT, 'root');
    git(r, 'checkout', '--quiet', '-b', 'feature');
    const feature = commit(r, { 'models/marts/fct_orders.sql': ORDERS_V2 }, 'feature work');
    git(r, 'checkout', '--quiet', 'main');
    const mainMoved = commit(r, { 'models/staging/stg_orders.sql': 'select 2 as order_id\n', 'models/new_on_main.sql': 'select 1\n' });
    const files = await changedFiles(r, mainMoved, feature);
    expect(files).toEqual([expect.objectContaining({ path: 'models/marts/fct_orders.sql', status: 'modified' })]);
    // sanity: a plain two-dot diff would have reported main's own changes as reverted
    expect(git(r, 'diff', '--name-only', mainMoved, feature).trim().split('\n')).toHaveLength(3);
    expect(root).not.toBe(mainMoved);
  });

  it('returns nothing for identical revisions', async () => {
    expect(await changedFiles(repo, head, head)).toEqual([]);
  });
});

describe('gitSnapshot', () => {
  it('lists every path and loads the dbt files of every project, skipping packages, target and node_modules', async () => {
    const repo = initRepo();
    const sha = commit(repo, {
      'README.md': '# monorepo\n',
      'scripts/backfill.sql': 'delete from prod.orders\n',
      'profiles.yml': 'shop:\n  target: prod\n  outputs:\n    prod:\n      type: bigquery\n',
      '.github/dbt-pr-reviewer.yml': 'dialect: bigquery\n',
      'warehouse/dbt_project.yml': 'name: shop\n',
      'warehouse/models/fct_orders.sql': ORDERS_V1,
      'warehouse/models/schema.yml': 'version: 2\n',
      'warehouse/models/docs.md': '{% docs orders %}Orders{% enddocs %}\n',
      'warehouse/models/orders_ml.py': 'def model(dbt, session):\n    return dbt.ref("fct_orders")\n',
      'warehouse/seeds/countries.csv': 'code,name\nfr,France\n',
      'warehouse/dbt_packages/dbt_utils/macros/star.sql': '{% macro star() %}{% endmacro %}\n',
      'warehouse/target/compiled/fct_orders.sql': 'select 1\n',
      'warehouse/node_modules/x/index.yml': 'a: 1\n',
      'marketing/dbt_project.yml': 'name: marketing\n',
      'marketing/models/campaigns.sql': 'select 1 as campaign_id\n',
    });
    const snapshot = await gitSnapshot(repo, sha);
    expect(snapshot.sha).toBe(sha);
    expect(snapshot.paths()).toContain('scripts/backfill.sql');
    expect(snapshot.paths()).toContain('warehouse/target/compiled/fct_orders.sql');
    expect(snapshot.paths()).toHaveLength(15);
    expect(snapshot.read('warehouse/models/fct_orders.sql')).toBe(ORDERS_V1);
    expect(snapshot.read('warehouse/models/orders_ml.py')).toContain('def model');
    expect(snapshot.read('warehouse/models/docs.md')).toContain('{% docs orders %}');
    expect(snapshot.read('marketing/models/campaigns.sql')).toBe('select 1 as campaign_id\n');
    expect(snapshot.read('profiles.yml')).toContain('type: bigquery');
    expect(snapshot.read('.github/dbt-pr-reviewer.yml')).toBe('dialect: bigquery\n');
    for (const notLoaded of [
      'README.md', // outside every dbt project
      'scripts/backfill.sql',
      'warehouse/seeds/countries.csv',
      'warehouse/dbt_packages/dbt_utils/macros/star.sql',
      'warehouse/target/compiled/fct_orders.sql',
      'warehouse/node_modules/x/index.yml',
    ]) {
      expect(snapshot.read(notLoaded), notLoaded).toBeUndefined();
    }
    expect(snapshot.skipped).toEqual([]);
  });

  it('skips blobs over 2 MB and binary files with a note', async () => {
    const repo = initRepo();
    const big = `select\n${'    1 as c,\n'.repeat(200_000)}    2 as d\n`;
    expect(big.length).toBeGreaterThan(2 * 1024 * 1024);
    const sha = commit(repo, {
      'dbt_project.yml': 'name: shop\n',
      'models/huge_generated.sql': big,
      'models/garbled.sql': Buffer.from([0x73, 0x65, 0x6c, 0, 0x01]),
      'models/ok.sql': 'select 1 as id\n',
    });
    const snapshot = await gitSnapshot(repo, sha);
    expect(snapshot.read('models/ok.sql')).toBe('select 1 as id\n');
    expect(snapshot.read('models/huge_generated.sql')).toBeUndefined();
    expect(snapshot.paths()).toContain('models/huge_generated.sql');
    expect(snapshot.skipped).toEqual([
      { path: 'models/garbled.sql', reason: 'binary file; not read' },
      { path: 'models/huge_generated.sql', reason: expect.stringMatching(/^file is 2\.\d MB, over the 2 MB limit; not read$/) },
    ]);
  });

  it('reads the same content at two paths, and files whose names have spaces, unicode and a BOM', async () => {
    const repo = initRepo();
    const sha = commit(repo, {
      'dbt_project.yml': 'name: shop\n',
      'models/a.sql': 'select 1 as id\n',
      'models/copy/a.sql': 'select 1 as id\n',
      'models/déjà vu.sql': '\uFEFFselect 2 as id\n',
    });
    const snapshot = await gitSnapshot(repo, sha);
    expect(snapshot.read('models/a.sql')).toBe('select 1 as id\n');
    expect(snapshot.read('models/copy/a.sql')).toBe('select 1 as id\n');
    expect(snapshot.read('models/déjà vu.sql')).toBe('select 2 as id\n');
    expect(snapshot.loadedCount).toBe(4);
  });

  it('reads a second revision by reusing the blobs it shares with the first, with the same result as a fresh read', async () => {
    const repo = initRepo();
    const v1 = commit(repo, PROJECT);
    const v2 = commit(repo, { ...PROJECT, 'models/marts/fct_orders.sql': ORDERS_V2, 'models/new.sql': 'select 1 as id\n' });
    const head = await gitSnapshot(repo, v2);
    const reused = await gitSnapshot(repo, v1, { reuse: head });
    const fresh = await gitSnapshot(repo, v1);
    expect(reused.paths()).toEqual(fresh.paths());
    for (const path of fresh.paths()) expect(reused.read(path)).toBe(fresh.read(path));
    expect(reused.read('models/marts/fct_orders.sql')).toBe(ORDERS_V1);
    expect(reused.read('models/new.sql')).toBeUndefined();
    expect(reused.loadedCount).toBe(fresh.loadedCount);
  });

  it('reads thousands of files through one batch, intact', async () => {
    const repo = initRepo();
    const expected = new Map<string, string>();
    expected.set('dbt_project.yml', 'name: big\n');
    for (let i = 0; i < 3000; i++) {
      expected.set(`models/m${i % 40}/model_${i}.sql`, `select ${i} as id, '${'x'.repeat((i * 37) % 900)}' as padding\n`);
      if (i % 10 === 0) expected.set(`models/m${i % 40}/_m${i}.yml`, `version: 2\nmodels:\n  - name: model_${i}\n`);
    }
    const sha = fastImport(repo, expected);
    const snapshot = await gitSnapshot(repo, sha);
    expect(snapshot.loadedCount).toBe(expected.size);
    for (const [path, content] of expected) {
      if (snapshot.read(path) !== content) expect.fail(`${path} was not read intact`);
    }
  }, 60_000);
});

/** One commit with all the files, through `git fast-import` (no work tree, one process). */
function fastImport(repo: string, files: ReadonlyMap<string, string>): string {
  const parts: string[] = ['commit refs/heads/main', 'committer T <t@example.com> 1700000000 +0000', 'data 4', 'big', ''];
  for (const [path, content] of files) parts.push(`M 100644 inline ${path}`, `data ${Buffer.byteLength(content)}`, content);
  execFileSync('git', ['fast-import', '--quiet'], { cwd: repo, env: GIT_TEST_ENV, input: parts.join('\n') + '\n' });
  return git(repo, 'rev-parse', 'main').trim();
}

describe('readFileAt', () => {
  it('reads a committed file, or undefined when the revision has none', async () => {
    const repo = initRepo();
    const sha = commit(repo, { '.github/dbt-pr-reviewer.yml': 'dialect: duckdb\n' });
    expect(await readFileAt(repo, sha, '.github/dbt-pr-reviewer.yml')).toBe('dialect: duckdb\n');
    expect(await readFileAt(repo, sha, '.github/missing.yml')).toBeUndefined();
    expect(await readFileAt(repo, sha, '.github')).toBeUndefined(); // a tree, not a file
  });
});

describe('the work tree is never read or written', () => {
  const snapshotFolder = (dir: string): Record<string, number> => {
    const out: Record<string, number> = {};
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const full = join(d, name);
        const s = statSync(full);
        if (s.isDirectory()) walk(full);
        else out[full.slice(dir.length)] = s.mtimeMs;
      }
    };
    walk(dir);
    return out;
  };

  afterEach(() => {
    delete process.env.GIT_INDEX_FILE;
  });

  it('reviews a bare clone, which has no work tree at all', async () => {
    const origin = initRepo();
    const base = commit(origin, PROJECT);
    const head = commit(origin, { 'models/marts/fct_orders.sql': ORDERS_V2 });
    const bare = join(tempDir(), 'shop.git');
    git(tempDir(), 'clone', '--quiet', '--bare', origin, bare);
    expect(git(bare, 'rev-parse', '--is-bare-repository').trim()).toBe('true');
    const before = snapshotFolder(bare);

    expect(await resolveRev(bare, 'main')).toBe(head);
    const files = await changedFiles(bare, base, head);
    expect(files).toEqual([expect.objectContaining({ path: 'models/marts/fct_orders.sql', status: 'modified', patch: expect.stringContaining('+    currency,') })]);
    const snapshot = await gitSnapshot(bare, head);
    expect(snapshot.read('models/marts/fct_orders.sql')).toBe(ORDERS_V2);
    expect(await readFileAt(bare, base, 'models/marts/fct_orders.sql')).toBe(ORDERS_V1);

    expect(existsSync(join(bare, 'models'))).toBe(false);
    expect(existsSync(join(bare, 'index'))).toBe(false);
    expect(snapshotFolder(bare)).toEqual(before); // nothing written into the repository
  });

  it('reads committed content, not uncommitted or staged edits, and leaves the work tree and index alone', async () => {
    const repo = initRepo();
    const base = commit(repo, PROJECT);
    const head = commit(repo, { 'models/marts/fct_orders.sql': ORDERS_V2 });
    // uncommitted edits: one staged, one only in the work tree, one untracked file
    writeFiles(repo, { 'models/staging/stg_orders.sql': 'select 42 as staged\n' });
    git(repo, 'add', 'models/staging/stg_orders.sql');
    writeFiles(repo, {
      'models/marts/fct_orders.sql': 'select 1 as work_tree_only\n',
      'models/marts/untracked.sql': 'select 1 as untracked\n',
    });
    const status = git(repo, 'status', '--porcelain');
    const indexBefore = readFileSync(join(repo, '.git', 'index'));
    const tree = snapshotFolder(repo);

    const snapshot = await gitSnapshot(repo, head);
    expect(snapshot.read('models/marts/fct_orders.sql')).toBe(ORDERS_V2);
    expect(snapshot.read('models/staging/stg_orders.sql')).toBe(PROJECT['models/staging/stg_orders.sql']);
    expect(snapshot.paths()).not.toContain('models/marts/untracked.sql');
    const files = await changedFiles(repo, base, 'HEAD');
    expect(files.map((f) => f.path)).toEqual(['models/marts/fct_orders.sql']);
    expect(files[0]?.patch).not.toContain('work_tree_only');

    expect(readFileSync(join(repo, '.git', 'index')).equals(indexBefore)).toBe(true);
    expect(snapshotFolder(repo)).toEqual(tree);
    expect(git(repo, 'status', '--porcelain')).toBe(status);
  });

  it('ignores a GIT_INDEX_FILE exported by a surrounding hook', async () => {
    const repo = initRepo();
    const sha = commit(repo, PROJECT);
    const foreignIndex = join(tempDir(), 'foreign-index');
    writeFileSync(foreignIndex, 'not an index');
    process.env.GIT_INDEX_FILE = foreignIndex;
    const snapshot = await gitSnapshot(repo, sha);
    expect(snapshot.read('models/marts/fct_orders.sql')).toBe(ORDERS_V1);
    expect(readFileSync(foreignIndex, 'utf8')).toBe('not an index');
  });
});

describe('dbtRelevantPaths', () => {
  it('picks project files under the folder of each dbt_project.yml only', () => {
    expect(
      dbtRelevantPaths([
        'analytics/dbt_project.yml',
        'analytics/models/a.sql',
        'analytics/models/A.YML',
        'analytics/models/b.csv',
        'analytics/target/run/a.sql',
        'analyticsX/models/c.sql',
        'profiles.yml',
        'tools/profiles.yml',
        'docs/guide.md',
      ]),
    ).toEqual(['analytics/dbt_project.yml', 'analytics/models/a.sql', 'analytics/models/A.YML', 'profiles.yml', 'tools/profiles.yml']);
  });
});
