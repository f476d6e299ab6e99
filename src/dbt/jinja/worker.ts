/**
 * Worker-thread entry: hosts one sandboxed Jinja engine and renders the models it is sent, one at a time.
 * The host terminates this thread on a timeout or after the engine trapped.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RenderResult } from '../../ports.js';
import { serveJobs } from '../../workers/thread-pool.js';
import { JinjaEngine } from './engine.js';
import { MACRO_SETS_HELD, type RenderPayload, type WorkerSetup } from './protocol.js';

/** The last macro sets received, by id (the host sends a set only when this worker does not hold it). */
const macroSets = new Map<number, RenderPayload['input']['macros']>();

if (parentPort) {
  serveJobs<RenderPayload, RenderResult, JinjaEngine>(
    parentPort,
    () => {
      const setup = workerData as WorkerSetup;
      return new JinjaEngine(setup.wasm, { fuel: setup.fuel, maxOutputBytes: setup.maxOutputBytes, memoryMb: setup.memoryMb });
    },
    (engine, { input, macrosId }) => {
      if (input.macros.length > 0 || !macroSets.has(macrosId)) {
        macroSets.delete(macrosId);
        macroSets.set(macrosId, input.macros);
        for (const id of macroSets.keys()) if (macroSets.size > MACRO_SETS_HELD) macroSets.delete(id);
      }
      return engine.render({ ...input, macros: macroSets.get(macrosId) ?? [] });
    },
    (reason) => ({ ok: false, reason: `the Jinja sandbox failed: ${reason}` }),
  );
}
