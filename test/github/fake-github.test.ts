/**
 * The fake GitHub enforces the contract the end-to-end tests rely on: it would catch an app that sends an
 * unknown route, an invalid body, no credentials, or a review comment off the diff.
 */
import { createSign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixtureRepo, startFakeGitHub, type FakeGitHub } from '../fakes/github/index.js';
import { generateAppKey } from '../e2e/harness/setup.js';

let repo: FixtureRepo;
let fake: FakeGitHub;
let key: string;
let token: string;

function jwt(appId: number, privateKey: string): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({ iat: now - 30, exp: now + 300, iss: appId })}`;
  const signature = createSign('RSA-SHA256').update(body).sign(privateKey).toString('base64url');
  return `${body}.${signature}`;
}

async function call(method: string, path: string, body?: unknown, auth = `token ${token}`) {
  const res = await fetch(`${fake.apiUrl}${path}`, {
    method,
    headers: { authorization: auth, 'content-type': 'application/json', accept: 'application/vnd.github+json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined, headers: res.headers };
}

beforeAll(async () => {
  repo = FixtureRepo.create('fake-');
  repo.commit('base', { 'a.sql': 'select 1\nfrom x\n' });
  repo.branch('change');
  repo.commit('change', { 'a.sql': 'select 1\nfrom y\n', 'b.sql': 'select 2\n' });
  repo.checkout('main');
  key = generateAppKey();
  fake = await startFakeGitHub({ appId: 7, appKey: key, repos: [{ owner: 'o', name: 'r', dir: repo.dir, installationId: 3 }], perPageCap: 1 });
  fake.openPull({ owner: 'o', repo: 'r', head: 'change' });
  const issued = await call('POST', '/app/installations/3/access_tokens', undefined, `Bearer ${jwt(7, key)}`);
  expect(issued.status).toBe(201);
  token = String(issued.json!.token);
});

afterAll(async () => {
  await fake.close();
  repo.remove();
});

describe('fake GitHub', () => {
  it('rejects a JWT signed with another key and requests without an installation token', async () => {
    expect((await call('POST', '/app/installations/3/access_tokens', undefined, `Bearer ${jwt(7, generateAppKey())}`)).status).toBe(401);
    expect((await call('GET', '/repos/o/r/pulls/1', undefined, 'token ghs_nope')).status).toBe(401);
    expect((await call('GET', '/repos/o/r/pulls/1')).status).toBe(200);
  });

  it('paginates with Link headers', async () => {
    const first = await call('GET', '/repos/o/r/pulls/1/files?per_page=100');
    expect((first.json as unknown as unknown[]).length).toBe(1);
    expect(first.headers.get('link')).toMatch(/page=2>; rel="next"/);
  });

  it('compares two commits like GitHub: the merge base, the commits, up to 300 files on the first page only', async () => {
    const head = fake.pulls[0]!.headSha;
    const base = repo.sha('main');
    const compared = await call('GET', `/repos/o/r/compare/${base}...${head}?per_page=1`);
    expect(compared.status).toBe(200);
    const body = compared.json as { merge_base_commit: { sha: string }; status: string; ahead_by: number; commits: { sha: string }[]; files: Record<string, unknown>[] };
    expect(body.merge_base_commit.sha).toBe(base);
    expect(body).toMatchObject({ status: 'ahead', ahead_by: 1 });
    expect(body.commits.map((c) => c.sha)).toEqual([head]);
    expect(body.files.map((f) => [f.filename, f.status, typeof f.sha, typeof f.patch])).toEqual([
      ['a.sql', 'modified', 'string', 'string'],
      ['b.sql', 'added', 'string', 'string'],
    ]);
    expect(body.files[0]!.patch).toBe('@@ -1,2 +1,2 @@\n select 1\n-from x\n+from y');

    const second = await call('GET', `/repos/o/r/compare/${base}...${head}?per_page=1&page=2`);
    expect(second.json!.files).toBeUndefined();
    fake.maxCompareFiles = 1;
    try {
      expect(((await call('GET', `/repos/o/r/compare/${base}...${head}`)).json!.files as unknown[]).length).toBe(1);
    } finally {
      fake.maxCompareFiles = 300;
    }
    expect((await call('GET', `/repos/o/r/compare/${base}...${'0'.repeat(40)}`)).status).toBe(404);
    expect((await call('GET', `/repos/o/r/compare/main...change`)).status).toBe(200);
  });

  it('answers 422 for a review comment off the diff, and accepts one on it', async () => {
    const head = fake.pulls[0]!.headSha;
    const off = await call('POST', '/repos/o/r/pulls/1/reviews', { commit_id: head, event: 'COMMENT', body: 'x', comments: [{ path: 'a.sql', line: 9, side: 'RIGHT', body: 'no' }] });
    expect(off.status).toBe(422);
    const on = await call('POST', '/repos/o/r/pulls/1/reviews', { commit_id: head, event: 'COMMENT', body: 'x', comments: [{ path: 'a.sql', line: 2, side: 'RIGHT', body: 'yes' }] });
    expect(on.status).toBe(200);
    expect(fake.reviewComments.map((c) => c.line)).toEqual([2]);
  });

  it('records GitHub routes it does not know and bodies that break the OpenAPI schema as violations', async () => {
    expect((await call('GET', '/repos/o/r/no-such-thing')).status).toBe(404);
    const bad = await call('POST', '/repos/o/r/check-runs', { name: 'x', head_sha: fake.pulls[0]!.headSha, status: 'done' });
    expect(bad.status).toBe(422);
    const tooMany = await call('POST', '/repos/o/r/check-runs', {
      name: 'x',
      head_sha: fake.pulls[0]!.headSha,
      output: { title: 't', summary: 's', annotations: Array.from({ length: 51 }, () => ({ path: 'a.sql', start_line: 1, end_line: 1, annotation_level: 'notice', message: 'm' })) },
    });
    expect(tooMany.status).toBe(422);
    expect(fake.violations).toEqual([
      'GET /repos/o/r/no-such-thing: no such route in GitHub\'s REST API',
      'POST /repos/{owner}/{repo}/check-runs: invalid body: /status must be equal to one of the allowed values',
      'POST /repos/{owner}/{repo}/check-runs: invalid body: /output/annotations must NOT have more than 50 items',
    ]);
  });

  it('can answer with a secondary rate limit', async () => {
    fake.failNext('GET', /\/pulls\/\{pull_number\}$/, 'secondary-rate-limit');
    const limited = await call('GET', '/repos/o/r/pulls/1');
    expect(limited.status).toBe(403);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(String(limited.json!.message)).toMatch(/secondary rate limit/);
    expect((await call('GET', '/repos/o/r/pulls/1')).status).toBe(200);
  });
});
