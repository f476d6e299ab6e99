/**
 * Worker-thread entry: hosts one sandboxed Jinja engine and renders the models it is sent, one at a time.
 * The host terminates this thread on a timeout or after the engine trapped.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { JinjaEngine } from './engine.js';
import type { RenderRequestMessage, WorkerMessage, WorkerSetup } from './protocol.js';

function post(message: WorkerMessage): void {
  parentPort?.postMessage(message);
}

const setup = workerData as WorkerSetup;
let engine: JinjaEngine | undefined;
try {
  engine = new JinjaEngine(setup.wasm, { fuel: setup.fuel, maxOutputBytes: setup.maxOutputBytes, memoryMb: setup.memoryMb });
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'startup-failed', reason: error instanceof Error ? error.message : String(error) });
}

/** The last macro set received: the host sends it only when it changes. */
let macros: { id: number; value: RenderRequestMessage['input']['macros'] } | undefined;

parentPort?.on('message', (message: RenderRequestMessage) => {
  if (message.input.macros.length > 0 || macros?.id !== message.macrosId) macros = { id: message.macrosId, value: message.input.macros };
  message.input.macros = macros.value;
  if (!engine) {
    post({ type: 'rendered', id: message.id, result: { ok: false, reason: 'the Jinja sandbox did not start' }, poisoned: true });
    return;
  }
  try {
    const outcome = engine.render(message.input);
    post({ type: 'rendered', id: message.id, result: outcome.result, poisoned: outcome.poisoned });
  } catch (error) {
    const reason = `the Jinja sandbox failed: ${error instanceof Error ? error.message : String(error)}`;
    post({ type: 'rendered', id: message.id, result: { ok: false, reason }, poisoned: true });
  }
});
