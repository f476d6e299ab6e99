/**
 * GitHub requests per review do not grow with the project nor with the PR: a first review costs 7 requests (the
 * changed files come from one compare, the head from one tarball), and a re-review after one more push 4 (the head
 * is rebuilt from the cached merge base and the patches: no tarball). Asserted on a PR touching 5 of 200 models
 * and on one touching 110 files (more than one page of the PR files API).
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { FakeGitHub, FixtureRepo, RecordedRequest } from '../fakes/github/index.js';
import { buildCrowdedRepo, buildLargeRepo } from './fixtures/large-project.js';
import { startStack, type Stack } from './harness/setup.js';
import { deliver, pullRequestEvent } from './harness/webhooks.js';

// Each test drives a real server process and a full review: generous limits for a busy 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const INSTALLATION = 9;
let stack: Stack;
let repo: FixtureRepo;
let wide: FixtureRepo;
let crowded: FixtureRepo;

beforeAll(async () => {
  repo = buildLargeRepo(200, [3, 17, 42, 64, 88]);
  wide = buildLargeRepo(240, Array.from({ length: 110 }, (_, i) => i));
  crowded = buildCrowdedRepo(60, 11);
  stack = await startStack([
    { owner: 'acme', name: 'warehouse', dir: repo.dir, installationId: INSTALLATION },
    { owner: 'acme', name: 'wide', dir: wide.dir, installationId: INSTALLATION },
    { owner: 'acme', name: 'crowded', dir: crowded.dir, installationId: INSTALLATION },
  ]);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  repo?.remove();
  wide?.remove();
  crowded?.remove();
});

function routes(requests: RecordedRequest[]): string[] {
  return requests.map((r) => `${r.method} ${r.route ?? r.path}`).sort();
}

const FIRST_REVIEW = [
  'GET /repos/{owner}/{repo}/contents/{path}', // .github/dbt-pr-reviewer.yml
  'POST /repos/{owner}/{repo}/check-runs',
  'GET /repos/{owner}/{repo}/compare/{basehead}',
  'GET /repos/{owner}/{repo}/tarball/{ref}',
  'POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews',
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
  'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
].sort();

// The second push only adds a comment line to the same files: no new finding, so no review is posted.
const RE_REVIEW = [
  'POST /repos/{owner}/{repo}/check-runs',
  'GET /repos/{owner}/{repo}/compare/{basehead}',
  'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
  'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
].sort();

/** Opens a PR from `feature`, then pushes `feature-2`; returns what each review requested and logged. */
async function reviewThenPush(fake: FakeGitHub, name: string) {
  const { app, secret } = stack;
  const pull = fake.openPull({ owner: 'acme', repo: name, head: 'feature' });

  let mark = fake.mark();
  const first = await deliver(app.url, secret, 'pull_request', pullRequestEvent(fake, pull, 'opened', INSTALLATION));
  expect(first.status).toBe(200);
  await app.idle();
  const firstRequests = fake.since(mark, ['api', 'graphql']);
  const firstOther = fake.since(mark, ['auth', 'download']);
  const firstRun = fake.checkRuns.find((r) => r.repo === name && r.head_sha === pull.headSha);
  const firstLog = await app.waitForLog((l) => l.msg === 'review published' && l.deliveryId === first.id);

  fake.pushPull(pull, 'feature-2');
  mark = fake.mark();
  const second = await deliver(app.url, secret, 'pull_request', pullRequestEvent(fake, pull, 'synchronize', INSTALLATION));
  expect(second.status).toBe(200);
  await app.idle();
  const secondRequests = fake.since(mark, ['api', 'graphql']);
  const secondOther = fake.since(mark, ['auth', 'download']);
  const secondRun = fake.checkRuns.find((r) => r.repo === name && r.head_sha === pull.headSha);
  const secondLog = await app.waitForLog((l) => l.msg === 'review published' && l.deliveryId === second.id);
  return { pull, firstRequests, firstOther, firstRun, firstLog, secondRequests, secondOther, secondRun, secondLog };
}

it('a PR touching 5 of 200 models: 7 requests to review, 4 to re-review after a push', async () => {
  const { fake } = stack;
  const r = await reviewThenPush(fake, 'warehouse');

  expect(routes(r.firstRequests)).toEqual(FIRST_REVIEW);
  // Plus the installation token (once an hour) and the tarball's redirect to the download host.
  expect(r.firstOther.map((q) => q.kind).sort()).toEqual(['auth', 'download']);
  expect(r.firstRun).toMatchObject({ status: 'completed', conclusion: 'failure' });
  expect(r.firstLog.githubRequests).toMatchObject({ total: 7, auth: 1 });
  expect(r.firstLog).toMatchObject({ filesFrom: 'compare', headFrom: 'tarball' });

  expect(routes(r.secondRequests)).toEqual(RE_REVIEW);
  expect(r.secondOther).toEqual([]); // no tarball, no token
  expect(r.secondRun).toMatchObject({ status: 'completed', conclusion: 'failure' });
  expect(r.secondLog.githubRequests).toMatchObject({ total: 4, auth: 0 });
  expect(r.secondLog).toMatchObject({ filesFrom: 'compare', headFrom: 'patches' });
  // The head rebuilt from patches gives the review a tarball would: the same findings (one line lower, after the new comment line).
  const where = (run: typeof r.firstRun) => run!.annotations.map((a) => `${String(a.path)}:${String(a.annotation_level)}:${String(a.title)}`).sort();
  expect(where(r.secondRun)).toEqual(where(r.firstRun));
  expect(fake.violations).toEqual([]);
}, 120_000);

it('a PR changing 110 files (two pages of PR files): still 7 requests to review, 4 to re-review', async () => {
  const { fake } = stack;
  const r = await reviewThenPush(fake, 'wide');
  const compare = r.firstRequests.find((q) => q.route === '/repos/{owner}/{repo}/compare/{basehead}')!;
  expect(compare.query).toMatchObject({ per_page: '1' });

  expect(routes(r.firstRequests)).toEqual(FIRST_REVIEW);
  expect(r.firstLog.githubRequests).toMatchObject({ total: 7 });
  expect(routes(r.secondRequests)).toEqual(RE_REVIEW);
  expect(r.secondOther).toEqual([]);
  expect(r.secondLog.githubRequests).toMatchObject({ total: 4, auth: 0 });
  expect(r.secondLog).toMatchObject({ filesFrom: 'compare', headFrom: 'patches' });
  expect(r.secondRun).toMatchObject({ status: 'completed', conclusion: 'failure' });
  expect(fake.violations).toEqual([]);
}, 120_000);

it('findings that did not fit in the first review stay in the summary: a push does not post them later', async () => {
  const { fake } = stack;
  const r = await reviewThenPush(fake, 'crowded');
  const review = r.firstRequests.find((q) => q.method === 'POST' && q.route === '/repos/{owner}/{repo}/pulls/{pull_number}/reviews')!;
  expect((review.body as { comments: unknown[] }).comments).toHaveLength(30);
  // More findings than one review holds, fewer than one batch of annotations (50).
  expect(r.firstRun!.annotations.length).toBeGreaterThan(30);
  expect(r.firstRun!.annotations.length).toBeLessThanOrEqual(50);
  const summary = r.firstRequests.find((q) => q.method === 'POST' && q.route === '/repos/{owner}/{repo}/issues/{issue_number}/comments')!;
  expect(String((summary.body as { body: string }).body)).toMatch(/more findings? on the diff did not fit in one review \(30 inline comments at most\); they are listed here/);

  // The push changes no finding: nothing new to say inline, so no review (the overflow is already listed).
  expect(routes(r.secondRequests)).toEqual(RE_REVIEW);
  expect(r.secondLog).toMatchObject({ inlineComments: 0 });
  expect(fake.violations).toEqual([]);
}, 120_000);
