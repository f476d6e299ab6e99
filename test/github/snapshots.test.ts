import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconstructBase } from '../../src/sources/github-base.js';
import { gitSnapshot } from '../../src/sources/git.js';
import { snapshotFromTarball } from '../../src/sources/github-tarball.js';
import { commit, git, initRepo, removeTempDirs } from '../sources/git-fixture.js';
import { FixtureRepo } from '../fakes/github/repo.js';
import { tarball, threeDotDiff } from '../fakes/github/git.js';

let repo: FixtureRepo;
let baseSha: string;
let headSha: string;

beforeAll(() => {
  repo = FixtureRepo.create('snap-');
  baseSha = repo.commit('base', {
    'README.md': '# root readme\n',
    'app/main.js': 'console.log(1)\n',
    'analytics/dbt_project.yml': 'name: a\n',
    'analytics/models/a.sql': 'select 1 as id\n',
    'analytics/models/old.sql': 'select 2 as id\n',
    'analytics/models/keep.sql': 'select 3 as id\n',
    'analytics/dbt_packages/pkg/models/p.sql': 'select 4\n',
    'analytics/models/schema.yml': 'version: 2\n',
  });
  repo.branch('feature');
  headSha = repo.commit('change', {
    'analytics/models/a.sql': 'select 1 as id,\n  2 as two\n',
    'analytics/models/old.sql': null,
    'analytics/models/new.sql': 'select 5 as id\n',
    'analytics/models/keep.sql': null,
    'analytics/models/kept.sql': 'select 3 as id\n',
  });
});

afterAll(() => {
  repo.remove();
  removeTempDirs();
});

describe('snapshotFromTarball', () => {
  it('lists every path and holds only the dbt files of the revision', async () => {
    const snap = await snapshotFromTarball(Readable.from([tarball(repo.dir, headSha, `o-r-${headSha.slice(0, 7)}`)]), headSha);
    expect(snap.paths()).toContain('app/main.js');
    expect(snap.paths()).toContain('README.md');
    expect(snap.paths()).toContain('analytics/dbt_packages/pkg/models/p.sql');
    expect(snap.read('analytics/models/a.sql')).toBe('select 1 as id,\n  2 as two\n');
    expect(snap.read('analytics/dbt_project.yml')).toBe('name: a\n');
    expect(snap.read('README.md')).toBeUndefined(); // outside the dbt project
    expect(snap.read('app/main.js')).toBeUndefined();
    expect(snap.read('analytics/dbt_packages/pkg/models/p.sql')).toBeUndefined();
  });

  it('reads a symbolic link as the file it points to (as a checkout gives dbt), and notes one that points outside', async () => {
    const dir = initRepo();
    commit(dir, { 'dbt_project.yml': 'name: shop\n', 'shared/marts.yml': 'models:\n  - name: fct_orders\n', 'models/a.sql': 'select 1 as id\n' });
    symlinkSync('../shared/marts.yml', join(dir, 'models/_marts.yml'));
    symlinkSync('_marts.yml', join(dir, 'models/_again.yml'));
    symlinkSync('../../outside.sql', join(dir, 'models/escape.sql'));
    git(dir, 'add', '--all');
    git(dir, 'commit', '--quiet', '-m', 'links');
    const sha = git(dir, 'rev-parse', 'HEAD').trim();
    const snap = await snapshotFromTarball(Readable.from([tarball(dir, sha, 'o-r-x')]), sha);
    expect(snap.read('models/_marts.yml')).toBe('models:\n  - name: fct_orders\n');
    expect(snap.read('models/_again.yml')).toBe('models:\n  - name: fct_orders\n');
    expect(snap.read('models/escape.sql')).toBeUndefined();
    expect(snap.skipped).toEqual([{ path: 'models/escape.sql', reason: 'a symbolic link to `../../outside.sql`, which is not a file of this revision: not read (dbt would read the file it points to)' }]);
    // the same as the CLI's snapshot of the commit
    const local = await gitSnapshot(dir, sha);
    for (const path of ['models/_marts.yml', 'models/_again.yml', 'models/escape.sql']) expect(snap.read(path)).toBe(local.read(path));
    expect(local.skipped).toEqual(snap.skipped);
  });

  it.each([
    ['an empty body', Buffer.alloc(0)],
    ['an error page', Buffer.from('<html><body>502 Bad Gateway</body></html>')],
    ['a gzipped page', gzipSync('<html>'.repeat(200))],
  ])('refuses %s instead of reading it as a revision without files', async (_name, body) => {
    await expect(snapshotFromTarball(Readable.from([body]), 'a'.repeat(40))).rejects.toThrow(
      /^the tarball of a{12} could not be read: Unrecognized archive format|checksum failure/,
    );
  });

  it('refuses a download cut short', async () => {
    const whole = tarball(repo.dir, headSha, 'x');
    await expect(snapshotFromTarball(Readable.from([whole.subarray(0, whole.length >> 1)]), headSha)).rejects.toThrow(/unexpected end of file/);
  });
});

describe('reconstructBase', () => {
  it('puts modified, removed and renamed files back from their patches, fetching only what has no patch', async () => {
    const head = await snapshotFromTarball(Readable.from([tarball(repo.dir, headSha, 'x')]), headSha);
    const files = threeDotDiff(repo.dir, baseSha, headSha).map((f) => ({
      path: f.filename,
      status: f.status,
      changes: f.changes,
      ...(f.previous_filename ? { previousPath: f.previous_filename } : {}),
      ...(f.patch && f.filename !== 'analytics/models/old.sql' ? { patch: f.patch } : {}),
    }));
    const fetched: string[] = [];
    const { base } = await reconstructBase(head, files, async (path) => {
      fetched.push(path);
      return path === 'analytics/models/old.sql' ? 'select 2 as id\n' : undefined;
    });
    expect(base.read('analytics/models/a.sql')).toBe('select 1 as id\n');
    expect(base.read('analytics/models/keep.sql')).toBe('select 3 as id\n');
    expect(base.read('analytics/models/old.sql')).toBe('select 2 as id\n');
    expect(base.paths()).not.toContain('analytics/models/new.sql');
    expect(base.paths()).not.toContain('analytics/models/kept.sql');
    expect(base.read('analytics/models/schema.yml')).toBe('version: 2\n');
    expect(fetched).toEqual(['analytics/models/old.sql']);
  });
});
