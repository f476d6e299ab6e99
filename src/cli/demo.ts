/**
 * `dbt-pr-reviewer demo`: builds a throw-away git repository from the bundled example project (two commits: the
 * base state, then the change), so the review can run with no setup.
 */
import { cp, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runGit } from '../sources/git-exec.js';
import { resolveRev } from '../sources/git.js';

/** `examples/demo` of the package (the same relative place from `src/cli/` and `dist/cli/`). */
export const DEMO_DIR = fileURLToPath(new URL('../../examples/demo/', import.meta.url));

export interface DemoRepository {
  /** Temporary folder holding the repository; remove it with `cleanup()`. */
  dir: string;
  repo: string;
  base: string;
  head: string;
  cleanup(): Promise<void>;
}

/** Identity and dates of the demo commits: fixed, so the demo's shas are the same on every machine. */
function commitEnv(date: string): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: 'Juniper Outfitters Data Team',
    GIT_AUTHOR_EMAIL: 'data@juniperoutfitters.example',
    GIT_COMMITTER_NAME: 'Juniper Outfitters Data Team',
    GIT_COMMITTER_EMAIL: 'data@juniperoutfitters.example',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
    // The user's own git config (hooks, signing, templates) has no say over this throw-away repository.
    GIT_CONFIG_GLOBAL: '/dev/null',
  };
}

const COMMIT_CONFIG = ['-c', 'commit.gpgsign=false', '-c', 'core.hooksPath=/dev/null', '-c', 'init.defaultBranch=main'];

async function replaceWorkTree(repo: string, from: string): Promise<void> {
  for (const entry of await readdir(repo)) {
    if (entry !== '.git') await rm(join(repo, entry), { recursive: true, force: true });
  }
  await cp(from, repo, { recursive: true });
}

async function commitAll(repo: string, message: string, date: string): Promise<string> {
  const env = commitEnv(date);
  await runGit(repo, [...COMMIT_CONFIG, 'add', '--all'], { env });
  await runGit(repo, [...COMMIT_CONFIG, 'commit', '--quiet', '--no-verify', '-m', message], { env });
  return resolveRev(repo, 'HEAD');
}

/** Creates the demo repository from `examples/demo/base` and `examples/demo/head` in a temporary folder. */
export async function buildDemoRepository(demoDir = DEMO_DIR): Promise<DemoRepository> {
  for (const state of ['base', 'head']) {
    const s = await stat(join(demoDir, state)).catch(() => undefined);
    if (!s?.isDirectory()) throw new Error(`the bundled demo project is missing: ${join(demoDir, state)}`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'dbt-pr-reviewer-demo-'));
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    const repo = join(dir, 'juniper-outfitters');
    await runGit(dir, [...COMMIT_CONFIG, 'init', '--quiet', '--template=', 'juniper-outfitters'], { env: commitEnv('2025-03-03T09:00:00Z') });
    await replaceWorkTree(repo, join(demoDir, 'base'));
    const base = await commitAll(repo, 'Juniper Outfitters warehouse: staging, intermediate and marts', '2025-03-03T09:00:00Z');
    await replaceWorkTree(repo, join(demoDir, 'head'));
    const head = await commitAll(
      repo,
      'Customer segments, daily orders summary and cleanup of fct_orders',
      '2025-03-05T15:30:00Z',
    );
    return { dir, repo, base, head, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
