/**
 * LLM token benchmark: the prompt tokens this project sends (residual diff only, with context) versus sending the
 * whole PR diff with 3 lines of context to one prompt, as whole-diff reviewers do.
 *
 *   npm run bench:tokens            # prints the table and rewrites the `## LLM tokens` section of BENCHMARKS.md
 *   npm run bench:tokens -- --no-write
 *
 * Every case runs the real CLI path (`reviewRepository`: git source -> pipeline -> LLM stage) against a local fake
 * OpenAI-compatible server that records what was sent; tokens are counted with the o200k tokenizer (gpt-4.1 /
 * gpt-4o / gpt-5 family) on the recorded messages, framing included. The baseline prompt is the same system prompt
 * plus the full `git diff -U3` of the change. Each case also runs with `--no-llm`, to check that the deterministic
 * findings are the same with and without the LLM stage (none lost).
 *
 * Cases: the bundled demo (`examples/demo`), the generated 100-model project's PR scenarios (`bench/generate.ts`:
 * added/removed columns, filters, YAML-only, formatting-only, new models), and residual-heavy PRs made here on a
 * clone of that project (join and expression changes, a macro change, a Python model, a filter hidden in a big
 * formatting refactor).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump, load as parseYaml } from 'js-yaml';
import { reviewRepository, type CliIo } from '../src/cli/main.js';
import { buildDemoRepository } from '../src/cli/demo.js';
import { loadPromptTemplate } from '../src/llm/prompt-loader.js';
import { countChatTokens, tokenCounter } from '../src/llm/tokens.js';
import type { Review } from '../src/review/types.js';
import { answer, startFakeOpenAi, type FakeOpenAi } from '../test/fakes/openai/server.js';
import { ensureProject } from './generate.js';

const stringifyYaml = (value: unknown): string => dump(value, { lineWidth: -1, noRefs: true });

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const counter = tokenCounter('o200k_base');

interface Case {
  name: string;
  description: string;
  repo: string;
  base: string;
  head: string;
  cleanup?: () => Promise<void> | void;
}

interface Row {
  name: string;
  description: string;
  files: number;
  diffLines: number;
  wholeDiffTokens: number;
  sentTokens: number;
  /** The same two counts without the system prompt (identical on both sides). */
  wholeDiffDataTokens: number;
  sentDataTokens: number;
  requests: number;
  itemsSent: number;
  deterministic: number;
  deterministicKept: number;
  llmStatus: string;
}

function git(repo: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgsign=false', ...args], {
    cwd: repo,
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Bench',
      GIT_AUTHOR_EMAIL: 'bench@example.com',
      GIT_COMMITTER_NAME: 'Bench',
      GIT_COMMITTER_EMAIL: 'bench@example.com',
      ...env,
    },
    maxBuffer: 256 * 1024 * 1024,
  }).toString('utf8');
}

async function runCase(c: Case, fake: FakeOpenAi, system: string): Promise<Row> {
  const wholeDiff = git(c.repo, ['diff', '--no-color', '--no-ext-diff', '-M', '-U3', `${c.base}...${c.head}`]);
  const files = git(c.repo, ['diff', '--name-only', '-M', `${c.base}...${c.head}`]).split('\n').filter(Boolean).length;
  const wholeDiffTokens = countChatTokens(counter, [
    { role: 'system', content: system },
    { role: 'user', content: `Review this pull request diff.\n\n${wholeDiff}` },
  ]);
  const io = (env: Record<string, string | undefined>): CliIo => ({ stdout: () => undefined, stderr: () => undefined, env, cwd: c.repo });
  // The repository's own config (at base), with the LLM stage on (the generated project turns it off).
  let config: Record<string, unknown> = {};
  try {
    config = (parseYaml(git(c.repo, ['show', `${c.base}:.github/dbt-pr-reviewer.yml`])) as Record<string, unknown> | null) ?? {};
  } catch {
    config = {};
  }
  config['llm'] = { ...((config['llm'] as Record<string, unknown> | undefined) ?? {}), enabled: true };
  const configFile = join(mkdtempSync(join(tmpdir(), 'bench-tokens-config-')), 'dbt-pr-reviewer.yml');
  writeFileSync(configFile, stringifyYaml(config));
  const options = { repo: c.repo, base: c.base, head: c.head, configFile };

  const before = fake.requests.length;
  const withLlm: Review = await reviewRepository({ ...options, noLlm: false }, io({ OPENAI_API_KEY: fake.apiKey, OPENAI_BASE_URL: fake.baseURL }));
  const sent = fake.requests.slice(before);
  if (process.env['BENCH_TOKENS_DUMP']) for (const r of sent) process.stderr.write(`----- ${c.name}\n${r.body.messages[1]?.content ?? ''}\n`);
  const sentTokens = sent.reduce((n, r) => n + countChatTokens(counter, r.body.messages), 0);
  const systemTokens = countChatTokens(counter, [{ role: 'system', content: system }]) - countChatTokens(counter, []);
  const sentDataTokens = sentTokens - sent.length * systemTokens;
  const wholeDiffDataTokens = wholeDiffTokens - systemTokens;
  const itemsSent = sent.reduce((n, r) => n + (r.body.messages[1]?.content.match(/^## (model|Python model|macro) `/gm)?.length ?? 0), 0);
  const noLlm: Review = await reviewRepository({ ...options, noLlm: true }, io({}));

  const key = (f: Review['findings'][number]): string => `${f.fingerprint}@${f.path}:${f.line ?? ''}`;
  const deterministic = noLlm.findings.filter((f) => f.origin !== 'llm').map(key);
  const kept = new Set(withLlm.findings.filter((f) => f.origin !== 'llm').map(key));
  return {
    name: c.name,
    description: c.description,
    files,
    diffLines: wholeDiff.split('\n').length,
    wholeDiffTokens,
    sentTokens,
    wholeDiffDataTokens,
    sentDataTokens,
    requests: sent.length,
    itemsSent,
    deterministic: deterministic.length,
    deterministicKept: deterministic.filter((k) => kept.has(k)).length,
    llmStatus: withLlm.llm.status,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Residual-heavy PRs on a clone of the generated project

function edit(repo: string, path: string, fn: (text: string) => string): void {
  const file = join(repo, path);
  const before = readFileSync(file, 'utf8');
  const after = fn(before);
  if (after === before) throw new Error(`bench edit did not apply to ${path}`);
  writeFileSync(file, after);
}

function write(repo: string, path: string, text: string): void {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), text);
}

function files(repo: string, pattern: RegExp, contains?: RegExp): string[] {
  return git(repo, ['ls-files'])
    .split('\n')
    .filter((p) => pattern.test(p))
    .filter((p) => !contains || contains.test(readFileSync(join(repo, p), 'utf8')))
    .sort();
}

/** sqlfmt-like reformatting: upper-case keywords, leading commas, 4-space indent. Meaning unchanged. */
function reformat(sql: string): string {
  return sql
    .split('\n')
    .map((line) => line.replace(/\b(select|from|where|left join|inner join|join|on|group by|order by|with|as|and|or|case|when|then|else|end)\b/g, (k) => k.toUpperCase()))
    .join('\n')
    .replace(/,\n(\s+)(?=\S)/g, '\n$1, ');
}

const LOADED_AT = /\n(\s+)_fivetran_synced::timestamp_ntz as _loaded_at/;

/** Adds columns to a staging model's select, before `_loaded_at`. */
function addStagingColumns(repo: string, path: string, cols: [expr: string, name: string][]): void {
  edit(repo, path, (t) => t.replace(LOADED_AT, (_m, sp: string) => `${cols.map(([e, n]) => `\n${sp}${e} as ${n},`).join('')}\n${sp}_fivetran_synced::timestamp_ntz as _loaded_at`));
}

/** The property file that declares `model`. */
function ymlOf(repo: string, model: string): string {
  const found = files(repo, /^models\/.*\.ya?ml$/, new RegExp(`- name: ${model}\\n`))[0];
  if (!found) throw new Error(`no property file declares ${model}`);
  return found;
}

/** Adds column entries under `model`'s `columns:` in its property file. */
function addYamlColumns(repo: string, model: string, entries: string[]): void {
  edit(repo, ymlOf(repo, model), (t) => {
    const at = t.indexOf(`- name: ${model}\n`);
    const columns = t.indexOf('columns:\n', at);
    const next = columns + 'columns:\n'.length;
    const indent = /^(\s*)- name:/.exec(t.slice(next))?.[1] ?? '      ';
    const block = entries.map((e) => e.split('\n').map((l) => `${indent}${l}`).join('\n')).join('\n');
    return `${t.slice(0, next)}${block}\n${t.slice(next)}`;
  });
}

/** Removes a column from a model's select and from its property file. */
function removeColumn(repo: string, path: string, model: string, column: string): void {
  edit(repo, path, (t) => t.replace(new RegExp(`\\n[^\\n]*(?:as |\\.)${column},(?=\\n)`), ''));
  const yml = ymlOf(repo, model);
  const t = readFileSync(join(repo, yml), 'utf8');
  const re = new RegExp(`\\n(\\s+)- name: ${column}\\n(?:\\1 [^\\n]*\\n)*`, 'g');
  re.lastIndex = t.indexOf(`- name: ${model}\n`);
  const m = re.exec(t);
  if (m) writeFileSync(join(repo, yml), `${t.slice(0, m.index)}\n${t.slice(m.index + m[0].length)}`);
}

/** Appends a sentence to the first `description:` in a property file (inside the quotes when quoted). */
function extendDescription(text: string, sentence: string): string {
  return text.replace(/description: (?:"([^"\n]*)"|(.+))/, (_m, quoted: string | undefined, plain: string | undefined) =>
    quoted !== undefined ? `description: "${quoted} ${sentence}"` : `description: ${plain} ${sentence}`,
  );
}

const stem = (p: string): string => p.replace(/^.*\/|\.(sql|py)$/g, '');

/**
 * Realistic mixed PRs on a clone of the generated project: each one a typical pull request with some residual
 * (an expression, a join, a filter, a macro, a Python model) next to changes the rules explain fully.
 */
function mixedCases(generatedRepo: string): { cases: Case[]; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-tokens-'));
  const cases: Case[] = [];
  const make = (name: string, description: string, change: (repo: string) => void): void => {
    const repo = join(dir, name);
    git(dir, ['clone', '--quiet', '--branch', 'main', generatedRepo, repo]);
    change(repo);
    git(repo, ['add', '--all']);
    git(repo, ['commit', '--quiet', '-m', description]);
    cases.push({ name, description, repo, base: 'HEAD~1', head: 'HEAD' });
  };
  const staging = (repo: string): string[] => files(repo, /^models\/staging\/.*\.sql$/, /_fivetran_synced::timestamp_ntz as _loaded_at/);
  const martWith = (repo: string, re: RegExp): string => files(repo, /^models\/marts\/.*\.sql$/, re)[0]!;

  make('feature-columns', 'mixed: 2 staging columns with docs and tests, a redefined mart column', (repo) => {
    const stg = staging(repo)[0]!;
    addStagingColumns(repo, stg, [
      ['trim(billing_country)::varchar', 'billing_country'],
      ["coalesce(is_test_record, false)", 'is_test_record'],
    ]);
    addYamlColumns(repo, stem(stg), [
      '- name: billing_country\n  description: ISO country of the billing address.',
      '- name: is_test_record\n  description: True for QA records created in production.\n  data_tests:\n    - not_null',
    ]);
    const mart = martWith(repo, /\w+\.\w+::date as \w+/);
    edit(repo, mart, (t) => t.replace(/(\w+)\.(\w+)::date as (\w+)/, "convert_timezone('UTC', 'America/New_York', $1.$2)::date as $3"));
    edit(repo, ymlOf(repo, stem(mart)), (t) => extendDescription(t, 'Dates are in New York time.'));
  });

  make('cleanup', 'mixed: a deprecated column removed from 2 models and their YAML, 2 files re-formatted', (repo) => {
    const withUpdatedAt = files(repo, /^models\/staging\/.*\.sql$/, /as updated_at,\n/).slice(0, 2);
    if (withUpdatedAt.length < 2) throw new Error('bench: no staging model with updated_at');
    for (const stg of withUpdatedAt) removeColumn(repo, stg, stem(stg), 'updated_at');
    for (const stg of staging(repo).slice(3, 5)) edit(repo, stg, reformat);
  });

  make('macro-change', 'mixed: a macro called by 20 models changed, its docs, tests added in YAML, 1 re-format', (repo) => {
    const macro = files(repo, /^macros\/.*\.sql$/, /macro cents_to_dollars/)[0]!;
    edit(repo, macro, (t) => t.replace(/\((\{\{ column_name \}\}) \/ 100\)::number\(16, \{\{ scale \}\}\)/, 'round($1 / 100.0, {{ scale }})'));
    edit(repo, 'macros/_macros.yml', (t) => t.replace('in dollars.', 'in dollars, rounded half away from zero.'));
    for (const stg of staging(repo).slice(5, 7)) {
      edit(repo, ymlOf(repo, stem(stg)), (t) => {
        const at = t.indexOf(`- name: ${stem(stg)}\n`);
        const idx = t.indexOf('description:', at);
        const eol = t.indexOf('\n', idx);
        return `${t.slice(0, eol + 1)}    data_tests:\n      - dbt_utils.recency:\n          arguments:\n            datepart: day\n            field: _loaded_at\n            interval: 2\n${t.slice(eol + 1)}`;
      });
    }
    edit(repo, staging(repo)[7]!, reformat);
  });

  make('refactor-with-filter', 'mixed: 8 intermediate models re-formatted, one mart filter added', (repo) => {
    for (const p of files(repo, /^models\/intermediate\/.*\.sql$/).slice(0, 8)) edit(repo, p, reformat);
    const target = martWith(repo, /\n\s*from \w+\n/);
    edit(repo, target, (t) => t.replace(/\n(\s*)from (\w+)\n/, (_m, sp: string, rel: string) => `\n${sp}from ${rel}\n${sp}where ${rel}._loaded_at >= dateadd('year', -3, current_date)\n`));
  });

  make('ml-model', 'mixed: a new Python model with YAML, a staging column it needs, with docs', (repo) => {
    const upstream = stem(files(repo, /^models\/marts\/.*\.sql$/)[0]!);
    write(
      repo,
      'models/marts/ml/churn_scores.py',
      [
        'import pandas as pd',
        '',
        '',
        'def model(dbt, session):',
        '    dbt.config(materialized="table", packages=["pandas"])',
        `    source = dbt.ref("${upstream}").to_pandas()`,
        '    source.columns = [c.lower() for c in source.columns]',
        '    recent = source[source["_dbt_updated_at"] >= pd.Timestamp.now() - pd.Timedelta(days=90)]',
        '    features = recent.groupby(recent.columns[0]).agg(events=("_dbt_updated_at", "count"))',
        '    features["churn_risk"] = (features["events"] < 3).astype(int)',
        '    return features.reset_index()',
        '',
      ].join('\n'),
    );
    write(
      repo,
      'models/marts/ml/_ml.yml',
      'version: 2\nmodels:\n  - name: churn_scores\n    description: Churn risk per entity from the last 90 days of activity.\n    meta:\n      owner: "@acme/ml"\n    columns:\n      - name: events\n      - name: churn_risk\n        data_tests:\n          - accepted_values:\n              arguments:\n                values: [0, 1]\n',
    );
    const stg = staging(repo)[8]!;
    addStagingColumns(repo, stg, [['last_seen_ts::timestamp_ntz', 'last_seen_at']]);
    addYamlColumns(repo, stem(stg), ['- name: last_seen_at\n  description: Last activity of the record in the source app.']);
  });

  make('join-fix', 'mixed: a mart join made inner, its YAML docs and a test, an upstream staging column', (repo) => {
    const mart = martWith(repo, /left join/);
    edit(repo, mart, (t) => t.replace('left join', 'inner join'));
    edit(repo, ymlOf(repo, stem(mart)), (t) => extendDescription(t, 'Only rows with a match upstream.'));
    const stg = staging(repo)[9]!;
    addStagingColumns(repo, stg, [['lower(source_system)::varchar', 'source_system']]);
    addYamlColumns(repo, stem(stg), ['- name: source_system\n  description: Application the record came from.\n  data_tests:\n    - not_null']);
  });

  make('docs-and-tests', 'YAML only: descriptions and tests on 4 models', (repo) => {
    for (const stg of staging(repo).slice(10, 14)) {
      edit(repo, ymlOf(repo, stem(stg)), (t) => t.replace(`- name: ${stem(stg)}\n    description: "`, `- name: ${stem(stg)}\n    description: "Source of truth for reporting. `));
    }
  });

  return { cases, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------------------------------------------------------

function pct(a: number, b: number): string {
  return b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`;
}

function table(rows: Row[]): string {
  const lines = [
    '| Case | What changed | Files | Diff lines | Whole-diff tokens | Sent tokens | Sent / whole | Without system prompt | Requests | Items sent | Deterministic findings kept | LLM status |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.name} | ${r.description} | ${r.files} | ${r.diffLines} | ${r.wholeDiffTokens} | ${r.sentTokens} | ${pct(r.sentTokens, r.wholeDiffTokens)} | ${pct(r.sentDataTokens, r.wholeDiffDataTokens)} | ${r.requests} | ${r.itemsSent} | ${r.deterministicKept}/${r.deterministic} | ${r.llmStatus} |`,
    );
  }
  return lines.join('\n');
}

function updateBenchmarksMd(section: string): void {
  const path = join(ROOT, 'BENCHMARKS.md');
  const heading = '## LLM tokens';
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf(`${heading}\n`);
  let next: string;
  if (start < 0) {
    next = `${current.trimEnd()}\n\n${section.trimEnd()}\n`;
  } else {
    const after = current.indexOf('\n## ', start + heading.length);
    next = `${current.slice(0, start)}${section.trimEnd()}\n${after < 0 ? '' : current.slice(after)}`;
  }
  writeFileSync(path, next);
}

async function main(): Promise<void> {
  const writeMd = !process.argv.includes('--no-write');
  const template = await loadPromptTemplate();
  const fake = await startFakeOpenAi(() => answer([]));
  const cases: Case[] = [];
  const rows: Row[] = [];
  try {
    const demo = await buildDemoRepository();
    cases.push({ name: 'demo', description: 'the bundled demo change (examples/demo)', repo: demo.repo, base: demo.base, head: demo.head, cleanup: demo.cleanup });
    const generated = ensureProject(100);
    const kinds = (s: (typeof generated.scenarios)[number]) => {
      const count = new Map<string, number>();
      for (const m of s.models) count.set(m.kind, (count.get(m.kind) ?? 0) + 1);
      return [...count].map(([k, n]) => `${n} ${k.replace(/_/g, ' ')}`).join(', ');
    };
    for (const s of generated.scenarios) {
      if (s.size > 50) continue; // pr-100 changes every model of the 100-model project: not a realistic PR
      cases.push({ name: `generated ${s.name}`, description: `${s.size} model(s): ${kinds(s)}`, repo: generated.repo, base: s.base, head: s.head });
    }
    const derived = mixedCases(generated.repo);
    cases.push(...derived.cases, { name: '', description: '', repo: '', base: '', head: '', cleanup: derived.cleanup });
    for (const c of cases) {
      if (c.name === '') continue;
      process.stderr.write(`${c.name}...\n`);
      rows.push(await runCase(c, fake, template.system));
    }
  } finally {
    for (const c of cases) await c.cleanup?.();
    await fake.close();
  }

  const mean = (f: (r: Row) => number): number => rows.reduce((n, r) => n + f(r), 0) / rows.length;
  const meanRatio = mean((r) => (r.wholeDiffTokens > 0 ? r.sentTokens / r.wholeDiffTokens : 0));
  const meanDataRatio = mean((r) => (r.wholeDiffDataTokens > 0 ? Math.max(0, r.sentDataTokens) / r.wholeDiffDataTokens : 0));
  const totalSent = rows.reduce((n, r) => n + r.sentTokens, 0);
  const totalWhole = rows.reduce((n, r) => n + r.wholeDiffTokens, 0);
  const allKept = rows.every((r) => r.deterministicKept === r.deterministic);
  const withResidual = rows.filter((r) => r.sentTokens > 0);
  const md = [
    '## LLM tokens',
    '',
    '`npm run bench:tokens` (bench/tokens.ts). Prompt tokens the LLM stage sends (only the residual diff: hunks whose',
    'effect the rules could not settle, with the model context and the rule findings) versus one prompt holding the',
    'whole PR diff with 3 lines of context (`git diff -U3`), the way whole-diff reviewers work. Both use the same system',
    `prompt (prompt ${template.version}, ${countChatTokens(counter, [{ role: 'system', content: template.system }]) - countChatTokens(counter, [])} tokens); counts are o200k tokens of the chat messages as sent to a local`,
    'fake endpoint through the real CLI path (git source, pipeline, LLM stage), framing included. "Without system prompt"',
    'compares the data only (the system prompt is the same on both sides). "Deterministic findings kept": findings of the',
    'run with the LLM stage that the `--no-llm` run also has (same fingerprint and line). Cases: the bundled demo, the',
    "generated 100-model project's PR scenarios (bench/generate.ts), and realistic mixed PRs made on a clone of it.",
    '',
    table(rows),
    '',
    `**Average sent / whole-diff: ${(100 * meanRatio).toFixed(1)}%** (mean of the per-case ratios; ${pct(totalSent, totalWhole)} of all whole-diff`,
    `tokens together; ${(100 * meanDataRatio).toFixed(1)}% on average without the shared system prompt).`,
    `Goal (at most 25% on average, no deterministic finding lost): ${meanRatio <= 0.25 ? 'met' : 'not met'} (${
      meanDataRatio <= 0.25 ? 'met' : 'not met'
    } on the data-only measure); ${allKept ? 'every deterministic finding was kept' : 'SOME DETERMINISTIC FINDINGS DIFFER'}.`,
    `The cases that send something average ${withResidual.length > 0 ? `${(100 * withResidual.reduce((n, r) => n + r.sentTokens / r.wholeDiffTokens, 0) / withResidual.length).toFixed(1)}%` : 'n/a'}: the average depends on the mix of PRs.`,
    '',
    `Reading the table: ${rows.length - withResidual.length} of ${rows.length} cases send nothing. Never sent: formatting-only hunks, YAML-only edits and`,
    'changes the rules explain fully: columns added, removed or renamed, tests, docs, config, and the row-set changes',
    'whose whole consequence the rule states (`settled` in the JSON: a whole filter predicate added or removed, a left',
    'join made inner or back). When something is left to judge (a redefined column, a changed predicate or join',
    'condition, a new join, a changed macro, a Python model, SQL the rules could not parse), a request costs the system',
    'prompt plus about 150–400 tokens per item (what to judge, owner, columns, downstream users, the rule findings not',
    'to repeat, and only the hunks around the change). On a small PR whose one real change needs judgement, that is',
    'close to the whole diff, since the fixed prompt dominates both sides. The savings grow with the PR: large',
    're-formats, YAML churn and explained changes cost nothing.',
    '',
  ].join('\n');
  process.stdout.write(`${md}\n`);
  if (writeMd) updateBenchmarksMd(md);
}

await main();
