/**
 * GitHub path of the benchmark: how many GitHub API requests one review costs, on a first review
 * (`pull_request.opened`) and on a re-review after one more push (`pull_request.synchronize`), against the fake
 * GitHub of the App's end-to-end tests (`test/fakes/github/`).
 *
 * HOOK: `githubRequestCounts()` is the one place that drives the App. It returns `{ unavailable }` while the fake
 * GitHub or the App entry point does not exist, and run.ts prints that in the table.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BENCH_DIR, type GeneratedProject, type Scenario } from './generate.js';

export interface GithubCounts {
  /** REST + GraphQL requests (what counts against the installation's rate limit). */
  first: number;
  rereview: number;
  /** Archive downloads the API redirected to (codeload), not API calls. */
  firstDownloads?: number;
  rereviewDownloads?: number;
  /** Wall time of each review in the App, from the webhook's delivery to the end of its job (fresh server). */
  firstMs?: number;
  rereviewMs?: number;
  /** Requests by route of both reviews, e.g. `first: GET /repos/{owner}/{repo}/compare/{basehead}: 1`. */
  detail?: string[];
  error?: string;
}

const ROOT = resolve(BENCH_DIR, '..');
const FAKE = join(ROOT, 'test/fakes/github/index.ts');
const APP_CANDIDATES = ['src/github/app.ts', 'src/app.ts', 'src/server.ts'];

/** `dist`: a compiled build whose `server.js` to drive (as deployed); default: the TypeScript sources. */
export async function githubRequestCounts(project: GeneratedProject, scenario: Scenario, dist?: string): Promise<GithubCounts | { unavailable: string }> {
  if (!existsSync(FAKE)) return { unavailable: 'fake GitHub (test/fakes/github/index.ts) not present yet' };
  const app = APP_CANDIDATES.find((p) => existsSync(join(ROOT, p)));
  if (!app) return { unavailable: 'the Probot app (src/github/app.ts or src/server.ts) not present yet' };
  try {
    const { driveGithubReview } = (await import('./github-drive.js')) as typeof import('./github-drive.js');
    return await driveGithubReview(project, scenario, dist);
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0] ?? String(e) : String(e);
    if (/Cannot find module|does not provide an export|is not a function/.test(message)) return { unavailable: `could not wire the fake GitHub: ${message}` };
    return { first: NaN, rereview: NaN, error: message };
  }
}
