/**
 * The command line: `dbt-pr-reviewer review|demo`. `main(argv, io)` parses the arguments, runs the review and
 * returns the exit code (0 success or neutral, 1 failure, 2 usage, configuration or repository error).
 */
import { readFileSync } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ConfigError, ReviewerConfig } from '../config.js';
import { changedPathsOf, type JinjaRenderer, type ReviewPorts, type ReviewRequest } from '../ports.js';
import type { Review } from '../review/types.js';
import { renderSummaryMarkdown } from '../review/markdown.js';
import type { FactsStore } from '../sources/facts-store.js';
import type { ShapeStore } from '../sources/shape-store.js';
import { storesRoot } from '../sources/versioned-store.js';
import {
  FETCH_HISTORY,
  GitError,
  assertRepository,
  diffCommitsRaw,
  gitSnapshot,
  gitSnapshotBefore,
  isShallow,
  loadChanged,
  mergeBase,
  readFileAt,
  resolveRevs,
} from '../sources/git.js';
import { resolveLlm } from './llm.js';

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
}

export const CONFIG_PATH = '.github/dbt-pr-reviewer.yml';

type Format = 'markdown' | 'json';

/** An error that ends the run with exit code 2 and one line on stderr (plus details, e.g. config errors). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly details: string[] = [],
    readonly showUsage = false,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export const USAGE = `Usage:
  dbt-pr-reviewer review [--repo DIR] --base REV [--head REV] [--format markdown|json] [--no-llm] [--config FILE]
                         [--no-cache]
  dbt-pr-reviewer demo [--format markdown|json] [--no-llm]
  dbt-pr-reviewer --help | --version

Commands:
  review   Review the change from --base to --head of a local git repository (bare or not). Only committed
           content is read, never the work tree. Like a GitHub pull request, the diff runs from the merge base.
  demo     Review a bundled example change to a dbt project (Juniper Outfitters); no setup needed.

Options:
  --repo DIR       the git repository (default: .)
  --base REV       the revision the change is compared against: branch, tag or sha (e.g. origin/main)
  --head REV       the revision under review (default: HEAD)
  --format FMT     markdown (default) or json (the stable interface for scripts; see docs/cli.md)
  --no-llm         do not run the LLM stage, even when OPENAI_API_KEY is set
  --config FILE    reviewer config (default: .github/dbt-pr-reviewer.yml read at the base revision)
  --no-cache       neither read nor write what reviews keep in the git directory (dbt-pr-reviewer/): the file
                   facts that let the next review of a big project skip the files it does not look at closely,
                   and the analysed SQL that spares it analysing what it has seen. In CI (CI set)
                   they are kept only when that folder exists (a cache step restores it, or mkdir creates it)
  -h, --help       show this help
  -v, --version    show the version

Environment:
  OPENAI_API_KEY   enables the LLM stage; OPENAI_BASE_URL points it at any OpenAI-compatible endpoint
  CI               set by CI services: see --no-cache
  DEBUG            print stack traces of unexpected errors, and why nothing was kept

Exit codes: 0 success or neutral, 1 failure, 2 usage, configuration or repository error.
`;

const REVIEW_OPTIONS = {
  repo: { type: 'string' },
  base: { type: 'string' },
  head: { type: 'string' },
  format: { type: 'string' },
  'no-llm': { type: 'boolean' },
  config: { type: 'string' },
  'no-cache': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const DEMO_OPTIONS = {
  format: { type: 'string' },
  'no-llm': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse<T extends typeof REVIEW_OPTIONS | typeof DEMO_OPTIONS>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, '') : String(e);
    throw new CliError(message, [], true);
  }
}

function parseFormat(value: string | undefined): Format {
  if (value === undefined || value === 'markdown' || value === 'md') return 'markdown';
  if (value === 'json') return 'json';
  throw new CliError(`--format must be markdown or json, not '${value}'`, [], true);
}

/** Runs the CLI; returns the exit code. Never throws. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'review':
        return await reviewCommand(rest, io);
      case 'demo':
        return await demoCommand(rest, io);
      case '-h':
      case '--help':
      case 'help':
        io.stdout(`dbt-pr-reviewer ${packageVersion()}: reviews pull requests to dbt projects without running dbt.\n\n${USAGE}`);
        return 0;
      case '-v':
      case '--version':
      case 'version':
        io.stdout(`${packageVersion()}\n`);
        return 0;
      case undefined:
        throw new CliError('missing command', [], true);
      default:
        throw new CliError(
          command.startsWith('-') ? `unknown option '${command}'` : `unknown command '${command}'`,
          [],
          true,
        );
    }
  } catch (e) {
    return reportError(e, io);
  }
}

function reportError(e: unknown, io: CliIo): number {
  if (e instanceof CliError) {
    io.stderr(`dbt-pr-reviewer: ${e.message}\n`);
    for (const line of e.details) io.stderr(`  ${line}\n`);
    if (e.showUsage) io.stderr(`\n${USAGE}`);
    return 2;
  }
  if (e instanceof GitError) {
    io.stderr(`dbt-pr-reviewer: ${e.message}\n`);
    if (io.env.DEBUG && e.stderr) io.stderr(`${e.stderr}\n`);
    return 2;
  }
  const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
  io.stderr(`dbt-pr-reviewer: internal error: ${message}${io.env.DEBUG ? '' : ' (set DEBUG=1 for details)'}\n`);
  if (io.env.DEBUG && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
  return 2;
}

async function reviewCommand(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, REVIEW_OPTIONS);
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const format = parseFormat(values.format);
  if (values.base === undefined || values.base === '') throw new CliError('--base REV is required', [], true);
  const repo = resolve(io.cwd, values.repo ?? '.');
  const review = await reviewRepository(
    {
      repo,
      base: values.base,
      head: values.head ?? 'HEAD',
      configFile: values.config,
      noLlm: values['no-llm'] ?? false,
      noCache: values['no-cache'] ?? false,
      onReview: (done) => printReview(done, format, io),
    },
    io,
  );
  return exitCodeOf(review);
}

async function demoCommand(args: string[], io: CliIo): Promise<number> {
  const values = parse(args, DEMO_OPTIONS);
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const format = parseFormat(values.format);
  const { buildDemoRepository } = await import('./demo.js');
  const demo = await buildDemoRepository();
  try {
    io.stderr('Reviewing the bundled demo: a change to the Juniper Outfitters dbt project (see examples/demo/README.md).\n');
    await reviewRepository(
      {
        repo: demo.repo,
        base: demo.base,
        head: demo.head,
        noLlm: values['no-llm'] ?? false,
        // The repository is removed afterwards: nothing is kept for a next review.
        noCache: true,
        onReview: (review) => printReview(review, format, io),
      },
      io,
    );
    // The demo's change is meant to be caught: its verdict is `failure`, yet the demo itself ran fine.
    return 0;
  } finally {
    await demo.cleanup();
  }
}

export function exitCodeOf(review: Review): number {
  return review.conclusion === 'failure' ? 1 : 0;
}

/** json: exactly the Review object (the public contract); markdown: the same text as the GitHub summary. */
function printReview(review: Review, format: Format, io: CliIo): void {
  io.stdout(`${format === 'json' ? JSON.stringify(review, null, 2) : renderSummaryMarkdown(review)}\n`);
}

export interface ReviewOptions {
  repo: string;
  base: string;
  head: string;
  /** A config file on disk; default: `.github/dbt-pr-reviewer.yml` at the base revision. */
  configFile?: string;
  noLlm: boolean;
  /** Neither read nor write the file facts and analysed SQL kept in the git directory (docs/cli.md). */
  noCache?: boolean;
  /** Called with the review as soon as it is complete, before what it keeps for the next one is written. */
  onReview?: (review: Review) => void;
}

/** The review engine: the pipeline and the Jinja sandbox (started, not yet used). */
interface Engine {
  runReview: typeof import('../pipeline.js').runReview;
  renderer: JinjaRenderer;
}

/** Loads the modules and starts the sandbox; the caller overlaps this with its git reads. Loaded on demand, so
 * `--help` and usage errors stay instant. */
async function startEngine(): Promise<Engine> {
  const [{ runReview }, { createJinjaRenderer }] = await Promise.all([import('../pipeline.js'), import('../dbt/jinja/index.js')]);
  const renderer = createJinjaRenderer();
  renderer.warm?.();
  return { runReview, renderer };
}

/** Reads the two revisions from git, builds the request and ports, and runs the pipeline. */
export async function reviewRepository(options: ReviewOptions, io: CliIo): Promise<Review> {
  const engine = startEngine();
  // Its failure is reported where the review awaits it; until then it must not count as unhandled.
  engine.catch(() => undefined);
  try {
    return await reviewWith(engine, options, io);
  } finally {
    await engine.then((e) => e.renderer.close()).catch(() => undefined);
  }
}

async function reviewWith(engineStart: Promise<Engine>, options: ReviewOptions, io: CliIo): Promise<Review> {
  const { repo } = options;
  // The head's files are read as soon as its sha is known, and the config schema and YAML libraries load while
  // git answers.
  const revisions = resolveRevs(repo, [options.base, options.head]);
  const headShaRead = revisions.then(([, head]) => head!);
  const stores = options.noCache ? Promise.resolve<Stores>({}) : openStores(repo, isCi(io.env), io);
  const store = stores.then((s) => s.facts);
  const headSnapshot = Promise.all([headShaRead, store]).then(([sha, facts]) => gitSnapshot(repo, sha, facts ? { facts } : {}));
  headSnapshot.catch(() => undefined); // awaited below, after the errors a user should see first
  const [baseSha, headSha, configModule, { detectDialect }] = await Promise.all([
    revisions.then(([base]) => base!),
    headShaRead,
    import('../config.js'),
    import('./dialect.js'),
  ]);
  const [{ config, source: configSource, note: configNote }, mergeBaseSha] = await Promise.all([
    loadConfig(configModule, repo, baseSha, options, io),
    mergeBase(repo, baseSha, headSha),
  ]);
  if (mergeBaseSha === undefined) {
    // Comparing with the base's tip would report everything the base did since as undone by the change.
    throw new CliError(
      (await isShallow(repo))
        ? `${options.base} and ${options.head} have no common ancestor in this shallow clone: ${FETCH_HISTORY}, so the change can be compared with the commit it branched from`
        : `${options.base} and ${options.head} have no common ancestor (unrelated histories): there is no change between them to review`,
    );
  }
  const fromSha = mergeBaseSha;
  const notes: string[] = configNote ? [configNote] : [];
  if (fromSha !== baseSha) {
    notes.push(
      `${options.base} (${baseSha.slice(0, 7)}) has moved on since ${options.head} branched off: the change is compared against their merge base ${fromSha.slice(0, 7)}, as on GitHub.`,
    );
  }
  // The base shares almost every file with the head: it is listed from the head's tree and the diff, and reads
  // only the blobs that differ.
  const diff = diffCommitsRaw(repo, fromSha, headSha);
  const [{ files }, head, base] = await Promise.all([
    diff,
    headSnapshot,
    Promise.all([headSnapshot, store, diff]).then(([h, facts, { raw }]) => gitSnapshotBefore(h, fromSha, raw, facts ? { facts } : {})),
  ]);
  // Every review reads the changed files of both revisions: read those not loaded yet (stored facts) now.
  await loadChanged([head, base], changedPathsOf(files));
  for (const s of head.skipped) notes.push(`${s.path}: ${s.reason}`);

  const unread = [...head.skipped, ...base.skipped.filter((s) => !head.skipped.some((h) => h.path === s.path))];
  const request: ReviewRequest = { base: fromSha, head: headSha, config, configSource, changedFiles: files, notes, unread };
  if (!config.dialect) {
    const hint = detectDialect(base, head);
    if (hint) request.dialectHint = hint;
  }

  const [engine, llm, { facts, shapes }] = await Promise.all([engineStart, resolveLlm(io.env, config, options.noLlm), stores]);
  const ports: ReviewPorts = { base, head, renderer: engine.renderer, ...llm };
  if (shapes) ports.shapes = shapes;
  const review = await engine.runReview(request, ports);
  // The user reads the review while the stores are written.
  options.onReview?.(review);
  // What this review read, analysed and parsed is kept for the next one (a failure to write only costs that speed-up).
  if (facts) facts.learn([head, base]);
  const failures = await Promise.all([facts?.save([head, base]), shapes?.save()]);
  for (const [what, failure] of [['file facts', failures[0]], ['analysed SQL', failures[1]]] as const) {
    if (failure && io.env.DEBUG) io.stderr(`dbt-pr-reviewer: the ${what} were not saved: ${failure}\n`);
  }
  return review;
}

/** `CI` as CI services set it (`true`, `1`, a name...); `false` and `0` say it is not. */
function isCi(env: Record<string, string | undefined>): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/** What the CLI keeps between reviews in the repository's git directory (see docs/cli.md). */
interface Stores {
  facts?: FactsStore;
  shapes?: ShapeStore;
}

/**
 * The folder where earlier versions kept parsed property files: reading a stored tree back cost as much as parsing
 * the text once property files had a parser of their own (src/dbt/fastYaml/), and writing it cost a first review
 * ~100 ms (2,000-model benchmark project, 100-model PR), so it is no longer kept; an old one is removed.
 */
const RETIRED_YAML_STORE = 'yaml';

/**
 * The repository's stores; none when there is no repository to keep them in (reported later). A store that cannot
 * be opened is left out: it only costs its speed-up.
 *
 * In CI (`CI` set), only when the store's folder exists already (a cache step restored it, or the job created it):
 * a fresh clone that nothing carries to the next run would only pay for writing them (2,000-model benchmark project,
 * 50-model PR: ~100 ms, a sixth of the review).
 */
async function openStores(repo: string, ci: boolean, io: CliIo): Promise<Stores> {
  const gitDir = assertRepository(repo);
  if (ci) {
    const root = await gitDir.then(storesRoot, () => undefined);
    const present = root !== undefined && (await stat(root).then((s) => s.isDirectory(), () => false));
    if (!present) {
      if (root !== undefined && io.env.DEBUG) io.stderr(`dbt-pr-reviewer: CI is set and ${root} does not exist: nothing is kept for the next run (see docs/cli.md)\n`);
      return {};
    }
  }
  // The modules load while git answers.
  const modules = Promise.all([import('../sources/facts-store.js'), import('../sources/shape-store.js')]);
  const optional = <T>(open: (dir: string, m: Awaited<typeof modules>) => Promise<T>): Promise<T | undefined> =>
    Promise.all([gitDir, modules]).then(([dir, m]) => open(dir, m)).catch(() => undefined);
  const [facts, shapes] = await Promise.all([
    optional((dir, [m]) => m.FactsStore.open(m.factsStorePath(dir))),
    optional(async (dir, [, m]) => m.ShapeStore.open(m.shapeStoreRoot(dir), await m.analyserId())),
    gitDir.then((dir) => rm(join(storesRoot(dir), RETIRED_YAML_STORE), { recursive: true, force: true })).catch(() => undefined),
  ]);
  return { ...(facts ? { facts } : {}), ...(shapes ? { shapes } : {}) };
}

function formatConfigErrors(where: string, errors: ConfigError[]): string[] {
  return errors.map((e) => {
    const location = e.line !== undefined ? `${where}:${e.line}` : where;
    const key = e.key && !e.message.includes(e.key) ? ` (key \`${e.key}\`)` : '';
    return `${location}: ${e.message}${key}`;
  });
}

/** `--config FILE`, else `.github/dbt-pr-reviewer.yml` at the base revision (a change cannot weaken its own review). */
async function loadConfig(
  { defaultConfig, parseConfigYaml }: typeof import('../config.js'),
  repo: string,
  baseSha: string,
  options: ReviewOptions,
  io: CliIo,
): Promise<{ config: ReviewerConfig; source: string; note?: string }> {
  let text: string | undefined;
  let where: string;
  let source: string;
  if (options.configFile !== undefined) {
    const file = resolve(io.cwd, options.configFile);
    where = options.configFile;
    source = options.configFile;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new CliError(`cannot read the config file ${options.configFile}${code === 'ENOENT' ? ': no such file' : `: ${code ?? String(e)}`}`);
    }
  } else {
    text = await readFileAt(repo, baseSha, CONFIG_PATH);
    where = `${CONFIG_PATH} (at base ${baseSha.slice(0, 7)})`;
    source = `${CONFIG_PATH}@${baseSha.slice(0, 7)}`;
    if (text === undefined) return { config: defaultConfig(), source: `defaults (no ${CONFIG_PATH} at the base revision)` };
  }
  // The App follows `_extends` to another repository through the GitHub API; a local review cannot (the line is
  // blanked, so errors keep their line numbers).
  const extendsFrom = /^_extends:[ \t]*(.*)$/m.exec(text)?.[1]?.trim();
  const parsed = parseConfigYaml(extendsFrom === undefined ? text : text.replace(/^_extends:.*$/m, ''));
  if (!parsed.ok) {
    throw new CliError(`invalid configuration in ${where}:`, formatConfigErrors(options.configFile ?? CONFIG_PATH, parsed.errors));
  }
  if (extendsFrom === undefined) return { config: parsed.config, source };
  const note = `${where} extends \`${extendsFrom || '(empty)'}\`, which only the GitHub App can read: this review uses the file's own settings (pass the merged settings with --config FILE to review as the App does).`;
  return { config: parsed.config, source: `${source} (without its _extends)`, note };
}
