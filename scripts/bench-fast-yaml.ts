/**
 * Times `parseYamlTree`'s js-yaml path against the fast parser (src/dbt/fastYaml/) on the YAML corpus: the texts
 * reviews parse (test/dbt/fast-yaml/yaml-corpus.json, written by scripts/dump-yaml-corpus.ts).
 *
 *   npx tsx scripts/bench-fast-yaml.ts [--corpus path.json] [--passes 5] [--runs 3]
 *
 * Each path runs in a fresh child process: `cold` is its first pass over the corpus (module loading excluded: code
 * not yet optimised, as in a one-shot CLI review), `warm` the mean of the passes after `--passes` more; `cold CLI`
 * is the first pass again in a process started with the V8 flags the CLI sets for itself (src/cli/one-shot-v8.ts:
 * TurboFan much later), as in a review. Paths:
 * - `js-yaml`: `parseYamlTreeWithJsYaml` (js-yaml with its listener, the tree rebuilt from it), every text;
 * - `fast+fallback`: `parseYamlTree` as the review calls it (the fast parser, js-yaml for what it declines);
 * - `fast only`: `parseYamlFast` alone, on every text (declines included: what it costs to decline).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { oneShotV8Flags } from '../src/cli/one-shot-v8.js';

interface Entry {
  kind: string;
  text: string;
}

const DEFAULT_CORPUS = fileURLToPath(new URL('../test/dbt/fast-yaml/yaml-corpus.json', import.meta.url));
const MODES = ['js-yaml', 'fast+fallback', 'fast only'] as const;
type Mode = (typeof MODES)[number];

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i === -1 ? undefined : process.argv[i + 1];
}

/** Milliseconds by text kind (`review`: the kinds reviews parse, `tests`: the test suite's texts), and in all. */
type ByKind = Record<string, number>;

interface Timing {
  mode: Mode;
  cold: ByKind;
  coldCli?: ByKind;
  warm: ByKind;
  accepted: number;
  texts: number;
  chars: number;
}

/** The bench's groups of corpus kinds. */
function groupOf(kind: string): string {
  return kind === 'tests' ? 'tests' : 'review';
}

async function child(mode: Mode, corpusPath: string, passes: number): Promise<void> {
  const corpus = JSON.parse(readFileSync(corpusPath, 'utf8')) as Entry[];
  const texts = corpus.map((e) => e.text);
  const groups = corpus.map((e) => groupOf(e.kind));
  const { parseYamlTree, parseYamlTreeWithJsYaml } = await import('../src/dbt/yamlTree.js');
  const { parseYamlFast } = await import('../src/dbt/fastYaml/index.js');
  const parse: (text: string) => unknown =
    mode === 'js-yaml' ? parseYamlTreeWithJsYaml : mode === 'fast+fallback' ? parseYamlTree : parseYamlFast;
  let sink = 0;
  const pass = (into: ByKind): void => {
    for (let i = 0; i < texts.length; i++) {
      const t = performance.now();
      if (parse(texts[i]!)) sink++;
      const ms = performance.now() - t;
      into[groups[i]!] = (into[groups[i]!] ?? 0) + ms;
      into.all = (into.all ?? 0) + ms;
    }
  };
  const cold: ByKind = {};
  pass(cold);
  for (let i = 0; i < passes; i++) pass({});
  const warm: ByKind = {};
  for (let i = 0; i < passes; i++) pass(warm);
  for (const k of Object.keys(warm)) warm[k]! /= passes;
  let accepted = 0;
  for (const text of texts) if (parseYamlFast(text)) accepted++;
  if (sink < 0) console.error(sink);
  const timing: Timing = { mode, cold, warm, accepted, texts: texts.length, chars: texts.reduce((n, t) => n + t.length, 0) };
  process.stdout.write(JSON.stringify(timing));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

function medianByKind(runs: ByKind[]): ByKind {
  const out: ByKind = {};
  for (const k of Object.keys(runs[0]!)) out[k] = median(runs.map((r) => r[k]!));
  return out;
}

function main(): void {
  const corpusPath = option('--corpus') ?? DEFAULT_CORPUS;
  const passes = Number(option('--passes') ?? 5);
  const runs = Number(option('--runs') ?? 3);
  const timings = new Map<Mode, Timing>();
  const cliFlags = oneShotV8Flags(process.versions.v8) ?? [];
  const run = (mode: Mode, v8Flags: readonly string[]): Timing => {
    const args = [...v8Flags, ...process.execArgv, fileURLToPath(import.meta.url), '--child', mode, '--corpus', corpusPath, '--passes', String(passes)];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${mode}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Timing;
  };
  // Runs alternate between the paths (the machine's load drifts); medians.
  const all = new Map<Mode, Timing[]>(MODES.map((m) => [m, []]));
  const cliRuns = new Map<Mode, ByKind[]>(MODES.map((m) => [m, []]));
  for (let i = 0; i < runs; i++) {
    for (const mode of MODES) {
      all.get(mode)!.push(run(mode, []));
      if (cliFlags.length > 0) cliRuns.get(mode)!.push(run(mode, cliFlags).cold);
    }
  }
  for (const mode of MODES) {
    const list = all.get(mode)!;
    timings.set(mode, {
      ...list[0]!,
      cold: medianByKind(list.map((t) => t.cold)),
      warm: medianByKind(list.map((t) => t.warm)),
      ...(cliFlags.length > 0 ? { coldCli: medianByKind(cliRuns.get(mode)!) } : {}),
    });
  }
  const js = timings.get('js-yaml')!;
  console.log(
    `corpus: ${corpusPath}: ${js.texts} texts, ${(js.chars / 1024).toFixed(0)} KiB; the fast parser accepts ${js.accepted} (${((100 * js.accepted) / js.texts).toFixed(1)}%)`,
  );
  console.log(`median of ${runs} runs; warm: mean of ${passes} passes after ${passes}; ms (ratio to js-yaml)`);
  const columns: [string, (t: Timing) => ByKind | undefined][] = [
    ['cold', (t) => t.cold],
    ['cold CLI', (t) => t.coldCli],
    ['warm', (t) => t.warm],
  ];
  for (const group of ['all', 'review', 'tests']) {
    console.log(`\n${group === 'all' ? 'all texts' : group === 'review' ? 'review texts (whole files, focused, entry-wise)' : "the test suite's texts"}`);
    console.log(`${'path'.padEnd(15)}${columns.map(([c]) => c.padStart(18)).join('')}`);
    for (const t of timings.values()) {
      const cells = columns.map(([, get]) => {
        const v = get(t)?.[group];
        const base = get(js)?.[group];
        return (v === undefined || base === undefined ? '-' : `${v.toFixed(group === 'all' ? 1 : 2)} (${(v / base).toFixed(2)})`).padStart(18);
      });
      console.log(`${t.mode.padEnd(15)}${cells.join('')}`);
    }
  }
  if (cliFlags.length > 0) console.log(`\n(cold CLI: the first pass with the CLI's V8 flags: ${cliFlags.join(' ')})`);
}

const childMode = option('--child');
if (childMode) await child(childMode as Mode, option('--corpus') ?? DEFAULT_CORPUS, Number(option('--passes') ?? 5));
else main();
