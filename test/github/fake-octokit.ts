/**
 * An installation Octokit (Probot's, as the app uses) talking to the fake GitHub, for unit tests of the modules
 * that call GitHub. Retries and throttling are off so each call is one recorded request.
 */
import { createSign } from 'node:crypto';
import { ProbotOctokit } from 'probot';
import type { FakeGitHub } from '../fakes/github/index.js';
import type { Octokit } from '../../src/github/types.js';

export function appJwt(appId: number, privateKey: string): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${enc({ alg: 'RS256', typ: 'JWT' })}.${enc({ iat: now - 30, exp: now + 300, iss: appId })}`;
  const signature = createSign('RSA-SHA256').update(body).sign(privateKey).toString('base64url');
  return `${body}.${signature}`;
}

export async function installationOctokit(fake: FakeGitHub, appId: number, privateKey: string, installationId: number): Promise<Octokit> {
  const res = await fetch(`${fake.apiUrl}/app/installations/${installationId}/access_tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${appJwt(appId, privateKey)}`, accept: 'application/vnd.github+json' },
  });
  if (res.status !== 201) throw new Error(`the fake refused an installation token: ${res.status}`);
  const { token } = (await res.json()) as { token: string };
  return new ProbotOctokit({
    auth: { token },
    baseUrl: fake.apiUrl,
    retry: { enabled: false },
    throttle: { enabled: false },
  }) as Octokit;
}
