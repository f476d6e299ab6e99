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
import { WorkerPool } from './worker-pool.js';

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

/**
 * Placeholders the renderer emits for values it cannot know (`var` without value or default, `env_var` without
 * default, `adapter.dispatch` of a macro nobody defines): `__var_x__`, `__env_X__`, `__macro_m__`. A config value
 * containing one is "present but unknown".
 */
export const PLACEHOLDER_PATTERN = /__(?:var|env|macro)_[A-Za-z0-9_]*__/;

export function containsPlaceholder(value: unknown): boolean {
  if (typeof value === 'string') return PLACEHOLDER_PATTERN.test(value);
  if (Array.isArray(value)) return value.some(containsPlaceholder);
  if (value && typeof value === 'object') return Object.values(value).some(containsPlaceholder);
  return false;
}

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

export function createJinjaRenderer(options: JinjaRendererOptions = {}): JinjaRenderer {
  const memoryMb = Math.round(positive(options.memoryMb, 256));
  const pool = new WorkerPool(
    {
      timeoutMs: positive(options.timeoutMs, DEFAULT_RENDER_TIMEOUT_MS),
      maxOutputBytes: positive(options.maxOutputBytes, DEFAULT_MAX_OUTPUT_BYTES),
      // The engine takes fuel as a 32-bit number; larger values wrap (measured: 4e9 runs out at once).
      fuel: Math.min(MAX_FUEL, Math.round(positive(options.fuel, DEFAULT_FUEL))),
      workers: Math.round(positive(options.workers, 1)),
      heapMb: memoryMb,
      startupTimeoutMs: 20_000,
    },
    () => loadEngineModule(memoryMb),
  );
  return {
    render: (input: RenderInput): Promise<RenderResult> => pool.render(input),
    close: () => pool.close(),
  };
}
