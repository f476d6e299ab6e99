/**
 * GitHub requests per review do not grow with the project: a PR touching 5 models of a 200-model project costs a
 * fixed, asserted number of requests, and a re-review after one more push fewer still.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { FixtureRepo, RecordedRequest } from '../fakes/github/index.js';
import { buildLargeRepo } from './fixtures/large-project.js';
import { startStack, type Stack } from './harness/setup.js';
import { deliver, pullRequestEvent } from './harness/webhooks.js';

// Each test drives a real server process and a full review: generous limits for a busy 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const INSTALLATION = 9;
let stack: Stack;
let repo: FixtureRepo;

beforeAll(async () => {
  repo = buildLargeRepo(200, [3, 17, 42, 64, 88]);
  stack = await startStack([{ owner: 'acme', name: 'warehouse', dir: repo.dir, installationId: INSTALLATION }]);
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  repo?.remove();
});

function routes(requests: RecordedRequest[]): string[] {
  return requests.map((r) => `${r.method} ${r.route ?? r.path}`);
}

it('a PR touching 5 of 200 models: 7 requests to review, 5 to re-review after a push', async () => {
  const { fake, app, secret } = stack;
  const pull = fake.openPull({ owner: 'acme', repo: 'warehouse', head: 'feature' });

  let mark = fake.mark();
  const first = await deliver(app.url, secret, 'pull_request', pullRequestEvent(fake, pull, 'opened', INSTALLATION));
  expect(first.status).toBe(200);
  await app.idle();
  const firstReview = fake.since(mark, ['api', 'graphql']);
  expect(routes(firstReview).sort()).toEqual(
    [
      'GET /repos/{owner}/{repo}/contents/{path}', // .github/dbt-pr-reviewer.yml
      'POST /repos/{owner}/{repo}/check-runs',
      'GET /repos/{owner}/{repo}/pulls/{pull_number}/files',
      'GET /repos/{owner}/{repo}/tarball/{ref}',
      'POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews',
      'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
      'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
    ].sort(),
  );
  // Plus the installation token (once an hour) and the tarball's redirect to the download host.
  expect(routes(fake.since(mark, ['auth', 'download']))).toHaveLength(2);
  const run = fake.checkRuns.find((r) => r.head_sha === pull.headSha)!;
  expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
  const published = await app.waitForLog((l) => l.msg === 'review published' && l.deliveryId === first.id);
  expect(published!.githubRequests).toMatchObject({ total: 7, auth: 1 });

  fake.pushPull(pull, 'feature-2');
  mark = fake.mark();
  const second = await deliver(app.url, secret, 'pull_request', pullRequestEvent(fake, pull, 'synchronize', INSTALLATION));
  expect(second.status).toBe(200);
  await app.idle();
  expect(routes(fake.since(mark, ['api', 'graphql'])).sort()).toEqual(
    [
      'POST /repos/{owner}/{repo}/check-runs',
      'GET /repos/{owner}/{repo}/pulls/{pull_number}/files',
      'GET /repos/{owner}/{repo}/tarball/{ref}',
      'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
      'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}',
    ].sort(),
  );
  expect(fake.checkRuns.find((r) => r.head_sha === pull.headSha)).toMatchObject({ status: 'completed', conclusion: 'failure' });
  const republished = await app.waitForLog((l) => l.msg === 'review published' && l.deliveryId === second.id);
  expect(republished!.githubRequests).toMatchObject({ total: 5, auth: 0 });
  expect(fake.violations).toEqual([]);
}, 120_000);
