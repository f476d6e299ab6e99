/**
 * Webhook deliveries as GitHub sends them: real example payloads from `@octokit/webhooks-examples`, adjusted to
 * the fake's repository and pull request, signed with the app's secret (`X-Hub-Signature-256`).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { FakeGitHub, FakeIssueComment, FakePull } from '../../fakes/github/index.js';

interface Definition {
  name: string;
  examples: Record<string, unknown>[];
}

const require = createRequire(import.meta.url);
const definitions = require('@octokit/webhooks-examples') as Definition[];

type Json = Record<string, unknown>;

export function example(name: string, action: string): Json {
  const def = definitions.find((d) => d.name === name);
  const found = def?.examples.find((e) => e.action === action && e.installation) ?? def?.examples.find((e) => e.action === action);
  if (!found) throw new Error(`no example payload for ${name}.${action}`);
  return structuredClone(found) as Json;
}

export interface Delivery {
  id: string;
  status: number;
  body: string;
}

export async function deliver(appUrl: string, secret: string, event: string, payload: Json, id: string = randomUUID()): Promise<Delivery> {
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const res = await fetch(`${appUrl}/api/github/webhooks`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': id,
      'x-hub-signature-256': signature,
      'user-agent': 'GitHub-Hookshot/fake',
    },
    body,
  });
  return { id, status: res.status, body: await res.text() };
}

function common(fake: FakeGitHub, pull: FakePull, installationId: number, sender: string): Json {
  return {
    repository: { ...fake.repositoryObject(pull.owner, pull.repo) },
    installation: { id: installationId, node_id: `I_${installationId}` },
    sender: { ...fake.user(sender), avatar_url: '', site_admin: false },
  };
}

export function pullRequestEvent(
  fake: FakeGitHub,
  pull: FakePull,
  action: 'opened' | 'synchronize' | 'reopened' | 'ready_for_review',
  installationId: number,
): Json {
  const payload = example('pull_request', action);
  const pr = fake.pullObject(pull);
  return { ...payload, ...common(fake, pull, installationId, pull.user.login), number: pull.number, pull_request: { ...(payload.pull_request as Json), ...pr } };
}

export function issueCommentEvent(fake: FakeGitHub, pull: FakePull, comment: FakeIssueComment, installationId: number): Json {
  const payload = example('issue_comment', 'created');
  const issue = payload.issue as Json;
  return {
    ...payload,
    ...common(fake, pull, installationId, comment.user.login),
    issue: {
      ...issue,
      number: pull.number,
      title: pull.title,
      state: 'open',
      pull_request: { url: `${fake.apiUrl}/repos/${pull.owner}/${pull.repo}/pulls/${pull.number}` },
    },
    comment: { ...(payload.comment as Json), id: comment.id, node_id: comment.node_id, body: comment.body, user: { ...comment.user } },
  };
}

export function checkRunRerequestedEvent(fake: FakeGitHub, pull: FakePull, installationId: number, appId: number, listPull: boolean): Json {
  const payload = example('check_run', 'rerequested');
  const run = payload.check_run as Json;
  const pullRef = { id: 1, number: pull.number, url: '', head: { ref: pull.headRef, sha: pull.headSha, repo: {} }, base: { ref: pull.baseRef, sha: '', repo: {} } };
  return {
    ...payload,
    ...common(fake, pull, installationId, 'octocat'),
    check_run: {
      ...run,
      name: 'dbt-pr-reviewer',
      head_sha: pull.headSha,
      app: { ...(run.app as Json), id: appId },
      pull_requests: listPull ? [pullRef] : [],
      check_suite: { ...(run.check_suite as Json), head_sha: pull.headSha, pull_requests: listPull ? [pullRef] : [] },
    },
  };
}

export function checkSuiteRerequestedEvent(fake: FakeGitHub, pull: FakePull, installationId: number, appId: number): Json {
  const payload = example('check_suite', 'rerequested');
  const suite = payload.check_suite as Json;
  const pullRef = { id: 1, number: pull.number, url: '', head: { ref: pull.headRef, sha: pull.headSha, repo: {} }, base: { ref: pull.baseRef, sha: '', repo: {} } };
  return {
    ...payload,
    ...common(fake, pull, installationId, 'octocat'),
    check_suite: { ...suite, head_sha: pull.headSha, head_branch: pull.headRef, app: { ...(suite.app as Json), id: appId }, pull_requests: [pullRef] },
  };
}
