/**
 * Types shared by the GitHub App's modules. A review job is plain data (JSON-serialisable), so the in-process
 * queue can be swapped for a Redis-backed one without changing the handlers or the worker.
 */
import type { ProbotOctokit } from 'probot';

export type Octokit = ProbotOctokit;

/** What the review needs to know about the pull request, taken from the webhook payload or `GET /pulls/{n}`. */
export interface PullRequestInfo {
  number: number;
  title: string;
  body: string;
  headSha: string;
  baseSha: string;
  baseRef: string;
  /** The repository's default branch (the config is read from it). */
  defaultBranch: string;
  /** Files GitHub counts in the PR (the files API lists at most 3000). */
  changedFiles?: number;
  /** The PR comes from a fork. */
  fromFork: boolean;
}

export type TriggerReason =
  | 'pull_request.opened'
  | 'pull_request.synchronize'
  | 'pull_request.reopened'
  | 'pull_request.ready_for_review'
  | 'recheck'
  | 'check_run.rerequested'
  | 'check_suite.rerequested';

export interface ReviewJobData {
  installationId: number;
  owner: string;
  repo: string;
  pr: PullRequestInfo;
  reason: TriggerReason;
  /** Webhook delivery id (`X-GitHub-Delivery`) that caused the job; logged with everything the job does. */
  deliveryId: string;
  /** Re-run even if this head SHA was already reviewed with the same config (/recheck, re-run button). */
  force: boolean;
}

export function prKey(job: Pick<ReviewJobData, 'owner' | 'repo' | 'pr'>): string {
  return `${job.owner}/${job.repo}#${job.pr.number}`.toLowerCase();
}
