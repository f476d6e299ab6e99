/**
 * The base snapshot of a review is listed from the head's tree and the raw diff (`gitSnapshotBefore`) instead of
 * `git ls-tree`: it must be exactly the snapshot `gitSnapshot` reads, file by file, whatever the change did. And
 * the revisions of a review resolve with one git call.
 */
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertRepository, diffCommitsRaw, gitSnapshot, gitSnapshotBefore, resolveRevs, type GitSnapshot } from '../../src/sources/git.js';
import { commit, git, initRepo, removeTempDirs } from './git-fixture.js';

afterAll(removeTempDirs);

const BIG = `-- ${'x'.repeat(3 * 1024 * 1024)}\n`;

function expectSameSnapshot(actual: GitSnapshot, expected: GitSnapshot): void {
  expect(actual.sha).toBe(expected.sha);
  expect(actual.paths()).toEqual(expected.paths());
  for (const path of expected.paths()) expect(actual.read(path), path).toBe(expected.read(path));
  expect(actual.skipped).toEqual(expected.skipped);
  expect([...actual.oids].sort()).toEqual([...expected.oids].sort());
}

describe('gitSnapshotBefore: the base listed from the head and the diff', () => {
  it('equals a snapshot read with ls-tree after adds, deletes, edits, renames, type changes, big and binary files', async () => {
    const repo = initRepo();
    const base = commit(repo, {
      'dbt_project.yml': 'name: shop\n',
      'models/a.sql': 'select 1 as a\n',
      'models/gone.sql': 'select 2 as gone\n',
      'models/moved.sql': "select * from {{ ref('a') }}\n-- a line that keeps the rename similar\n",
      'models/huge.sql': BIG,
      'models/data.sql': Buffer.from([0x73, 0x00, 0x01]),
      'models/_models.yml': 'models:\n  - name: a\n',
      'models/link.sql': 'select 3 as link\n',
      'notes/readme.txt': 'not a dbt file\n',
    });
    const head = commit(repo, {
      'models/a.sql': 'select 1 as a, 2 as b\n',
      'models/gone.sql': null,
      'models/moved.sql': null,
      'models/renamed.sql': "select * from {{ ref('a') }}\n-- a line that keeps the rename similar\n",
      'models/huge.sql': 'select 4 as small\n',
      'models/data.sql': 'select 5 as text\n',
      'models/new.sql': 'select 6 as new\n',
      'models/_models.yml': 'models:\n  - name: a\n    description: A.\n',
      'models/link.sql': null,
    });
    symlinkSync('a.sql', join(repo, 'models/link.sql'));
    git(repo, 'add', '--all');
    git(repo, 'commit', '--quiet', '-m', 'link');
    const headSha = git(repo, 'rev-parse', 'HEAD').trim();
    expect(headSha).not.toBe(head);

    const { raw, files } = await diffCommitsRaw(repo, base, headSha);
    expect(files.find((f) => f.path === 'models/renamed.sql')).toMatchObject({ status: 'renamed', previousPath: 'models/moved.sql' });
    const headSnapshot = await gitSnapshot(repo, headSha);
    // a link reads as the file it points to, as dbt reads it in a checkout
    expect(headSnapshot.skipped.map((s) => s.path)).not.toContain('models/link.sql');
    expect(headSnapshot.read('models/link.sql')).toBe('select 1 as a, 2 as b\n');
    const derived = await gitSnapshotBefore(headSnapshot, base, raw);
    const listed = await gitSnapshot(repo, base);
    expectSameSnapshot(derived, listed);
    expect(derived.skipped.map((s) => s.path)).toEqual(['models/data.sql', 'models/huge.sql']);
    expect(derived.read('models/link.sql')).toBe('select 3 as link\n');
    expect(derived.read('models/new.sql')).toBeUndefined();
  });

  it('equals ls-tree when the histories are unrelated (the diff runs from the base itself)', async () => {
    const repo = initRepo();
    const first = commit(repo, { 'dbt_project.yml': 'name: one\n', 'models/x.sql': 'select 1 as x\n' });
    git(repo, 'checkout', '--quiet', '--orphan', 'other');
    git(repo, 'rm', '-r', '--quiet', '-f', '.');
    const second = commit(repo, { 'dbt_project.yml': 'name: two\n', 'models/y.sql': 'select 2 as y\n' });
    const { raw } = await diffCommitsRaw(repo, first, second);
    const headSnapshot = await gitSnapshot(repo, second);
    expectSameSnapshot(await gitSnapshotBefore(headSnapshot, first, raw), await gitSnapshot(repo, first));
  });
});

describe('resolveRevs: several revisions with one git call', () => {
  it('resolves every revision, and names the one that does not resolve', async () => {
    const repo = initRepo();
    const first = commit(repo, { 'a.sql': 'select 1\n' });
    const second = commit(repo, { 'a.sql': 'select 2\n' });
    expect(await resolveRevs(repo, ['HEAD~1', 'main'])).toEqual([first, second]);
    await expect(resolveRevs(repo, ['main', 'no-such-branch'])).rejects.toThrow("unknown revision 'no-such-branch'");
    await expect(resolveRevs(repo, ['-x', 'main'])).rejects.toThrow("unknown revision '-x'");
  });

  it('says when the folder is not a git repository', async () => {
    const folder = join(initRepo(), '..', 'plain');
    mkdirSync(folder);
    await expect(resolveRevs(folder, ['main', 'HEAD'])).rejects.toThrow(/not a git repository/);
    await expect(assertRepository(folder)).rejects.toThrow(/not a git repository/);
  });
});
