/**
 * `npm start`: the GitHub App's HTTP server. Webhooks on `WEBHOOK_PATH` (default `/api/github/webhooks`), a
 * health check on `/healthz`. Without `APP_ID` and a private key it starts Probot's setup mode, which registers
 * the app from `app.yml` (the manifest flow). In production (`NODE_ENV=production`) it refuses to start without
 * credentials or without a real `WEBHOOK_SECRET`.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { createNodeMiddleware, createProbot, run } from 'probot';
import { createReviewerApp, type ReviewerApp, type ReviewerAppOptions } from './github/app.js';
import { reviewerOctokit } from './github/octokit.js';

type Env = NodeJS.ProcessEnv;

/** Placeholder secrets from examples and Probot's own development default. */
const PLACEHOLDER_SECRETS = new Set(['development', 'secret', 'changeme', 'change-me', 'webhook-secret', 'your-secret', 'test']);
export const MIN_SECRET_LENGTH = 16;

/** Why `WEBHOOK_SECRET` is not acceptable in production, or undefined when it is. */
export function webhookSecretProblem(secret: string | undefined): string | undefined {
  if (!secret) return 'WEBHOOK_SECRET is not set';
  if (PLACEHOLDER_SECRETS.has(secret.trim().toLowerCase())) return `WEBHOOK_SECRET is a placeholder ("${secret}")`;
  if (secret.length < MIN_SECRET_LENGTH) return `WEBHOOK_SECRET is shorter than ${MIN_SECRET_LENGTH} characters`;
  return undefined;
}

export function hasCredentials(env: Env): boolean {
  return Boolean(env.APP_ID) && Boolean(env.PRIVATE_KEY || env.PRIVATE_KEY_PATH);
}

export function isProduction(env: Env): boolean {
  return env.NODE_ENV === 'production';
}

export interface RunningServer {
  server: Server;
  url: string;
  reviewer: ReviewerApp;
  close(): Promise<void>;
}

function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not "${value}"`);
  return port;
}

function healthHandler(reviewer: ReviewerApp) {
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/healthz' || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ status: 'ok', reviews: reviewer.stats() }));
    return true;
  };
}

/** Starts the app with credentials (see `main` for setup mode). */
export async function startServer(env: Env = process.env, appOptions: Partial<ReviewerAppOptions> = {}): Promise<RunningServer> {
  const pacing = env.GITHUB_WRITE_PACING_MS !== undefined && env.GITHUB_WRITE_PACING_MS !== '' ? Number(env.GITHUB_WRITE_PACING_MS) : undefined;
  const probot = createProbot({
    env: { ...env, LOG_LEVEL: env.LOG_LEVEL ?? 'info' },
    overrides: { Octokit: reviewerOctokit(pacing !== undefined && Number.isFinite(pacing) ? { writePacingMs: pacing } : {}) },
  });
  // The LLM stage runs when OPENAI_API_KEY is set (endpoint OPENAI_BASE_URL) unless a repo's config turns it off.
  const { llmStageFromEnv } = await import('./llm/index.js');
  const reviewer = createReviewerApp({
    appId: Number(env.APP_ID),
    createLlmStage: (config) => llmStageFromEnv(env, config),
    concurrency: env.REVIEW_CONCURRENCY ? Math.max(1, Number(env.REVIEW_CONCURRENCY)) : 2,
    ...appOptions,
  });
  const webhooks = await createNodeMiddleware(reviewer.appFn, { probot });
  const health = healthHandler(reviewer);
  const server = createServer((req, res) => {
    if (health(req, res)) return;
    void webhooks(req, res, () => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'not found' }));
    });
  });
  const port = parsePort(env.PORT);
  const host = env.HOST || 'localhost';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  probot.log.info({ host, port: actualPort }, `Listening on ${url}`);
  return {
    server,
    url,
    reviewer,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Stops taking webhooks, lets running reviews finish (bounded), then exits. */
function handleShutdown(running: RunningServer, log: (msg: string) => void): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received: finishing running reviews, then stopping`);
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, 25_000).unref());
    void Promise.race([running.reviewer.drain(), deadline])
      .then(() => running.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

export async function main(env: Env = process.env): Promise<void> {
  if (existsSync('.env') && typeof process.loadEnvFile === 'function') process.loadEnvFile('.env');
  if (isProduction(env)) {
    const problems = [
      !env.APP_ID ? 'APP_ID is not set' : undefined,
      !(env.PRIVATE_KEY || env.PRIVATE_KEY_PATH) ? 'PRIVATE_KEY (or PRIVATE_KEY_PATH) is not set' : undefined,
      webhookSecretProblem(env.WEBHOOK_SECRET),
    ].filter((p): p is string => p !== undefined);
    if (problems.length > 0) {
      console.error(`dbt-pr-reviewer refuses to start in production: ${problems.join('; ')}. See docs/github-app.md.`);
      process.exit(1);
    }
  }
  if (!hasCredentials(env)) {
    // Setup mode: Probot serves a page that creates the GitHub App from app.yml and writes the credentials to .env.
    await run(createReviewerApp({ appId: 0 }).appFn);
    return;
  }
  const running = await startServer(env);
  handleShutdown(running, (msg) => console.error(msg));
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(entry).href) {
  main().catch((error: unknown) => {
    console.error(`dbt-pr-reviewer could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
