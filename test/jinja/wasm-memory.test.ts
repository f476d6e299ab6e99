import { describe, expect, it } from 'vitest';
import { capWasmMemory } from '../../src/dbt/jinja/wasm-memory.js';

interface Memory {
  grow(pages: number): number;
  buffer: ArrayBuffer;
}
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: { m: Memory } };
}
const wasmApi = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

/** A module that defines one memory of 1 page without a maximum and exports it as `m`. */
const unboundedMemoryModule = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x05, 0x03, 0x01, 0x00, 0x01, // memory section: 1 memory, no max, min 1 page
  0x07, 0x05, 0x01, 0x01, 0x6d, 0x02, 0x00, // export "m" = memory 0
]);

function instantiate(bytes: Uint8Array): Memory {
  return new wasmApi.Instance(new wasmApi.Module(bytes), {}).exports.m;
}

describe('capWasmMemory', () => {
  it('lets memory grow up to the cap and no further', () => {
    expect(instantiate(unboundedMemoryModule).grow(8)).toBe(1);
    const capped = instantiate(capWasmMemory(unboundedMemoryModule, 4 * 64 * 1024));
    expect(capped.grow(3)).toBe(1);
    expect(() => capped.grow(1)).toThrow(RangeError);
    expect(capped.buffer.byteLength).toBe(4 * 64 * 1024);
  });

  it('refuses a binary without a memory to cap', () => {
    expect(() => capWasmMemory(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]), 1 << 20)).toThrow(/no memory/);
  });
});
