import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USAGE, packageVersion } from '../../src/cli/main.js';
import { commit, initRepo, removeTempDirs, tempDir } from '../sources/git-fixture.js';
import { runCli } from './run-cli.js';

afterAll(removeTempDirs);

const PROJECT = {
  'dbt_project.yml': 'name: shop\nversion: "1.0"\nprofile: shop\n',
  'models/staging/stg_orders.sql': "select id as order_id from {{ source('shop', 'orders') }}\n",
};

describe('usage', () => {
  it('prints the help with both commands and exits 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('dbt-pr-reviewer review [--repo DIR] --base REV [--head REV] [--format markdown|json] [--no-llm] [--config FILE]');
    expect(run.stdout).toContain('dbt-pr-reviewer demo');
    expect(run.stderr).toBe('');
    expect((await runCli(['review', '--help'])).stdout).toBe(USAGE);
  });

  it('prints the package version', async () => {
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(run.stdout.trim()).toBe(packageVersion());
  });

  it.each([
    [[], 'missing command'],
    [['reveiw', '--base', 'main'], "unknown command 'reveiw'"],
    [['--verbose'], "unknown option '--verbose'"],
    [['review'], '--base REV is required'],
    [['review', '--base'], "'--base <value>' argument missing"],
    [['review', '--base', 'main', '--fromat', 'json'], "Unknown option '--fromat'"],
    [['review', '--base', 'main', '--format', 'html'], "--format must be markdown or json, not 'html'"],
    [['review', '--base', 'main', 'extra'], "Unexpected argument 'extra'"],
    [['demo', '--base', 'main'], "Unknown option '--base'"],
  ])('%j is a usage error: exit 2, the reason and the usage on stderr', async (argv, reason) => {
    const run = await runCli(argv);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')[0]).toContain(reason);
    expect(run.stderr).toContain('Usage:');
  });
});

describe('repository errors', () => {
  let repo: string;
  beforeAll(() => {
    repo = initRepo();
    commit(repo, PROJECT);
  });

  it('exits 2 with one line for a folder that is not a git repository', async () => {
    const plain = tempDir();
    const run = await runCli(['review', '--repo', plain, '--base', 'main']);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`dbt-pr-reviewer: not a git repository: ${plain}\n`);
    const file = join(plain, 'dbt_project.yml');
    writeFileSync(file, 'name: shop\n');
    const onFile = await runCli(['review', '--repo', file, '--base', 'main']);
    expect(onFile.stderr).toBe(`dbt-pr-reviewer: not a git repository: ${file} (a file, not a directory)\n`);
  });

  it('exits 2 naming an unknown base or head revision', async () => {
    const base = await runCli(['review', '--repo', repo, '--base', 'origin/develop']);
    expect(base.code).toBe(2);
    expect(base.stderr).toBe(`dbt-pr-reviewer: unknown revision 'origin/develop' in ${repo}\n`);
    const head = await runCli(['review', '--repo', repo, '--base', 'main', '--head', 'no-such-branch']);
    expect(head.code).toBe(2);
    expect(head.stderr).toContain("unknown revision 'no-such-branch'");
  });

  it('resolves --repo relative to the working directory', async () => {
    const run = await runCli(['review', '--repo', 'repo', '--base', 'nope'], { cwd: join(repo, '..') });
    expect(run.stderr).toBe(`dbt-pr-reviewer: unknown revision 'nope' in ${repo}\n`);
  });
});

describe('configuration errors', () => {
  it('exits 2 and names the key and line of an invalid config committed at the base revision', async () => {
    const repo = initRepo();
    const base = commit(repo, {
      ...PROJECT,
      '.github/dbt-pr-reviewer.yml': 'dialect: snowflake\nrules:\n  owner-missing: error\nbreakingSeverty: warning\nllm:\n  enabled: maybe\n',
    });
    const head = commit(repo, { 'models/staging/stg_customers.sql': 'select 1 as customer_id\n' });
    const run = await runCli(['review', '--repo', repo, '--base', base, '--head', head]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toBe(`dbt-pr-reviewer: invalid configuration in .github/dbt-pr-reviewer.yml (at base ${base.slice(0, 7)}):`);
    expect(run.stderr).toMatch(/\.github\/dbt-pr-reviewer\.yml:4: .*breakingSeverty/);
    expect(run.stderr).toMatch(/\.github\/dbt-pr-reviewer\.yml:6: .*llm\.enabled/);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('reads --config FILE instead, relative to the working directory, and reports its errors by line', async () => {
    const repo = initRepo();
    const sha = commit(repo, PROJECT);
    const dir = tempDir();
    writeFileSync(join(dir, 'reviewer.yml'), '# team settings\nlayers:\n  staging: stg_\n');
    const run = await runCli(['review', '--repo', repo, '--base', sha, '--config', 'reviewer.yml'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('invalid configuration in reviewer.yml:');
    expect(run.stderr).toMatch(/reviewer\.yml:3: .*layers\.staging/);
  });

  it('reports invalid YAML with its line', async () => {
    const dir = tempDir();
    const repo = initRepo();
    const sha = commit(repo, PROJECT);
    writeFileSync(join(dir, 'bad.yml'), 'rules:\n  owner-missing: error\n   bad-indent: x\n');
    const run = await runCli(['review', '--repo', repo, '--base', sha, '--config', join(dir, 'bad.yml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad\.yml:\d+: invalid YAML/);
  });

  it('exits 2 when --config names a missing file', async () => {
    const repo = initRepo();
    const sha = commit(repo, PROJECT);
    const run = await runCli(['review', '--repo', repo, '--base', sha, '--config', 'nowhere.yml'], { cwd: tempDir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('dbt-pr-reviewer: cannot read the config file nowhere.yml: no such file\n');
  });
});
