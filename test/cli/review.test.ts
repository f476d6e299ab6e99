/**
 * `dbt-pr-reviewer review` end to end over real git repositories: what the JSON contract and the markdown carry,
 * and the exit codes. Runs the whole pipeline (no LLM: tests never reach the network).
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Review } from '../../src/review/types.js';
import { commit, git, initRepo, removeTempDirs, tempDir } from '../sources/git-fixture.js';
import { main } from '../../src/cli/main.js';
import { quietEnv, reviewWithoutTiming, ROOT, runCli, spawnCli } from './run-cli.js';

afterAll(removeTempDirs);

const BASE_FILES = {
  'dbt_project.yml': [
    'name: shop',
    'version: "1.0"',
    'config-version: 2',
    'profile: shop',
    'models:',
    '  shop:',
    '    staging:',
    '      +materialized: view',
    '      +meta:',
    '        owner: "@shop/platform"',
    '    marts:',
    '      +materialized: table',
    '      +meta:',
    '        owner: "@shop/analytics"',
    '',
  ].join('\n'),
  'profiles.yml': 'shop:\n  target: prod\n  outputs:\n    prod:\n      type: bigquery\n      project: shop-prod\n      dataset: analytics\n',
  'models/staging/stg_orders.sql': [
    'select',
    '    id as order_id,',
    '    customer_id,',
    '    amount_cents / 100.0 as amount,',
    '    status',
    "from {{ source('shop', 'orders') }}",
    '',
  ].join('\n'),
  'models/staging/_staging.yml': [
    'version: 2',
    'sources:',
    '  - name: shop',
    '    tables:',
    '      - name: orders',
    'models:',
    '  - name: stg_orders',
    '    description: Orders.',
    '    columns:',
    '      - name: order_id',
    '        data_tests: [unique, not_null]',
    '',
  ].join('\n'),
  'models/marts/fct_orders.sql': [
    'select',
    '    order_id,',
    '    customer_id,',
    '    amount',
    "from {{ ref('stg_orders') }}",
    "where status != 'cancelled'",
    '',
  ].join('\n'),
  'models/marts/_marts.yml': [
    'version: 2',
    'models:',
    '  - name: fct_orders',
    '    description: Orders that were not cancelled.',
    '    columns:',
    '      - name: order_id',
    '        data_tests: [unique, not_null]',
    '',
  ].join('\n'),
};

let repo: string;
let base: string;
let formatting: string;
let breaking: string;

beforeAll(() => {
  repo = initRepo();
  base = commit(repo, BASE_FILES, 'base');
  git(repo, 'checkout', '--quiet', '-b', 'formatting');
  formatting = commit(
    repo,
    {
      'models/staging/stg_orders.sql':
        "SELECT id AS order_id, customer_id, amount_cents / 100.0 AS amount, status\nFROM {{ source('shop', 'orders') }}\n",
    },
    'reformat stg_orders',
  );
  git(repo, 'checkout', '--quiet', '-b', 'breaking', base);
  breaking = commit(
    repo,
    {
      'models/staging/stg_orders.sql': [
        'select',
        '    id as order_id,',
        '    amount_cents / 100.0 as amount,',
        '    status',
        "from {{ source('shop', 'orders') }}",
        '',
      ].join('\n'),
    },
    'drop customer_id from stg_orders',
  );
  git(repo, 'checkout', '--quiet', 'main');
});

async function reviewJson(argv: string[], env?: Record<string, string | undefined>): Promise<{ code: number; review: Review; stderr: string }> {
  const run = await runCli(['review', '--repo', repo, '--format', 'json', ...argv], { env });
  if (run.stdout === '') throw new Error(`no output (exit ${run.code}): ${run.stderr}`);
  return { code: run.code, review: JSON.parse(run.stdout) as Review, stderr: run.stderr };
}

describe('review --format json', () => {
  it('prints exactly the Review contract for a breaking change, and exits 1', async () => {
    const { code, review } = await reviewJson(['--base', 'main', '--head', 'breaking']);
    expect(code).toBe(1);
    expect(review.version).toBe(1);
    expect(review.base).toBe(base);
    expect(review.head).toBe(breaking);
    expect(review.conclusion).toBe('failure');
    expect(Object.keys(review)).toEqual(expect.arrayContaining(['version', 'base', 'head', 'conclusion', 'models', 'findings', 'skipped', 'llm']));

    const model = review.models.find((m) => m.name === 'stg_orders');
    expect(model).toMatchObject({
      path: 'models/staging/stg_orders.sql',
      status: 'modified',
      impact: 'column',
      breaking: true,
      owner: { value: '@shop/platform' },
    });
    expect(model?.changes).toContainEqual(expect.objectContaining({ kind: 'column_removed', column: 'customer_id', path: 'models/staging/stg_orders.sql' }));
    expect(model?.downstream).toContainEqual(expect.objectContaining({ name: 'fct_orders', owner: '@shop/analytics', columnsUsed: ['customer_id'] }));

    const finding = review.findings.find((f) => f.rule === 'breaking-column-removed');
    expect(finding).toMatchObject({ severity: 'error', origin: 'semantic', model: 'stg_orders', column: 'customer_id', path: 'models/staging/stg_orders.sql' });
    expect(finding?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(review.llm).toMatchObject({ status: 'skipped', model: null, inputTokens: 0, outputTokens: 0, findingsDropped: 0 });
  });

  it('recognises a formatting-only change: impact none, not breaking, exit 0', async () => {
    const { code, review } = await reviewJson(['--base', 'main', '--head', 'formatting']);
    expect(code).toBe(0);
    expect(review.head).toBe(formatting);
    expect(review.conclusion).not.toBe('failure');
    const model = review.models.find((m) => m.name === 'stg_orders');
    expect(model).toMatchObject({ impact: 'none', breaking: false });
    expect(model?.changes.map((c) => c.kind)).toContain('formatting_only');
    expect(review.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('uses the dialect of the committed profiles.yml and says so', async () => {
    const { review } = await reviewJson(['--base', 'main', '--head', 'formatting']);
    expect(review.dialect).toEqual({ name: 'bigquery', source: 'profiles.yml (`type: bigquery`)' });
  });

  it('defaults --head to HEAD', async () => {
    git(repo, 'checkout', '--quiet', 'breaking');
    try {
      const { review } = await reviewJson(['--base', 'main']);
      expect(review.head).toBe(breaking);
    } finally {
      git(repo, 'checkout', '--quiet', 'main');
    }
  });

  it('--no-llm turns the LLM stage off even with OPENAI_API_KEY set', async () => {
    const env = quietEnv({ OPENAI_API_KEY: 'sk-test-not-used', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
    const { review } = await reviewJson(['--base', 'main', '--head', 'formatting', '--no-llm'], env);
    expect(review.llm.status).toBe('disabled');
    expect(review.llm.detail).toContain('--no-llm');
    expect(review.llm.inputTokens).toBe(0);
  });
});

describe('what a review keeps in the git directory', () => {
  it('keeps the analysed SQL, and a second review reads it and says the same', async () => {
    const clone = join(tempDir(), 'shop');
    git(tempDir(), 'clone', '--quiet', repo, clone);
    const shapesDir = join(git(clone, 'rev-parse', '--absolute-git-dir').trim(), 'dbt-pr-reviewer', 'shapes');
    const args = ['--base', 'origin/main', '--head', 'origin/breaking'];
    const run = async (extra: string[] = []) => {
      const r = await runCli(['review', '--repo', clone, '--format', 'json', ...args, ...extra]);
      return reviewWithoutTiming(r.stdout);
    };

    const uncached = await run(['--no-cache']);
    expect(existsSync(shapesDir)).toBe(false);
    const first = await run();
    const [analyser, ...others] = readdirSync(shapesDir);
    expect(others).toEqual([]);
    const entries = readdirSync(join(shapesDir, analyser!));
    // stg_orders at base and head, and fct_orders read for the columns it uses
    expect(entries.length).toBeGreaterThanOrEqual(3);
    for (const entry of entries) expect(entry).toMatch(/^[0-9a-f]{64}\.json$/);

    // Damaged entries are analysed again; the review is the same each time.
    writeFileSync(join(shapesDir, analyser!, entries[0]!), '{"parse": "full"');
    const second = await run();
    const third = await run();
    expect(first).toEqual(uncached);
    expect(second).toEqual(uncached);
    expect(third).toEqual(uncached);
    expect(JSON.parse(readFileSync(join(shapesDir, analyser!, entries[0]!), 'utf8'))).toHaveProperty('columns');
  });
  it('prints the review before it writes its stores, and keeps no parsed property files (reading them back cost what parsing does)', async () => {
    const clone = join(tempDir(), 'shop');
    git(tempDir(), 'clone', '--quiet', repo, clone);
    const storeDir = join(git(clone, 'rev-parse', '--absolute-git-dir').trim(), 'dbt-pr-reviewer');
    const run = async (extra: string[] = []) => {
      const r = await runCli(['review', '--repo', clone, '--format', 'json', '--base', 'origin/main', '--head', 'origin/breaking', ...extra]);
      return reviewWithoutTiming(r.stdout);
    };

    const uncached = await run(['--no-cache']);
    expect(existsSync(storeDir)).toBe(false);
    let printedBeforeWrites: boolean | undefined;
    let printed = '';
    const io = { stderr: () => undefined, env: quietEnv(), cwd: clone };
    await main(['review', '--repo', clone, '--format', 'json', '--base', 'origin/main', '--head', 'origin/breaking'], {
      ...io,
      stdout: (text) => {
        printedBeforeWrites ??= !existsSync(join(storeDir, 'shapes'));
        printed += text;
      },
    });
    expect(printedBeforeWrites).toBe(true);
    expect(reviewWithoutTiming(printed)).toEqual(uncached);
    expect(readdirSync(storeDir).sort()).toEqual(['file-facts.json', 'shapes']);
    expect(await run()).toEqual(uncached);
  });
  it('in CI keeps nothing in a fresh clone, and keeps and reads its stores once a cache step provides the folder', async () => {
    const clone = join(tempDir(), 'shop');
    git(tempDir(), 'clone', '--quiet', repo, clone);
    const storeDir = join(git(clone, 'rev-parse', '--absolute-git-dir').trim(), 'dbt-pr-reviewer');
    const run = async (env: Record<string, string | undefined>, extra: string[] = []) => {
      const r = await runCli(['review', '--repo', clone, '--format', 'json', '--base', 'origin/main', '--head', 'origin/breaking', ...extra], { env });
      return reviewWithoutTiming(r.stdout);
    };
    const uncached = await run(quietEnv(), ['--no-cache']);

    for (const ci of ['true', '1', 'github-actions']) {
      expect(await run(quietEnv({ CI: ci }))).toEqual(uncached);
      expect(existsSync(storeDir)).toBe(false);
    }
    // DEBUG says why.
    const debug = await runCli(['review', '--repo', clone, '--base', 'origin/main', '--head', 'origin/breaking', '--format', 'json'], { env: quietEnv({ CI: 'true', DEBUG: '1' }) });
    expect(debug.stderr).toContain(`CI is set and ${storeDir} does not exist: nothing is kept for the next run`);
    // CI=false is not CI: the review keeps its stores as on a developer's machine.
    expect(await run(quietEnv({ CI: 'false' }))).toEqual(uncached);
    expect(readdirSync(storeDir).sort()).toEqual(['file-facts.json', 'shapes']);
    rmSync(storeDir, { recursive: true });

    // An empty folder, as `mkdir -p` or a cache step with nothing to restore leaves it: the stores are written...
    mkdirSync(storeDir);
    expect(await run(quietEnv({ CI: 'true' }))).toEqual(uncached);
    expect(readdirSync(storeDir).sort()).toEqual(['file-facts.json', 'shapes']);
    // ...and read by the next run, which says the same.
    expect(await run(quietEnv({ CI: 'true' }))).toEqual(uncached);
  });
});

describe('review of other repository shapes', () => {
  it('reviews a bare clone the same way', async () => {
    const bare = join(tempDir(), 'shop.git');
    git(tempDir(), 'clone', '--quiet', '--bare', repo, bare);
    const run = await runCli(['review', '--repo', bare, '--base', 'main', '--head', 'breaking', '--format', 'json']);
    expect(run.code).toBe(1);
    const review = JSON.parse(run.stdout) as Review;
    expect(review).toMatchObject({ base, head: breaking, conclusion: 'failure' });
    expect(review.findings.map((f) => f.rule)).toContain('breaking-column-removed');
  });

  it('a property file re-saved as UTF-16 (binary to git) is yaml-invalid, and its models keep the properties they had', async () => {
    const r = initRepo();
    const root = commit(r, BASE_FILES, 'base');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(BASE_FILES['models/staging/_staging.yml'], 'utf16le')]);
    const head = commit(r, {
      'models/staging/_staging.yml': utf16,
      'models/staging/stg_orders.sql': BASE_FILES['models/staging/stg_orders.sql'].replace('    status\n', '    status,\n    1 as one\n'),
    });
    const run = await runCli(['review', '--repo', r, '--base', root, '--head', head, '--format', 'json']);
    const review = JSON.parse(run.stdout) as Review;
    expect(review.findings).toContainEqual(expect.objectContaining({ rule: 'yaml-invalid', severity: 'error', path: 'models/staging/_staging.yml' }));
    // read as it was before: no false "no description", "key untested" or "tests removed"
    expect(review.findings.map((f) => f.rule).filter((rule) => rule !== 'yaml-invalid')).toEqual([]);
  });

  it('a submodule under models/ that the change moves is not reviewed: said, and the review is neutral, not a pass', async () => {
    const r = initRepo();
    const root = commit(r, BASE_FILES, 'base');
    const gitlink = (sha: string): string => {
      git(r, 'update-index', '--add', '--cacheinfo', `160000,${sha},models/shared`);
      git(r, 'commit', '--quiet', '-m', 'submodule');
      return git(r, 'rev-parse', 'HEAD').trim();
    };
    // (a gitlink names a commit of the other repository, which this one does not hold)
    const first = gitlink('a'.repeat(40));
    const bumped = gitlink('b'.repeat(40));
    expect(root).not.toBe(first);
    const run = await runCli(['review', '--repo', r, '--base', first, '--head', bumped, '--format', 'json']);
    const review = JSON.parse(run.stdout) as Review;
    expect(review.skipped).toContainEqual({ path: 'models/shared', reason: 'a git submodule: its files are in another repository; not read' });
    expect(review.conclusion).toBe('neutral');
    expect(run.code).toBe(0);
  });

  it('compares against the merge base when the base branch has moved on, and says so', async () => {
    const r = initRepo();
    const root = commit(r, BASE_FILES, 'base');
    git(r, 'checkout', '--quiet', '-b', 'feature');
    const feature = commit(r, { 'models/marts/fct_orders.sql': BASE_FILES['models/marts/fct_orders.sql'].replace('    amount\n', '    amount,\n    status\n') });
    git(r, 'checkout', '--quiet', 'main');
    commit(r, { 'models/staging/stg_orders.sql': BASE_FILES['models/staging/stg_orders.sql'].replace('    customer_id,\n', '') });
    const run = await runCli(['review', '--repo', r, '--base', 'main', '--head', 'feature', '--format', 'json']);
    const review = JSON.parse(run.stdout) as Review;
    expect(review.base).toBe(root);
    expect(review.head).toBe(feature);
    expect(review.models.map((m) => m.name)).toEqual(['fct_orders']); // main's own change is not part of it
    expect(review.notes?.join('\n')).toContain(`compared against their merge base ${root.slice(0, 7)}`);
  });

  it('refuses to compare revisions without a common ancestor, and names a shallow clone as the cause', async () => {
    const r = initRepo();
    commit(r, BASE_FILES, 'base');
    git(r, 'checkout', '--quiet', '-b', 'feature');
    commit(r, { 'models/marts/fct_orders.sql': `-- a comment\n${BASE_FILES['models/marts/fct_orders.sql']}` });
    git(r, 'checkout', '--quiet', 'main');
    commit(r, { 'models/marts/dim_new.sql': 'select 1 as id\n' });
    git(r, 'checkout', '--quiet', '--orphan', 'unrelated');
    commit(r, BASE_FILES, 'another history');
    const unrelated = await runCli(['review', '--repo', r, '--base', 'main', '--head', 'unrelated']);
    expect(unrelated.code).toBe(2);
    expect(unrelated.stderr).toContain('main and unrelated have no common ancestor (unrelated histories)');

    const clone = join(tempDir(), 'shallow');
    git(tempDir(), 'clone', '--quiet', '--depth', '1', '--no-single-branch', `file://${r}`, clone);
    const shallow = await runCli(['review', '--repo', clone, '--base', 'origin/main', '--head', 'origin/feature']);
    expect(shallow.code).toBe(2);
    expect(shallow.stdout).toBe('');
    expect(shallow.stderr).toContain('have no common ancestor in this shallow clone: fetch more history, e.g. `git fetch --unshallow`');
    const missing = await runCli(['review', '--repo', clone, '--base', 'origin/main~1']);
    expect(missing.stderr).toContain("unknown revision 'origin/main~1'");
    expect(missing.stderr).toContain('(the clone is shallow: fetch more history');
  });
});

describe('review --format markdown', () => {
  it('prints the summary: verdict first, the changed models and the downstream owners', async () => {
    const run = await runCli(['review', '--repo', repo, '--base', 'main', '--head', 'breaking', '--no-llm']);
    expect(run.code).toBe(1);
    const [first] = run.stdout.split('\n');
    expect(first).toContain('dbt-pr-reviewer');
    expect(first).toMatch(/❌/);
    expect(run.stdout).toContain('stg_orders');
    expect(run.stdout).toContain('customer_id');
    expect(run.stdout).toContain('fct_orders');
    expect(run.stdout).toContain('@shop/analytics');
  });
});

describe('the LLM stage', () => {
  let server: Server;
  let url: string;
  const requests: { path: string; auth?: string; model?: string }[] = [];
  beforeAll(async () => {
    // A local OpenAI-compatible endpoint: answers every chat completion with no findings.
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const parsed = JSON.parse(body || '{}') as { model?: string };
        requests.push({ path: req.url ?? '', auth: req.headers.authorization, model: parsed.model });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            id: 'chatcmpl-local',
            object: 'chat.completion',
            created: 1700000000,
            model: parsed.model ?? 'gpt-4.1-mini',
            choices: [{ index: 0, message: { role: 'assistant', content: '{"findings":[]}', refusal: null }, finish_reason: 'stop', logprobs: null }],
            usage: { prompt_tokens: 321, completion_tokens: 7, total_tokens: 328 },
          }),
        );
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('runs against OPENAI_BASE_URL when OPENAI_API_KEY is set, and reports its tokens', async () => {
    const r = initRepo();
    const b = commit(r, BASE_FILES);
    const h = commit(r, {
      'models/marts/fct_orders.sql': BASE_FILES['models/marts/fct_orders.sql'].replace("where status != 'cancelled'", "where status not in ('cancelled', 'fraud_review')"),
    });
    const env = quietEnv({ OPENAI_API_KEY: 'sk-test-local', OPENAI_BASE_URL: url });
    const run = await runCli(['review', '--repo', r, '--base', b, '--head', h, '--format', 'json'], { env });
    const review = JSON.parse(run.stdout) as Review;
    expect(requests.length).toBeGreaterThan(0);
    expect(requests[0]).toMatchObject({ path: '/v1/chat/completions', auth: 'Bearer sk-test-local', model: 'gpt-4.1-mini' });
    expect(review.llm).toMatchObject({ status: 'ran', model: 'gpt-4.1-mini' });
    expect(review.llm.inputTokens).toBeGreaterThan(0);

    const before = requests.length;
    const off = await runCli(['review', '--repo', r, '--base', b, '--head', h, '--format', 'json', '--no-llm'], { env });
    expect((JSON.parse(off.stdout) as Review).llm.status).toBe('disabled');
    expect(requests.length).toBe(before);
  });
});

describe('the configuration is read at the base revision', () => {
  it('ignores a config that the change itself adds or weakens', async () => {
    const r = initRepo();
    const b = commit(r, { ...BASE_FILES, '.github/dbt-pr-reviewer.yml': 'llm:\n  enabled: false\n' });
    const h = commit(r, {
      '.github/dbt-pr-reviewer.yml': 'breakingSeverity: info\nnot-a-key: true\n',
      'models/staging/stg_orders.sql': "select id as order_id, amount_cents / 100.0 as amount, status from {{ source('shop', 'orders') }}\n",
    });
    const run = await runCli(['review', '--repo', r, '--base', b, '--head', h, '--format', 'json'], {
      env: quietEnv({ OPENAI_API_KEY: 'sk-test-not-used' }),
    });
    expect(run.code).toBe(1); // breaking stays an error: the head's `breakingSeverity: info` has no say
    const review = JSON.parse(run.stdout) as Review;
    expect(review.llm.status).toBe('disabled');
    expect(review.llm.detail).toContain('llm.enabled: false');
  });

  it('uses the own settings of a config that extends another repository (only the App can read it), and says so', async () => {
    const r = initRepo();
    const b = commit(r, { ...BASE_FILES, '.github/dbt-pr-reviewer.yml': '_extends: acme/.github\nbreakingSeverity: warning\nnot-a-key: true\n' });
    const h = commit(r, { 'models/staging/stg_orders.sql': "select id as order_id, amount_cents / 100.0 as amount, status from {{ source('shop', 'orders') }}\n" });
    const invalid = await runCli(['review', '--repo', r, '--base', b, '--head', h, '--no-llm'], { env: quietEnv() });
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('.github/dbt-pr-reviewer.yml:3: unknown key `not-a-key`');
    const r2 = initRepo();
    const fixed = commit(r2, { ...BASE_FILES, '.github/dbt-pr-reviewer.yml': '_extends: acme/.github\nbreakingSeverity: warning\n' });
    const head = commit(r2, { 'models/staging/stg_orders.sql': "select id as order_id, amount_cents / 100.0 as amount, status from {{ source('shop', 'orders') }}\n" });
    const run = await runCli(['review', '--repo', r2, '--base', fixed, '--head', head, '--no-llm', '--format', 'json'], { env: quietEnv() });
    expect(run.code).toBe(0); // breaking findings are warnings, as the file's own settings say
    const review = JSON.parse(run.stdout) as Review;
    expect(review.findings).toContainEqual(expect.objectContaining({ rule: 'breaking-column-removed', severity: 'warning' }));
    expect(review.notes).toContainEqual(expect.stringContaining('extends `acme/.github`, which only the GitHub App can read'));
  });
});

describe('the real process', () => {
  it('runs `review --format json` with the exit code of the conclusion', async () => {
    const run = await spawnCli(['review', '--repo', repo, '--base', 'main', '--head', 'breaking', '--format', 'json']);
    expect(run.code).toBe(1);
    const review = JSON.parse(run.stdout) as Review;
    expect(review).toMatchObject({ version: 1, base, head: breaking, conclusion: 'failure' });
  }, 60_000);

  it('a reader that closes the pipe early ends the run quietly, with the exit code of the conclusion', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}src/cli.ts`, 'review', '--repo', repo, '--base', 'main', '--head', 'breaking', '--no-llm', '--format', 'json'], {
      cwd: ROOT,
      env: Object.fromEntries(Object.entries(quietEnv()).filter((e): e is [string, string] => e[1] !== undefined)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy(); // `| head -c 0`
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(1);
  }, 60_000);

  it.runIf(existsSync('/dev/full'))('a review that cannot be written (a full disk) is one line on stderr and exit 2, not a stack trace', async () => {
    const full = openSync('/dev/full', 'w');
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', `${ROOT}src/cli.ts`, 'review', '--repo', repo, '--base', 'main', '--head', 'main', '--no-llm', '--format', 'json'], {
        cwd: ROOT,
        env: Object.fromEntries(Object.entries(quietEnv()).filter((e): e is [string, string] => e[1] !== undefined)),
        stdio: ['ignore', full, 'pipe'],
      });
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (t: string) => (stderr += t));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect(stderr).toMatch(/^dbt-pr-reviewer: could not write the review to stdout: .*ENOSPC.*\n$/);
      expect(code).toBe(2);
    } finally {
      closeSync(full);
    }
  }, 60_000);

  it('prints one line and no stack trace for an error, exit 2', async () => {
    const run = await spawnCli(['review', '--repo', repo, '--base', 'does-not-exist']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`dbt-pr-reviewer: unknown revision 'does-not-exist' in ${repo}\n`);
  }, 60_000);
});
