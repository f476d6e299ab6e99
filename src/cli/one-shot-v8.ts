/**
 * V8 settings for a short-lived process (the CLI): a review runs for under a second, and V8's optimizing
 * compilers spent the second core compiling code that would not run long enough to pay back (measured on a
 * 100-model, 100-change review: 37% of the process's CPU in TurboFan, 11% tiering up the Jinja sandbox's
 * WebAssembly, while the main thread and the sandbox worker competed for the same 2 cores).
 *
 * - The sandbox's WebAssembly stays on V8's baseline compiler (Liftoff): renders are as fast (measured: a
 *   template that exhausts the evaluation budget takes 280 ms either way).
 * - JavaScript is optimized once it has run ~7x longer than V8's default budget (66 KB of bytecode).
 *
 * 2,000-model project, 50-model PR: 858 -> 702 ms, interleaved runs (the flag sweep is in BENCHMARKS.md).
 * The long-running App keeps V8's defaults. Set only on the V8 versions these flags were checked with (11-13:
 * Node 20-24), since V8 prints an error for a flag it does not know.
 */
import { setFlagsFromString } from 'node:v8';

export const ONE_SHOT_V8_FLAGS = ['--liftoff-only', '--interrupt-budget=500000'] as const;

/** Applies `ONE_SHOT_V8_FLAGS` before any WebAssembly is compiled; true when they were set. */
export function tuneV8ForOneShot(v8Version = process.versions.v8): boolean {
  const major = Number(v8Version.split('.')[0]);
  if (!(major >= 11 && major <= 13)) return false;
  for (const flag of ONE_SHOT_V8_FLAGS) setFlagsFromString(flag);
  return true;
}
