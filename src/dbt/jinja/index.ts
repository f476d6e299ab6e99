/**
 * The sandboxed dbt Jinja renderer (the `JinjaRenderer` port).
 *
 * PR content is untrusted: templates run in minijinja (Rust compiled to WebAssembly; templates cannot reach
 * JavaScript objects), with a fuel limit on evaluation, a cap on the engine's memory, a wall-clock timeout and an
 * output cap, inside worker threads that are replaced when a render times out or the engine traps.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { JinjaRenderer, RenderInput, RenderResult } from '../../ports.js';
import { capWasmMemory, compileWasm, type CompiledWasm } from './wasm-memory.js';
import { siblingModule, ThreadPool } from '../../workers/thread-pool.js';
import { MACRO_SETS_HELD, type RenderPayload, type WorkerSetup } from './protocol.js';

export interface JinjaRendererOptions {
  /** Wall-clock limit of one render; the worker is replaced when it is exceeded. Default 2000 ms. */
  timeoutMs?: number;
  /** Largest rendered SQL accepted. Default 2 MB. */
  maxOutputBytes?: number;
  /** Evaluation budget (minijinja fuel, roughly instructions; at most 2^31-1). Default 10 million (about 0.3 s). */
  fuel?: number;
  /** Worker threads. Default 1. */
  workers?: number;
  /** Memory cap of the engine (WASM linear memory) and of each worker's JS heap. Default 256 MB. */
  memoryMb?: number;
}

export const DEFAULT_RENDER_TIMEOUT_MS = 2000;
export const DEFAULT_MAX_OUTPUT_BYTES = 2 * 1024 * 1024;
export const DEFAULT_FUEL = 10_000_000;
const MAX_FUEL = 0x7fff_ffff;

export { containsPlaceholder, PLACEHOLDER_PATTERN } from './placeholders.js';

const compiled = new Map<number, CompiledWasm>();

/** The minijinja-js engine with its memory capped, compiled once per process and cap. */
function loadEngineModule(memoryMb: number): CompiledWasm {
  const cached = compiled.get(memoryMb);
  if (cached) return cached;
  const path = createRequire(import.meta.url).resolve('minijinja-js/dist/web/minijinja_js_bg.wasm');
  const bytes = capWasmMemory(new Uint8Array(readFileSync(path)), memoryMb * 1024 * 1024);
  const module = compileWasm(bytes);
  compiled.set(memoryMb, module);
  return module;
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Ids of macro sets (the same array object, the same id), so that each worker receives a set once. */
const macroSetIds = new WeakMap<object, number>();
let nextMacroSetId = 1;
function macroSetId(macros: RenderInput['macros']): number {
  let id = macroSetIds.get(macros);
  if (id === undefined) {
    id = nextMacroSetId++;
    macroSetIds.set(macros, id);
  }
  return id;
}

export function createJinjaRenderer(options: JinjaRendererOptions = {}): JinjaRenderer {
  const memoryMb = Math.round(positive(options.memoryMb, 256));
  // The engine takes fuel as a 32-bit number; larger values wrap (measured: 4e9 runs out at once).
  const fuel = Math.min(MAX_FUEL, Math.round(positive(options.fuel, DEFAULT_FUEL)));
  const maxOutputBytes = positive(options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES);
  const pool = new ThreadPool<RenderInput, RenderResult, RenderPayload>({
    label: 'the Jinja sandbox',
    activity: 'rendering',
    entry: siblingModule(import.meta.url, 'worker'),
    setup: (): WorkerSetup => ({ wasm: loadEngineModule(memoryMb), fuel, maxOutputBytes, memoryMb }),
    workers: Math.round(positive(options.workers, 1)),
    timeoutMs: positive(options.timeoutMs, DEFAULT_RENDER_TIMEOUT_MS),
    startupTimeoutMs: 20_000,
    // A review asks for its renders in bursts (`renderAhead`): the worker runs them back to back.
    maxInFlight: 16,
    resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 },
    failure: (reason) => ({ ok: false, reason }),
    // Project macros are the bulk of a render request and rarely change within a review (a review alternates
    // between the base's and the head's set): send each set to a worker once, while the worker keeps it.
    encode: (input, memory) => {
      const macrosId = macroSetId(input.macros);
      const held = (memory.get('macroSets') as number[] | undefined) ?? [];
      const known = held.includes(macrosId);
      memory.set('macroSets', known ? held : [...held, macrosId].slice(-MACRO_SETS_HELD));
      return { input: known ? { ...input, macros: [] } : input, macrosId };
    },
  });
  return {
    render: (input: RenderInput): Promise<RenderResult> => pool.run(input),
    warm: () => pool.warm(),
    close: () => pool.close(),
  };
}
