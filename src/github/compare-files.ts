/**
 * The changed files of a pull request in ONE request: `GET /compare/{base}...{head}` (three dots: diffed against
 * the merge base, like the PR's own diff), which also names the merge base. GitHub lists at most 300 files there,
 * only on the first page; `per_page=1` keeps the commit list that comes with it small. Answers that cannot be
 * used (an unknown or unreachable commit, a server error) are returned as a reason, for the caller to fall back.
 */
import type { Octokit } from './types.js';

/** Most files the compare lists (GitHub's documented limit). A listing that reaches it may be incomplete. */
export const GITHUB_COMPARE_FILES_LIMIT = 300;

/** One changed file as GitHub's diff entries describe it (compare and PR files alike). */
export interface DiffEntry {
  filename: string;
  previous_filename?: string;
  status: string;
  changes: number;
  sha: string | null;
  patch?: string;
}

export type ComparedFiles = { ok: true; files: DiffEntry[]; mergeBaseSha: string } | { ok: false; reason: string };

/** Statuses of a compare that mean "use another listing" rather than "the review failed". */
function isFallbackStatus(status: number | undefined): boolean {
  return status === 404 || status === 422 || (status !== undefined && status >= 500);
}

export async function compareFiles(
  octokit: Octokit,
  params: { owner: string; repo: string; baseSha: string; headSha: string },
): Promise<ComparedFiles> {
  try {
    const { data } = await octokit.request('GET /repos/{owner}/{repo}/compare/{basehead}', {
      owner: params.owner,
      repo: params.repo,
      basehead: `${params.baseSha}...${params.headSha}`,
      per_page: 1,
    });
    const mergeBaseSha = data.merge_base_commit?.sha;
    if (!mergeBaseSha) return { ok: false, reason: 'the compare named no merge base' };
    if (!Array.isArray(data.files)) return { ok: false, reason: 'the compare listed no files' };
    return { ok: true, files: data.files, mergeBaseSha };
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (isFallbackStatus(status)) return { ok: false, reason: `the compare answered ${status}` };
    throw error;
  }
}
