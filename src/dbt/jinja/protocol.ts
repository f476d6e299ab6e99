/** Messages between the renderer (main thread) and its worker threads (see `src/workers/thread-pool.ts`). */
import type { RenderInput } from '../../ports.js';
import type { CompiledWasm } from './wasm-memory.js';

export interface WorkerSetup {
  wasm: CompiledWasm;
  fuel: number;
  maxOutputBytes: number;
  memoryMb: number;
}

/** Macro sets a worker keeps, oldest sent first out (a review alternates between the base's and the head's). */
export const MACRO_SETS_HELD = 3;

export interface RenderPayload {
  /** `input.macros` is left empty when the worker already holds the set with this id. */
  input: RenderInput;
  /** Identity of `input.macros` (the same array object gets the same id), so each worker receives a set once. */
  macrosId: number;
}
