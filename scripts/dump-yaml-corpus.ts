/**
 * Collects the texts `parseYamlTree` (src/dbt/yamlTree.ts) receives during real reviews and during the test suite,
 * and writes a deduplicated, size-bounded selection of them to test/dbt/fast-yaml/yaml-corpus.json: the corpus the
 * fast YAML parser (src/dbt/fastYaml/) is checked against and measured on.
 *
 *   npx tsx scripts/dump-yaml-corpus.ts                      # bench projects 100, 1000, 2000 + the test suite
 *   npx tsx scripts/dump-yaml-corpus.ts --sizes 100 --no-tests
 *   npx tsx scripts/dump-yaml-corpus.ts --raw-only           # collect into bench/.work/yaml-corpus/raw only
 *   npx tsx scripts/dump-yaml-corpus.ts --select-only        # select from an earlier collection
 *
 * No hook stays in production code: the recording wrapper is added to a copy only.
 * - Reviews: the CLI is compiled with `tsc` into bench/.work/yaml-corpus/dist (git-ignored, like the bench's
 *   build), its `dbt/yamlTree.js` is patched to append every text to a file named by `YAML_CORPUS_OUT`, and
 *   `node <dist>/cli.js review --repo bench/.work/<size>/repo --base main --head pr/<n>-models --format json
 *   --no-llm --no-cache` runs for each size and PR (the bench projects must exist: `npx tsx bench/generate.ts`).
 * - Tests: `vitest run` with a config that adds a Vite plugin wrapping `parseYamlTree` the same way while the test
 *   files import it (test failures are ignored: only the texts matter here); and every `.yml`/`.yaml` file under
 *   test/ and examples/ as it is.
 *
 * Each text is classified: `entry` (an entry-wise piece, `models:` after blank lines, see entryWiseYaml.ts),
 * `focused` (entries blanked, see focusedYaml.ts), `whole` (a file as written) or `tests` (from the test suite).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WORK = join(ROOT, 'bench', '.work', 'yaml-corpus');
const RAW = join(WORK, 'raw');
const DIST = join(WORK, 'dist');
const OUT = join(ROOT, 'test', 'dbt', 'fast-yaml', 'yaml-corpus.json');
const HEADS = ['pr/1-models', 'pr/10-models', 'pr/50-models', 'pr/100-models'];

interface Options {
  sizes: number[];
  tests: boolean;
  collect: boolean;
  select: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { sizes: [100, 1000, 2000], tests: true, collect: true, select: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--sizes') o.sizes = (argv[++i] ?? '').split(',').map(Number).filter((n) => n > 0);
    else if (a === '--no-tests') o.tests = false;
    else if (a === '--raw-only') o.select = false;
    else if (a === '--select-only') o.collect = false;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** JavaScript appended to yamlTree's module: `parseYamlTree` records its text, then does its work. */
function recorder(target: string): string {
  return `
import { appendFileSync as __corpusAppend } from 'node:fs';
function __corpusRecord(text) {
  const out = ${target};
  if (out) __corpusAppend(out, JSON.stringify(text) + '\\n');
}
`;
}

const PARSE_DECLARATION = /export function parseYamlTree\(text(?::\s*string)?\)(?::\s*YamlParseResult)?\s*\{/;

/** `code` (yamlTree's module) with `parseYamlTree` recording each text. */
function patched(code: string, target: string): string {
  if (!PARSE_DECLARATION.test(code)) throw new Error('parseYamlTree not found in yamlTree');
  return code.replace(PARSE_DECLARATION, (m) => `${m}\n  __corpusRecord(text);`) + recorder(target);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function collectReviews(sizes: number[]): void {
  console.error(`compiling the CLI into ${DIST}`);
  rmSync(DIST, { recursive: true, force: true });
  run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', DIST]);
  const module = join(DIST, 'dbt', 'yamlTree.js');
  if (!existsSync(module)) throw new Error(`tsc wrote no ${module}`);
  writeFileSync(module, patched(readFileSync(module, 'utf8'), 'process.env.YAML_CORPUS_OUT'));
  for (const size of sizes) {
    const repo = join(ROOT, 'bench', '.work', String(size), 'repo');
    if (!existsSync(repo)) throw new Error(`no bench project at ${repo} (npx tsx bench/generate.ts ${size})`);
    for (const head of HEADS) {
      const out = join(RAW, `bench-${size}-${head.replace(/\W+/g, '_')}.jsonl`);
      rmSync(out, { force: true });
      const t = performance.now();
      const r = run(process.execPath, [join(DIST, 'cli.js'), 'review', '--repo', repo, '--base', 'main', '--head', head, '--format', 'json', '--no-llm', '--no-cache'], {
        YAML_CORPUS_OUT: out,
        CI: '',
      });
      const n = existsSync(out) ? readFileSync(out, 'utf8').split('\n').length - 1 : 0;
      console.error(`  ${size} ${head}: exit ${r.status}, ${n} texts, ${((performance.now() - t) / 1000).toFixed(1)} s`);
      if (r.status !== 0 && n === 0) console.error(r.stderr.slice(0, 2000));
    }
  }
}

function collectTests(): void {
  const config = join(WORK, 'vitest.corpus.config.mjs');
  const target = `(process.env.YAML_CORPUS_DIR ? process.env.YAML_CORPUS_DIR + '/tests-' + process.pid + '.jsonl' : '')`;
  writeFileSync(
    config,
    `import { defineConfig } from 'vitest/config';
const PARSE_DECLARATION = ${PARSE_DECLARATION.toString()};
const RECORDER = ${JSON.stringify(recorder(target))};
export default defineConfig({
  root: ${JSON.stringify(ROOT)},
  plugins: [{
    name: 'record-yaml-corpus',
    enforce: 'pre',
    transform(code, id) {
      if (!id.split('?')[0].endsWith('/src/dbt/yamlTree.ts')) return undefined;
      if (!PARSE_DECLARATION.test(code)) throw new Error('parseYamlTree not found');
      return code.replace(PARSE_DECLARATION, (m) => m + '\\n  __corpusRecord(text);') + RECORDER;
    },
  }],
  test: { include: ['test/**/*.test.ts'], exclude: ['test/dbt/fast-yaml/**', '**/node_modules/**'], testTimeout: 60_000, hookTimeout: 60_000, maxWorkers: 2 },
});
`,
  );
  for (const f of readdirSync(RAW)) if (f.startsWith('tests-')) rmSync(join(RAW, f));
  console.error('running the test suite with parseYamlTree recording (failures are ignored)');
  const t = performance.now();
  const r = run(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', '--config', config], { YAML_CORPUS_DIR: RAW });
  const files = readdirSync(RAW).filter((f) => f.startsWith('tests-'));
  console.error(`  vitest exit ${r.status}, ${files.length} recording files, ${((performance.now() - t) / 1000).toFixed(0)} s`);
  const fixtures = ['test', 'examples'].flatMap((dir) => yamlFiles(join(ROOT, dir)));
  writeFileSync(join(RAW, 'tests-files.jsonl'), fixtures.map((f) => `${JSON.stringify(readFileSync(f, 'utf8'))}\n`).join(''));
  console.error(`  ${fixtures.length} YAML files under test/ and examples/`);
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') out.push(...yamlFiles(path));
    else if (entry.isFile() && ['.yml', '.yaml'].includes(extname(entry.name))) out.push(path);
  }
  return out.sort();
}

type Kind = 'entry' | 'focused' | 'whole' | 'tests';

export interface CorpusEntry {
  kind: Kind;
  text: string;
}

function classify(text: string, fromTests: boolean): Kind {
  if (fromTests) return 'tests';
  if (/^\n*models:\n/.test(text) && !/^\n*models:\n\s*$/.test(text)) {
    // an entry-wise piece: `models:` then one entry (maybe after a blank prefix)
    const body = text.replace(/^\n*models:\n/, '');
    if (/^\s*- /.test(body) && body.split('\n').filter((l) => /^\s*- /.test(l) && /^ {0,4}- /.test(l)).length <= 1) return 'entry';
  }
  return /\n\n\n\n/.test(text.trimEnd()) ? 'focused' : 'whole';
}

function readTexts(prefix: string): string[] {
  const texts: string[] = [];
  for (const f of readdirSync(RAW).sort()) {
    if (!f.startsWith(prefix)) continue;
    for (const line of readFileSync(join(RAW, f), 'utf8').split('\n')) if (line) texts.push(JSON.parse(line) as string);
  }
  return texts;
}

function hash(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/**
 * A deterministic sample of `texts` (by hash), each at most `maxChars`, up to `count` texts and `budget` chars;
 * the `largest` biggest texts first (the costly parses of a review).
 */
function sample(texts: string[], count: number, budget: number, maxChars: number, largest = 0): string[] {
  const distinct = [...new Set(texts)].filter((t) => t.length <= maxChars);
  const big = [...distinct].sort((a, b) => b.length - a.length).slice(0, largest);
  const ordered = [...big, ...distinct.filter((t) => !big.includes(t)).sort((a, b) => (hash(a) < hash(b) ? -1 : 1))];
  const out: string[] = [];
  let used = 0;
  for (const t of ordered) {
    if (out.length >= count || used + t.length > budget) continue;
    out.push(t);
    used += t.length;
  }
  return out;
}

function select(): void {
  const bench = readTexts('bench-');
  const tests = readTexts('tests-');
  const byKind = new Map<Kind, string[]>();
  for (const t of bench) {
    const k = classify(t, false);
    byKind.set(k, [...(byKind.get(k) ?? []), t]);
  }
  const seen = new Set<string>();
  const corpus: CorpusEntry[] = [];
  const add = (kind: Kind, texts: string[]): void => {
    for (const text of texts) {
      if (seen.has(text)) continue;
      seen.add(text);
      corpus.push({ kind, text });
    }
  };
  // Bench texts: many near-identical entries; a sample of each kind (long blank prefixes make entries big).
  add('whole', sample(byKind.get('whole') ?? [], 150, 260_000, 40_000, 10));
  add('focused', sample(byKind.get('focused') ?? [], 80, 200_000, 40_000, 5));
  add('entry', sample(byKind.get('entry') ?? [], 220, 150_000, 8_000));
  // Tests: every distinct text up to a size (they are small and varied: edge cases live there).
  add('tests', sample(tests, 700, 450_000, 20_000));
  mkdirSync(dirname(OUT), { recursive: true });
  const json = `[\n${corpus.map((e) => JSON.stringify(e)).join(',\n')}\n]\n`;
  writeFileSync(OUT, json);
  const counts = new Map<string, number>();
  for (const e of corpus) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  console.error(
    `collected ${bench.length} review texts (${new Set(bench).size} distinct: ${[...byKind].map(([k, v]) => `${k} ${new Set(v).size}`).join(', ')}), ` +
      `${tests.length} test texts (${new Set(tests).size} distinct)`,
  );
  console.error(`wrote ${corpus.length} texts (${[...counts].map(([k, n]) => `${k} ${n}`).join(', ')}), ${(json.length / 1024).toFixed(0)} KB, to ${OUT}`);
}

const options = parseOptions(process.argv.slice(2));
mkdirSync(RAW, { recursive: true });
if (options.collect) {
  collectReviews(options.sizes);
  if (options.tests) collectTests();
}
if (options.select) select();
