import { describe, expect, it } from 'vitest';
import { InProcessReviewQueue, SupersededError } from '../../src/github/queue.js';
import type { ReviewJobData } from '../../src/github/types.js';

function job(pr: number, headSha: string, force = false): ReviewJobData {
  return {
    installationId: 1,
    owner: 'o',
    repo: 'r',
    pr: { number: pr, title: '', body: '', headSha, baseSha: 'b', baseRef: 'main', defaultBranch: 'main', fromFork: false },
    reason: 'pull_request.synchronize',
    deliveryId: headSha,
    force,
  };
}

/** A worker whose jobs finish when the test says so. */
function controlledWorker() {
  const started: { sha: string; signal: AbortSignal; finish: () => void }[] = [];
  const worker = (j: ReviewJobData, signal: AbortSignal) =>
    new Promise<void>((resolve) => started.push({ sha: j.pr.headSha, signal, finish: resolve }));
  return { started, worker };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('InProcessReviewQueue', () => {
  it('runs one job per PR, keeps one waiting, and a newer head supersedes the running one', async () => {
    const { started, worker } = controlledWorker();
    const queue = new InProcessReviewQueue(worker);
    expect(queue.enqueue(job(1, 'a'))).toBe('started');
    await tick();
    expect(queue.enqueue(job(1, 'b'))).toBe('queued');
    expect(started[0]!.signal.aborted).toBe(true);
    expect(started[0]!.signal.reason).toBeInstanceOf(SupersededError);
    expect(queue.enqueue(job(1, 'c'))).toBe('queued'); // replaces b
    expect(queue.stats()).toEqual({ running: 1, waiting: 1 });
    started[0]!.finish();
    await tick();
    await tick();
    expect(started.map((s) => s.sha)).toEqual(['a', 'c']);
    started[1]!.finish();
    await queue.drain();
    expect(queue.stats()).toEqual({ running: 0, waiting: 0 });
  });

  it('drops a second event for the running head unless forced', async () => {
    const { started, worker } = controlledWorker();
    const queue = new InProcessReviewQueue(worker);
    queue.enqueue(job(1, 'a'));
    await tick();
    expect(queue.enqueue(job(1, 'a'))).toBe('duplicate');
    expect(queue.enqueue(job(1, 'a', true))).toBe('queued');
    expect(started[0]!.signal.aborted).toBe(false);
    started[0]!.finish();
    await tick();
    await tick();
    expect(started).toHaveLength(2);
    started[1]!.finish();
    await queue.drain();
  });

  it('runs different PRs side by side up to the concurrency limit', async () => {
    const { started, worker } = controlledWorker();
    const queue = new InProcessReviewQueue(worker, { concurrency: 2 });
    queue.enqueue(job(1, 'a'));
    queue.enqueue(job(2, 'b'));
    queue.enqueue(job(3, 'c'));
    await tick();
    expect(started.map((s) => s.sha)).toEqual(['a', 'b']);
    expect(queue.stats()).toEqual({ running: 2, waiting: 1 });
    started[0]!.finish();
    await tick();
    await tick();
    expect(started.map((s) => s.sha)).toEqual(['a', 'b', 'c']);
    started[1]!.finish();
    started[2]!.finish();
    await queue.drain();
  });
});
