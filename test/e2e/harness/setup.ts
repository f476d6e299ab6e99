/** One fake GitHub + one app process, wired together the way a user configures a GitHub App. */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { startFakeGitHub, type FakeGitHub, type FakeRepoConfig, type StartFakeGitHubOptions } from '../../fakes/github/index.js';
import { startApp, type AppProcess } from './app-process.js';

export const APP_ID = 4242;

export interface Stack {
  fake: FakeGitHub;
  app: AppProcess;
  secret: string;
  privateKey: string;
  stop(): Promise<void>;
}

export function generateAppKey(): string {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
}

export async function startStack(
  repos: FakeRepoConfig[],
  options: Partial<StartFakeGitHubOptions> & { env?: Record<string, string> } = {},
): Promise<Stack> {
  const privateKey = generateAppKey();
  const secret = randomBytes(20).toString('hex');
  const { env, ...fakeOptions } = options;
  const fake = await startFakeGitHub({ appId: APP_ID, appKey: privateKey, repos, ...fakeOptions });
  const app = await startApp({
    APP_ID: String(APP_ID),
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: secret,
    ...fake.env,
    // Octokit paces writes 1 s apart (3 s for notifying ones) per installation; the fake needs no pacing.
    GITHUB_WRITE_PACING_MS: '0',
    ...env,
  });
  return {
    fake,
    app,
    secret,
    privateKey,
    stop: async () => {
      await app.stop();
      await fake.close();
    },
  };
}
