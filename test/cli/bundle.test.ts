/**
 * The `dbt-pr-reviewer` bin is the bundle that `scripts/bundle-cli.mjs` writes (`dist/bundle/cli.js`). It must
 * behave exactly like the sources: same review, its Jinja worker found, the analysed-SQL store's analyser id, the
 * package version, and the LLM stage (a separate chunk, with its prompts). Built here into a temporary package
 * laid out like the installed one, so the test never depends on a stale `dist/`.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi, type FakeOpenAi } from '../fakes/openai/server.js';
import { analyserId, shapeStoreRoot } from '../../src/sources/shape-store.js';
import { storesRoot } from '../../src/sources/versioned-store.js';
import { commit, initRepo, removeTempDirs } from '../sources/git-fixture.js';
import { quietEnv, reviewWithoutTiming, ROOT, runCli, spawnNode, type CliRun } from './run-cli.js';

const pkg = mkdtempSync(join(tmpdir(), 'cli-bundle-'));
const bin = join(pkg, 'dist', 'bundle', 'cli.js');

function runBundle(argv: string[], env: Record<string, string | undefined> = quietEnv()): Promise<CliRun> {
  return spawnNode([bin, ...argv], { cwd: pkg, env });
}

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'bundle-cli.mjs'), join(pkg, 'dist', 'bundle')], { cwd: ROOT, stdio: 'pipe' });
  // What the package holds around the bundle: its manifest, dependencies, prompts, demo, and the compiled modules
  // that name the versions of the stores (the SQL analyser, the YAML parser).
  copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  for (const dir of ['node_modules', 'prompts', 'examples']) symlinkSync(join(ROOT, dir), join(pkg, dir), 'dir');
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  for (const dir of ['sql', 'dbt']) symlinkSync(join(ROOT, 'src', dir), join(pkg, 'dist', dir), 'dir');
}, 60_000);
afterAll(() => {
  rmSync(pkg, { recursive: true, force: true });
  removeTempDirs();
});

describe('the bundled bin', () => {
  it('is a few chunks: an executable entry, its worker, and the lazily loaded parts', () => {
    const files = readdirSync(join(pkg, 'dist', 'bundle')).filter((f) => f.endsWith('.js'));
    expect(files).toEqual(expect.arrayContaining(['cli.js', 'worker.js']));
    expect(files.length).toBeLessThan(30);
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    // Packages are imported from node_modules, never copied into the bundle.
    const all = files.map((f) => readFileSync(join(pkg, 'dist', 'bundle', f), 'utf8')).join('\n');
    expect(all).toContain('from "js-yaml"');
    expect(all).toContain('node-sql-parser/build/');
    expect(all).not.toContain('YAMLException');
  });

  it('prints the package version', async () => {
    const run = await runBundle(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('reviews the demo exactly as the sources do, Jinja renders and the analysed-SQL store included', async () => {
    const [bundled, sources] = await Promise.all([runBundle(['demo', '--format', 'json']), runCli(['demo', '--format', 'json'])]);
    expect(bundled.stderr).not.toMatch(/Error|could not/);
    expect(bundled.code).toBe(sources.code);
    const review = reviewWithoutTiming(bundled.stdout);
    expect(review).toEqual(reviewWithoutTiming(sources.stdout));
    // Rendered through the worker: no model is left unanalysed for want of a render.
    expect(review.models.length).toBeGreaterThanOrEqual(5);
    expect(review.skipped.filter((s) => /Jinja|render/i.test(s.reason))).toEqual([]);
  }, 60_000);

  it('keeps the analysed SQL under the same version as the sources, so both share the store; removes the retired YAML store', async () => {
    const repo = initRepo();
    const base = commit(repo, {
      'dbt_project.yml': 'name: shop\nversion: "1.0"\nconfig-version: 2\n',
      'models/a.sql': 'select 1 as id\n',
      'models/_models.yml': 'version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n',
    });
    const head = commit(repo, { 'models/a.sql': 'select 1 as id, 2 as extra\n' });
    // What an earlier version kept of parsed property files (no longer kept: reading it back cost what parsing does).
    const retired = join(storesRoot(join(repo, '.git')), 'yaml', '0123456789abcdef');
    mkdirSync(retired, { recursive: true });
    writeFileSync(join(retired, `${'a'.repeat(64)}.json`), '{}');
    const run = await runBundle(['review', '--repo', repo, '--base', base, '--head', head, '--format', 'json', '--no-llm']);
    expect(reviewWithoutTiming(run.stdout).models.map((m) => m.changes.map((c) => c.kind))).toEqual([['column_added']]);
    const folders = readdirSync(shapeStoreRoot(join(repo, '.git')));
    expect(folders).toEqual([await analyserId()]);
    expect(readdirSync(join(shapeStoreRoot(join(repo, '.git')), folders[0]!)).length).toBeGreaterThanOrEqual(2);
    expect(readdirSync(storesRoot(join(repo, '.git'))).sort()).toEqual(['file-facts.json', 'shapes']);
  }, 60_000);

  describe('with an OpenAI-compatible endpoint', () => {
    let openai: FakeOpenAi;
    beforeAll(async () => {
      openai = await startFakeOpenAi();
    });
    afterAll(() => openai.close());

    it('loads the LLM stage and its prompt, and asks the endpoint about what the rules left', async () => {
      const repo = initRepo();
      const model = (filter: string) => `select order_id, amount\nfrom {{ source('shop', 'orders') }}\nwhere ${filter}\n`;
      const files = {
        'dbt_project.yml': 'name: shop\nversion: "1.0"\nconfig-version: 2\nprofile: shop\n',
        'models/_sources.yml': 'version: 2\nsources:\n  - name: shop\n    tables:\n      - name: orders\n',
      };
      const base = commit(repo, { ...files, 'models/fct_orders.sql': model("status != 'cancelled'") });
      const head = commit(repo, { 'models/fct_orders.sql': model("status not in ('cancelled', 'fraud_review')") });
      const env = quietEnv({ OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.baseURL });
      const run = await runBundle(['review', '--repo', repo, '--base', base, '--head', head, '--format', 'json'], env);
      const review = reviewWithoutTiming(run.stdout);
      expect(review.llm, run.stderr).toMatchObject({ status: 'ran', promptVersion: expect.any(String) });
      expect(review.llm.inputTokens).toBeGreaterThan(0);
      expect(openai.requests).toHaveLength(1);
      expect(JSON.stringify(openai.requests[0]!.body.messages)).toContain('fraud_review');
      expect(existsSync(join(pkg, 'dist', 'bundle', 'cli.js.map'))).toBe(true);
    }, 60_000);
  });
});
