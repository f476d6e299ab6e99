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

const code = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
});
// Let stdout drain (a piped, long review) instead of calling process.exit().
process.exitCode = code;
