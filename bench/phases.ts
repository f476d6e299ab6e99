/**
 * In-process phase breakdown of one review, timing around the product's own entry points (compiled JS in
 * `--dist`): git reads, project load (YAML + SQL scan), the pipeline (render, parse, diff, downstream, checks).
 * Cold: no file facts store (every file of both revisions is read and scanned), as `--no-cache`; with the CLI's
 * V8 settings (src/cli/one-shot-v8.ts).
 * Prints one JSON object on stdout. Run by `bench/run.ts`; by hand:
 *
 *   tsx bench/phases.ts --dist bench/.work/dist --repo bench/.work/1000/repo --base main --head pr/50-models
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface PhaseReport {
  phases: { name: string; ms: number }[];
  renders: number;
  renderMsSum: number;
  modelsInProject: number;
  modelsReviewed: number;
  peakRssMb: number;
  heapUsedMb: number;
}

function arg(name: string): string {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (!v) throw new Error(`missing ${name}`);
  return v;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- modules are loaded from a build folder chosen at run time */
async function load(dist: string, path: string): Promise<any> {
  return import(pathToFileURL(resolve(dist, path)).href);
}

function vmHwmMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / (1024 * 1024);
}

export async function measurePhases(dist: string, repo: string, base: string, head: string): Promise<PhaseReport> {
  const phases: { name: string; ms: number }[] = [];
  let t = performance.now();
  const lap = (name: string): void => {
    const now = performance.now();
    phases.push({ name, ms: now - t });
    t = now;
  };
  const [git, dbt, configMod, pipeline, jinja] = await Promise.all([
    load(dist, 'sources/git.js'),
    load(dist, 'dbt/index.js'),
    load(dist, 'config.js'),
    load(dist, 'pipeline.js'),
    load(dist, 'dbt/jinja/index.js'),
  ]);
  lap('load modules (import)');
  const baseSha: string = await git.resolveRev(repo, base);
  const headSha: string = await git.resolveRev(repo, head);
  const from: string = (await git.mergeBase(repo, baseSha, headSha)) ?? baseSha;
  const configText: string | undefined = await git.readFileAt(repo, baseSha, '.github/dbt-pr-reviewer.yml');
  const parsed = configText ? configMod.parseConfigYaml(configText) : { ok: true, config: configMod.defaultConfig() };
  const config = parsed.ok ? parsed.config : configMod.defaultConfig();
  lap('git: resolve revisions, merge base, config');
  const { files: changedFiles, raw } = await git.diffCommitsRaw(repo, from, headSha);
  lap('git: diff (changed files + patches)');
  const headSnap = await git.gitSnapshot(repo, headSha);
  lap('git: snapshot head (ls-tree + cat-file)');
  const baseSnap = await git.gitSnapshotBefore(headSnap, from, raw);
  lap('git: snapshot base (listed from the head and the diff; only the blobs that differ)');
  // The loads as runReview does them: the property files the change needs, the base reusing the head.
  const changedPaths = new Set(changedFiles.flatMap((f: { path: string; previousPath?: string }) => (f.previousPath ? [f.path, f.previousPath] : [f.path])));
  const yamlCache = new Map();
  const focus = dbt.propertyFocus({ base: baseSnap, head: headSnap }, changedPaths, yamlCache);
  lap('focus: which property files the change needs (ref() scan of both revisions)');
  const options = { ownerKey: config.ownerKey, ignore: config.ignore, yamlCache, ...(focus ? { focus } : {}) };
  const headProjects = dbt.loadProjects(headSnap, options);
  lap('project load head (dbt_project, SQL scan, property files in focus)');
  dbt.loadProjects(baseSnap, { ...options, reuse: { projects: headProjects, changedPaths } });
  lap('project load base (reusing the unchanged head models)');
  const renderer = jinja.createJinjaRenderer();
  let renders = 0;
  let renderMsSum = 0;
  const timedRenderer = {
    render: async (input: unknown) => {
      const s = performance.now();
      try {
        return await renderer.render(input);
      } finally {
        renders++;
        renderMsSum += performance.now() - s;
      }
    },
    close: () => renderer.close(),
  };
  lap('renderer: create');
  const review = await pipeline.runReview(
    { base: from, head: headSha, config, changedFiles, notes: [] },
    { base: baseSnap, head: headSnap, renderer: timedRenderer, llmAbsentReason: { status: 'disabled', detail: 'bench' } },
  );
  lap('runReview (focus and both project loads again + render + parse + diff + downstream + checks)');
  await renderer.close();
  lap('renderer: close');
  // The floor of reading the project: git alone listing the head and writing out the same blobs, nothing parsed.
  gitAlone(repo, headSha, [...new Set<string>(headSnap.oids.values())]);
  lap(GIT_ALONE);
  return {
    phases,
    renders,
    renderMsSum,
    modelsInProject: headProjects.reduce((n: number, p: { models: unknown[] }) => n + p.models.length, 0),
    modelsReviewed: review.models.length,
    peakRssMb: vmHwmMb(),
    heapUsedMb: process.memoryUsage().heapUsed / (1024 * 1024),
  };
}

/** The name of the reference phase that times git alone (not part of a review). */
export const GIT_ALONE = 'reference, not part of the review: git alone, ls-tree + cat-file --batch of the same head files, output discarded';

function gitAlone(repo: string, sha: string, oids: readonly string[]): void {
  const git = (args: string[], input?: string): void => {
    const r = spawnSync('git', ['-C', repo, ...args], { input, stdio: ['pipe', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`git ${args[0]} failed`);
  };
  git(['ls-tree', '-r', '-z', '-l', '--full-tree', sha]);
  git(['cat-file', '--batch', '--buffer'], `${oids.join('\n')}\n`);
}

if (process.argv[1]?.endsWith('phases.ts')) {
  // The CLI's V8 settings for a short process, so that the phases add up to what the CLI does.
  (await load(arg('--dist'), 'cli/one-shot-v8.js')).tuneV8ForOneShot?.();
  const report = await measurePhases(arg('--dist'), arg('--repo'), arg('--base'), arg('--head'));
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

export const PHASES_SCRIPT = join(import.meta.dirname ?? '', 'phases.ts');
