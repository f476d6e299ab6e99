/**
 * The one summary comment per pull request: found by its hidden marker AND the app's own bot login (anyone can
 * paste a marker), searching every page of the PR's comments; created once, then edited in place.
 */
import { parseSummaryMarker, type SummaryState } from './markers.js';
import type { Octokit } from './types.js';

export interface SummaryComment {
  id: number;
  state?: SummaryState;
}

/** GitHub's limit for a comment body. */
export const COMMENT_MAX = 65536;

interface CommentLike {
  id: number;
  body?: string | null;
  user?: { login: string; type?: string } | null;
  performed_via_github_app?: { id: number } | null;
}

export function isOwnSummary(comment: CommentLike, self: { botLogin?: string; appId: number }): boolean {
  if (!comment.body || !parseSummaryMarker(comment.body)) return false;
  const byLogin = self.botLogin !== undefined && comment.user?.login === self.botLogin;
  const byApp = comment.performed_via_github_app?.id === self.appId && comment.user?.type === 'Bot';
  return byLogin || byApp;
}

export async function findSummaryComment(
  octokit: Octokit,
  params: { owner: string; repo: string; issueNumber: number },
  self: { botLogin?: string; appId: number },
): Promise<SummaryComment | undefined> {
  const pages = octokit.paginate.iterator(octokit.rest.issues.listComments, {
    owner: params.owner,
    repo: params.repo,
    issue_number: params.issueNumber,
    per_page: 100,
  });
  for await (const page of pages) {
    const own = page.data.find((c) => isOwnSummary(c, self));
    if (own) {
      const found: SummaryComment = { id: own.id };
      const state = parseSummaryMarker(own.body);
      if (state) found.state = state;
      return found;
    }
  }
  return undefined;
}

/** Creates the comment, or edits it when `existingId` is given (recreating it if it was deleted). */
export async function writeSummaryComment(
  octokit: Octokit,
  params: { owner: string; repo: string; issueNumber: number },
  body: string,
  existingId?: number,
): Promise<number> {
  const text = body.length > COMMENT_MAX ? body.slice(0, COMMENT_MAX - 20) + '\n\n_… truncated._' : body;
  if (existingId !== undefined) {
    try {
      await octokit.rest.issues.updateComment({ owner: params.owner, repo: params.repo, comment_id: existingId, body: text });
      return existingId;
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw error;
    }
  }
  const { data } = await octokit.rest.issues.createComment({
    owner: params.owner,
    repo: params.repo,
    issue_number: params.issueNumber,
    body: text,
  });
  return data.id;
}
