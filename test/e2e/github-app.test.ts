/**
 * The GitHub App end to end: the server process as users run it, real webhook payloads signed with the secret,
 * a fake GitHub that enforces GitHub's contract. One fixture repository and one app process for the whole file;
 * each test uses its own pull request.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { FakePull, FixtureRepo } from '../fakes/github/index.js';
import { buildShopRepo } from './fixtures/shop-project.js';
import { APP_ID, startStack, type Stack } from './harness/setup.js';
import { checkRunRerequestedEvent, checkSuiteRerequestedEvent, deliver, issueCommentEvent, pullRequestEvent } from './harness/webhooks.js';

// Each test drives a real server process and a full review: generous limits for a busy 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const INSTALLATION = 77;
const OWNER = 'acme';
const REPO = 'shop';

let stack: Stack;
let shop: FixtureRepo;
let broken: FixtureRepo;

beforeAll(async () => {
  shop = buildShopRepo();
  broken = buildShopRepo({ config: 'llm:\n  enabled: false\nrulez:\n  owner-missing: error\n' });
  stack = await startStack(
    [
      {
        owner: OWNER,
        name: REPO,
        dir: shop.dir,
        installationId: INSTALLATION,
        collaborators: { maintainer: 'maintain', reader: 'read' },
      },
      { owner: OWNER, name: 'broken', dir: broken.dir, installationId: INSTALLATION },
    ],
    { perPageCap: 2 },
  );
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  shop?.remove();
  broken?.remove();
});

afterEach(() => {
  expect(stack.fake.violations).toEqual([]);
});

async function send(event: string, payload: Record<string, unknown>, id?: string) {
  const delivery = await deliver(stack.app.url, stack.secret, event, payload, id);
  expect(delivery.status).toBe(200);
  await stack.app.idle();
  return delivery;
}

function checksFor(pull: FakePull) {
  return stack.fake.checkRuns.filter((r) => r.head_sha === pull.headSha && r.repo === pull.repo);
}

function summaryOf(pull: FakePull) {
  return stack.fake.issueComments.filter(
    (c) => c.issue_number === pull.number && c.repo === pull.repo && c.user.type === 'Bot' && c.body.includes('dbt-pr-reviewer:summary'),
  );
}

function reviewsOf(pull: FakePull) {
  return stack.fake.reviews.filter((r) => r.pull_number === pull.number && r.repo === pull.repo);
}

function inlineOf(pull: FakePull) {
  return stack.fake.reviewComments.filter((c) => c.pull_number === pull.number && c.repo === pull.repo && c.user.type === 'Bot');
}

describe('a pull request with findings', () => {
  let pull: FakePull;

  it('opened: fails the check with annotations, posts one summary comment and one inline review', async () => {
    pull = stack.fake.openPull({ owner: OWNER, repo: REPO, head: 'feature', title: 'Customers mart' });
    const delivery = await send('pull_request', pullRequestEvent(stack.fake, pull, 'opened', INSTALLATION));

    const [check, ...more] = checksFor(pull);
    expect(more).toEqual([]);
    expect(check).toMatchObject({ name: 'dbt-pr-reviewer', status: 'completed', conclusion: 'failure' });
    expect(check!.output.title).toMatch(/error/);
    const annotated = check!.annotations.map((a) => `${String(a.path)}:${String(a.start_line)}:${String(a.annotation_level)}`);
    expect(annotated).toContain('models/marts/fct_orders.sql:4:failure');
    expect(annotated).toContain('models/marts/mart_payments.sql:4:warning');

    const [summary, ...otherSummaries] = summaryOf(pull);
    expect(otherSummaries).toEqual([]);
    expect(summary!.body).toMatch(/^❌/);
    expect(summary!.body).toContain('<!-- dbt-pr-reviewer:summary v=1 head=' + pull.headSha);
    expect(summary!.body).toContain('rpt_revenue'); // downstream of the removed column
    expect(summary!.body).toContain('postgres'); // dialect from the committed profiles.yml

    const [review, ...otherReviews] = reviewsOf(pull);
    expect(otherReviews).toEqual([]);
    expect(review!.event).toBe('COMMENT');
    expect(review!.commit_id).toBe(pull.headSha);
    const inline = inlineOf(pull);
    expect(inline.length).toBeGreaterThanOrEqual(4);
    expect(inline.length).toBeLessThanOrEqual(30);
    expect(inline.map((c) => `${c.path}:${c.line}`)).toEqual(
      expect.arrayContaining(['models/marts/fct_orders.sql:4', 'models/marts/mart_payments.sql:4', 'models/marts/_marts.yml:13']),
    );
    expect(inline.every((c) => /<!-- dbt-pr-reviewer:finding [0-9a-f]+ -->/.test(c.body))).toBe(true);
    expect(stack.fake.reviews.some((r) => r.event === 'APPROVE')).toBe(false);
    // A mechanical fix comes as a committable suggestion.
    const ownerFix = inline.find((c) => c.path === 'models/marts/_marts.yml' && c.body.includes('owner-missing'));
    expect(ownerFix?.body).toMatch(/```suggestion\n  - name: dim_customers\n    config:\n      meta:\n        owner: analytics\n```/);

    // The review's log line names the delivery and counts the GitHub requests.
    const published = await stack.app.waitForLog((l) => l.msg === 'review published' && l.deliveryId === delivery.id);
    expect(published).toMatchObject({ conclusion: 'failure', pr: pull.number });
    expect((published!.githubRequests as { total: number }).total).toBeGreaterThan(3);
  });

  it('a redelivered webhook posts nothing twice, nor does a second event for the same head', async () => {
    const payload = pullRequestEvent(stack.fake, pull, 'opened', INSTALLATION);
    const first = await stack.app.waitForLog((l) => l.msg === 'review published' && l.pr === pull.number);
    const mark = stack.fake.mark();
    await send('pull_request', payload, String(first!.deliveryId));
    await send('pull_request', pullRequestEvent(stack.fake, pull, 'ready_for_review', INSTALLATION));
    expect(stack.fake.since(mark)).toEqual([]);
    expect(checksFor(pull)).toHaveLength(1);
    await stack.app.waitForLog((l) => l.msg === 'redelivered webhook ignored');
  });

  it('push: edits the same summary, repeats no inline comment, minimizes fixed ones unless someone replied', async () => {
    const before = inlineOf(pull);
    const ownerComment = before.find((c) => c.path === 'models/marts/_marts.yml' && c.body.includes('owner-missing'))!;
    const keyComment = before.find((c) => c.path === 'models/marts/_marts.yml' && c.body.includes('key-untested'))!;
    expect(ownerComment).toBeDefined();
    expect(keyComment).toBeDefined();
    stack.fake.addReviewReply(keyComment, 'We test it in the next sprint.', 'maintainer');

    stack.fake.pushPull(pull, 'feature-fixed');
    await send('pull_request', pullRequestEvent(stack.fake, pull, 'synchronize', INSTALLATION));

    const [check] = checksFor(pull);
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' }); // fct_orders still breaks downstream
    const summaries = summaryOf(pull);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.edits).toBe(1);
    expect(summaries[0]!.body).toContain(`head=${pull.headSha}`);
    expect(reviewsOf(pull)).toHaveLength(1); // nothing new to say inline
    expect(inlineOf(pull)).toHaveLength(before.length);
    expect(ownerComment.minimized).toBe(true);
    expect(ownerComment.minimizedClassifier).toBe('OUTDATED');
    expect(keyComment.minimized).toBe(false);
    expect(before.filter((c) => c.minimized)).toHaveLength(1);
  });

  it('/recheck from a reader is refused; from a maintainer it re-runs with a reaction', async () => {
    const refused = stack.fake.addIssueComment(OWNER, REPO, pull.number, '/recheck', 'reader');
    const checksBefore = checksFor(pull).length;
    await send('issue_comment', issueCommentEvent(stack.fake, pull, refused, INSTALLATION));
    expect(checksFor(pull)).toHaveLength(checksBefore);
    const reply = stack.fake.issueComments.find((c) => c.user.type === 'Bot' && c.body.includes('@reader'));
    expect(reply?.body).toMatch(/write access/);
    expect(stack.fake.reactions.filter((r) => r.comment_id === refused.id)).toEqual([]);

    const accepted = stack.fake.addIssueComment(OWNER, REPO, pull.number, 'Config changed.\n/recheck', 'maintainer');
    await send('issue_comment', issueCommentEvent(stack.fake, pull, accepted, INSTALLATION));
    expect(stack.fake.reactions.filter((r) => r.comment_id === accepted.id).map((r) => r.content)).toEqual(['eyes']);
    const checks = checksFor(pull);
    expect(checks).toHaveLength(checksBefore + 1);
    expect(checks.every((c) => c.status === 'completed')).toBe(true);
    expect(summaryOf(pull)).toHaveLength(1);
    expect(reviewsOf(pull)).toHaveLength(1);
  });

  it('the re-run button of a fork PR (no pull_requests in the event) finds the PR by head SHA and re-runs', async () => {
    const checksBefore = checksFor(pull).length;
    await send('check_run', checkRunRerequestedEvent(stack.fake, pull, INSTALLATION, APP_ID, false));
    expect(checksFor(pull)).toHaveLength(checksBefore + 1);
    expect(checksFor(pull).at(-1)).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  it('re-running the check suite re-runs the review of the PRs it lists', async () => {
    const checksBefore = checksFor(pull).length;
    await send('check_suite', checkSuiteRerequestedEvent(stack.fake, pull, INSTALLATION, APP_ID));
    expect(checksFor(pull)).toHaveLength(checksBefore + 1);
    expect(checksFor(pull).every((c) => c.status === 'completed')).toBe(true);
    expect(summaryOf(pull)).toHaveLength(1);
  });
});

describe('a push while a review runs', () => {
  it('the newer head supersedes the older one; every check completes and one summary remains', async () => {
    shop.branch('race', 'feature');
    shop.commit('race 1', { 'models/marts/rpt_race.sql': 'select 1 as race_id\n' });
    shop.checkout('main');
    const pull = stack.fake.openPull({ owner: OWNER, repo: REPO, head: 'race', title: 'two quick pushes' });
    const firstHead = pull.headSha;
    const opened = await deliver(stack.app.url, stack.secret, 'pull_request', pullRequestEvent(stack.fake, pull, 'opened', INSTALLATION));
    expect(opened.status).toBe(200);
    shop.checkout('race');
    shop.commit('race 2', { 'models/marts/rpt_race.sql': 'select 2 as race_id\n' });
    shop.checkout('main');
    stack.fake.pushPull(pull);
    await send('pull_request', pullRequestEvent(stack.fake, pull, 'synchronize', INSTALLATION));

    const runs = stack.fake.checkRuns.filter((r) => r.repo === REPO && (r.head_sha === firstHead || r.head_sha === pull.headSha));
    expect(runs.every((r) => r.status === 'completed')).toBe(true);
    expect(runs.filter((r) => r.head_sha === pull.headSha)).toHaveLength(1);
    expect(runs.find((r) => r.head_sha === pull.headSha)).toMatchObject({ conclusion: 'failure' });
    // The first head's run either finished before the push arrived or was superseded; either way it is complete.
    const older = runs.filter((r) => r.head_sha === firstHead);
    expect(older).toHaveLength(1);
    expect(older[0]!.conclusion === 'failure' || older[0]!.output.title === 'Superseded by a newer commit').toBe(true);
    const summaries = summaryOf(pull);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]!.body).toContain(`head=${pull.headSha}`);
  });
});

describe('a moved model', () => {
  it('a column removed in a moved file is commented on the LEFT side of its new path and annotated there', async () => {
    shop.branch('moved', 'main');
    shop.commit('move fct_orders to core, without amount', {
      'models/marts/fct_orders.sql': null,
      'models/core/fct_orders.sql': 'select\n    order_id,\n    customer_id,\n    status\nfrom {{ ref(\'stg_orders\') }}\n',
    });
    shop.checkout('main');
    const pull = stack.fake.openPull({ owner: OWNER, repo: REPO, head: 'moved', title: 'move fct_orders' });
    await send('pull_request', pullRequestEvent(stack.fake, pull, 'opened', INSTALLATION));
    const removed = inlineOf(pull).find((c) => c.body.includes('breaking-column-removed'));
    expect(removed).toMatchObject({ path: 'models/core/fct_orders.sql', side: 'LEFT', line: 4 });
    const [check] = checksFor(pull);
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(check!.annotations).toContainEqual(
      expect.objectContaining({ path: 'models/core/fct_orders.sql', annotation_level: 'failure', title: 'breaking-column-removed: fct_orders.amount' }),
    );
  });
});

describe('degraded GitHub answers', () => {
  it('422 for the inline positions: the review is posted without inline comments and says so', async () => {
    const pull = stack.fake.openPull({ owner: OWNER, repo: REPO, head: 'feature', title: 'again' });
    stack.fake.rejectReviewComments = true;
    try {
      await send('pull_request', pullRequestEvent(stack.fake, pull, 'opened', INSTALLATION));
    } finally {
      stack.fake.rejectReviewComments = false;
    }
    const [review, ...more] = reviewsOf(pull);
    expect(more).toEqual([]);
    expect(review!.event).toBe('COMMENT');
    expect(review!.commentIds).toEqual([]);
    expect(review!.body).toMatch(/rejected the line positions \(422\)/);
    expect(review!.body).toContain('breaking-column-removed');
    expect(summaryOf(pull)[0]!.body).toMatch(/rejected the inline comment positions/);
    expect(checksFor(pull)[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
  });

  it('an empty or cut tarball fails the run visibly (never "no dbt changes"), and a /recheck then reviews the head', async () => {
    // A head and a merge base of their own: the app keeps the heads it downloaded and builds a head from a kept
    // merge base and the patches, so neither may have been seen.
    shop.branch('cut', 'feature');
    shop.commit('one more model', { 'models/marts/rpt_cut.sql': 'select 1 as cut_id\n' });
    shop.checkout('main');
    const pull = stack.fake.openPull({ owner: OWNER, repo: REPO, head: 'cut', base: 'feature', title: 'cut download' });
    for (const cut of [0, 200]) {
      stack.fake.cutDownloadsAt = cut;
      try {
        await send('pull_request', pullRequestEvent(stack.fake, pull, 'reopened', INSTALLATION));
      } finally {
        stack.fake.cutDownloadsAt = undefined;
      }
      const check = checksFor(pull).at(-1)!;
      expect(check).toMatchObject({ status: 'completed', conclusion: 'neutral' });
      expect(check.output.title).toBe('dbt-pr-reviewer could not finish the review');
      expect(check.output.summary).toMatch(/the tarball of [0-9a-f]{12} could not be read: (Unrecognized archive format|unexpected end of file)|zlib: unexpected end of file/);
      expect(summaryOf(pull)).toEqual([]);
    }
    // The unreadable download was not kept: the next run downloads the head again and reviews it.
    stack.fake.addIssueComment(OWNER, REPO, pull.number, '/recheck', 'maintainer');
    await send('issue_comment', issueCommentEvent(stack.fake, pull, stack.fake.issueComments.at(-1)!, INSTALLATION));
    const reviewed = checksFor(pull).at(-1)!;
    expect(reviewed.status).toBe('completed');
    expect(reviewed.output.title).toMatch(/· 1 changed model$/);
    expect(summaryOf(pull)[0]!.body).toContain('rpt_cut');
  });

  it('completes the check before posting the review and the summary; a summary it cannot write is added to the check after', async () => {
    const pull = stack.fake.openPull({ owner: OWNER, repo: REPO, head: 'feature', title: 'no summary' });
    const mark = stack.fake.mark();
    stack.fake.failNext('POST', /\/issues\/\{issue_number\}\/comments$/, 'unprocessable');
    await send('pull_request', pullRequestEvent(stack.fake, pull, 'opened', INSTALLATION));
    const writes = stack.fake
      .since(mark)
      .filter((r) => r.method !== 'GET' && r.kind !== 'graphql')
      .map((r) => `${r.method} ${r.route} ${r.status}`);
    expect(writes).toEqual([
      'POST /repos/{owner}/{repo}/check-runs 201',
      'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id} 200', // completed, with the annotations
      'POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews 200',
      'POST /repos/{owner}/{repo}/issues/{issue_number}/comments 422',
      'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id} 200', // the note
    ]);
    const check = checksFor(pull).at(-1); // the head has runs of the earlier tests' pull requests too
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(check!.output.summary).toMatch(/The summary comment could not be written/);
    expect(check!.annotations.length).toBeGreaterThan(0);
    expect(summaryOf(pull)).toEqual([]);
  });

  it('a secondary rate limit is waited out and retried', async () => {
    const pull = stack.fake.openPull({ owner: OWNER, repo: REPO, head: 'docs-only', title: 'rate limited' });
    const mark = stack.fake.mark();
    stack.fake.failNext('POST', /\/check-runs$/, 'secondary-rate-limit');
    await send('pull_request', pullRequestEvent(stack.fake, pull, 'opened', INSTALLATION));
    const creates = stack.fake.since(mark).filter((r) => r.method === 'POST' && r.route === '/repos/{owner}/{repo}/check-runs');
    expect(creates.map((r) => r.status)).toEqual([403, 201]);
    expect(checksFor(pull)).toHaveLength(1);
    expect(checksFor(pull)[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
  });
});

describe('finding its own summary comment', () => {
  it('searches every page, ignores a pasted marker from a person, and edits its own comment in place', async () => {
    const pull = stack.fake.openPull({ owner: OWNER, repo: REPO, head: 'feature', title: 'reopened' });
    const forged = stack.fake.addIssueComment(OWNER, REPO, pull.number, '<!-- dbt-pr-reviewer:summary v=1 head= config= posted= -->', 'mallory');
    for (let i = 0; i < 4; i++) stack.fake.addIssueComment(OWNER, REPO, pull.number, `comment ${i}`, 'octocat');
    // Written by an earlier run of the app (its state is not in this process's memory); page 3 with 2 per page.
    const own = stack.fake.addIssueComment(OWNER, REPO, pull.number, '⚠️ old\n<!-- dbt-pr-reviewer:summary v=1 head=0 config=0 posted= -->');
    const mark = stack.fake.mark();
    await send('pull_request', pullRequestEvent(stack.fake, pull, 'reopened', INSTALLATION));
    const listed = stack.fake.since(mark).filter((r) => r.route === '/repos/{owner}/{repo}/issues/{issue_number}/comments' && r.method === 'GET');
    expect(listed.map((r) => r.query.page ?? '1')).toEqual(['1', '2', '3']);
    expect(own.edits).toBe(1);
    expect(own.body).toMatch(/^❌/);
    expect(forged.edits).toBe(0);
    expect(summaryOf(pull)).toEqual([own]);
  });
});

describe('large or partial diffs', () => {
  it('missing patches and a truncated file list degrade with a note, never a crash', async () => {
    const pull = stack.fake.openPull({ owner: OWNER, repo: REPO, head: 'feature', title: 'huge' });
    stack.fake.omitPatches.add('models/marts/fct_orders.sql');
    stack.fake.maxPullFiles = 3;
    stack.fake.maxCompareFiles = 3;
    const mark = stack.fake.mark();
    try {
      await send('pull_request', pullRequestEvent(stack.fake, pull, 'opened', INSTALLATION));
    } finally {
      stack.fake.omitPatches.clear();
      stack.fake.maxPullFiles = 3000;
      stack.fake.maxCompareFiles = 300;
    }
    // The compare lists fewer files than the PR has, so the PR's own file list is read (2 per page here).
    const listings = stack.fake.since(mark).filter((r) => r.route?.includes('/compare/') || r.route?.endsWith('/files'));
    expect(listings.map((r) => r.route)).toEqual([
      '/repos/{owner}/{repo}/compare/{basehead}',
      '/repos/{owner}/{repo}/pulls/{pull_number}/files',
      '/repos/{owner}/{repo}/pulls/{pull_number}/files',
    ]);
    const [check] = checksFor(pull);
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    const summary = summaryOf(pull)[0]!.body;
    expect(summary).toMatch(/changes 4 files; GitHub lists only the first 3/);
    expect(summary).toMatch(/no diff for 1 file\(s\) \(too large or binary\): `models\/marts\/fct_orders\.sql`/);
    // Its base version is fetched on its own, so the removed column is still found...
    const fetched = stack.fake
      .since(mark)
      .filter((r) => r.route === '/repos/{owner}/{repo}/contents/{path}')
      .map((r) => decodeURIComponent(r.path))
      .filter((p) => !p.endsWith('/.github/dbt-pr-reviewer.yml'));
    expect(fetched).toEqual([`/repos/${OWNER}/${REPO}/contents/models/marts/fct_orders.sql`]);
    expect(check!.annotations.some((a) => a.path === 'models/marts/fct_orders.sql' && a.annotation_level === 'failure')).toBe(true);
    // ...but it cannot be commented inline without a diff.
    expect(inlineOf(pull).some((c) => c.path === 'models/marts/fct_orders.sql')).toBe(false);
  });
});

describe('pull requests without a review to give', () => {
  it('no dbt change: the check succeeds with "no dbt changes" and nothing is posted', async () => {
    const pull = stack.fake.openPull({ owner: OWNER, repo: REPO, head: 'docs-only', title: 'docs' });
    const mark = stack.fake.mark();
    await send('pull_request', pullRequestEvent(stack.fake, pull, 'opened', INSTALLATION));
    expect(checksFor(pull).find((c) => c.head_sha === pull.headSha && c.output.title === 'No dbt changes')).toMatchObject({
      status: 'completed',
      conclusion: 'success',
    });
    expect(summaryOf(pull)).toEqual([]);
    expect(reviewsOf(pull)).toEqual([]);
    expect(stack.fake.since(mark).some((r) => r.route === '/repos/{owner}/{repo}/tarball/{ref}')).toBe(false);
  });

  it('invalid config: the check fails with a message naming the key and its line', async () => {
    const pull = stack.fake.openPull({ owner: OWNER, repo: 'broken', head: 'feature', title: 'with a broken config' });
    await send('pull_request', pullRequestEvent(stack.fake, pull, 'opened', INSTALLATION));
    const [check] = checksFor(pull);
    expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(check!.output.title).toMatch(/Invalid \.github\/dbt-pr-reviewer\.yml/);
    expect(check!.output.summary).toMatch(/\.github\/dbt-pr-reviewer\.yml line 3: unknown key `rulez`/);
    expect(summaryOf(pull)).toEqual([]);
  });
});

describe('the server', () => {
  it('answers its health check and rejects a webhook signed with another secret', async () => {
    const health = await fetch(`${stack.app.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', reviews: { running: 0, waiting: 0 } });
    const pull = stack.fake.pulls[0]!;
    const mark = stack.fake.mark();
    const forged = await deliver(stack.app.url, 'not-the-secret', 'pull_request', pullRequestEvent(stack.fake, pull, 'synchronize', INSTALLATION));
    expect(forged.status).toBe(400);
    await stack.app.idle();
    expect(stack.fake.since(mark, ['api', 'graphql', 'auth'])).toEqual([]);
  });
});

describe('logs', () => {
  it('carry delivery ids and no token, key, secret or file content', () => {
    const output = stack.app.output();
    expect(output).not.toMatch(/ghs_[0-9a-f]{8}/);
    expect(output).not.toContain(stack.privateKey.split('\n')[1]!);
    expect(output).not.toContain(stack.secret);
    expect(output).not.toContain('analytics.raw.payments');
    const reviewLines = stack.app.logs().filter((l) => l.msg === 'review published' || l.msg === 'no dbt changes');
    expect(reviewLines.length).toBeGreaterThan(0);
    expect(reviewLines.every((l) => typeof l.deliveryId === 'string' && l.deliveryId.length > 0)).toBe(true);
  });
});
