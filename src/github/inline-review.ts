/**
 * Posts the one review of a run: event `COMMENT` (never `APPROVE`), with the planned inline comments. If GitHub
 * still answers 422 for the comment positions, the review is posted without inline comments and its body lists
 * the findings and says why.
 */
import type { PlannedComment } from './inline-comments.js';
import type { Octokit } from './types.js';
import { plural } from '../review/plural.js';

export interface PostedReview {
  /** Fingerprints now shown to the author (inline, or in the fallback body). */
  posted: string[];
  /** GitHub refused the positions; the findings went into the review body. */
  fallback: boolean;
}


export async function postInlineReview(
  octokit: Octokit,
  params: { owner: string; repo: string; pullNumber: number; commitId: string },
  planned: readonly PlannedComment[],
  extraNote?: string,
): Promise<PostedReview> {
  if (planned.length === 0) return { posted: [], fallback: false };
  const fingerprints = planned.map((p) => p.finding.fingerprint);
  const intro = `**dbt-pr-reviewer** left ${plural(planned.length, 'comment')} on lines of this diff. The summary comment has the whole review.`;
  // Every review this app posts is a COMMENT: it never approves nor requests changes.
  const commentReview = (body: string, comments?: PlannedComment['comment'][]) =>
    octokit.rest.pulls.createReview({
      owner: params.owner,
      repo: params.repo,
      pull_number: params.pullNumber,
      commit_id: params.commitId,
      event: 'COMMENT',
      body,
      ...(comments ? { comments } : {}),
    });
  try {
    await commentReview(extraNote ? `${intro}\n\n${extraNote}` : intro, planned.map((p) => ({ ...p.comment })));
    return { posted: fingerprints, fallback: false };
  } catch (error) {
    if ((error as { status?: number }).status !== 422) throw error;
  }
  const list = planned
    .map((p) => `- \`${p.comment.path}:${p.comment.line}\` **${p.finding.rule}** — ${p.finding.message}`)
    .join('\n');
  await commentReview(
    `**dbt-pr-reviewer** could not place its comments on the diff: GitHub rejected the line positions (422), ` +
      `so the ${plural(planned.length, 'finding')} are listed here instead.\n\n${list}`,
  );
  return { posted: fingerprints, fallback: true };
}
