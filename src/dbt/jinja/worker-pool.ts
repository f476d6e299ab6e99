/**
 * A small pool of worker threads, each hosting one sandboxed engine. Workers start lazily, are reused across
 * renders, and are terminated and replaced after a timeout, a crash or an engine trap. Renders never throw.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RenderInput, RenderResult } from '../../ports.js';
import type { RenderRequestMessage, WorkerMessage, WorkerSetup } from './protocol.js';
import type { CompiledWasm } from './wasm-memory.js';

export interface PoolOptions {
  timeoutMs: number;
  maxOutputBytes: number;
  fuel: number;
  workers: number;
  /** JS heap limit of each worker (the WASM memory cap is set in the module). */
  heapMb: number;
  /** Time allowed for a worker to start before queued renders fail. */
  startupTimeoutMs: number;
}

interface Job {
  id: number;
  input: RenderInput;
  resolve: (result: RenderResult) => void;
}

interface Slot {
  worker: Worker;
  /** Id of the macro set this worker holds. */
  macrosId?: number;
  state: 'starting' | 'idle' | 'busy';
  job?: Job;
  timer?: NodeJS.Timeout;
}

/**
 * How to start the worker entry: the compiled `worker.js` next to this file, or, when running from TypeScript
 * sources (vitest, tsx), a bootstrap that registers tsx in the worker and then imports `worker.ts`.
 */
function workerEntry(): { target: URL | string; eval: boolean } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { target: new URL('./worker.js', here), eval: false };
  const tsxCjs = createRequire(here).resolve('tsx/cjs/api');
  const entry = fileURLToPath(new URL('./worker.ts', here));
  const bootstrap = `require(${JSON.stringify(tsxCjs)}).register(); require(${JSON.stringify(entry)});`;
  return { target: bootstrap, eval: true };
}

export class WorkerPool {
  private readonly slots: (Slot | undefined)[];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  private readonly entry = workerEntry();

  constructor(
    private readonly options: PoolOptions,
    private readonly loadWasm: () => CompiledWasm,
  ) {
    this.slots = Array.from({ length: Math.max(1, options.workers) }, () => undefined);
  }

  render(input: RenderInput): Promise<RenderResult> {
    if (this.closed) return Promise.resolve({ ok: false, reason: 'the Jinja renderer is closed' });
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, input, resolve });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve({ ok: false, reason: 'the Jinja renderer was closed' });
    const slots = this.slots.splice(0, this.slots.length, ...this.slots.map(() => undefined));
    await Promise.all(
      slots.map(async (slot) => {
        if (!slot) return;
        if (slot.timer) clearTimeout(slot.timer);
        slot.job?.resolve({ ok: false, reason: 'the Jinja renderer was closed' });
        await slot.worker.terminate();
      }),
    );
  }

  private pump(): void {
    if (this.closed) return;
    for (let i = 0; i < this.slots.length && this.queue.length > 0; i += 1) {
      const slot = this.slots[i];
      if (!slot) {
        this.start(i);
        continue;
      }
      if (slot.state === 'idle') {
        const job = this.queue.shift();
        if (job) this.dispatch(slot, job);
      }
    }
  }

  private start(index: number): void {
    let wasm: CompiledWasm;
    try {
      wasm = this.loadWasm();
    } catch (error) {
      this.failQueued(`could not load the Jinja engine: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const setup: WorkerSetup = {
      wasm,
      fuel: this.options.fuel,
      maxOutputBytes: this.options.maxOutputBytes,
      memoryMb: this.options.heapMb,
    };
    const worker = new Worker(this.entry.target, {
      eval: this.entry.eval,
      workerData: setup,
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, state: 'starting' };
    this.slots[index] = slot;
    slot.timer = setTimeout(() => {
      this.discard(slot, 'the Jinja sandbox did not start in time');
      this.failQueued(`the Jinja sandbox did not start within ${this.options.startupTimeoutMs} ms`);
    }, this.options.startupTimeoutMs);
    worker.on('message', (message: WorkerMessage) => this.onMessage(slot, message));
    worker.on('error', (error: Error) => this.onCrash(slot, error.message));
    worker.on('exit', (code) => this.onCrash(slot, `the worker exited with code ${code}`));
  }

  private onMessage(slot: Slot, message: WorkerMessage): void {
    if (!this.slots.includes(slot)) return;
    if (message.type === 'ready') {
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = undefined;
      slot.state = 'idle';
      slot.worker.unref();
      this.pump();
      return;
    }
    if (message.type === 'startup-failed') {
      this.discard(slot, message.reason);
      this.failQueued(`could not start the Jinja sandbox: ${message.reason}`);
      return;
    }
    const job = slot.job;
    if (!job || job.id !== message.id) return;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.job = undefined;
    if (message.poisoned) this.discard(slot, undefined);
    else {
      slot.state = 'idle';
      slot.worker.unref();
    }
    job.resolve(message.result);
    this.pump();
  }

  private onCrash(slot: Slot, detail: string): void {
    if (!this.slots.includes(slot)) return;
    const starting = slot.state === 'starting';
    this.discard(slot, `the Jinja sandbox crashed (${detail})`);
    if (starting) this.failQueued(`could not start the Jinja sandbox: ${detail}`);
    this.pump();
  }

  private readonly macroIds = new WeakMap<object, number>();
  private nextMacrosId = 1;

  private macrosIdOf(macros: RenderInput['macros']): number {
    let id = this.macroIds.get(macros);
    if (id === undefined) {
      id = this.nextMacrosId++;
      this.macroIds.set(macros, id);
    }
    return id;
  }

  private dispatch(slot: Slot, job: Job): void {
    slot.state = 'busy';
    slot.job = job;
    slot.worker.ref();
    try {
      // Project macros are the bulk of a render request and rarely change within a review: send each set once.
      const macrosId = this.macrosIdOf(job.input.macros);
      const input = slot.macrosId === macrosId ? { ...job.input, macros: [] } : job.input;
      slot.worker.postMessage({ id: job.id, input, macrosId } satisfies RenderRequestMessage);
      slot.macrosId = macrosId;
    } catch (error) {
      slot.job = undefined;
      slot.state = 'idle';
      slot.worker.unref();
      job.resolve({ ok: false, reason: `the render input cannot be sent to the sandbox: ${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    slot.timer = setTimeout(() => {
      this.discard(slot, `rendering timed out after ${this.options.timeoutMs} ms`);
      this.pump();
    }, this.options.timeoutMs);
  }

  /** Removes a slot's worker (terminating it) and fails its running job with `reason`. */
  private discard(slot: Slot, reason: string | undefined): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    this.slots[index] = undefined;
    if (slot.timer) clearTimeout(slot.timer);
    const job = slot.job;
    slot.job = undefined;
    void slot.worker.terminate();
    if (job) job.resolve({ ok: false, reason: reason ?? 'the Jinja sandbox crashed' });
  }

  private failQueued(reason: string): void {
    for (const job of this.queue.splice(0)) job.resolve({ ok: false, reason });
  }
}
