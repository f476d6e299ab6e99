/** Messages between the renderer (main thread) and its worker threads. */
import type { RenderInput, RenderResult } from '../../ports.js';
import type { CompiledWasm } from './wasm-memory.js';

export interface WorkerSetup {
  wasm: CompiledWasm;
  fuel: number;
  maxOutputBytes: number;
  memoryMb: number;
}

export interface RenderRequestMessage {
  id: number;
  /** `input.macros` is left out when the worker already holds the set with this id. */
  input: RenderInput;
  /** Identity of `input.macros` (the same array object gets the same id), so each worker receives a set once. */
  macrosId: number;
}

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'startup-failed'; reason: string }
  | { type: 'rendered'; id: number; result: RenderResult; poisoned: boolean };
