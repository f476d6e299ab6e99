/**
 * V8 settings for a short-lived process (the CLI): a review runs for under a second, and V8's optimizing
 * compilers spent the second core compiling code that would not run long enough to pay back (measured on a
 * 100-model, 100-change review: 37% of the process's CPU in TurboFan, 11% tiering up the Jinja sandbox's
 * WebAssembly, while the main thread and the sandbox worker competed for the same 2 cores).
 *
 * - The sandbox's WebAssembly stays on V8's baseline compiler (Liftoff): renders are as fast (measured: a
 *   template that exhausts the evaluation budget takes 280 ms either way).
 * - JavaScript reaches TurboFan later: on V8 11 (Node 20) once it has run ~7x longer than the default budget
 *   (66 KB of bytecode); V8 12 (Node 22) replaced that budget with invocation counts, and there a function is
 *   optimized by TurboFan after 100,000 calls instead of 3,000 (Maglev, V8's faster mid-tier compiler, keeps its
 *   default).
 *
 * Measured, interleaved, cold (BENCHMARKS.md), 2,000-model project, 50-model PR, medians of 7 with the final code
 * of the eleventh session: 638 -> 477 ms on Node 20, 544 -> 433 ms on Node 22. On V8 13 (Node 24) they no longer
 * help since the parsers of our own took the hot paths (541 -> 535 ms; 5,000-model 1-model PR 475 -> 474 ms; an
 * earlier build measured 642 -> 599), and on V8 14 (Node 26) they never did: those keep V8's defaults. The
 * long-running App keeps V8's defaults. Set only on the V8 versions these flags were checked with (CI runs the
 * CLI's tests on each, scripts/test-other-nodes.sh), since V8 prints an error for a flag it does not know.
 */
import { setFlagsFromString } from 'node:v8';

/** The flags by V8 major version: 11 is Node 20, 12 Node 22. */
const FLAGS_BY_V8_MAJOR: ReadonlyMap<number, readonly string[]> = new Map<number, readonly string[]>([
  [11, ['--liftoff-only', '--interrupt-budget=500000']],
  [12, ['--liftoff-only', '--invocation-count-for-turbofan=100000']],
]);

/** The one-shot flags for a V8 version (`process.versions.v8`), or undefined for a version they were not checked with. */
export function oneShotV8Flags(v8Version: string): readonly string[] | undefined {
  return FLAGS_BY_V8_MAJOR.get(Number(v8Version.split('.')[0]));
}

/** Applies this V8's one-shot flags before any WebAssembly is compiled; true when they were set. */
export function tuneV8ForOneShot(v8Version = process.versions.v8): boolean {
  const flags = oneShotV8Flags(v8Version);
  if (!flags) return false;
  for (const flag of flags) setFlagsFromString(flag);
  return true;
}
