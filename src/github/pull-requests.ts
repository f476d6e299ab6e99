/** Pull request look-ups: by number, and by head SHA for check events that list none (fork PRs). */
import type { PullRequestInfo, Octokit } from './types.js';

interface PullLike {
  number: number;
  title: string;
  body?: string | null;
  changed_files?: number;
  head: { sha: string; repo?: { full_name: string } | null };
  base: { sha: string; ref: string; repo: { full_name: string; default_branch?: string } };
}

export function toPullRequestInfo(pr: PullLike, defaultBranch: string): PullRequestInfo {
  const info: PullRequestInfo = {
    number: pr.number,
    title: pr.title,
    body: pr.body ?? '',
    headSha: pr.head.sha,
    baseSha: pr.base.sha,
    baseRef: pr.base.ref,
    defaultBranch: pr.base.repo.default_branch ?? defaultBranch,
    fromFork: (pr.head.repo?.full_name ?? '').toLowerCase() !== pr.base.repo.full_name.toLowerCase(),
  };
  if (typeof pr.changed_files === 'number') info.changedFiles = pr.changed_files;
  return info;
}

export async function getPullRequest(
  octokit: Octokit,
  owner: string,
  repo: string,
  number: number,
  defaultBranch: string,
): Promise<{ info: PullRequestInfo; open: boolean }> {
  const { data } = await octokit.rest.pulls.get({ owner, repo, pull_number: number });
  return { info: toPullRequestInfo(data, defaultBranch), open: data.state === 'open' };
}

/**
 * The open pull requests whose head is `headSha`. Check events list their PRs only for branches of the same
 * repository; for fork PRs the list is empty, so the open PRs are searched (all pages, stopping at a match).
 */
export async function findPullRequestsByHead(
  octokit: Octokit,
  owner: string,
  repo: string,
  headSha: string,
  defaultBranch: string,
): Promise<PullRequestInfo[]> {
  const found: PullRequestInfo[] = [];
  for await (const page of octokit.paginate.iterator(octokit.rest.pulls.list, { owner, repo, state: 'open', per_page: 100 })) {
    for (const pr of page.data) if (pr.head.sha === headSha) found.push(toPullRequestInfo(pr, defaultBranch));
    if (found.length > 0) break;
  }
  return found;
}
