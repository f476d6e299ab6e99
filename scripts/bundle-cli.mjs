#!/usr/bin/env node
/**
 * Bundles the CLI (`src/cli.ts`) and its Jinja sandbox worker (`src/dbt/jinja/worker.ts`) into a few ESM chunks
 * in `dist/bundle/`, the `dbt-pr-reviewer` bin. A review is a short process, and Node 20 spends ~30 ms resolving,
 * reading and linking the ~80 modules that `tsc` writes (a 100-model, 1-model review: 234 -> 205 ms, BENCHMARKS.md).
 *
 * - Only this project's code is bundled: packages stay imports resolved from `node_modules` (`packages: external`),
 *   so the bundle runs the very libraries that `tsc`'s output runs.
 * - Dynamic imports stay separate chunks (`splitting`): the LLM stage and the demo load only when used.
 * - The chunks sit one folder below `dist/`, where every compiled module sits, so the paths that modules find
 *   relative to themselves hold: `../../package.json`, `../sql/` (the analysed-SQL store's analyser id),
 *   `../../examples/demo/`, the `prompts/` folder above, and the worker next to the renderer (`worker.js`).
 *
 *   node scripts/bundle-cli.mjs [outdir]     # default dist/bundle
 */
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = process.argv[2] ?? join(root, 'dist', 'bundle');

// A fresh folder: chunk names carry content hashes, and chunks of an earlier build must not pile up.
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { cli: 'src/cli.ts', worker: 'src/dbt/jinja/worker.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.18',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
chmodSync(join(outdir, 'cli.js'), 0o755);
// `tsc`'s unbundled entry stays executable too: bin links made before the bin moved to the bundle (npx keeps them in
// its cache, keyed by the project's path) still point to it.
const unbundled = join(outdir, '..', 'cli.js');
if (existsSync(unbundled)) chmodSync(unbundled, 0o755);
