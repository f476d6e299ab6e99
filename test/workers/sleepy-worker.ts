/** A worker for the thread-pool tests: sleeps `ms` (blocking, like a long render), then answers `value`. */
import { parentPort } from 'node:worker_threads';
import { serveJobs } from '../../src/workers/thread-pool.js';

export interface SleepyJob {
  ms: number;
  value: string;
  poison?: boolean;
}

const pause = new Int32Array(new SharedArrayBuffer(4));
let started = 0;

if (parentPort) {
  serveJobs<SleepyJob, string, null>(
    parentPort,
    () => null,
    (_state, job) => {
      started += 1;
      Atomics.wait(pause, 0, 0, job.ms);
      return { result: `${job.value}#${started}`, poisoned: job.poison === true };
    },
    (reason) => `crashed: ${reason}`,
  );
}
