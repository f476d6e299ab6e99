/**
 * Where a review's head comes from (`loadPullRequestSnapshots` against the fake GitHub): the tarball on a first
 * review (its base is then cached by merge-base SHA), the cached base and the patches after a push with the same
 * merge base (no tarball), and the tarball again on a cache miss or when the patches cannot be trusted.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LruCache } from '../../src/github/lru.js';
import { listPullRequestFiles, type PrFile } from '../../src/github/pr-files.js';
import type { Octokit } from '../../src/github/types.js';
import { baseCacheKey, type CachedBase } from '../../src/sources/github-base-cache.js';
import { downloadSnapshot, loadPullRequestSnapshots, type PullRequestSnapshots, type TreeSnapshot } from '../../src/sources/github.js';
import { FixtureRepo, startFakeGitHub, type FakeGitHub } from '../fakes/github/index.js';
import { generateAppKey } from '../e2e/harness/setup.js';
import { installationOctokit } from './fake-octokit.js';

const APP_ID = 12;
const INSTALLATION = 6;
let repo: FixtureRepo;
let fake: FakeGitHub;
let octokit: Octokit;
let appKey: ReturnType<typeof generateAppKey>;
let mainSha: string;
let head1: string;
let head2: string;
let snapshots: LruCache<string, TreeSnapshot>;
let bases: LruCache<string, CachedBase>;

beforeAll(async () => {
  repo = FixtureRepo.create('pr-snap-');
  mainSha = repo.commit('base', {
    'dbt_project.yml': 'name: shop\nprofile: shop\n',
    'profiles.yml': 'shop:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n',
    'models/orders.sql': 'select 1 as order_id\nfrom raw.orders\n',
    'models/customers.sql': 'select 1 as customer_id\n',
    'models/old.sql': 'select 1 as old_id\n',
    'models/schema.yml': 'version: 2\n',
  });
  repo.branch('feature');
  head1 = repo.commit('first push', { 'models/orders.sql': 'select 1 as order_id,\n  2 as amount\nfrom raw.orders\n' });
  head2 = repo.commit('second push', {
    'models/orders.sql': 'select 1 as order_id\nfrom raw.orders\nwhere 1 = 1\n',
    'models/old.sql': null,
    'models/payments.sql': 'select 1 as payment_id\n',
  });
  repo.checkout('main');
  repo.commit('main moves on', { 'README.md': '# shop\n' });
  appKey = generateAppKey();
  fake = await startFakeGitHub({ appId: APP_ID, appKey, repos: [{ owner: 'o', name: 'shop', dir: repo.dir, installationId: INSTALLATION }] });
  octokit = await installationOctokit(fake, APP_ID, appKey, INSTALLATION);
});

afterAll(async () => {
  await fake?.close();
  repo?.remove();
});

beforeEach(() => {
  snapshots = new LruCache(16);
  bases = new LruCache(16);
});

async function listing(headSha: string) {
  const list = await listPullRequestFiles(octokit, { owner: 'o', repo: 'shop', pullNumber: 1, baseSha: repo.sha('main'), headSha });
  expect(list.source).toBe('compare');
  expect(list.mergeBaseSha).toBe(mainSha);
  return list;
}

async function load(headSha: string, files: readonly PrFile[], mergeBaseSha: string | undefined): Promise<{ result: PullRequestSnapshots; routes: string[] }> {
  const mark = fake.mark();
  const result = await loadPullRequestSnapshots({
    octokit,
    owner: 'o',
    repo: 'shop',
    headSha,
    baseSha: repo.sha('main'),
    files,
    ...(mergeBaseSha !== undefined ? { mergeBaseSha } : {}),
    cache: snapshots,
    baseCache: bases,
  });
  return { result, routes: fake.since(mark).map((r) => `${r.method} ${r.route}`) };
}

function texts(snapshot: { paths(): readonly string[]; read(path: string): string | undefined }) {
  return snapshot.paths().map((p) => [p, snapshot.read(p)]);
}

describe('loadPullRequestSnapshots', () => {
  it('first review: the tarball, and the base kept by merge-base SHA; after a push: no tarball at all', async () => {
    const first = await listing(head1);
    const one = await load(head1, first.files, first.mergeBaseSha);
    expect(one.routes).toEqual(['GET /repos/{owner}/{repo}/tarball/{ref}']);
    expect(one.result.headSource).toBe('tarball');
    expect(bases.get(baseCacheKey('o', 'shop', mainSha))?.sha).toBe(mainSha);

    const second = await listing(head2);
    const two = await load(head2, second.files, second.mergeBaseSha);
    expect(two.routes).toEqual([]);
    expect(two.result.headSource).toBe('patches');
    expect(two.result.patchFallback).toBeUndefined();
    expect(two.result.dialectHint?.name).toBe('postgres');

    // The same snapshots as a review that downloads the head's tarball.
    snapshots = new LruCache(16);
    bases = new LruCache(16);
    const fromTarball = await load(head2, second.files, second.mergeBaseSha);
    expect(fromTarball.result.headSource).toBe('tarball');
    expect(texts(two.result.head)).toEqual(texts(fromTarball.result.head));
    expect(texts(two.result.base)).toEqual(texts(fromTarball.result.base));
    expect(two.result.skipped).toEqual(fromTarball.result.skipped);
    expect(two.result.base.read('models/old.sql')).toBe('select 1 as old_id\n');
    expect(two.result.head.read('models/payments.sql')).toBe('select 1 as payment_id\n');
  });

  it('a tarball without a file GitHub lists at the head is refused, not reviewed as if the file were gone', async () => {
    const second = await listing(head2); // adds models/payments.sql, which head1's tarball does not hold
    await expect(load(head1, second.files, undefined)).rejects.toThrow(
      /the tarball of [0-9a-f]{12} does not hold `models\/payments\.sql`, which GitHub lists as changed at that commit/,
    );
    expect(snapshots.get(`o/shop@${head1}`)).toBeUndefined();
  });

  it('a garbage collection between the tarball response and its reading does not empty the download', async () => {
    // Node's fetch cancels the body of a Response collected before the body is read; Octokit keeps only the body.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const collecting = await installationOctokit(fake, APP_ID, appKey, INSTALLATION);
    collecting.hook.after('request', async () => {
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    const head = await downloadSnapshot(collecting, 'o', 'shop', head2);
    expect(head.paths()).toContain('models/payments.sql');
    expect(head.read('dbt_project.yml')).toBe('name: shop\nprofile: shop\n');
  });

  it('a /recheck of the same head reads nothing: the head snapshot is cached by SHA', async () => {
    const first = await listing(head1);
    await load(head1, first.files, first.mergeBaseSha);
    const again = await load(head1, first.files, first.mergeBaseSha);
    expect(again.routes).toEqual([]);
    expect(again.result.headSource).toBe('cache');
  });

  it('a base-cache miss downloads the tarball (another merge base, or none known)', async () => {
    const first = await listing(head1);
    await load(head1, first.files, first.mergeBaseSha);
    const second = await listing(head2);
    const unknownBase = await load(head2, second.files, undefined);
    expect(unknownBase.routes).toEqual(['GET /repos/{owner}/{repo}/tarball/{ref}']);
    expect(unknownBase.result.headSource).toBe('tarball');

    snapshots = new LruCache(16);
    const otherBase = await load(head2, second.files, repo.sha('main'));
    expect(otherBase.routes).toEqual(['GET /repos/{owner}/{repo}/tarball/{ref}']);
    expect(otherBase.result.headSource).toBe('tarball');
  });

  it('a head the patches cannot rebuild (blob SHA mismatch) comes from the tarball, and the base is kept afresh', async () => {
    const first = await listing(head1);
    await load(head1, first.files, first.mergeBaseSha);
    const key = baseCacheKey('o', 'shop', mainSha);
    const kept = bases.get(key)!;
    // A cached base that drifted from the merge base: a file the push changes (its blob SHA gives the drift away)
    // and one it does not (which only a fresh capture corrects).
    const entries = new Map(kept.entries);
    entries.set('models/orders.sql', { kind: 'text', text: 'select 1 as order_id\nfrom raw.orders\n-- drift\n' });
    entries.set('models/customers.sql', { kind: 'text', text: 'select 2 as customer_id\n' });
    bases.set(key, { ...kept, entries });
    const second = await listing(head2);
    const two = await load(head2, second.files, second.mergeBaseSha);
    expect(two.routes).toEqual(['GET /repos/{owner}/{repo}/tarball/{ref}']);
    expect(two.result.headSource).toBe('tarball');
    expect(two.result.patchFallback).toMatch(/models\/orders\.sql/);
    expect(bases.get(key)!.entries.get('models/customers.sql')).toEqual({ kind: 'text', text: 'select 1 as customer_id\n' });
  });

  it('reads the base version of a file without a patch at the merge base, not at the moved base branch', async () => {
    fake.omitPatches.add('models/orders.sql');
    try {
      const first = await listing(head1);
      const one = await load(head1, first.files, first.mergeBaseSha);
      const contents = fake.since(0).filter((r) => r.route === '/repos/{owner}/{repo}/contents/{path}').at(-1)!;
      expect(one.routes).toEqual(['GET /repos/{owner}/{repo}/tarball/{ref}', 'GET /repos/{owner}/{repo}/contents/{path}']);
      expect(contents.query.ref).toBe(mainSha);
      expect(one.result.base.read('models/orders.sql')).toBe('select 1 as order_id\nfrom raw.orders\n');
    } finally {
      fake.omitPatches.clear();
    }
  });
});
