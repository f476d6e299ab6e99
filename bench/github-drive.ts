/**
 * Drives the GitHub App (`startServer` of src/server.ts, or of a compiled build: the real pipeline and renderer)
 * against the fake GitHub (test/fakes/github) for one scenario: a `pull_request.opened` webhook (first review),
 * then one more push and a `pull_request.synchronize` webhook (re-review). Counts the GitHub requests each review
 * made (REST + GraphQL, including the tarball downloads; installation-token requests are counted separately) and
 * times each review from the webhook's delivery to the end of its job.
 * The times include the pacing of GitHub writes by @octokit/plugin-throttling (1 s between writes, 3 s between
 * requests that notify users, such as a review and a comment), as on github.com.
 */
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import type { GeneratedProject, Scenario } from './generate.js';
import type { GithubCounts } from './github.js';
import { startFakeGitHub, type FakeGitHub, type FakePull, type RecordedRequest } from '../test/fakes/github/index.js';
import { pathToFileURL } from 'node:url';

const OWNER = 'acme';
const NAME = 'analytics';
const INSTALLATION = 4242;
const APP_ID = 777;
const SECRET = 'bench-webhook-secret-0123456789';

let keys: { privateKey: string } | undefined;
function appKey(): string {
  keys ??= { privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString() };
  return keys.privateKey;
}

async function sendWebhook(url: string, event: string, payload: unknown): Promise<void> {
  const body = JSON.stringify(payload);
  const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
  const res = await fetch(`${url}/api/github/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': randomUUID(), 'x-hub-signature-256': signature },
    body,
  });
  if (res.status >= 300) throw new Error(`webhook ${event} answered ${res.status}: ${await res.text()}`);
}

function payload(fake: FakeGitHub, pull: FakePull, action: string, before?: string): Record<string, unknown> {
  return {
    action,
    number: pull.number,
    pull_request: fake.pullObject(pull),
    repository: fake.repositoryObject(OWNER, NAME),
    installation: { id: INSTALLATION, node_id: `I_${INSTALLATION}` },
    sender: fake.pullObject(pull).user,
    ...(before ? { before, after: pull.headSha } : {}),
  };
}

function describe(requests: RecordedRequest[]): string[] {
  const counts = new Map<string, number>();
  for (const r of requests) {
    const key = `${r.method} ${r.route ?? r.path}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${k}: ${n}`);
}

type StartServer = typeof import('../src/server.js').startServer;

/** `startServer` of the compiled build in `dist` (as deployed), else of the TypeScript sources. */
async function serverEntry(dist?: string): Promise<StartServer> {
  const module = (dist ? await import(pathToFileURL(`${dist}/server.js`).href) : await import('../src/server.js')) as { startServer: StartServer };
  return module.startServer;
}

export async function driveGithubReview(project: GeneratedProject, scenario: Scenario, dist?: string): Promise<GithubCounts> {
  const key = appKey();
  const startServer = await serverEntry(dist);
  const fake = await startFakeGitHub({
    appId: APP_ID,
    appKey: key,
    repos: [{ owner: OWNER, name: NAME, dir: project.repo, installationId: INSTALLATION, defaultBranch: 'main', collaborators: { octocat: 'write' } }],
  });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...fake.env,
    APP_ID: String(APP_ID),
    PRIVATE_KEY: key,
    WEBHOOK_SECRET: SECRET,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'fatal',
    NODE_ENV: 'test',
  };
  delete env.OPENAI_API_KEY;
  try {
    return await withServer(startServer, env, async (server): Promise<GithubCounts> => {
      const pull = fake.openPull({ owner: OWNER, repo: NAME, head: scenario.head, base: scenario.base, title: `Bench ${scenario.name}`, user: 'octocat' });
      const m0 = fake.mark();
      const firstMs = await review(server, 'pull_request', payload(fake, pull, 'opened'));
      const first = fake.since(m0, ['api', 'graphql']);
      const firstDownloads = fake.since(m0, ['download']).length;
      const firstAuth = fake.since(m0, ['auth', 'app']).length;
      const before = pull.headSha;
      fake.pushPull(pull, scenario.push2);
      const m1 = fake.mark();
      const rereviewMs = await review(server, 'pull_request', payload(fake, pull, 'synchronize', before));
      const second = fake.since(m1, ['api', 'graphql']);
      const secondDownloads = fake.since(m1, ['download']).length;
      const failed = [...first, ...second].filter((r) => r.status >= 400);
      return {
        first: first.length,
        rereview: second.length,
        firstDownloads,
        rereviewDownloads: secondDownloads,
        firstMs,
        rereviewMs,
        detail: [
          ...describe(fake.since(m0, ['api', 'graphql', 'download']).filter((r) => r.seq <= m1)).map((d) => `first: ${d}`),
          ...describe(fake.since(m1, ['api', 'graphql', 'download'])).map((d) => `re-review: ${d}`),
          `installation-token requests: ${firstAuth} (first review), ${fake.since(m1, ['auth', 'app']).length} (re-review)`,
          ...(fake.violations.length ? [`fake GitHub violations: ${fake.violations.slice(0, 5).join('; ')}`] : []),
          ...(failed.length ? [`failed requests: ${failed.map((r) => `${r.method} ${r.path} ${r.status}`).join('; ')}`] : []),
        ],
      };
    });
  } finally {
    await fake.close();
  }
}

type Server = Awaited<ReturnType<StartServer>>;

async function withServer<T>(startServer: StartServer, env: NodeJS.ProcessEnv, use: (server: Server) => Promise<T>): Promise<T> {
  const server = await startServer(env);
  try {
    return await use(server);
  } finally {
    await server.close();
  }
}

/** Delivers one webhook and waits for the review it queued: ms from the delivery to the end of the job. */
async function review(server: Server, event: string, body: unknown): Promise<number> {
  const start = performance.now();
  await sendWebhook(server.url, event, body);
  // The webhook handler queues the job before the server answers; wait a little in case it did not.
  const { running, waiting } = server.reviewer.stats() as { running: number; waiting: number };
  if (running + waiting === 0) await new Promise((r) => setTimeout(r, 50));
  await server.reviewer.drain();
  return performance.now() - start;
}
