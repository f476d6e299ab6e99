/**
 * Starting the server as users do: setup mode without credentials (the manifest flow), and refusing to run in
 * production without credentials or a real webhook secret.
 */
import { createServer } from 'node:net';
import { expect, it, vi } from 'vitest';
import { runServerToExit, spawnServer } from './harness/app-process.js';
import { generateAppKey } from './harness/setup.js';

// Each test drives a real server process and a full review: generous limits for a busy 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

it('refuses to start in production with a placeholder webhook secret', async () => {
  const { code, output } = await runServerToExit({ NODE_ENV: 'production', APP_ID: '1', PRIVATE_KEY: generateAppKey(), WEBHOOK_SECRET: 'development', PORT: '0' });
  expect(code).toBe(1);
  expect(output).toMatch(/refuses to start in production: WEBHOOK_SECRET is a placeholder/);
});

it('refuses to start in production without credentials', async () => {
  const { code, output } = await runServerToExit({ NODE_ENV: 'production', WEBHOOK_SECRET: 'a'.repeat(40), PORT: '0' });
  expect(code).toBe(1);
  expect(output).toMatch(/APP_ID is not set; PRIVATE_KEY \(or PRIVATE_KEY_PATH\) is not set/);
});

it('without credentials, starts Probot setup mode that registers the app from app.yml', async () => {
  const port = await freePort();
  const child = spawnServer({ PORT: String(port), HOST: '127.0.0.1', NO_SMEE_SETUP: 'true' });
  try {
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.includes('Listening on')) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', () => reject(new Error(output)));
    });
    expect(output).toContain('setup mode');
    const page = await fetch(`http://127.0.0.1:${port}/probot`);
    expect(page.status).toBe(200);
    const html = await page.text();
    // The manifest posted to GitHub carries app.yml's events and permissions.
    expect(html).toContain('dbt-pr-reviewer');
    expect(html).toMatch(/check_suite/);
    expect(html).toMatch(/&quot;checks&quot;:&quot;write&quot;|"checks":"write"/);
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});
