/**
 * `npm run bench`: every scenario of the synthetic projects, one table.
 *
 *   npm run bench                                   # sizes 100, 1000, 2000, 5000; scenarios pr-1/10/50/100
 *   npm run bench -- --sizes 100 --runs 3           # quick
 *   npm run bench -- --no-sqlfluff --no-github      # reviewer only
 *   npm run bench -- --profile 5000:pr-100          # also a CPU profile of that review
 *
 * For each project size and PR scenario it measures the CLI as a user runs it (the bin, `node bundle/cli.js review --format json
 * --no-llm`: process wall time, median of --runs after one warm-up, and peak RSS) cold (`--no-cache`), warm (the
 * same review again, with what the warm-up kept in the git directory) and as the re-review of one more push (with
 * what the review before it kept), models reviewed per second, an
 * in-process phase breakdown (bench/phases.ts), `sqlfluff lint` on the same changed model files (bench/sqlfluff.ts)
 * and, when the fake GitHub and the App exist, the GitHub requests of a first review and a re-review.
 *
 * The CLI is compiled into bench/.work/dist (`tsc -p tsconfig.build.json --outDir bench/.work/dist`, then bundled into
 * its `bundle/` by scripts/bundle-cli.mjs, as `npm run build` does) so that the
 * benchmark never races with someone's `npm run build`; pass `--cli dist/bundle/cli.js` to measure an existing build.
 * Results: printed, and saved to bench/.work/results.json and bench/.work/results.md.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, loadavg, release } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { ensureProject, WORK_DIR, BENCH_DIR, GENERATOR_VERSION, type GeneratedProject, type Scenario } from './generate.js';
import { measureCommand, median, rssMethod } from './measure.js';
import { detectSqlfluff, prepareLintDir, runSqlfluff, type SqlfluffInfo } from './sqlfluff.js';
import type { PhaseReport } from './phases.js';
import { formatProfile, profileReview } from './profile.js';
import { githubRequestCounts, type GithubCounts } from './github.js';

const ROOT = resolve(BENCH_DIR, '..');

interface Options {
  sizes: number[];
  scenarios?: string[];
  runs: number;
  sqlfluff: boolean;
  installSqlfluff: boolean;
  github: boolean;
  phases: boolean;
  cli?: string;
  build: boolean;
  profile: string[];
}

function parseOptions(argv: string[]): Options {
  const o: Options = { sizes: [100, 1000, 2000, 5000], runs: 5, sqlfluff: true, installSqlfluff: false, github: true, phases: true, build: true, profile: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--sizes') o.sizes = next().split(',').map(Number).filter((n) => n > 0);
    else if (a === '--scenarios') o.scenarios = next().split(',');
    else if (a === '--runs') o.runs = Math.max(1, Number(next()));
    else if (a === '--no-sqlfluff') o.sqlfluff = false;
    else if (a === '--install-sqlfluff') o.installSqlfluff = true;
    else if (a === '--no-github') o.github = false;
    else if (a === '--no-phases') o.phases = false;
    else if (a === '--cli') o.cli = resolve(next());
    else if (a === '--no-build') o.build = false;
    else if (a === '--profile') o.profile.push(next());
    else if (a === '--quick') {
      o.sizes = [100];
      o.runs = 3;
    } else if (a === '-h' || a === '--help') {
      console.log(readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0]);
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return o;
}

interface Row {
  size: number;
  scenario: string;
  changedModels: number;
  changedFiles: number;
  reviewedModels: number;
  modelsInProject: number;
  runs: number;
  /** Cold: `--no-cache`, every file of both revisions read and scanned. */
  wallMs: number[];
  medianMs: number;
  /** First review on a developer's machine: an empty store in the git directory, which the review writes. */
  firstWallMs: number[];
  firstMedianMs: number;
  /** Warm: the same review again, with the file facts and analysed SQL the warm-up kept in the git directory. */
  warmWallMs: number[];
  warmMedianMs: number;
  /** The review of one more push on the PR (`pr/<n>-models-push2`), with what the review of the PR kept. */
  pushWallMs: number[];
  pushMedianMs: number;
  peakRssMb: number;
  modelsPerSecond: number;
  conclusion: string;
  exitCode: number;
  sanity: string[];
  sqlfluff?: { files: number; medianMs: number; runs: number; violations: number; templatingErrors: number; peakRssMb: number };
  ratio?: number;
  github?: GithubCounts;
  phases?: PhaseReport;
}

/**
 * The CLI to measure: the bin as installed (the bundle `<dist>/bundle/cli.js` that `scripts/bundle-cli.mjs`
 * writes), else the `tsc` output's `<dist>/cli.js`. `dist` is the compiled tree the in-process tools load
 * (phases, the App's server for the GitHub counts), and `modules` its unbundled CLI, which the CPU profile runs
 * so that its time is attributed to the reviewer's own files.
 */
interface BuiltCli {
  bin: string;
  dist: string;
  modules: string;
}

function buildCli(options: Options): BuiltCli {
  if (options.cli) {
    const dir = dirname(options.cli);
    const dist = basename(dir) === 'bundle' ? dirname(dir) : dir;
    return { bin: options.cli, dist, modules: join(dist, 'cli.js') };
  }
  const dist = join(WORK_DIR, 'dist');
  const bin = join(dist, 'bundle', 'cli.js');
  if (options.build) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', dist], { cwd: ROOT, encoding: 'utf8' });
    const errors = (r.stdout + r.stderr).split('\n').filter((l) => l.includes('error TS'));
    const b = spawnSync(process.execPath, [join(ROOT, 'scripts/bundle-cli.mjs'), join(dist, 'bundle')], { cwd: ROOT, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`bundling the CLI failed: ${b.stderr}`);
    console.error(`built the CLI into ${dist} (bin: bundle/cli.js) in ${((performance.now() - t) / 1000).toFixed(1)} s${errors.length ? ` (${errors.length} type errors; emitted anyway)` : ''}`);
  }
  if (!existsSync(bin)) throw new Error(`no CLI at ${bin}: build failed?`);
  return { bin, dist, modules: join(dist, 'cli.js') };
}

function machine(): Record<string, string> {
  const cpu = cpus();
  const gitVersion = spawnSync('git', ['--version'], { encoding: 'utf8' }).stdout.trim();
  return {
    cpu: `${cpu[0]?.model ?? 'unknown'} x ${cpu.length}`,
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    os: `Linux ${release()}`,
    node: process.version,
    git: gitVersion.replace('git version ', ''),
    loadBefore: loadavg().map((l) => l.toFixed(2)).join(' '),
  };
}

async function reviewOnce(
  cli: string,
  repo: string,
  scenario: Scenario,
  cache: 'cold' | 'warm',
  head = scenario.head,
): Promise<{ wallMs: number; rssKb: number; exitCode: number; review?: ReviewJson; stderr: string }> {
  const args = [cli, 'review', '--repo', repo, '--base', scenario.base, '--head', head, '--format', 'json', '--no-llm'];
  const m = await measureCommand(process.execPath, cache === 'cold' ? [...args, '--no-cache'] : args, {
    // As on a developer's machine: in CI (`CI` set) the CLI keeps its stores only where their folder exists.
    env: { ...process.env, OPENAI_API_KEY: '', NODE_OPTIONS: '', CI: '' },
  });
  let review: ReviewJson | undefined;
  try {
    review = JSON.parse(m.stdout) as ReviewJson;
  } catch {
    review = undefined;
  }
  return { wallMs: m.wallMs, rssKb: m.peakRssKb, exitCode: m.exitCode, review, stderr: m.stderr };
}

interface ReviewJson {
  conclusion: string;
  models: { name: string; impact: string; status: string; changes: { kind: string }[] }[];
  stats?: { modelsInProject?: number };
}

/** What the scenario intended vs what the review reported (a cheap correctness check, no timing). */
function sanity(scenario: Scenario, review: ReviewJson | undefined): string[] {
  if (!review) return ['no JSON output'];
  const problems: string[] = [];
  const byName = new Map(review.models.map((m) => [m.name, m]));
  for (const m of scenario.models) {
    const got = byName.get(m.name);
    if (!got) {
      problems.push(`${m.kind} ${m.name}: not reported`);
      continue;
    }
    const kinds = new Set(got.changes.map((c) => c.kind));
    if (m.kind === 'formatting_only' && got.impact !== 'none') problems.push(`formatting_only ${m.name}: impact ${got.impact}`);
    if (m.kind === 'add_column' && !kinds.has('column_added') && got.impact !== 'unknown') problems.push(`add_column ${m.name}: ${[...kinds].join(',') || 'no changes'}`);
    if (m.kind === 'remove_column' && !kinds.has('column_removed') && got.impact !== 'unknown') problems.push(`remove_column ${m.name}: ${[...kinds].join(',') || 'no changes'}`);
    if (m.kind === 'filter' && !kinds.has('filter_changed') && got.impact !== 'unknown') problems.push(`filter ${m.name}: ${[...kinds].join(',') || 'no changes'}`);
    if (m.kind === 'model_added' && got.status !== 'added') problems.push(`model_added ${m.name}: status ${got.status}`);
  }
  const unknown = review.models.filter((m) => m.impact === 'unknown').length;
  if (unknown > 0) problems.push(`${unknown} model(s) with impact unknown`);
  return problems;
}

async function runPhases(dist: string, project: GeneratedProject, scenario: Scenario): Promise<PhaseReport | undefined> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(BENCH_DIR, 'phases.ts'), '--dist', dist, '--repo', project.repo, '--base', scenario.base, '--head', scenario.head], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) {
    console.error(`phases failed for ${project.size}/${scenario.name}: ${r.stderr.split('\n').slice(0, 5).join(' | ')}`);
    return undefined;
  }
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as PhaseReport;
}

const fmtS = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);

/** `median (min-max)` of a cell's runs. */
const spread = (medianMs: number, runs: number[]): string => `${fmtS(medianMs)} (${fmtS(Math.min(...runs))}-${fmtS(Math.max(...runs))})`;

function table(rows: Row[], sqlfluff: SqlfluffInfo | undefined, githubNote: string): string {
  const head = [
    'project models',
    'PR',
    'changed models (files)',
    'review wall, cold (`--no-cache`, as CI on a fresh clone), median (min-max)',
    'first review with an empty store (it writes the store)',
    'warm: the same review again (file facts, analysed SQL kept)',
    're-review of one more push (what the review kept)',
    'peak RSS',
    'models/s (cold)',
  ];
  if (sqlfluff?.available) head.push('sqlfluff lint, same .sql files', 'sqlfluff / review: cold, warm');
  head.push('GitHub API requests: first review / re-review');
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) {
    const cells = [
      String(r.size),
      r.scenario,
      `${r.changedModels} (${r.changedFiles})`,
      spread(r.medianMs, r.wallMs),
      spread(r.firstMedianMs, r.firstWallMs),
      spread(r.warmMedianMs, r.warmWallMs),
      spread(r.pushMedianMs, r.pushWallMs),
      `${r.peakRssMb.toFixed(0)} MB`,
      r.modelsPerSecond.toFixed(0),
    ];
    if (sqlfluff?.available) {
      cells.push(r.sqlfluff ? `${fmtS(r.sqlfluff.medianMs)} (${r.sqlfluff.files} files${r.sqlfluff.runs > 1 ? `, median of ${r.sqlfluff.runs}` : ''})` : '-');
      cells.push(r.ratio !== undefined && r.sqlfluff ? `${r.ratio.toFixed(1)}x, ${(r.sqlfluff.medianMs / r.warmMedianMs).toFixed(1)}x` : '-');
    }
    const dl = (n: number | undefined): string => (n ? ` (+${n} dl)` : '');
    cells.push(r.github ? (r.github.error ? `error: ${r.github.error}` : `${r.github.first}${dl(r.github.firstDownloads)} / ${r.github.rereview}${dl(r.github.rereviewDownloads)}`) : githubNote);
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The App's wall time per review (bench/github-drive.ts). */
function appTable(rows: Row[]): string {
  const timed = rows.filter((r) => r.github?.firstMs !== undefined);
  if (timed.length === 0) return '';
  const lines = ['| project models | PR | App first review | App re-review (one more push) |', '|---|---|---:|---:|'];
  for (const r of timed) lines.push(`| ${r.size} | ${r.scenario} | ${fmtS(r.github!.firstMs!)} | ${r.github!.rereviewMs !== undefined ? fmtS(r.github!.rereviewMs) : '-'} |`);
  return lines.join('\n');
}

function phaseTable(rows: Row[]): string {
  const withPhases = rows.filter((r) => r.phases);
  if (withPhases.length === 0) return '';
  const names = withPhases[0]!.phases!.phases.map((p) => p.name);
  const head = ['phase (in-process, ms)', ...withPhases.map((r) => `${r.size}/${r.scenario}`)];
  const lines = [`| ${head.join(' | ')} |`, `|---|${withPhases.map(() => '---:').join('|')}|`];
  for (const name of names) {
    lines.push(`| ${name} | ${withPhases.map((r) => (r.phases!.phases.find((p) => p.name === name)?.ms ?? 0).toFixed(0)).join(' | ')} |`);
  }
  const phase = (r: Row, prefix: string): number => r.phases!.phases.find((p) => p.name.startsWith(prefix))?.ms ?? 0;
  const wholeProject = ['git: snapshot head', 'git: snapshot base', 'focus', 'project load head', 'project load base'];
  const derived: [string, (r: Row) => number][] = [
    ['= runReview minus the focus and the two project loads (render, parse, diff, downstream, checks)', (r) => phase(r, 'runReview') - phase(r, 'focus') - phase(r, 'project load head') - phase(r, 'project load base')],
    ['= the whole-project work: both git snapshots, the focus and both project loads', (r) => wholeProject.reduce((sum, name) => sum + phase(r, name), 0)],
  ];
  for (const [name, of] of derived) lines.push(`| ${name} | ${withPhases.map((r) => of(r).toFixed(0)).join(' | ')} |`);
  // Renders are asked ahead and queue in the worker, so their latencies overlap: only the count is meaningful.
  lines.push(`| Jinja renders (count) | ${withPhases.map((r) => String(r.phases!.renders)).join(' | ')} |`);
  lines.push(`| peak RSS of the in-process run (MB) | ${withPhases.map((r) => r.phases!.peakRssMb.toFixed(0)).join(' | ')} |`);
  return lines.join('\n');
}

function goals(rows: Row[]): string[] {
  const out: string[] = [];
  const goal = rows.find((r) => r.size === 2000 && r.scenario === 'pr-50');
  if (goal) {
    out.push(
      `50-model PR in a 2,000-model project: ${fmtS(goal.medianMs)} wall (goal < 1 s: ${goal.medianMs < 1000 ? 'PASS' : 'FAIL'}), ${goal.peakRssMb.toFixed(0)} MB peak RSS (goal < 300 MB: ${goal.peakRssMb < 300 ? 'PASS' : 'FAIL'})`,
    );
  } else out.push('50-model PR in a 2,000-model project: not run (add 2000 to --sizes)');
  // growth with project size at a fixed change, and with the change at a fixed project size
  const sizes = [...new Set(rows.map((r) => r.size))].sort((a, b) => a - b);
  for (const scenario of ['pr-1', 'pr-10', 'pr-50']) {
    const series = sizes.map((s) => rows.find((r) => r.size === s && r.scenario === scenario)).filter((r): r is Row => !!r);
    if (series.length >= 2) {
      const a = series[0]!;
      const b = series[series.length - 1]!;
      for (const [label, ms] of [
        ['cold', (r: Row) => r.medianMs],
        ['warm', (r: Row) => r.warmMedianMs],
      ] as const) {
        const perK = (ms(b) - ms(a)) / ((b.size - a.size) / 1000);
        out.push(`${scenario} ${label}: ${fmtS(ms(a))} at ${a.size} models -> ${fmtS(ms(b))} at ${b.size} models (+${perK.toFixed(0)} ms per 1,000 project models)`);
      }
    }
  }
  for (const size of sizes) {
    const series = rows.filter((r) => r.size === size);
    if (series.length >= 2) {
      const slope = leastSquaresSlope(series.map((r) => [r.changedModels, r.medianMs]));
      out.push(`${size} models: +${slope.toFixed(1)} ms per changed model (least-squares slope over ${series.map((r) => r.scenario).join(', ')})`);
    }
  }
  const ratios = rows.filter((r) => r.ratio !== undefined);
  if (ratios.length > 0) {
    const min = ratios.reduce((m, r) => (r.ratio! < m.ratio! ? r : m));
    out.push(`vs sqlfluff: ${ratios.map((r) => r.ratio!.toFixed(0)).join(', ')}x (lowest ${min.ratio!.toFixed(1)}x at ${min.size}/${min.scenario}; goal >= 100x: ${min.ratio! >= 100 ? 'PASS' : 'FAIL'})`);
    out.push(`vs sqlfluff, warm (the same review again): ${ratios.map((r) => (r.sqlfluff!.medianMs / r.warmMedianMs).toFixed(0)).join(', ')}x`);
    // marginal cost per model (startup and project load excluded): least-squares slopes over the scenarios
    for (const size of sizes) {
      const rs = ratios.filter((r) => r.size === size && r.sqlfluff && r.sqlfluff.files > 0);
      if (rs.length >= 2) {
        const fluff = leastSquaresSlope(rs.map((r) => [r.sqlfluff!.files, r.sqlfluff!.medianMs]));
        const ours = leastSquaresSlope(rs.map((r) => [r.changedModels, r.medianMs]));
        const warm = leastSquaresSlope(rs.map((r) => [r.changedModels, r.warmMedianMs]));
        const ratio = (ms: number): string => (ms > 0 ? `${(fluff / ms).toFixed(0)}x` : 'n/a');
        out.push(
          `${size} models, marginal cost (slopes; startup and project load excluded): sqlfluff ${fluff.toFixed(0)} ms per file vs review ${ours.toFixed(1)} ms per model cold = ${ratio(ours)}, ${warm.toFixed(1)} ms warm = ${ratio(warm)}`,
        );
      }
    }
  }
  const gh = rows.filter((r) => r.github && !r.github.error);
  if (gh.length > 0) {
    const maxFirst = Math.max(...gh.map((r) => r.github!.first));
    const maxRe = Math.max(...gh.map((r) => r.github!.rereview));
    const firstDl = Math.max(...gh.map((r) => r.github!.firstDownloads ?? 0));
    const reDl = Math.max(...gh.map((r) => r.github!.rereviewDownloads ?? 0));
    const overRe = gh.filter((r) => r.github!.rereview > 5).map((r) => `${r.size}/${r.scenario}`);
    out.push(
      `GitHub API requests (REST + GraphQL): at most ${maxFirst} per first review (goal <= 8: ${maxFirst <= 8 ? 'PASS' : 'FAIL'}), ${maxRe} per re-review (goal <= 5: ${maxRe <= 5 ? 'PASS' : `FAIL for ${overRe.join(', ')}`}); archive downloads (the codeload redirect of GET /tarball, not API calls): at most ${firstDl} per first review, ${reDl} per re-review`,
    );
    const sample = gh[gh.length - 1]!;
    out.push(`GitHub requests of ${sample.size}/${sample.scenario}: ${(sample.github!.detail ?? []).join('; ')}`);
  }
  return out;
}

function leastSquaresSlope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const info = machine();
  const built = buildCli(options);
  const cli = built.bin;
  const nodeStart = median(await Promise.all([0, 1, 2].map(async () => (await measureCommand(process.execPath, ['-e', '0'])).wallMs)));
  const fluff = options.sqlfluff ? detectSqlfluff({ install: options.installSqlfluff }) : undefined;
  if (fluff) console.error(`sqlfluff: ${fluff.available ? fluff.version : 'not available'} - ${fluff.how}`);
  const rows: Row[] = [];
  const projects: GeneratedProject[] = [];
  let githubNote = options.github ? '' : 'not run (--no-github)';
  for (const size of options.sizes) {
    const project = ensureProject(size);
    projects.push(project);
    console.error(`${size} models: ${project.cached ? 'reused' : `generated in ${fmtS(project.generatedMs)}`} ${project.repo}`);
    for (const scenario of project.scenarios) {
      if (options.scenarios && !options.scenarios.includes(scenario.name)) continue;
      // The warm-up run also leaves the file facts, analysed SQL and parsed YAML of this scenario's revisions in the git
      // directory, as a review of the PR does before its next push: kept aside, and put back before each re-review.
      const store = join(spawnSync('git', ['-C', project.repo, 'rev-parse', '--absolute-git-dir'], { encoding: 'utf8' }).stdout.trim(), 'dbt-pr-reviewer');
      const keptByReview = join(WORK_DIR, String(size), 'store-after-review');
      rmSync(store, { recursive: true, force: true });
      const warm = await reviewOnce(cli, project.repo, scenario, 'warm');
      if (!warm.review) {
        console.error(`  ${scenario.name}: the CLI failed (exit ${warm.exitCode}): ${warm.stderr.trim().split('\n').slice(0, 3).join(' | ')}`);
        continue;
      }
      rmSync(keptByReview, { recursive: true, force: true });
      cpSync(store, keptByReview, { recursive: true });
      const walls: number[] = [];
      const firstWalls: number[] = [];
      const warmWalls: number[] = [];
      const pushWalls: number[] = [];
      let rss = 0;
      for (let i = 0; i < options.runs; i++) {
        rmSync(store, { recursive: true, force: true });
        const first = await reviewOnce(cli, project.repo, scenario, 'warm');
        firstWalls.push(first.wallMs);
        rss = Math.max(rss, first.rssKb);
        for (const cache of ['cold', 'warm'] as const) {
          const r = await reviewOnce(cli, project.repo, scenario, cache);
          (cache === 'cold' ? walls : warmWalls).push(r.wallMs);
          rss = Math.max(rss, r.rssKb);
        }
        rmSync(store, { recursive: true, force: true });
        cpSync(keptByReview, store, { recursive: true });
        const pushed = await reviewOnce(cli, project.repo, scenario, 'warm', scenario.push2);
        pushWalls.push(pushed.wallMs);
        rss = Math.max(rss, pushed.rssKb);
      }
      const medianMs = median(walls);
      const review = warm.review;
      const row: Row = {
        size,
        scenario: scenario.name,
        changedModels: scenario.models.length,
        changedFiles: scenario.changedPaths.length,
        reviewedModels: review.models.length,
        modelsInProject: review.stats?.modelsInProject ?? project.models,
        runs: options.runs,
        wallMs: walls,
        medianMs,
        firstWallMs: firstWalls,
        firstMedianMs: median(firstWalls),
        warmWallMs: warmWalls,
        warmMedianMs: median(warmWalls),
        pushWallMs: pushWalls,
        pushMedianMs: median(pushWalls),
        peakRssMb: rss / 1024,
        modelsPerSecond: review.models.length / (medianMs / 1000),
        conclusion: review.conclusion,
        exitCode: warm.exitCode,
        sanity: sanity(scenario, review),
      };
      if (fluff?.available) {
        const dir = join(WORK_DIR, String(size), 'sqlfluff', scenario.name);
        const files = prepareLintDir(project.repo, scenario.head, scenario.changedPaths, dir);
        if (files.length > 0) {
          const fluffRuns = files.length <= 10 ? Math.min(3, options.runs) : 1;
          const results = [];
          for (let i = 0; i < fluffRuns; i++) results.push(await runSqlfluff(dir, files));
          const last = results[results.length - 1]!;
          row.sqlfluff = {
            files: files.length,
            runs: fluffRuns,
            medianMs: median(results.map((r) => r.wallMs)),
            violations: last.violations,
            templatingErrors: last.templatingErrors,
            peakRssMb: Math.max(...results.map((r) => r.peakRssKb)) / 1024,
          };
          row.ratio = row.sqlfluff.medianMs / medianMs;
        }
      }
      if (options.phases) row.phases = await runPhases(built.dist, project, scenario);
      if (options.github) {
        const gh = await githubRequestCounts(project, scenario, built.dist);
        if ('unavailable' in gh) githubNote = `n/a: ${gh.unavailable}`;
        else row.github = gh;
      }
      rows.push(row);
      console.error(
        `  ${scenario.name}: ${fmtS(medianMs)} cold / ${fmtS(row.firstMedianMs)} first with an empty store / ${fmtS(row.warmMedianMs)} warm / ${fmtS(row.pushMedianMs)} after one more push, median of ${options.runs}, ${row.peakRssMb.toFixed(0)} MB, ${row.reviewedModels} models reviewed, ${review.conclusion}` +
          `${row.sqlfluff ? `; sqlfluff ${fmtS(row.sqlfluff.medianMs)} (${row.ratio!.toFixed(1)}x)` : ''}${row.sanity.length ? `; sanity: ${row.sanity.length} issue(s)` : ''}`,
      );
    }
  }
  info.loadAfter = loadavg().map((l) => l.toFixed(2)).join(' ');
  const profiles: string[] = [];
  for (const spec of options.profile) {
    const [sizeText, scenarioName] = spec.split(':');
    const project = ensureProject(Number(sizeText));
    const scenario = project.scenarios.find((s) => s.name === (scenarioName ?? 'pr-100')) ?? project.scenarios[project.scenarios.length - 1]!;
    const summary = await profileReview(built.modules, project.repo, scenario.base, scenario.head, join(WORK_DIR, 'profiles', `${project.size}-${scenario.name}`));
    profiles.push(`### CPU profile: ${project.size} models, ${scenario.name}\n\n${formatProfile(summary)}`);
  }

  const out: string[] = [];
  out.push(
    `Machine: ${info.cpu}, ${info.memory}, ${info.os}, Node ${info.node}, git ${info.git}. Load average before ${info.loadBefore}, after ${info.loadAfter}.`,
    `Review: \`node ${cliLabel(cli)} review --format json --no-llm\`, wall time median of ${options.runs} runs after one warm-up; peak RSS by ${rssMethod}, max over runs. Node startup alone (\`node -e 0\`): ${fmtS(nodeStart)}.`,
    fluff ? `sqlfluff: ${fluff.available ? `${fluff.version} (${fluff.how}), \`sqlfluff lint --templater jinja --dialect snowflake --processes 1\` on the PR's changed .sql files at the head revision` : `not run: ${fluff.how}`}.` : 'sqlfluff: not run (--no-sqlfluff).',
    `Generator version ${GENERATOR_VERSION}.`,
    '',
    '| project | models | files | property YAML | model SQL | PR scenarios |',
    '|---|---:|---:|---:|---:|---|',
    ...projects.map((p) => `| ${p.size} | ${p.models} | ${p.files} | ${(p.yamlBytes / 1024 ** 2).toFixed(1)} MB | ${(p.sqlBytes / 1024 ** 2).toFixed(1)} MB | ${p.scenarios.map((s) => `${s.name} (${s.changedPaths.length} files)`).join(', ')} |`),
    '',
    table(rows, fluff, githubNote || 'n/a'),
    '',
    ...goals(rows).map((g) => `- ${g}`),
  );
  const app = appTable(rows);
  if (app) {
    out.push(
      '',
      'GitHub App, wall time of one review from the webhook to the end of its job (one run, a fresh server; against the local fake GitHub, which builds its tarballs with `git archive` in the same process). Most of it is the pacing of writes by @octokit/plugin-throttling, as on github.com: 1 s between writes and 3 s between requests that notify people (the review, the summary comment).',
      '',
      app,
    );
  }
  const phases = phaseTable(rows);
  if (phases) out.push('', phases);
  const issues = rows.filter((r) => r.sanity.length > 0);
  if (issues.length > 0) {
    out.push('', 'Sanity (what each PR changed vs what the review reported):');
    for (const r of issues) out.push(`- ${r.size}/${r.scenario}: ${r.sanity.slice(0, 6).join('; ')}${r.sanity.length > 6 ? `; ... (${r.sanity.length} in all)` : ''}`);
  }
  if (profiles.length > 0) out.push('', ...profiles);
  const text = out.join('\n');
  console.log(text);
  writeFileSync(join(WORK_DIR, 'results.md'), `${text}\n`);
  writeFileSync(join(WORK_DIR, 'results.json'), `${JSON.stringify({ machine: info, nodeStartMs: nodeStart, sqlfluff: fluff, projects, rows }, null, 2)}\n`);
}

function cliLabel(cli: string): string {
  return cli.startsWith(ROOT) ? cli.slice(ROOT.length + 1) : cli;
}

await main();
