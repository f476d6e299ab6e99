/**
 * CPU profile of one CLI review (`node --cpu-prof`, main thread and the Jinja worker threads), summarised by
 * where the time goes: git (waiting on subprocesses shows as idle), YAML, project model, Jinja (WASM), SQL parse
 * (node-sql-parser), the reviewer's own SQL analysis, checks, GC.
 *
 *   tsx bench/profile.ts --size 5000 --scenario pr-100          # uses bench/.work/dist (built by run.ts)
 *   tsx bench/profile.ts --size 5000 --scenario pr-1 --warm     # the same review again, with what a first one kept
 *
 * Cold (default) is `--no-cache`: every file read and every model SQL parsed. Warm reviews once first, unprofiled,
 * so the profiled review finds the file facts and analysed SQL of the same change in the git directory.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { measureCommand } from './measure.js';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  wallMs: number;
  threads: {
    label: string;
    totalMs: number;
    categories: { name: string; ms: number }[];
    top: { fn: string; ms: number }[];
    inclusive: { fn: string; ms: number }[];
  }[];
}

const CATEGORIES: [RegExp, string][] = [
  [/node_modules\/(yaml|js-yaml)\//, 'YAML parse (yaml, js-yaml)'],
  [/node_modules\/node-sql-parser\//, 'SQL parse (node-sql-parser)'],
  [/node_modules\/sql-formatter\//, 'SQL format (sql-formatter)'],
  [/node_modules\/minijinja-js\/|wasm:\/\//, 'Jinja render (minijinja WASM)'],
  [/node_modules\/(valibot|picomatch)\//, 'config/glob (valibot, picomatch)'],
  [/node_modules\//, 'other dependencies'],
  [/\/dbt\/jinja\//, 'Jinja glue (dbt/jinja)'],
  [/\/dbt\//, 'project model (dbt/)'],
  [/\/sql\//, 'SQL analysis (sql/)'],
  [/\/sources\//, 'git source (sources/)'],
  [/\/checks\//, 'checks (checks/)'],
  [/\/review\//, 'review (verdicts, downstream, markdown)'],
  [/\/(analysis|pipeline)\.js/, 'pipeline + analysis'],
  [/\/cli(\/|\.js)/, 'CLI'],
  [/^node:|^internal\//, 'Node.js internals'],
];

function categorise(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle (waiting: git subprocesses, worker replies)';
  if (fn === '(program)') return 'native / engine (program)';
  if (fn.startsWith('wasm-function') || url.startsWith('wasm')) return 'Jinja render (minijinja WASM)';
  for (const [re, name] of CATEGORIES) if (re.test(url)) return name;
  if (url === '') return 'native builtins';
  return 'other';
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  if (path.includes('/node_modules/')) return path.replace(/^.*\/node_modules\//, '');
  return path.replace(/^.*\/(\.work\/)?dist(-[a-z]+)?\//, 'src/');
}

function frameKey(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const short = shortUrl(frame.url);
  return `${frame.functionName || '(anonymous)'} ${short ? `${short}:${frame.lineNumber + 1}` : ''}`.trim();
}

export function summariseProfile(profile: CpuProfile): {
  totalMs: number;
  categories: Map<string, number>;
  functions: Map<string, number>;
  inclusive: Map<string, number>;
} {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!);
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    if (!node) continue;
    total += dt;
    const { url, functionName } = node.callFrame;
    const cat = categorise(url, functionName);
    categories.set(cat, (categories.get(cat) ?? 0) + dt);
    const key = frameKey(node.callFrame);
    functions.set(key, (functions.get(key) ?? 0) + dt);
    // inclusive time of the product's own functions (each function once per sample)
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (!/\/dist\/|\/src\//.test(frame.url) || /node_modules/.test(frame.url)) continue;
      const k = frameKey(frame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
    }
  }
  return { totalMs: total, categories, functions, inclusive };
}

/** Runs the CLI under `--cpu-prof` and summarises every thread's profile. */
export async function profileReview(cli: string, repo: string, base: string, head: string, outDir: string, cache: 'cold' | 'warm' = 'cold'): Promise<ProfileSummary> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const review = [cli, 'review', '--repo', repo, '--base', base, '--head', head, '--format', 'json', '--no-llm'];
  const env = { ...process.env, NODE_OPTIONS: '', CI: '' }; // as on a developer's machine (see run.ts)
  if (cache === 'warm') await measureCommand(process.execPath, review, { env });
  const m = await measureCommand(process.execPath, ['--cpu-prof', '--cpu-prof-dir', outDir, '--cpu-prof-interval', '200', ...review, ...(cache === 'cold' ? ['--no-cache'] : [])], { env });
  if (m.exitCode > 1) throw new Error(`CLI failed under the profiler: ${m.stderr.slice(0, 500)}`);
  const threads: ProfileSummary['threads'] = [];
  for (const file of readdirSync(outDir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    const profile = JSON.parse(readFileSync(join(outDir, file), 'utf8')) as CpuProfile;
    const s = summariseProfile(profile);
    const hasJinja = [...s.categories.keys()].some((k) => k.startsWith('Jinja render'));
    const label = threads.length === 0 && !hasJinja ? 'main thread' : hasJinja ? `Jinja worker (${file.split('.')[3] ?? ''})` : file;
    threads.push({
      label,
      totalMs: s.totalMs,
      categories: [...s.categories].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms),
      top: [...s.functions].map(([fn, ms]) => ({ fn, ms })).sort((a, b) => b.ms - a.ms).slice(0, 15),
      inclusive: [...s.inclusive].map(([fn, ms]) => ({ fn, ms })).sort((a, b) => b.ms - a.ms).slice(0, 25),
    });
  }
  // main thread first (the profile without Jinja that ran longest)
  threads.sort((a, b) => Number(a.label.startsWith('Jinja')) - Number(b.label.startsWith('Jinja')) || b.totalMs - a.totalMs);
  return { wallMs: m.wallMs, threads };
}

export function formatProfile(summary: ProfileSummary, cache: 'cold' | 'warm' = 'cold'): string {
  const out: string[] = [`Profiled review (${cache === 'cold' ? 'cold, `--no-cache`' : 'warm: the same review again'}) wall time: ${(summary.wallMs / 1000).toFixed(2)} s (with --cpu-prof overhead)`];
  for (const t of summary.threads) {
    out.push('', `${t.label}: ${t.totalMs.toFixed(0)} ms sampled`, '', '| where | ms | share |', '|---|---:|---:|');
    for (const c of t.categories.filter((c) => c.ms >= 1)) out.push(`| ${c.name} | ${c.ms.toFixed(0)} | ${((100 * c.ms) / t.totalMs).toFixed(1)}% |`);
    out.push('', 'Top functions (self time):', '', '| function | ms |', '|---|---:|');
    for (const f of t.top.slice(0, 12)) out.push(`| \`${f.fn.replace(/\|/g, '\\|')}\` | ${f.ms.toFixed(0)} |`);
    if (t.inclusive.length > 0) {
      out.push('', "The reviewer's own functions, inclusive time (callees included):", '', '| function | ms |', '|---|---:|');
      for (const f of t.inclusive.slice(0, 20)) out.push(`| \`${f.fn.replace(/\|/g, '\\|')}\` | ${f.ms.toFixed(0)} |`);
    }
  }
  return out.join('\n');
}

if (process.argv[1]?.endsWith('profile.ts')) {
  const { ensureProject, WORK_DIR } = await import('./generate.js');
  const arg = (name: string, fallback: string): string => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
  };
  const project = ensureProject(Number(arg('--size', '5000')));
  const scenario = project.scenarios.find((s) => s.name === arg('--scenario', 'pr-100')) ?? project.scenarios[project.scenarios.length - 1]!;
  const cli = arg('--cli', join(WORK_DIR, 'dist', 'cli.js'));
  const cache = process.argv.includes('--warm') ? 'warm' : 'cold';
  const summary = await profileReview(cli, project.repo, scenario.base, scenario.head, join(WORK_DIR, 'profiles', `${project.size}-${scenario.name}`), cache);
  console.log(formatProfile(summary, cache));
}
