/**
 * The Check Run `dbt-pr-reviewer` on the head SHA: created `in_progress` when work starts, completed with the
 * conclusion, a summary and every annotation (50 per request, the last request completes the run).
 */
import type { Conclusion } from '../review/types.js';
import { annotationBatches, type CheckAnnotation } from './annotations.js';
import type { Octokit } from './types.js';

export const CHECK_NAME = 'dbt-pr-reviewer';
/** GitHub's limit for `output.summary` and `output.text`. */
export const CHECK_OUTPUT_MAX = 65535;

export interface StartedCheckRun {
  id: number;
  /** The app's slug, from the created run (its bot user is `<slug>[bot]`). */
  appSlug?: string;
}

export async function startCheckRun(
  octokit: Octokit,
  params: { owner: string; repo: string; headSha: string; externalId?: string },
): Promise<StartedCheckRun> {
  const { data } = await octokit.rest.checks.create({
    owner: params.owner,
    repo: params.repo,
    name: CHECK_NAME,
    head_sha: params.headSha,
    status: 'in_progress',
    started_at: new Date().toISOString(),
    ...(params.externalId ? { external_id: params.externalId } : {}),
    output: { title: 'Reviewing the dbt changes…', summary: 'dbt-pr-reviewer is reading the pull request.' },
  });
  const result: StartedCheckRun = { id: data.id };
  if (data.app?.slug) result.appSlug = data.app.slug;
  return result;
}

export interface CheckOutcome {
  conclusion: Conclusion | 'failure';
  title: string;
  summary: string;
  text?: string;
  annotations?: readonly CheckAnnotation[];
}

function clip(text: string): string {
  if (text.length <= CHECK_OUTPUT_MAX) return text;
  const note = '\n\n_… truncated._';
  return text.slice(0, CHECK_OUTPUT_MAX - note.length) + note;
}

export async function completeCheckRun(
  octokit: Octokit,
  params: { owner: string; repo: string; checkRunId: number },
  outcome: CheckOutcome,
): Promise<void> {
  const batches = annotationBatches(outcome.annotations ?? []);
  const output = {
    title: outcome.title.slice(0, 255),
    summary: clip(outcome.summary),
    ...(outcome.text ? { text: clip(outcome.text) } : {}),
  };
  for (const [i, batch] of batches.entries()) {
    const last = i === batches.length - 1;
    await octokit.rest.checks.update({
      owner: params.owner,
      repo: params.repo,
      check_run_id: params.checkRunId,
      ...(last ? { status: 'completed' as const, conclusion: outcome.conclusion, completed_at: new Date().toISOString() } : {}),
      output: batch.length > 0 ? { ...output, annotations: batch } : output,
    });
  }
}

/**
 * Replaces the title and summary of a completed run (its conclusion and annotations stay): for what publishing the
 * review learned after the run was completed.
 */
export async function updateCheckOutput(
  octokit: Octokit,
  params: { owner: string; repo: string; checkRunId: number },
  output: { title: string; summary: string },
): Promise<void> {
  await octokit.rest.checks.update({
    owner: params.owner,
    repo: params.repo,
    check_run_id: params.checkRunId,
    output: { title: output.title.slice(0, 255), summary: clip(output.summary) },
  });
}
