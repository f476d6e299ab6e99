/**
 * Inline comments whose finding is gone are minimized as OUTDATED (GraphQL `minimizeComment`, all in one
 * request), unless someone replied to them: a conversation stays visible.
 */
import { parseFindingMarker } from './markers.js';
import type { Octokit } from './types.js';

export interface MinimizeResult {
  /** Gone fingerprints whose comments were minimized (or that had no inline comment left). */
  cleared: string[];
  /** Gone fingerprints kept visible because someone replied. */
  keptForReplies: string[];
}

export async function minimizeOutdatedComments(
  octokit: Octokit,
  params: { owner: string; repo: string; pullNumber: number; botLogin?: string },
  goneFingerprints: readonly string[],
): Promise<MinimizeResult> {
  if (goneFingerprints.length === 0) return { cleared: [], keptForReplies: [] };
  const gone = new Set(goneFingerprints);
  const comments = await octokit.paginate(octokit.rest.pulls.listReviewComments, {
    owner: params.owner,
    repo: params.repo,
    pull_number: params.pullNumber,
    per_page: 100,
  });
  const repliedTo = new Set(comments.map((c) => c.in_reply_to_id).filter((id): id is number => typeof id === 'number'));
  const toMinimize: string[] = [];
  const kept = new Set<string>();
  for (const c of comments) {
    const fp = parseFindingMarker(c.body);
    if (!fp || !gone.has(fp) || c.in_reply_to_id !== undefined) continue;
    if (params.botLogin !== undefined && c.user?.login !== params.botLogin) continue;
    if (repliedTo.has(c.id)) kept.add(fp);
    else toMinimize.push(c.node_id);
  }
  if (toMinimize.length > 0) {
    const variables: Record<string, string> = {};
    const fields = toMinimize.map((id, i) => {
      variables[`id${i}`] = id;
      return `m${i}: minimizeComment(input: {subjectId: $id${i}, classifier: OUTDATED}) { minimizedComment { isMinimized } }`;
    });
    const signature = toMinimize.map((_, i) => `$id${i}: ID!`).join(', ');
    await octokit.graphql(`mutation MinimizeOutdated(${signature}) {\n  ${fields.join('\n  ')}\n}`, variables);
  }
  return { cleared: goneFingerprints.filter((fp) => !kept.has(fp)), keptForReplies: [...kept] };
}
