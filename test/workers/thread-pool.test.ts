import { afterEach, describe, expect, it } from 'vitest';
import { ThreadPool } from '../../src/workers/thread-pool.js';
import type { SleepyJob } from './sleepy-worker.js';

const pools: ThreadPool<SleepyJob, string>[] = [];

function pool(timeoutMs: number, maxInFlight: number, workers = 1): ThreadPool<SleepyJob, string> {
  const p = new ThreadPool<SleepyJob, string>({
    maxInFlight,
    label: 'the test pool',
    activity: 'sleeping',
    entry: new URL('./sleepy-worker.ts', import.meta.url),
    setup: () => null,
    workers,
    timeoutMs,
    startupTimeoutMs: 20_000,
    failure: (reason) => `failed: ${reason}`,
  });
  pools.push(p);
  return p;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe.each([1, 4])('ThreadPool: one job at a time per worker, each with its own time limit (%i sent at once)', (maxInFlight) => {
  it('runs every job in order on one worker, and each job’s time limit starts when the worker starts it', async () => {
    const p = pool(1_500, maxInFlight);
    // Five jobs of 400 ms: the last one waits ~1.6 s in all, more than the limit, yet none of them times out.
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((value) => p.run({ ms: 400, value })));
    expect(results).toEqual(['a#1', 'b#2', 'c#3', 'd#4', 'e#5']);
  });

  it('fails only the job that timed out; the jobs queued behind it run on a new worker', async () => {
    const p = pool(300, maxInFlight);
    const [slow, next, last] = await Promise.all([p.run({ ms: 5_000, value: 'slow' }), p.run({ ms: 0, value: 'next' }), p.run({ ms: 0, value: 'last' })]);
    expect(slow).toBe('failed: sleeping timed out after 300 ms');
    // A fresh worker counts from 1 again: they ran there, not on the stuck one.
    expect([next, last]).toEqual(['next#1', 'last#2']);
  });

  it('replaces a worker that reports itself unusable, and runs the next jobs on the new one', async () => {
    const p = pool(5_000, maxInFlight);
    const results = await Promise.all([p.run({ ms: 50, value: 'bad', poison: true }), p.run({ ms: 0, value: 'after' }), p.run({ ms: 0, value: 'then' })]);
    expect(results).toEqual(['bad#1', 'after#1', 'then#2']);
  });

  it('fails the jobs in flight and the queued ones when it is closed', async () => {
    const p = pool(5_000, maxInFlight);
    // Jobs far longer than the wait before closing, so that a busy machine's late timer still closes mid-job.
    const pending = Promise.all([1, 2, 3, 4, 5].map((n) => p.run({ ms: 2_000, value: String(n) })));
    await new Promise((r) => setTimeout(r, 100));
    await p.close();
    const results = await pending;
    expect(results.every((r) => r === 'failed: the test pool was closed' || /^\d#\d$/.test(r))).toBe(true);
    expect(results.filter((r) => r.startsWith('failed')).length).toBeGreaterThanOrEqual(4);
  });
});

describe('ThreadPool with several jobs sent to each worker', () => {
  it('gives every worker a first job before any worker a second one', async () => {
    const p = pool(5_000, 4, 2);
    // Two workers, two jobs: one each (each worker counts from 1), not both on the first worker.
    const results = await Promise.all([p.run({ ms: 200, value: 'a' }), p.run({ ms: 200, value: 'b' })]);
    expect(results).toEqual(['a#1', 'b#1']);
  });
});
