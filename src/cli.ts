#!/usr/bin/env node
/**
 * The `dbt-pr-reviewer` executable. The bin is this module bundled (`dist/bundle/cli.js`, scripts/bundle-cli.mjs);
 * `tsc` also compiles it to `dist/cli.js`. See `src/cli/main.ts` and docs/cli.md.
 */
import module from 'node:module';
import { tuneV8ForOneShot } from './cli/one-shot-v8.js';

// Node 22+ keeps the compiled code of this CLI and of the SQL grammars between runs (a no-op on Node 20).
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();
// A review is a short process: no optimizing compilation that would not pay back (see one-shot-v8.ts).
tuneV8ForOneShot();
const { main } = await import('./cli/main.js');

// A reader that stops early (`| head`) closes the pipe: the review is not lost, nobody wants the rest, and the exit
// code stays the review's. Any other failure to write (a full disk) is an error: one line, exit 2.
let stdoutFailed: NodeJS.ErrnoException | undefined;
const stdoutFailure = (error: NodeJS.ErrnoException): void => {
  if (stdoutFailed) return;
  stdoutFailed = error;
  if (error.code === 'EPIPE') return;
  process.stderr.write(`dbt-pr-reviewer: could not write the review to stdout: ${error.message}\n`);
  process.exitCode = 2;
};
process.stdout.on('error', stdoutFailure);

const code = await main(process.argv.slice(2), {
  stdout: (text) => {
    if (stdoutFailed) return;
    try {
      process.stdout.write(text);
    } catch (error) {
      stdoutFailure(error as NodeJS.ErrnoException);
    }
  },
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
});
// Let stdout drain (a piped, long review) instead of calling process.exit().
process.exitCode = stdoutFailed && stdoutFailed.code !== 'EPIPE' ? 2 : code;
