/**
 * The Probot app: thin handlers that validate an event, acknowledge it and enqueue a review job. The worker
 * (`runReviewJob`) does the rest. Redelivered webhooks (same delivery id) are dropped.
 */
import type { ApplicationFunction, Context, Probot } from 'probot';
import type { JinjaRenderer, ReviewPorts, ReviewRequest } from '../ports.js';
import type { Review } from '../review/types.js';
import { CHECK_NAME } from './check-run.js';
import { errorLogFields } from './errors.js';
import { LruCache } from './lru.js';
import { canRecheck } from './permissions.js';
import { findPullRequestsByHead, getPullRequest, toPullRequestInfo } from './pull-requests.js';
import { InProcessReviewQueue, type QueueStats, type ReviewQueue, type ReviewWorker } from './queue.js';
import { ReviewerState, runReviewJob, type LlmStageFactory, type ReviewerServices } from './review-job.js';
import type { PullRequestInfo, ReviewJobData, TriggerReason } from './types.js';

export interface ReviewerAppOptions {
  /** The GitHub App's id (check events of other apps are ignored). */
  appId: number;
  /** Builds the LLM stage; without it the LLM stage is reported as skipped. */
  createLlmStage?: LlmStageFactory;
  /** Reviews running at once. */
  concurrency?: number;
  /** The queue implementation (default: in-process). */
  createQueue?: (worker: ReviewWorker) => ReviewQueue;
  /** Overrides for tests of the handlers alone; the server uses the real pipeline and renderer. */
  runReview?: (request: ReviewRequest, ports: ReviewPorts) => Promise<Review>;
  createRenderer?: () => Promise<JinjaRenderer>;
}

export interface ReviewerApp {
  appFn: ApplicationFunction;
  stats(): QueueStats;
  /** Resolves when no review runs or waits. */
  drain(): Promise<void>;
}

export const RECHECK_COMMAND = /^\s*\/recheck\b/m;

const PR_ACTIONS = ['opened', 'synchronize', 'reopened', 'ready_for_review'] as const;

export function createReviewerApp(options: ReviewerAppOptions): ReviewerApp {
  let queue: ReviewQueue | undefined;
  const deliveries = new LruCache<string, true>(10000, 24 * 3600_000);

  const appFn: ApplicationFunction = (app: Probot) => {
    const state = new ReviewerState();
    const services: ReviewerServices = {
      appId: options.appId,
      log: app.log.child({ name: 'dbt-pr-reviewer' }),
      auth: (installationId) => app.auth(installationId),
      runReview: options.runReview ?? (async (request, ports) => (await import('../pipeline.js')).runReview(request, ports)),
      createRenderer: options.createRenderer ?? (async () => (await import('../dbt/jinja/index.js')).createJinjaRenderer()),
      state,
      ...(options.createLlmStage ? { createLlmStage: options.createLlmStage } : {}),
    };
    const worker: ReviewWorker = (job, signal) => runReviewJob(job, signal, services);
    queue =
      options.createQueue?.(worker) ??
      new InProcessReviewQueue(worker, {
        concurrency: options.concurrency ?? 2,
        onWorkerError: (job, error) =>
          services.log.error({ deliveryId: job.deliveryId, err: errorLogFields(error) }, 'review job failed before its check run'),
      });
    const jobs = queue;

    /** Drops a redelivered webhook; true when this delivery is new. */
    const firstDelivery = (context: Context): boolean => {
      if (deliveries.has(context.id)) {
        context.log.info({ deliveryId: context.id }, 'redelivered webhook ignored');
        return false;
      }
      deliveries.set(context.id, true);
      return true;
    };

    const enqueue = (context: Context, installationId: number | undefined, pr: PullRequestInfo, reason: TriggerReason, force: boolean) => {
      const payload = context.payload as { repository?: { owner: { login: string }; name: string } };
      if (!installationId || !payload.repository) return;
      const job: ReviewJobData = {
        installationId,
        owner: payload.repository.owner.login,
        repo: payload.repository.name,
        pr,
        reason,
        deliveryId: context.id,
        force,
      };
      const outcome = jobs.enqueue(job);
      context.log.info({ deliveryId: context.id, pr: pr.number, head: pr.headSha.slice(0, 12), reason, outcome }, 'review enqueued');
    };

    app.on(
      PR_ACTIONS.map((a) => `pull_request.${a}` as const),
      async (context) => {
        if (!firstDelivery(context)) return;
        const { pull_request: pr, repository, action } = context.payload;
        if (pr.state !== 'open') return;
        enqueue(context, context.payload.installation?.id, toPullRequestInfo(pr, repository.default_branch), `pull_request.${action}` as TriggerReason, false);
      },
    );

    app.on('issue_comment.created', async (context) => {
      const { comment, issue, repository, sender } = context.payload;
      if (!issue.pull_request || !RECHECK_COMMAND.test(comment.body) || sender.type === 'Bot') return;
      if (!firstDelivery(context)) return;
      const owner = repository.owner.login;
      const repo = repository.name;
      if (!(await canRecheck(context.octokit, owner, repo, sender.login))) {
        await context.octokit.rest.issues.createComment({
          owner,
          repo,
          issue_number: issue.number,
          body: `@${sender.login} \`/recheck\` needs write access to this repository; a maintainer can run it, or push a commit.`,
        });
        context.log.info({ deliveryId: context.id, user: sender.login }, '/recheck refused: no write access');
        return;
      }
      await context.octokit.rest.reactions.createForIssueComment({ owner, repo, comment_id: comment.id, content: 'eyes' });
      const { info, open } = await getPullRequest(context.octokit, owner, repo, issue.number, repository.default_branch);
      if (!open) return;
      enqueue(context, context.payload.installation?.id, info, 'recheck', true);
    });

    app.on('check_run.rerequested', async (context) => {
      const { check_run: run, repository } = context.payload;
      if (run.name !== CHECK_NAME || (run.app?.id !== undefined && run.app.id !== options.appId)) return;
      if (!firstDelivery(context)) return;
      await rerun(context, repository, run.head_sha, run.pull_requests.map((p) => p.number), 'check_run.rerequested');
    });

    app.on('check_suite.rerequested', async (context) => {
      const { check_suite: suite, repository } = context.payload;
      if (suite.app?.id !== undefined && suite.app.id !== options.appId) return;
      if (!firstDelivery(context)) return;
      await rerun(context, repository, suite.head_sha, suite.pull_requests.map((p) => p.number), 'check_suite.rerequested');
    });

    async function rerun(
      context: Context<'check_run.rerequested'> | Context<'check_suite.rerequested'>,
      repository: { owner: { login: string }; name: string; default_branch: string },
      headSha: string,
      listed: number[],
      reason: TriggerReason,
    ): Promise<void> {
      const owner = repository.owner.login;
      const repo = repository.name;
      const prs: PullRequestInfo[] = [];
      if (listed.length > 0) {
        for (const number of listed) {
          const { info, open } = await getPullRequest(context.octokit, owner, repo, number, repository.default_branch);
          if (open && info.headSha === headSha) prs.push(info);
        }
      } else {
        prs.push(...(await findPullRequestsByHead(context.octokit, owner, repo, headSha, repository.default_branch)));
      }
      if (prs.length === 0) context.log.info({ deliveryId: context.id, head: headSha.slice(0, 12) }, 'no open pull request for this check');
      for (const pr of prs) enqueue(context, context.payload.installation?.id, pr, reason, true);
    }
  };

  return {
    appFn,
    stats: () => queue?.stats() ?? { running: 0, waiting: 0 },
    drain: () => queue?.drain() ?? Promise.resolve(),
  };
}
