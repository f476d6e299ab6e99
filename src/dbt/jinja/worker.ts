/**
 * Worker-thread entry: hosts one sandboxed Jinja engine and renders the models it is sent, one at a time.
 * The host terminates this thread on a timeout or after the engine trapped.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RenderResult } from '../../ports.js';
import { serveJobs } from '../../workers/thread-pool.js';
import { JinjaEngine } from './engine.js';
import type { RenderPayload, WorkerSetup } from './protocol.js';

/** The last macro set received: the host sends it only when it changes. */
let macros: { id: number; value: RenderPayload['input']['macros'] } | undefined;

if (parentPort) {
  serveJobs<RenderPayload, RenderResult, JinjaEngine>(
    parentPort,
    () => {
      const setup = workerData as WorkerSetup;
      return new JinjaEngine(setup.wasm, { fuel: setup.fuel, maxOutputBytes: setup.maxOutputBytes, memoryMb: setup.memoryMb });
    },
    (engine, { input, macrosId }) => {
      if (input.macros.length > 0 || macros?.id !== macrosId) macros = { id: macrosId, value: input.macros };
      return engine.render({ ...input, macros: macros.value });
    },
    (reason) => ({ ok: false, reason: `the Jinja sandbox failed: ${reason}` }),
  );
}
