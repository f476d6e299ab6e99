/**
 * A re-review's head without a tarball: the cached merge base with the PR's patches applied forward must be the
 * snapshot a tarball of the head gives (paths, texts, skipped files), and anything it cannot vouch for (a blob SHA
 * that does not match, a patch that does not apply, too many files without a patch, a path the cache does not
 * hold) must say so, so that the tarball is downloaded instead.
 */
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconstructBase } from '../../src/sources/github-base.js';
import { captureBase, type CachedBase } from '../../src/sources/github-base-cache.js';
import { gitBlobSha } from '../../src/sources/github-blob.js';
import { headFromBase, type HeadFile } from '../../src/sources/github-head.js';
import { snapshotFromTarball, type TreeSnapshot } from '../../src/sources/github-tarball.js';
import { FixtureRepo } from '../fakes/github/repo.js';
import { blobSha, readFileAt, tarball, threeDotDiff, type DiffFile } from '../fakes/github/git.js';

const LIMIT = 256; // bytes: a small "too large" limit, so the fixture can have files over it
const big = (tag: string) => `select '${tag}' as id\n${'-- padding\n'.repeat(40)}`;

let repo: FixtureRepo;
let mainSha: string;
let head1: string;
let head2: string;
let cached: CachedBase;

function toHeadFiles(diff: DiffFile[]): HeadFile[] {
  return diff.map((f) => ({
    path: f.filename,
    status: f.status,
    changes: f.changes,
    ...(f.previous_filename ? { previousPath: f.previous_filename } : {}),
    ...(f.patch !== undefined ? { patch: f.patch } : {}),
    ...(f.status !== 'removed' && f.sha ? { sha: f.sha } : {}),
  }));
}

async function tarballSnapshot(sha: string): Promise<TreeSnapshot> {
  return snapshotFromTarball(Readable.from([tarball(repo.dir, sha, `o-r-${sha.slice(0, 7)}`)]), sha, { maxBlobBytes: LIMIT });
}

/** Everything a review can observe of a snapshot. */
function observe(snapshot: TreeSnapshot) {
  return {
    paths: snapshot.paths(),
    texts: snapshot.paths().map((p) => [p, snapshot.read(p)]),
    skipped: snapshot.skipped,
    loadedCount: snapshot.loadedCount,
    overBudget: snapshot.overBudget,
  };
}

const fetchAtHead2 = async (path: string) => readFileAt(repo.dir, head2, path)?.toString('utf8');

beforeAll(async () => {
  repo = FixtureRepo.create('head-');
  mainSha = repo.commit('base', {
    'README.md': '# root readme\n',
    'app/main.js': 'console.log(1)\n',
    'analytics/dbt_project.yml': 'name: a\n',
    'analytics/models/a.sql': 'select 1 as id\nfrom x\nwhere true\n',
    'analytics/models/old.sql': 'select 2 as id\n',
    'analytics/models/keep.sql': 'select 3 as id\nfrom k\n',
    'analytics/models/schema.yml': 'version: 2\n',
    'analytics/models/nonl.sql': 'select 4 as id\nfrom n',
    'analytics/models/crlf.sql': 'select 5 as id\r\nfrom c\r\n',
    'analytics/models/bom.sql': '\uFEFFselect 6 as id\n',
    'analytics/models/big.sql': big('base'),
    'analytics/dbt_packages/pkg/models/p.sql': 'select 7\n',
  });
  symlinkSync('a.sql', join(repo.dir, 'analytics/models/link.sql'));
  mainSha = repo.commit('a symlink', {});
  repo.branch('feature');
  head1 = repo.commit('first push', {
    'analytics/models/a.sql': 'select 1 as id,\n  2 as two\nfrom x\nwhere true\n',
    'analytics/models/new.sql': 'select 8 as id\n',
  });
  repo.branch('feature-2');
  head2 = repo.commit('second push', {
    'analytics/models/a.sql': 'select 1 as id,\n  2 as two,\n  3 as three\nfrom x\nwhere false\n',
    'analytics/models/old.sql': null,
    'analytics/models/keep.sql': null,
    'analytics/models/kept.sql': 'select 3 as id\nfrom kept\n',
    'analytics/models/nonl.sql': 'select 4 as id\nfrom n\nwhere x',
    'analytics/models/crlf.sql': 'select 5 as id\r\nfrom c2\r\n',
    'analytics/models/added.sql': 'select 9 as id\n',
    'analytics/models/empty.sql': '',
    'analytics/models/big2.sql': big('new'),
    'app/main.js': 'console.log(2)\n',
  });
  repo.checkout('main');

  // The first review: head from the tarball, base put back from the patches, then kept.
  const head = await tarballSnapshot(head1);
  const files1 = toHeadFiles(threeDotDiff(repo.dir, mainSha, head1));
  const { base } = await reconstructBase(head, files1, async () => undefined);
  cached = captureBase(mainSha, head, base, files1, LIMIT)!;
  expect(cached).toBeDefined();
});

afterAll(() => repo?.remove());

describe('captureBase', () => {
  it('records texts, skipped files and non-files of the base, and leaves out what the head did not keep', () => {
    expect(cached.entries.get('analytics/models/a.sql')).toEqual({ kind: 'text', text: 'select 1 as id\nfrom x\nwhere true\n' });
    expect(cached.entries.get('analytics/models/bom.sql')).toEqual({ kind: 'text', text: 'select 6 as id\n' });
    expect(cached.entries.get('analytics/models/big.sql')).toMatchObject({ kind: 'skipped', reason: expect.stringMatching(/over the 0 KB limit/) });
    expect(cached.entries.get('analytics/models/link.sql')).toEqual({ kind: 'link', to: 'a.sql' }); // read as the file it points to, at each head
    expect(cached.entries.has('analytics/models/new.sql')).toBe(false); // added by the PR: not in the base
    expect(cached.entries.has('analytics/dbt_packages/pkg/models/p.sql')).toBe(false);
    expect(cached.paths).toContain('app/main.js');
    expect(cached.paths).not.toContain('analytics/models/new.sql');
  });

  it('refuses a head whose tarball ran over its byte budget', async () => {
    const head = { ...(await tarballSnapshot(head1)), overBudget: true };
    const files1 = toHeadFiles(threeDotDiff(repo.dir, mainSha, head1));
    const { base } = await reconstructBase(head, files1, async () => undefined);
    expect(captureBase(mainSha, head, base, files1, LIMIT)).toBeUndefined();
  });
});

describe('headFromBase', () => {
  it('gives the snapshot a tarball of the head gives: added, removed, renamed, no final newline, CRLF, empty, too large', async () => {
    const files = toHeadFiles(threeDotDiff(repo.dir, mainSha, head2));
    expect(files.map((f) => `${f.status} ${f.path}`)).toEqual(
      expect.arrayContaining(['removed analytics/models/old.sql', 'renamed analytics/models/kept.sql', 'added analytics/models/empty.sql']),
    );
    const built = await headFromBase({ base: cached, headSha: head2, files, fetchHead: fetchAtHead2, maxBlobBytes: LIMIT });
    if (!built.ok) throw new Error(built.reason);
    expect(built.fetched).toEqual([]);
    const expected = await tarballSnapshot(head2);
    expect(observe(built.head)).toEqual(observe(expected));
    expect(built.head.sha).toBe(head2);
    // the unchanged link reads as the file it points to, which this push changed
    expect(built.head.read('analytics/models/link.sql')).toBe('select 1 as id,\n  2 as two,\n  3 as three\nfrom x\nwhere false\n');
    expect(built.head.read('analytics/models/kept.sql')).toBe('select 3 as id\nfrom kept\n');
    expect(built.head.read('analytics/models/nonl.sql')).toBe('select 4 as id\nfrom n\nwhere x');
    expect(built.head.read('analytics/models/crlf.sql')).toBe('select 5 as id\r\nfrom c2\r\n');
    expect(built.head.read('analytics/models/empty.sql')).toBe('');
    expect(built.head.paths()).not.toContain('analytics/models/old.sql');
    expect(built.head.skipped.map((s) => s.path)).toEqual(['analytics/models/big.sql', 'analytics/models/big2.sql']);
  });

  it('reads a file GitHub gave no patch for at the head when few are missing', async () => {
    const files = toHeadFiles(threeDotDiff(repo.dir, mainSha, head2)).map((f) => {
      if (f.path !== 'analytics/models/a.sql') return f;
      const { patch: _patch, ...rest } = f;
      return rest;
    });
    const built = await headFromBase({ base: cached, headSha: head2, files, fetchHead: fetchAtHead2, maxBlobBytes: LIMIT });
    if (!built.ok) throw new Error(built.reason);
    expect(built.fetched).toEqual(['analytics/models/a.sql']);
    expect(observe(built.head)).toEqual(observe(await tarballSnapshot(head2)));
  });

  it('gives up when more files have no patch than it may read one by one', async () => {
    const files = toHeadFiles(threeDotDiff(repo.dir, mainSha, head2)).map(({ patch: _patch, ...f }) => f);
    const fetched: string[] = [];
    const built = await headFromBase({
      base: cached,
      headSha: head2,
      files,
      fetchHead: async (p) => {
        fetched.push(p);
        return fetchAtHead2(p);
      },
      maxBlobBytes: LIMIT,
    });
    expect(built).toEqual({ ok: false, reason: expect.stringMatching(/changed files have no patch to apply \(at most 5 are read one by one\)/) });
    expect(fetched).toEqual([]);
  });

  it('gives up when a rebuilt file does not match the blob SHA GitHub lists', async () => {
    const files = toHeadFiles(threeDotDiff(repo.dir, mainSha, head2)).map((f) =>
      f.path === 'analytics/models/added.sql' ? { ...f, sha: gitBlobSha(Buffer.from('select 10 as id\n')) } : f,
    );
    const built = await headFromBase({ base: cached, headSha: head2, files, fetchHead: fetchAtHead2, maxBlobBytes: LIMIT });
    expect(built).toEqual({ ok: false, reason: 'analytics/models/added.sql rebuilt from its patch does not match its blob SHA' });
  });

  it('gives up when the cached base text is not the one the patch was made against', async () => {
    const entries = new Map(cached.entries);
    // Same lines the patch touches, another one it does not: the patch applies, the blob SHA tells.
    entries.set('analytics/models/a.sql', { kind: 'text', text: 'select 1 as id\nfrom x\nwhere true\n-- drift\n' });
    const files = toHeadFiles(threeDotDiff(repo.dir, mainSha, head2));
    const built = await headFromBase({ base: { ...cached, entries }, headSha: head2, files, fetchHead: fetchAtHead2, maxBlobBytes: LIMIT });
    expect(built).toEqual({ ok: false, reason: 'analytics/models/a.sql rebuilt from its patch does not match its blob SHA' });
  });

  it('gives up when a patch does not apply to the cached base text', async () => {
    const files = toHeadFiles(threeDotDiff(repo.dir, mainSha, head2)).map((f) =>
      f.path === 'analytics/models/a.sql' ? { ...f, patch: f.patch!.replace(' from x', ' from z') } : f,
    );
    const built = await headFromBase({ base: cached, headSha: head2, files, fetchHead: fetchAtHead2, maxBlobBytes: LIMIT });
    expect(built).toEqual({ ok: false, reason: 'the patch of analytics/models/a.sql does not apply to its base text' });
  });

  it('gives up when an unchanged file the head needs is not in the cached base', async () => {
    const entries = new Map(cached.entries);
    entries.delete('analytics/models/schema.yml');
    const files = toHeadFiles(threeDotDiff(repo.dir, mainSha, head2));
    const built = await headFromBase({ base: { ...cached, entries }, headSha: head2, files, fetchHead: fetchAtHead2, maxBlobBytes: LIMIT });
    expect(built).toEqual({ ok: false, reason: 'the cached base does not hold analytics/models/schema.yml' });
  });

  it('gives up when a changed file was a symlink at the base (the file list does not say what it is now)', async () => {
    const files: HeadFile[] = [
      ...toHeadFiles(threeDotDiff(repo.dir, mainSha, head2)),
      { path: 'analytics/models/link.sql', status: 'modified', changes: 2, patch: '@@ -1 +1 @@\n-a.sql\n\\ No newline at end of file\n+b.sql\n\\ No newline at end of file', sha: gitBlobSha(Buffer.from('b.sql')) },
    ];
    const built = await headFromBase({ base: cached, headSha: head2, files, fetchHead: fetchAtHead2, maxBlobBytes: LIMIT });
    expect(built).toEqual({ ok: false, reason: 'analytics/models/link.sql is not a regular file at the base' });
  });

  it('checks files against GitHub blob SHAs as git computes them', () => {
    expect(gitBlobSha(Buffer.from(''))).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
    expect(gitBlobSha(Buffer.from('select 9 as id\n'))).toBe(blobSha(repo.dir, head2, 'analytics/models/added.sql'));
  });
});
