/**
 * The FileSnapshots of a pull request, read from GitHub with a number of requests that does not grow with the
 * project: the head is the commit's tarball (one request, cached by commit SHA so a /recheck costs none), the
 * base is the head with the changed files put back from their patches (no request unless GitHub left a patch
 * out). Also detects the SQL dialect from a committed `profiles.yml`.
 */
import type { ProbotOctokit } from 'probot';
import type { FileSnapshot } from '../dbt/types.js';
import type { Skipped } from '../review/types.js';
import type { Dialect } from '../config.js';
import { detectDialect } from '../cli/dialect.js';
import { nodeStream, snapshotFromTarball, type TreeSnapshot } from './github-tarball.js';
import { reconstructBase, type BaseFile } from './github-base.js';

export type { TreeSnapshot } from './github-tarball.js';

/** What this module needs of an Octokit: its `request`. */
export type GitHubRequester = Pick<ProbotOctokit, 'request'>;

/** A cache of head snapshots by `owner/repo@sha` (an LRU in the app). */
export interface SnapshotCache {
  get(key: string): TreeSnapshot | undefined;
  set(key: string, value: TreeSnapshot): void;
}

export interface PullRequestSnapshotsInput {
  octokit: GitHubRequester;
  owner: string;
  repo: string;
  headSha: string;
  baseSha: string;
  files: readonly BaseFile[];
  cache?: SnapshotCache;
}

export interface PullRequestSnapshots {
  head: TreeSnapshot;
  base: FileSnapshot;
  skipped: Skipped[];
  dialectHint?: { name: Dialect; source: string };
  /** The head came from the cache (no request). */
  headCached: boolean;
}

export async function downloadSnapshot(octokit: GitHubRequester, owner: string, repo: string, sha: string): Promise<TreeSnapshot> {
  const response = await octokit.request('GET /repos/{owner}/{repo}/tarball/{ref}', {
    owner,
    repo,
    ref: sha,
    request: { parseSuccessResponseBody: false },
  });
  return snapshotFromTarball(nodeStream(response.data), sha);
}

/** A file at a revision through the contents API (raw), or undefined when it does not exist there. */
export async function readFileAtRef(
  octokit: GitHubRequester,
  owner: string,
  repo: string,
  path: string,
  ref: string,
): Promise<string | undefined> {
  try {
    const response = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', {
      owner,
      repo,
      path,
      ref,
      mediaType: { format: 'raw' },
    });
    return typeof response.data === 'string' ? response.data : undefined;
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

export async function loadPullRequestSnapshots(input: PullRequestSnapshotsInput): Promise<PullRequestSnapshots> {
  const { octokit, owner, repo, headSha, baseSha } = input;
  const key = `${owner}/${repo}@${headSha}`.toLowerCase();
  let head = input.cache?.get(key);
  const headCached = head !== undefined;
  if (!head) {
    head = await downloadSnapshot(octokit, owner, repo, headSha);
    input.cache?.set(key, head);
  }
  const { base, skipped } = await reconstructBase(head, input.files, (path) => readFileAtRef(octokit, owner, repo, path, baseSha));
  const result: PullRequestSnapshots = { head, base, skipped: [...head.skipped, ...skipped], headCached };
  const hint = detectDialect(base, head);
  if (hint) result.dialectHint = hint;
  return result;
}
