/**
 * The changed files of a PR: one compare request when it can be trusted (with the merge base), the PR files pages
 * otherwise (300 files or more, a count that differs from the PR's, a compare GitHub refuses).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listPullRequestFiles } from '../../src/github/pr-files.js';
import type { Octokit } from '../../src/github/types.js';
import { FixtureRepo, startFakeGitHub, type FakeGitHub, type FakePull } from '../fakes/github/index.js';
import { git, threeDotDiff } from '../fakes/github/git.js';
import { generateAppKey } from '../e2e/harness/setup.js';
import { installationOctokit } from './fake-octokit.js';

const APP_ID = 11;
const INSTALLATION = 5;
let repo: FixtureRepo;
let fake: FakeGitHub;
let octokit: Octokit;
let small: FakePull;
let many: FakePull;

beforeAll(async () => {
  repo = FixtureRepo.create('pr-files-');
  repo.commit('base', { 'models/a.sql': 'select 1 as id\nfrom x\n', 'models/old.sql': 'select 2\n', 'models/keep.sql': 'select 3 as id\n' });
  repo.branch('small');
  repo.commit('small change', {
    'models/a.sql': 'select 1 as id\nfrom y\n',
    'models/old.sql': null,
    'models/keep.sql': null,
    'models/kept.sql': 'select 3 as id\n',
    'models/new.sql': 'select 4\n',
  });
  repo.checkout('main');
  repo.branch('many');
  const files: Record<string, string> = {};
  for (let i = 0; i < 305; i++) files[`seeds/s${String(i).padStart(3, '0')}.csv`] = `id\n${i}\n`;
  repo.commit('305 files', files);
  repo.checkout('main');
  // The base branch moves on after the branches were cut: the merge base is the first commit, not main's tip.
  repo.commit('main moves', { 'README.md': '# later\n' });

  const key = generateAppKey();
  fake = await startFakeGitHub({ appId: APP_ID, appKey: key, repos: [{ owner: 'o', name: 'r', dir: repo.dir, installationId: INSTALLATION }] });
  octokit = await installationOctokit(fake, APP_ID, key, INSTALLATION);
  small = fake.openPull({ owner: 'o', repo: 'r', head: 'small' });
  many = fake.openPull({ owner: 'o', repo: 'r', head: 'many' });
});

afterAll(async () => {
  await fake?.close();
  repo?.remove();
});

beforeEach(() => fake.omitPatches.clear());

function params(pull: FakePull, expectedCount?: number) {
  return {
    owner: 'o',
    repo: 'r',
    pullNumber: pull.number,
    baseSha: repo.sha('main'),
    headSha: pull.headSha,
    ...(expectedCount !== undefined ? { expectedCount } : {}),
  };
}

function listingRequests(mark: number) {
  return fake.since(mark).map((r) => `${r.route} ${r.query.per_page ?? ''} ${r.status}`);
}

describe('listPullRequestFiles', () => {
  it('reads the files and the merge base from one compare request', async () => {
    const mark = fake.mark();
    const listing = await listPullRequestFiles(octokit, params(small, 4));
    expect(listingRequests(mark)).toEqual(['/repos/{owner}/{repo}/compare/{basehead} 1 200']);
    expect(listing.source).toBe('compare');
    expect(listing.mergeBaseSha).toBe(git(repo.dir, ['merge-base', 'main', 'small']).trim());
    expect(listing.mergeBaseSha).not.toBe(repo.sha('main'));
    expect(listing.truncated).toBe(false);
    expect(listing.notes).toEqual([]);
    const expected = threeDotDiff(repo.dir, repo.sha('main'), small.headSha);
    expect(listing.files.map((f) => [f.path, f.status, f.previousPath, f.sha, f.changes, f.patch])).toEqual(
      expected.map((f) => [f.filename, f.status, f.previous_filename, f.status === 'removed' ? undefined : f.sha, f.changes, f.patch]),
    );
    expect(listing.files.find((f) => f.path === 'models/kept.sql')).toMatchObject({ status: 'renamed', previousPath: 'models/keep.sql' });
    expect(listing.files.find((f) => f.path === 'models/old.sql')).toMatchObject({ status: 'removed' });
    expect(listing.files.find((f) => f.path === 'models/old.sql')!.sha).toBeUndefined();
  });

  it('notes files GitHub gave no patch for, as with the PR files', async () => {
    fake.omitPatches.add('models/a.sql');
    const listing = await listPullRequestFiles(octokit, params(small, 4));
    expect(listing.source).toBe('compare');
    expect(listing.files.find((f) => f.path === 'models/a.sql')!.patch).toBeUndefined();
    expect(listing.notes).toEqual([expect.stringMatching(/no diff for 1 file\(s\) \(too large or binary\): `models\/a\.sql`/)]);
  });

  it('falls back to the PR files pages when the compare lists 300 files (its limit), without a merge base', async () => {
    const mark = fake.mark();
    const listing = await listPullRequestFiles(octokit, params(many));
    expect(listingRequests(mark)).toEqual([
      '/repos/{owner}/{repo}/compare/{basehead} 1 200',
      '/repos/{owner}/{repo}/pulls/{pull_number}/files 100 200',
      '/repos/{owner}/{repo}/pulls/{pull_number}/files 100 200',
      '/repos/{owner}/{repo}/pulls/{pull_number}/files 100 200',
      '/repos/{owner}/{repo}/pulls/{pull_number}/files 100 200',
    ]);
    expect(listing.source).toBe('pull-files');
    expect(listing.files).toHaveLength(305);
    expect(listing.mergeBaseSha).toBeUndefined();
    expect(listing.compareFallback).toMatch(/300 files/);
    expect(listing.truncated).toBe(false);
  });

  it('falls back when the compare does not list as many files as the PR has', async () => {
    const listing = await listPullRequestFiles(octokit, params(small, 5));
    expect(listing.source).toBe('pull-files');
    expect(listing.mergeBaseSha).toBeUndefined();
    expect(listing.compareFallback).toBe('the compare lists 4 files, the pull request 5');
    // The PR files list 4 of 5 too: the listing says so.
    expect(listing.truncated).toBe(true);
    expect(listing.notes[0]).toMatch(/changes 5 files; GitHub lists only the first 4/);
  });

  it.each([
    ['not-found', 404],
    ['unprocessable', 422],
  ] as const)('falls back when the compare answers %s (e.g. a fork commit it cannot reach)', async (kind, status) => {
    fake.failNext('GET', /\/compare\//, kind);
    const mark = fake.mark();
    const listing = await listPullRequestFiles(octokit, params(small, 4));
    expect(listingRequests(mark)).toEqual([
      `/repos/{owner}/{repo}/compare/{basehead} 1 ${status}`,
      '/repos/{owner}/{repo}/pulls/{pull_number}/files 100 200',
    ]);
    expect(listing).toMatchObject({ source: 'pull-files', compareFallback: `the compare answered ${status}`, truncated: false });
    expect(listing.mergeBaseSha).toBeUndefined();
    expect(listing.files.map((f) => f.path).sort()).toEqual(['models/a.sql', 'models/kept.sql', 'models/new.sql', 'models/old.sql']);
  });

  it('falls back when the compare does not know the base commit', async () => {
    const listing = await listPullRequestFiles(octokit, { ...params(small, 4), baseSha: 'f'.repeat(40) });
    expect(listing).toMatchObject({ source: 'pull-files', compareFallback: 'the compare answered 404' });
    expect(listing.files).toHaveLength(4);
  });
});
