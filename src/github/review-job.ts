/**
 * The worker: one review of one pull request at one head SHA. Reads the config, opens the Check Run, reads the
 * PR's files and snapshots, runs the pipeline, publishes (summary comment, one review, minimized outdated
 * comments) and completes the Check Run. Whatever fails, the Check Run it opened is completed.
 */
import type { Logger } from 'probot';
import type { ReviewerConfig } from '../config.js';
import type { JinjaRenderer, LlmStage, ReviewPorts, ReviewRequest, ShapeCache } from '../ports.js';
import type { ModelShape } from '../sql/types.js';
import type { Review } from '../review/types.js';
import { renderSummaryMarkdown } from '../review/markdown.js';
import { loadPullRequestSnapshots, type CachedBase, type TreeSnapshot } from '../sources/github.js';
import { dbtRelevantPaths } from '../sources/git.js';
import { toAnnotations } from './annotations.js';
import { completeCheckRun, startCheckRun, updateCheckOutput, type CheckOutcome } from './check-run.js';
import { loadRepoConfig, type LoadedConfig } from './config-loader.js';
import { describeError, errorLogFields } from './errors.js';
import { diffLineIndex, onPullRequestPaths, planInlineComments } from './inline-comments.js';
import { headLineOfBaseLine, PatchError } from '../sources/github-patch.js';
import { postInlineReview, type PostedReview } from './inline-review.js';
import { LruCache } from './lru.js';
import { summaryMarker, type SummaryState } from './markers.js';
import { minimizeOutdatedComments } from './minimize-outdated.js';
import { listPullRequestFiles, type PrFile } from './pr-files.js';
import { SupersededError } from './queue.js';
import { RequestCounter } from './request-counter.js';
import { findSummaryComment, writeSummaryComment, type SummaryComment } from './summary-comment.js';
import { prKey, type Octokit, type ReviewJobData } from './types.js';
import { plural } from '../review/plural.js';

/** Builds the LLM stage for a run, or says why there is none (no API key, turned off by the config...). */
export type LlmStageFactory = (config: ReviewerConfig) => {
  stage?: LlmStage;
  absent?: { status: 'skipped' | 'disabled'; detail: string };
};

export interface ReviewerServices {
  appId: number;
  log: Logger;
  auth(installationId: number): Promise<Octokit>;
  runReview(request: ReviewRequest, ports: ReviewPorts): Promise<Review>;
  createRenderer(): Promise<JinjaRenderer>;
  createLlmStage?: LlmStageFactory;
  state: ReviewerState;
}

/** What the app remembers between reviews (bounded; lost on restart, when it is rebuilt from GitHub). */
export class ReviewerState {
  /** Config by repository and default-branch commit (or repository alone, for a short time). */
  readonly configs = new LruCache<string, LoadedConfig>(500, 5 * 60_000);
  /** Head snapshots by `owner/repo@sha`. */
  readonly snapshots = new LruCache<string, TreeSnapshot>(16);
  /** Reconstructed merge bases by `owner/repo@sha`: the next push's head is built from one without a tarball. */
  readonly bases = new LruCache<string, CachedBase>(16);
  /** The summary comment of each pull request. */
  readonly summaries = new LruCache<string, SummaryComment>(5000);
  /** `pr@sha#config` of finished reviews: a second event for the same head and config posts nothing. */
  readonly reviewed = new LruCache<string, true>(20000);
  /**
   * Analysed SQL by repository and content key (`ShapeCache`): a re-review after a push, or the next pull request
   * on the same base, parses only the models whose rendered SQL it has not seen. Scoped per repository, so no
   * repository's review can tell from its speed what another one contains. ~9 KB a shape: ~27 MB at most.
   */
  readonly shapes = new LruCache<string, ModelShape>(3000);
  /** The app's bot login (`<slug>[bot]`), learnt from the first Check Run it creates. */
  botLogin?: string;
}

const NO_DBT_TITLE = 'No dbt changes';


/** The app's shape cache as one repository sees it. */
export function repositoryShapes(shapes: LruCache<string, ModelShape>, repository: string): ShapeCache {
  return {
    get: (key) => shapes.get(`${repository}\u0000${key}`),
    set: (key, shape) => shapes.set(`${repository}\u0000${key}`, shape),
  };
}

function configCacheKey(job: ReviewJobData): string {
  const repo = `${job.owner}/${job.repo}`.toLowerCase();
  return job.pr.baseRef === job.pr.defaultBranch ? `${repo}@${job.pr.baseSha}` : repo;
}

/** Paths of the change a dbt review could care about, before the project roots are known. */
function mayTouchDbt(files: readonly PrFile[]): boolean {
  return files.some((f) =>
    [f.path, f.previousPath].some((p) => p !== undefined && /(\.(sql|py|ya?ml|md)$)|(^|\/)dbt_project\.yml$/i.test(p)),
  );
}

function touchesDbtProject(files: readonly PrFile[], head: TreeSnapshot, basePaths: readonly string[]): boolean {
  const relevant = new Set([...dbtRelevantPaths(head.paths()), ...dbtRelevantPaths(basePaths)]);
  return files.some((f) => relevant.has(f.path) || (f.previousPath !== undefined && relevant.has(f.previousPath)));
}

export function checkTitle(review: Review): string {
  const errors = review.findings.filter((f) => f.severity === 'error').length;
  const warnings = review.findings.filter((f) => f.severity === 'warning').length;
  const models = plural(review.models.length, 'changed model');
  if (errors === 0 && warnings === 0) {
    return review.conclusion === 'neutral' ? `Review incomplete · ${models}` : `No blocking findings · ${models}`;
  }
  const parts = [errors > 0 ? plural(errors, 'error') : '', warnings > 0 ? plural(warnings, 'warning') : ''].filter(Boolean);
  return `${parts.join(', ')} · ${models}`;
}

export async function runReviewJob(job: ReviewJobData, signal: AbortSignal, services: ReviewerServices): Promise<void> {
  const { state } = services;
  const key = prKey(job);
  const log = services.log.child({
    deliveryId: job.deliveryId,
    repo: `${job.owner}/${job.repo}`,
    pr: job.pr.number,
    head: job.pr.headSha.slice(0, 12),
    reason: job.reason,
  });
  const counter = new RequestCounter();
  const octokit = counter.attach(await services.auth(job.installationId));
  const repoParams = { owner: job.owner, repo: job.repo };

  // 1. Config (cached per default-branch commit; a forced re-run reads it afresh). It decides whether this head
  // was already reviewed; if it cannot be read, the check below says so.
  const configKey = configCacheKey(job);
  let loaded = job.force ? undefined : state.configs.get(configKey);
  let configError: unknown;
  if (!loaded) {
    try {
      loaded = await loadRepoConfig(octokit, repoParams);
      state.configs.set(configKey, loaded);
    } catch (error) {
      configError = error;
    }
  }
  const reviewedKey = `${key}@${job.pr.headSha}#${loaded?.hash ?? 'unknown'}`;
  if (loaded && !job.force && state.reviewed.has(reviewedKey)) {
    log.info({ githubRequests: counter.toJSON() }, 'this head SHA was already reviewed with this config; nothing to post');
    return;
  }

  // 2. The Check Run, at once (also for a job superseded meanwhile: every head it started on gets a completed check).
  const check = await startCheckRun(octokit, { ...repoParams, headSha: job.pr.headSha, externalId: job.deliveryId });
  if (check.appSlug) state.botLogin = `${check.appSlug}[bot]`;
  const checkParams = { ...repoParams, checkRunId: check.id };
  const complete = (outcome: CheckOutcome) => completeCheckRun(octokit, checkParams, outcome);
  const noDbtChanges = async () => {
    await completeWithoutDbtChanges(job, octokit, complete, state);
    state.reviewed.set(reviewedKey, true);
    log.info({ githubRequests: counter.toJSON(), conclusion: 'success' }, 'no dbt changes');
  };

  try {
    if (!loaded) throw configError;
    signal.throwIfAborted();
    if (!loaded.ok) {
      await complete({
        conclusion: 'failure',
        title: 'Invalid .github/dbt-pr-reviewer.yml',
        summary: `The reviewer config is invalid, so this pull request was not reviewed.\n\n\`\`\`\n${loaded.message}\n\`\`\`\n\nFix the file on the default branch, then comment \`/recheck\`.`,
      });
      state.reviewed.set(reviewedKey, true);
      log.info({ githubRequests: counter.toJSON(), conclusion: 'failure' }, 'invalid config reported');
      return;
    }
    const config = loaded.config;

    // 3. The change.
    const listing = await listPullRequestFiles(octokit, {
      ...repoParams,
      pullNumber: job.pr.number,
      baseSha: job.pr.baseSha,
      headSha: job.pr.headSha,
      ...(job.pr.changedFiles !== undefined ? { expectedCount: job.pr.changedFiles } : {}),
    });
    if (listing.compareFallback) log.info({ reason: listing.compareFallback }, 'changed files listed page by page instead of from the compare');
    signal.throwIfAborted();
    if (!mayTouchDbt(listing.files)) {
      await noDbtChanges();
      return;
    }

    // 4. Base and head.
    const snapshots = await loadPullRequestSnapshots({
      octokit,
      ...repoParams,
      headSha: job.pr.headSha,
      baseSha: job.pr.baseSha,
      files: listing.files,
      ...(listing.mergeBaseSha !== undefined && !listing.truncated ? { mergeBaseSha: listing.mergeBaseSha } : {}),
      cache: state.snapshots,
      baseCache: state.bases,
    });
    if (snapshots.patchFallback) log.info({ reason: snapshots.patchFallback }, 'head not rebuilt from the cached base; tarball downloaded');
    signal.throwIfAborted();
    if (!touchesDbtProject(listing.files, snapshots.head, snapshots.base.paths())) {
      await noDbtChanges();
      return;
    }

    // 5. The pipeline.
    const notes = [...listing.notes, ...snapshots.skipped.map((s) => `\`${s.path}\`: ${s.reason}`)];
    const request: ReviewRequest = {
      base: job.pr.baseSha,
      head: job.pr.headSha,
      config,
      configSource: loaded.source,
      changedFiles: listing.files.map(({ path, previousPath, status, patch }) => ({
        path,
        status,
        ...(previousPath !== undefined ? { previousPath } : {}),
        ...(patch !== undefined ? { patch } : {}),
      })),
      pr: { number: job.pr.number, title: job.pr.title, body: job.pr.body },
      notes,
      unread: snapshots.skipped,
    };
    if (!config.dialect && snapshots.dialectHint) request.dialectHint = snapshots.dialectHint;
    const renderer = await services.createRenderer();
    let review: Review;
    try {
      const ports: ReviewPorts = { base: snapshots.base, head: snapshots.head, renderer, shapes: repositoryShapes(state.shapes, `${job.owner}/${job.repo}`.toLowerCase()) };
      const llm = config.llm.enabled ? services.createLlmStage?.(config) : undefined;
      if (llm?.stage) ports.llm = llm.stage;
      else if (llm?.absent) ports.llmAbsentReason = llm.absent;
      else if (!config.llm.enabled) ports.llmAbsentReason = { status: 'disabled', detail: 'turned off by `llm.enabled: false`' };
      else ports.llmAbsentReason = { status: 'skipped', detail: 'OPENAI_API_KEY is not set' };
      review = await services.runReview(request, ports);
    } finally {
      await renderer.close();
    }
    signal.throwIfAborted();
    if (review.models.length === 0 && review.findings.length === 0 && review.conclusion === 'success') {
      await noDbtChanges();
      return;
    }

    // 6. Publish. The check first: it is the status teams require, and GitHub paces writes (1 s apart, 3 s between
    // requests that notify people: the review, the summary comment), so it completes seconds before them. What
    // publishing then fails to do is added to its summary afterwards (one more request, only then).
    const summary = state.summaries.get(key) ?? (await findExistingSummary(job, octokit, state, services.appId));
    const previous: SummaryState | undefined = summary?.state;
    const posted = new Set(previous?.posted ?? []);
    const listed = new Set(previous?.listed ?? []);
    const publishNotes: string[] = [];

    const placed = onPullRequestPaths(review.findings, listing.files);
    const plan = planInlineComments(placed, diffLineIndex(listing.files), new Set([...posted, ...listed]));
    for (const f of plan.overLimit) listed.add(f.fingerprint);
    if (plan.overLimit.length > 0) {
      publishNotes.push(`${plural(plan.overLimit.length, 'more finding')} on the diff did not fit in one review (30 inline comments at most); they are listed here.`);
    }
    const withNotes = (notes: readonly string[]): Review => {
      const shown: Review = { ...review, notes: [...(review.notes ?? []), ...notes] };
      if (shown.notes?.length === 0) delete shown.notes;
      return shown;
    };
    const headPaths = new Set(snapshots.head.paths());
    await complete({
      conclusion: review.conclusion,
      title: checkTitle(review),
      summary: renderSummaryMarkdown(withNotes(publishNotes), { maxChars: 65000 }),
      annotations: toAnnotations(placed, (p) => headPaths.has(p), baseToHeadLines(listing.files)),
    });
    const notesInCheck = publishNotes.length;

    let reviewResult: PostedReview = { posted: [], fallback: false };
    try {
      reviewResult = await postInlineReview(octokit, { ...repoParams, pullNumber: job.pr.number, commitId: job.pr.headSha }, plan.comments);
    } catch (error) {
      log.warn({ err: errorLogFields(error) }, 'could not post the review');
      publishNotes.push(`The inline review could not be posted: ${describeError(error)}`);
    }
    if (reviewResult.fallback) publishNotes.push('GitHub rejected the inline comment positions, so the review lists its findings in its body instead.');
    for (const fp of reviewResult.posted) posted.add(fp);

    const current = new Set(review.findings.map((f) => f.fingerprint));
    const gone = [...posted].filter((fp) => !current.has(fp));
    if (gone.length > 0) {
      try {
        const minimized = await minimizeOutdatedComments(
          octokit,
          { ...repoParams, pullNumber: job.pr.number, ...(state.botLogin ? { botLogin: state.botLogin } : {}) },
          gone,
        );
        for (const fp of minimized.cleared) posted.delete(fp);
      } catch (error) {
        log.warn({ err: errorLogFields(error) }, 'could not minimize outdated comments');
      }
    }

    const newState: SummaryState = { head: job.pr.headSha, configHash: loaded.hash, posted: [...posted] };
    const stillListed = [...listed].filter((fp) => current.has(fp));
    if (stillListed.length > 0) newState.listed = stillListed;
    const body = renderSummaryMarkdown(withNotes(publishNotes), { marker: summaryMarker(newState), maxChars: 65000 });
    try {
      const commentId = await writeSummaryComment(octokit, { ...repoParams, issueNumber: job.pr.number }, body, summary?.id);
      state.summaries.set(key, { id: commentId, state: newState });
    } catch (error) {
      log.warn({ err: errorLogFields(error) }, 'could not write the summary comment');
      publishNotes.push(`The summary comment could not be written: ${describeError(error)}`);
    }
    if (publishNotes.length > notesInCheck) {
      const output = { title: checkTitle(review), summary: renderSummaryMarkdown(withNotes(publishNotes), { maxChars: 65000 }) };
      await safely(log, () => updateCheckOutput(octokit, checkParams, output), 'could not add the publishing notes to the check run');
    }
    state.reviewed.set(reviewedKey, true);
    log.info(
      {
        githubRequests: counter.toJSON(),
        conclusion: review.conclusion,
        findings: review.findings.length,
        inlineComments: reviewResult.fallback ? 0 : reviewResult.posted.length,
        minimized: gone.length,
        filesFrom: listing.source,
        headFrom: snapshots.headSource,
      },
      'review published',
    );
  } catch (error) {
    const reason: unknown = signal.aborted ? signal.reason : undefined;
    if (reason instanceof SupersededError) {
      log.info({ githubRequests: counter.toJSON() }, `review ${reason.message}`);
      await safely(log, () =>
        complete({
          conclusion: 'neutral',
          title: 'Superseded by a newer commit',
          summary: `A newer commit (${reason.newerSha.slice(0, 7)}) was pushed while this one was being reviewed; its review replaces this one.`,
        }),
      );
      return;
    }
    log.error({ err: errorLogFields(error), githubRequests: counter.toJSON() }, 'review failed');
    await safely(log, () =>
      complete({
        conclusion: 'neutral',
        title: 'dbt-pr-reviewer could not finish the review',
        summary: `${describeError(error)}\n\nThis is not a finding about your change. Comment \`/recheck\` to try again.`,
      }),
    );
  }
}

async function safely(log: Logger, fn: () => Promise<void>, failure = 'could not complete the check run'): Promise<void> {
  try {
    await fn();
  } catch (error) {
    log.error({ err: errorLogFields(error) }, failure);
  }
}

async function findExistingSummary(
  job: ReviewJobData,
  octokit: Octokit,
  state: ReviewerState,
  appId: number,
): Promise<SummaryComment | undefined> {
  // A PR that was just opened has no comment of ours yet (a redelivery of `opened` is dropped by delivery id).
  if (job.reason === 'pull_request.opened') return undefined;
  return findSummaryComment(
    octokit,
    { owner: job.owner, repo: job.repo, issueNumber: job.pr.number },
    { appId, ...(state.botLogin ? { botLogin: state.botLogin } : {}) },
  );
}

async function completeWithoutDbtChanges(
  job: ReviewJobData,
  octokit: Octokit,
  complete: (outcome: CheckOutcome) => Promise<void>,
  state: ReviewerState,
): Promise<void> {
  const text = 'This pull request changes no file of a dbt project, so there is nothing to review.';
  // A summary from an earlier push that did touch dbt files is corrected, not left standing.
  const summary = state.summaries.get(prKey(job));
  if (summary) {
    const newState: SummaryState = { head: job.pr.headSha, configHash: summary.state?.configHash ?? '', posted: summary.state?.posted ?? [] };
    const body = `✅ **dbt-pr-reviewer: no dbt changes**\n${summaryMarker(newState)}\n\n${text}\n\n<sub>head \`${job.pr.headSha.slice(0, 7)}\`</sub>`;
    await writeSummaryComment(octokit, { owner: job.owner, repo: job.repo, issueNumber: job.pr.number }, body, summary.id);
    state.summaries.set(prKey(job), { id: summary.id, state: newState });
  }
  await complete({ conclusion: 'success', title: NO_DBT_TITLE, summary: text });
}

/** Where a base line of a changed file stands in the head, from the PR's patches (see `headLineOfBaseLine`). */
function baseToHeadLines(files: readonly { path: string; patch?: string }[]): (path: string, line: number) => number | undefined {
  const patches = new Map(files.flatMap((f) => (f.patch ? [[f.path, f.patch] as const] : [])));
  return (path, line) => {
    const patch = patches.get(path);
    if (!patch) return undefined;
    try {
      return headLineOfBaseLine(patch, line);
    } catch (error) {
      if (error instanceof PatchError) return undefined;
      throw error;
    }
  };
}
