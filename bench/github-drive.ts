/**
 * Drives the App against the fake GitHub for one scenario (see bench/github.ts). Written against the fake's
 * and the App's exports once they exist.
 */
import type { GeneratedProject, Scenario } from './generate.js';
import type { GithubCounts } from './github.js';

export async function driveGithubReview(_project: GeneratedProject, _scenario: Scenario): Promise<GithubCounts> {
  throw new Error('Cannot find module: the fake GitHub driver is not wired yet');
}
