/**
 * sqlfluff side by side: lint the same changed model files that the reviewer reviews, with sqlfluff's `jinja`
 * templater (dbt builtins on, the project's macros loaded, stubs for `dbt_utils` and `adapter.dispatch`) and the
 * same dialect. sqlfluff is optional: it is detected (`sqlfluff --version`), and installed with Debian's package
 * (`apt-get install sqlfluff`) only when asked (`--install-sqlfluff`) and running as root. `npm test` never needs it.
 *
 *   tsx bench/sqlfluff.ts --size 100 --scenario pr-10     # one scenario, prints wall time and violations
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureCommand, type Measured } from './measure.js';

export interface SqlfluffInfo {
  available: boolean;
  version?: string;
  /** How it was found or installed, for the report. */
  how: string;
}

function probe(): string | undefined {
  const r = spawnSync('sqlfluff', ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return r.stdout.trim().replace(/^sqlfluff, version /, '');
}

/** Finds sqlfluff on PATH; optionally installs Debian's package (root only). Never throws. */
export function detectSqlfluff(options: { install?: boolean } = {}): SqlfluffInfo {
  const found = probe();
  if (found) {
    const where = spawnSync('sh', ['-c', 'command -v sqlfluff'], { encoding: 'utf8' }).stdout.trim();
    const deb = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'sqlfluff'], { encoding: 'utf8' });
    const origin = deb.status === 0 && deb.stdout ? `Debian package sqlfluff ${deb.stdout}` : 'found on PATH';
    return { available: true, version: found, how: `${where} (${origin})` };
  }
  if (!options.install) {
    return { available: false, how: 'not installed (run with --install-sqlfluff as root, or `apt-get install sqlfluff`)' };
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return { available: false, how: 'not installed, and not root: `sudo apt-get install sqlfluff`' };
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', 'sqlfluff'], { stdio: 'ignore', env });
  const version = probe();
  if (r.status === 0 && version) return { available: true, version, how: `installed now with \`apt-get install sqlfluff\` (Debian ${version})` };
  return { available: false, how: 'apt-get install sqlfluff failed' };
}

const SQLFLUFF_CONFIG = (dialect: string): string => `[sqlfluff]
dialect = ${dialect}
templater = jinja
# Same amount of work per file as the reviewer: one process, every rule.
processes = 1
max_line_length = 160

[sqlfluff:templater:jinja]
apply_dbt_builtins = True
load_macros_from_path = macros
library_path = sqlfluff_libs

[sqlfluff:templater:jinja:macros]
# dbt's return() used by adapter.dispatch-style macros
dbt_return = {% macro return(value) %}{{ value }}{% endmacro %}
`;

const LIBS: Record<string, string> = {
  'dbt_utils.py': `def generate_surrogate_key(field_list):\n    return "md5(" + " || '-' || ".join("coalesce(cast(" + f + " as varchar), '')" for f in field_list) + ")"\n\ndef star(*args, **kwargs):\n    return "*"\n`,
  'adapter.py': `def dispatch(macro_name, macro_namespace=None):\n    def call(*args, **kwargs):\n        return "div0(" + ", ".join(str(a) for a in args) + ")"\n    return call\n`,
};

/**
 * Writes the head revision of `paths` (plus the macros and dbt_project.yml) from `repo` into `dir`, with a
 * `.sqlfluff` config and the library stubs. Returns the repo-relative paths of the `.sql` models to lint.
 */
export function prepareLintDir(repo: string, rev: string, paths: readonly string[], dir: string, dialect = 'snowflake'): string[] {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const sql = paths.filter((p) => p.endsWith('.sql') && !p.startsWith('macros/'));
  const archive = spawnSync('git', ['archive', '--format=tar', rev, '--', 'macros', 'dbt_project.yml', ...sql], { cwd: repo, maxBuffer: 1 << 30 });
  if (archive.status !== 0) throw new Error(`git archive failed: ${archive.stderr.toString()}`);
  const untar = spawnSync('tar', ['-x', '-C', dir], { input: archive.stdout });
  if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr.toString()}`);
  writeFileSync(join(dir, '.sqlfluff'), SQLFLUFF_CONFIG(dialect));
  mkdirSync(join(dir, 'sqlfluff_libs'), { recursive: true });
  for (const [name, text] of Object.entries(LIBS)) writeFileSync(join(dir, 'sqlfluff_libs', name), text);
  return sql;
}

export interface SqlfluffRun extends Measured {
  files: number;
  violations: number;
  /** Files sqlfluff could not template or parse (reported as TMP/PRS violations). */
  templatingErrors: number;
}

/** `sqlfluff lint --format json` on `files` (relative to `dir`), timed as a process (wall + peak RSS). */
export async function runSqlfluff(dir: string, files: readonly string[], dialect = 'snowflake'): Promise<SqlfluffRun> {
  const m = await measureCommand('sqlfluff', ['lint', '--dialect', dialect, '--templater', 'jinja', '--format', 'json', '--processes', '1', '--disable-progress-bar', '--nofail', ...files], { cwd: dir });
  let violations = 0;
  let templatingErrors = 0;
  try {
    // sqlfluff 1.4.5 prints a stray `None` line per file before the JSON in some cases: read from the array.
    const start = m.stdout.search(/^\[/m);
    const parsed = JSON.parse(start >= 0 ? m.stdout.slice(start) : m.stdout) as { filepath: string; violations: { code: string }[] }[];
    for (const file of parsed) {
      violations += file.violations.length;
      if (file.violations.some((v) => v.code === 'TMP' || v.code === 'PRS')) templatingErrors++;
    }
  } catch {
    templatingErrors = files.length;
  }
  return { ...m, files: files.length, violations, templatingErrors };
}

// CLI: tsx bench/sqlfluff.ts --size 100 --scenario pr-10
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, '/bench/'))) {
  const { ensureProject } = await import('./generate.js');
  const arg = (name: string, fallback: string): string => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
  };
  const info = detectSqlfluff({ install: process.argv.includes('--install-sqlfluff') });
  console.log(`sqlfluff: ${info.available ? info.version : 'missing'} - ${info.how}`);
  if (info.available) {
    const project = ensureProject(Number(arg('--size', '100')));
    const scenario = project.scenarios.find((s) => s.name === arg('--scenario', 'pr-10'));
    if (!scenario) throw new Error('no such scenario');
    const dir = join(project.repo, '..', 'sqlfluff', scenario.name);
    const files = prepareLintDir(project.repo, scenario.head, scenario.changedPaths, dir);
    const r = await runSqlfluff(dir, files);
    console.log(`${files.length} files: ${(r.wallMs / 1000).toFixed(2)} s, peak RSS ${(r.peakRssKb / 1024).toFixed(0)} MB, ${r.violations} violations, ${r.templatingErrors} files with templating/parse errors`);
  }
}
