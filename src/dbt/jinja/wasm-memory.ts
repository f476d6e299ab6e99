/**
 * Caps the linear memory of a WebAssembly binary. minijinja-js declares its memory without a maximum, so a
 * template such as `{{ 'x' * 10**9 }}` would grow it to gigabytes; with a maximum, the allocation fails inside the
 * engine instead (the worker that hosts it is then replaced).
 */

const MEMORY_SECTION = 5;
const PAGE_BYTES = 64 * 1024;

function readUleb(bytes: Uint8Array, start: number): { value: number; next: number } {
  let value = 0;
  let shift = 0;
  let pos = start;
  for (;;) {
    const byte = bytes[pos];
    if (byte === undefined) throw new Error('truncated WebAssembly binary');
    pos += 1;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { value, next: pos };
    shift += 7;
    if (shift > 35) throw new Error('malformed LEB128 number in WebAssembly binary');
  }
}

function writeUleb(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    out.push(byte);
  } while (rest > 0);
  return out;
}

/**
 * Returns a copy of `wasm` whose (single, defined) memory has at most `maxBytes` bytes. Throws when the binary has
 * no memory section of the expected shape (a different minijinja-js build): the caller must not run unbounded.
 */
export function capWasmMemory(wasm: Uint8Array, maxBytes: number): Uint8Array {
  const maxPages = Math.max(1, Math.floor(maxBytes / PAGE_BYTES));
  let pos = 8; // magic + version
  while (pos < wasm.length) {
    const id = wasm[pos];
    const size = readUleb(wasm, pos + 1);
    const payloadStart = size.next;
    const payloadEnd = payloadStart + size.value;
    if (id === MEMORY_SECTION) {
      const count = readUleb(wasm, payloadStart);
      if (count.value !== 1) throw new Error(`expected one memory in the WebAssembly binary, found ${count.value}`);
      const flags = wasm[count.next];
      if (flags !== 0 && flags !== 1) throw new Error(`unsupported WebAssembly memory flags ${String(flags)}`);
      const min = readUleb(wasm, count.next + 1);
      const oldMax = flags === 1 ? readUleb(wasm, min.next) : undefined;
      if (min.value > maxPages) throw new Error('the WebAssembly memory minimum exceeds the configured cap');
      const newMax = oldMax === undefined ? maxPages : Math.min(oldMax.value, maxPages);
      const rest = wasm.subarray(oldMax ? oldMax.next : min.next, payloadEnd);
      const payload = [...writeUleb(1), 0x01, ...writeUleb(min.value), ...writeUleb(newMax), ...rest];
      const section = [MEMORY_SECTION, ...writeUleb(payload.length), ...payload];
      const out = new Uint8Array(pos + section.length + (wasm.length - payloadEnd));
      out.set(wasm.subarray(0, pos), 0);
      out.set(section, pos);
      out.set(wasm.subarray(payloadEnd), pos + section.length);
      return out;
    }
    pos = payloadEnd;
  }
  throw new Error('the WebAssembly binary defines no memory');
}

/** A compiled `WebAssembly.Module` (typed opaquely: the project's TS lib has no WebAssembly declarations). */
export type CompiledWasm = object;

interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => CompiledWasm;
}

/** Compiles a WebAssembly binary synchronously. */
export function compileWasm(bytes: Uint8Array): CompiledWasm {
  const api = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
  return new api.Module(bytes);
}
