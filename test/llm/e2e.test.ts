/**
 * End to end: the CLI (`dbt-pr-reviewer review`) on a real git repository, the real pipeline, and the LLM stage
 * configured from the environment (OPENAI_API_KEY, OPENAI_BASE_URL) against the local fake server.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Review } from '../../src/review/types.js';
import { answer, promptDiffLines, startFakeOpenAi, type FakeOpenAi, type FakeRequest } from '../fakes/openai/server.js';
import { BASE_FILES, HEAD_FILES } from './helpers.js';

let fake: FakeOpenAi;
const repos: string[] = [];

function repository(base: Record<string, string>, head: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'llm-e2e-'));
  repos.push(dir);
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com' };
  const git = (...args: string[]) => execFileSync('git', ['-c', 'commit.gpgsign=false', ...args], { cwd: dir, env });
  const write = (files: Record<string, string>) => {
    for (const [p, c] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), c);
    }
  };
  git('init', '-q', '-b', 'main');
  write(base);
  git('add', '-A');
  git('commit', '-qm', 'base');
  for (const p of Object.keys(base)) if (!(p in head)) rmSync(join(dir, p));
  write(head);
  git('add', '-A');
  git('commit', '-qm', 'head');
  return dir;
}

async function review(repo: string, env: Record<string, string | undefined>, format: 'json' | 'markdown' = 'json'): Promise<{ code: number; out: string; review?: Review }> {
  let out = '';
  const code = await main(['review', '--repo', repo, '--base', 'HEAD~1', '--format', format], {
    stdout: (t) => {
      out += t;
    },
    stderr: () => undefined,
    env,
    cwd: repo,
  });
  return { code, out, review: format === 'json' ? (JSON.parse(out) as Review) : undefined };
}

function citeFilter(req: FakeRequest) {
  const line = promptDiffLines(req).find((l) => l.mark === '+' && l.text.includes('not in'))!;
  return {
    path: line.path,
    line: line.line,
    quote: "not in ('test', 'returned')",
    severity: 'warning',
    category: 'semantics',
    model: 'fct_orders',
    column: 'amount',
    message: 'Returned orders are now excluded',
    consequence: 'amount no longer nets out returns, so churn_features counts returned orders as missing.',
  };
}

beforeAll(async () => {
  fake = await startFakeOpenAi();
});
afterEach(() => {
  fake.requests.length = 0;
  fake.setHandler(() => answer([]));
});
afterAll(async () => {
  await fake.close();
  for (const r of repos) rmSync(r, { recursive: true, force: true });
});

describe('CLI review with the LLM stage (fake OpenAI-compatible endpoint)', () => {
  it('adds AI findings to the review, keeps the rules verdict, and answers a re-run from the cache', async () => {
    const repo = repository(BASE_FILES, HEAD_FILES);
    const env = { OPENAI_API_KEY: fake.apiKey, OPENAI_BASE_URL: fake.baseURL };
    fake.setHandler((req) => answer([citeFilter(req)]));
    const first = await review(repo, env);
    expect(fake.requests).toHaveLength(1);
    const r = first.review!;
    const ai = r.findings.filter((f) => f.origin === 'llm');
    expect(ai).toEqual([
      expect.objectContaining({ rule: 'llm-semantic-change', severity: 'warning', path: 'models/marts/fct_orders.sql', line: 17, column: 'amount' }),
    ]);
    expect(r.findings.some((f) => f.origin !== 'llm')).toBe(true);
    expect(r.llm).toMatchObject({ status: 'ran', model: 'gpt-4.1-mini', findingsDropped: 0 });
    expect(r.llm.inputTokens).toBeGreaterThan(0);
    // the formatting-only staging model and the YAML change were not sent
    expect(fake.requests[0]!.raw).not.toContain('stg_orders');
    expect(fake.requests[0]!.raw).not.toContain('diff of models/marts/_marts.yml');
    expect(fake.requests[0]!.raw).not.toContain('data_tests: [not_null]');

    const second = await review(repo, env);
    expect(fake.requests).toHaveLength(1);
    expect(second.review!.llm).toMatchObject({ status: 'ran', inputTokens: 0, outputTokens: 0, cachedRequests: 1 });
    expect(second.review!.findings.filter((f) => f.origin === 'llm').map((f) => f.fingerprint)).toEqual(ai.map((f) => f.fingerprint));
    expect(second.review!.conclusion).toBe(r.conclusion);

    const md = await review(repo, env, 'markdown');
    expect(md.out).toMatch(/tokens in/);
    expect(md.out).toMatch(/prompt residual-\d/);
    expect(md.out).toMatch(/AI/);
  });

  it('without a key, or when the endpoint fails, the deterministic review is still produced', async () => {
    // another head than the other tests, so the process-wide cache has no answer for it
    const head = { ...HEAD_FILES, 'models/marts/fct_orders.sql': HEAD_FILES['models/marts/fct_orders.sql']!.replace("'returned'", "'returned', 'void'") };
    const repo = repository(BASE_FILES, head);
    const none = await review(repo, {});
    expect(none.review!.llm.status).toBe('skipped');
    expect(fake.requests).toHaveLength(0);

    fake.setHandler(() => ({ kind: 'status', status: 503, headers: { 'retry-after-ms': '1' } }));
    const failed = await review(repo, { OPENAI_API_KEY: fake.apiKey, OPENAI_BASE_URL: fake.baseURL });
    expect(failed.review!.llm.status).toBe('failed');
    expect(failed.review!.llm.detail).toMatch(/HTTP 503/);
    expect(failed.review!.findings.map((f) => f.rule)).toEqual(none.review!.findings.map((f) => f.rule));
    expect(failed.review!.conclusion).toBe(none.review!.conclusion);
  });

  it('a change the rules pass is `success` with the LLM, `neutral` when the LLM was configured but failed', async () => {
    // no Python model (always unknown), breaking changes as warnings, descriptions present: nothing fails
    const config = 'breakingSeverity: warning\nrules:\n  model-description-missing: off\n  key-untested: off\n';
    const strip = (files: Record<string, string>) => {
      const { ['models/ml/churn_features.py']: _py, ...rest } = files;
      return { ...rest, '.github/dbt-pr-reviewer.yml': config };
    };
    const repo = repository(strip(BASE_FILES), strip(HEAD_FILES));
    const env = { OPENAI_API_KEY: fake.apiKey, OPENAI_BASE_URL: fake.baseURL };
    const noLlm = await review(repo, {});
    expect(noLlm.review!.findings.some((f) => f.severity === 'error')).toBe(false);

    fake.setHandler((req) => answer([citeFilter(req)]));
    const ok = await review(repo, env);
    expect(ok.review!.llm.status).toBe('ran');
    expect(ok.review!.conclusion).toBe('success');
    expect(ok.code).toBe(0);

    // a different prompt input (another head) so the cache does not answer
    fake.setHandler(() => ({ kind: 'status', status: 429, headers: { 'retry-after': '3600' } }));
    const head2 = { ...strip(HEAD_FILES), 'models/marts/fct_orders.sql': HEAD_FILES['models/marts/fct_orders.sql']!.replace("'returned'", "'returned', 'lost'") };
    const repo2 = repository(strip(BASE_FILES), head2);
    const limited = await review(repo2, env);
    expect(limited.review!.llm.status).toBe('failed');
    expect(limited.review!.conclusion).toBe('neutral');
    expect(limited.code).toBe(0);
  });
});
