import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'jinja-dist-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('compiled renderer', () => {
  it('finds its worker next to the compiled JS and renders with plain node', () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(
      process.execPath,
      [
        tsc,
        ...['--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--lib', 'ES2023', '--types', 'node'],
        ...['--strict', '--skipLibCheck', '--verbatimModuleSyntax', '--rootDir', join(repo, 'src'), '--outDir', join(out, 'dist')],
        join(repo, 'src/dbt/jinja/index.ts'),
        join(repo, 'src/dbt/jinja/worker.ts'),
      ],
      { cwd: repo, stdio: 'pipe' },
    );
    symlinkSync(join(repo, 'node_modules'), join(out, 'node_modules'), 'dir');
    writeFileSync(join(out, 'package.json'), '{"type":"module"}');
    writeFileSync(
      join(out, 'run.js'),
      [
        "import { createJinjaRenderer } from './dist/dbt/jinja/index.js';",
        'const renderer = createJinjaRenderer();',
        "const input = { path: 'models/a.sql', modelName: 'a', projectName: 'p', vars: {}, macros: [], isIncremental: true,",
        "  template: \"select * from {{ ref('b') }}{% if is_incremental() %} where x > 1{% endif %}\" };",
        'const first = await renderer.render(input);',
        "const crash = await renderer.render({ ...input, template: \"{{ 'x' * 10**9 }}\" });",
        'const after = await renderer.render(input);',
        'await renderer.close();',
        'console.log(JSON.stringify({ first, crash: crash.ok, after: after.ok }));',
      ].join('\n'),
    );
    const printed = execFileSync(process.execPath, [join(out, 'run.js')], { cwd: out, encoding: 'utf8' });
    expect(JSON.parse(printed)).toEqual({
      first: { ok: true, sql: 'select * from b where x > 1', configs: [], refs: [{ name: 'b' }], sources: [] },
      crash: false,
      after: true,
    });
  }, 120_000);
});
