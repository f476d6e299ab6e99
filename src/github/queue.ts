/**
 * The review queue: handlers enqueue jobs keyed by pull request, workers run them. Per pull request at most one
 * job runs and one waits; a job for a different head SHA supersedes the running one (its signal is aborted with a
 * `SupersededError`) and replaces the waiting one. Jobs of different pull requests run side by side up to the
 * concurrency limit.
 *
 * `ReviewQueue` is the narrow interface: a Redis-backed implementation (BullMQ, one job id per pull request) can
 * replace `InProcessReviewQueue` without touching the handlers or the worker.
 */
import { prKey, type ReviewJobData } from './types.js';

export type EnqueueOutcome = 'started' | 'queued' | 'duplicate';

export interface QueueStats {
  running: number;
  waiting: number;
}

export interface ReviewQueue {
  enqueue(job: ReviewJobData): EnqueueOutcome;
  stats(): QueueStats;
  /** Resolves once no job runs or waits. */
  drain(): Promise<void>;
}

export type ReviewWorker = (job: ReviewJobData, signal: AbortSignal) => Promise<void>;

/** The abort reason of a job superseded by a newer head SHA of the same pull request. */
export class SupersededError extends Error {
  constructor(readonly newerSha: string) {
    super(`superseded by a newer commit (${newerSha.slice(0, 7)})`);
    this.name = 'SupersededError';
  }
}

interface Slot {
  running?: { job: ReviewJobData; controller: AbortController };
  waiting?: ReviewJobData;
}

export interface InProcessQueueOptions {
  /** Jobs running at once across all pull requests. */
  concurrency?: number;
  /** Called when a worker throws (workers are expected to handle their own errors). */
  onWorkerError?: (job: ReviewJobData, error: unknown) => void;
}

export class InProcessReviewQueue implements ReviewQueue {
  readonly #slots = new Map<string, Slot>();
  readonly #worker: ReviewWorker;
  readonly #concurrency: number;
  readonly #onWorkerError: (job: ReviewJobData, error: unknown) => void;
  #active = 0;
  #drainWaiters: (() => void)[] = [];

  constructor(worker: ReviewWorker, options: InProcessQueueOptions = {}) {
    this.#worker = worker;
    this.#concurrency = Math.max(1, options.concurrency ?? 2);
    this.#onWorkerError = options.onWorkerError ?? (() => {});
  }

  enqueue(job: ReviewJobData): EnqueueOutcome {
    const key = prKey(job);
    const slot = this.#slots.get(key) ?? {};
    this.#slots.set(key, slot);
    const sameAsRunning = slot.running?.job.pr.headSha === job.pr.headSha;
    const sameAsWaiting = slot.waiting?.pr.headSha === job.pr.headSha;
    if (!job.force && (sameAsWaiting || (sameAsRunning && !slot.waiting))) return 'duplicate';
    if (slot.running && !sameAsRunning) slot.running.controller.abort(new SupersededError(job.pr.headSha));
    const queued = sameAsWaiting && slot.waiting?.force ? { ...job, force: true } : job;
    slot.waiting = queued;
    this.#pump();
    return slot.running?.job === queued ? 'started' : 'queued';
  }

  stats(): QueueStats {
    let waiting = 0;
    for (const slot of this.#slots.values()) if (slot.waiting) waiting++;
    return { running: this.#active, waiting };
  }

  drain(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #isIdle(): boolean {
    const { running, waiting } = this.stats();
    return running === 0 && waiting === 0;
  }

  #pump(): void {
    for (const [key, slot] of this.#slots) {
      if (this.#active >= this.#concurrency) return;
      if (slot.running || !slot.waiting) continue;
      this.#start(key, slot, slot.waiting);
    }
  }

  #start(key: string, slot: Slot, job: ReviewJobData): void {
    slot.waiting = undefined;
    const controller = new AbortController();
    slot.running = { job, controller };
    this.#active++;
    void Promise.resolve()
      .then(() => this.#worker(job, controller.signal))
      .catch((error: unknown) => this.#onWorkerError(job, error))
      .finally(() => {
        slot.running = undefined;
        this.#active--;
        if (!slot.waiting) this.#slots.delete(key);
        this.#pump();
        if (this.#isIdle()) {
          const waiters = this.#drainWaiters;
          this.#drainWaiters = [];
          for (const resolve of waiters) resolve();
        }
      });
  }
}
