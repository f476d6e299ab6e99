import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDbtFunctions, sessionValues } from '../../src/dbt/jinja/dbt-context.js';
import { createJinjaRenderer } from '../../src/dbt/jinja/index.js';
import type { RenderResult } from '../../src/ports.js';
import { modelInput, reasonOf, sqlOf } from './helpers.js';

const renderer = createJinjaRenderer();
/** Limits tests must not depend on machine speed: a small evaluation budget, and a wall clock they never reach. */
const bounded = createJinjaRenderer({ fuel: 1_000_000, timeoutMs: 60_000 });
const scratch = mkdtempSync(join(tmpdir(), 'jinja-sandbox-'));
afterAll(async () => {
  await renderer.close();
  await bounded.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** JS that, if it ever ran (in the worker or here), would leave a file and a global flag behind. */
const flagFile = join(scratch, 'pwned');
const payloadJs = `process.getBuiltinModule('fs').writeFileSync(${JSON.stringify(flagFile)}, 'pwned'); globalThis.__jinjaPwned = true; return process`;
const payload = JSON.stringify(payloadJs);

/** Every name the sandbox registers (functions, namespaces and their members, per-render values). */
function registeredPaths(): string[] {
  const paths: string[] = [];
  const walk = (prefix: string, value: unknown, depth: number): void => {
    paths.push(prefix);
    if (depth < 2 && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(`${prefix}.${k}`, v, depth + 1);
    }
  };
  const globals = {
    ...createDbtFunctions(() => undefined),
    ...sessionValues({ input: modelInput(''), dialect: 'snowflake', refs: [], sources: [], configs: [] }),
  };
  for (const [name, value] of Object.entries(globals)) walk(name, value, 0);
  return paths;
}

function expectNoLeak(result: RenderResult): void {
  if (result.ok) {
    expect(result.sql).not.toMatch(/function|native code|\[object|process|require|=>/i);
  } else {
    expect(result.reason).not.toMatch(/native code|\[object/);
  }
}

describe('sandbox: templates cannot reach JavaScript', () => {
  it('does not execute the classic nunjucks escape', async () => {
    const result = await renderer.render(modelInput(`{{ range.constructor(${payload})() }}`));
    expect(reasonOf(result)).toMatch(/constructor/);
    expect(existsSync(flagFile)).toBe(false);
  });

  it('renders Python/JS introspection attributes as undefined, never as objects', async () => {
    const template = "[{{ ''.__class__ }}|{{ (1).__class__ }}|{{ ref.constructor }}|{{ ref.__proto__ }}|{{ ref.prototype }}|{{ target.constructor }}|{{ config.__globals__ }}]";
    expect(sqlOf(await renderer.render(modelInput(template)))).toBe('[||||||]');
  });

  it('exposes no process, require, globalThis, module or Function', async () => {
    const template = '[{{ process }}|{{ require }}|{{ globalThis }}|{{ module }}|{{ Function }}|{{ __dirname }}|{{ import }}]';
    expect(sqlOf(await renderer.render(modelInput(template)))).toBe('[||||||]');
    expect(reasonOf(await renderer.render(modelInput('{{ process.env }}')))).toMatch(/undefined value/);
    expect(reasonOf(await renderer.render(modelInput("{{ require('fs') }}")))).toBe('undefined macro `require` at line 1');
  });

  it('walks to no constructor or prototype from any registered stub', async () => {
    const paths = registeredPaths();
    expect(paths).toEqual(expect.arrayContaining(['ref', 'source', 'config', 'adapter.dispatch', 'dbt_utils.star', 'target.name']));
    const walks = [
      (p: string) => `{{ ${p}.constructor(${payload})() }}`,
      (p: string) => `{{ ${p}.constructor.constructor(${payload})() }}`,
      (p: string) => `{{ ${p}.__proto__.constructor.constructor(${payload})() }}`,
      (p: string) => `{{ ${p}['constructor']['constructor'](${payload})() }}`,
      (p: string) => `{{ ${p}.prototype.constructor(${payload})() }}`,
      (p: string) => `{{ (${p}()).constructor.constructor(${payload})() }}`,
      (p: string) => `{{ ${p}.__class__.__init__.__globals__ }}`,
      (p: string) => `{{ ${p}.__class__ }}{{ ${p}.constructor }}{{ ${p}.__proto__ }}{{ ${p}.prototype }}{{ ${p}.__globals__ }}`,
    ];
    for (const path of paths) {
      for (const walk of walks) {
        const result = await renderer.render(modelInput(walk(path)));
        expectNoLeak(result);
        if (walk === walks[7]) expect(sqlOf(result), path).toBe('');
        else expect(result.ok, `${walk(path)} must fail`).toBe(false);
      }
    }
    expect(existsSync(flagFile)).toBe(false);
    expect((globalThis as { __jinjaPwned?: unknown }).__jinjaPwned).toBeUndefined();
  });

  it('blocks SSTI gadgets of Jinja builtins', async () => {
    for (const template of [
      "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
      '{{ lipsum.__globals__ }}',
      "{{ joiner.__init__.__globals__['__builtins__'] }}",
      '{{ namespace.__init__ }}',
      "{{ self.__init__.__globals__.__builtins__.__import__('os') }}",
      "{{ ''.__class__.__mro__[1].__subclasses__() }}",
      "{{ dict.__class__ }}{{ range.__call__ }}",
    ]) {
      expectNoLeak(await renderer.render(modelInput(template)));
    }
    expect(existsSync(flagFile)).toBe(false);
  });

  it('keeps a __proto__ key in config() as data, without polluting prototypes', async () => {
    const result = await renderer.render(modelInput("{{ config({'__proto__': {'polluted': 'yes'}, 'materialized': 'view'}) }}"));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const config = result.configs[0] ?? {};
    expect(Object.getPrototypeOf(config)).toBe(Object.prototype);
    expect(config.materialized).toBe('view');
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

describe('sandbox: bounded work', () => {
  it('refuses a loop over a billion items', async () => {
    expect(reasonOf(await bounded.render(modelInput('{% for i in range(10**9) %}x{% endfor %}')))).toBe(
      'loop range too large (range() is limited to 100000 items) at line 1',
    );
  });

  it('stops nested loops that exceed the evaluation budget', async () => {
    const template = 'select 1\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}';
    expect(reasonOf(await bounded.render(modelInput(template)))).toBe(
      'template exceeded the evaluation budget (possible infinite loop) at line 2',
    );
  });

  it('stops infinite recursion of macros and recursive loops', async () => {
    expect(reasonOf(await bounded.render(modelInput('{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}')))).toMatch(
      /^recursion too deep/,
    );
    const macros = [{ path: 'macros/loop.sql', source: '{% macro ping() %}{{ pong() }}{% endmacro %}\n{% macro pong() %}{{ ping() }}{% endmacro %}' }];
    expect(reasonOf(await bounded.render(modelInput('{{ ping() }}', { macros })))).toMatch(/^recursion too deep/);
    const recursiveLoop = "{% set tree = [[1]] %}{% for x in tree recursive %}{{ loop(tree) }}{% endfor %}";
    expect(reasonOf(await bounded.render(modelInput(recursiveLoop)))).toMatch(/^(recursion too deep|template exceeded the evaluation budget)/);
  });

  it('rejects deeply nested expressions without crashing', async () => {
    const template = `{{ ${'['.repeat(5000)}${']'.repeat(5000)} }}`;
    expect(reasonOf(await bounded.render(modelInput(template)))).toBe('Jinja syntax error at line 1: template exceeds maximum recursion limits');
  });

  it('caps the size of the output', async () => {
    const template = "{% for i in range(3000) %}{{ 'x' * 1000 }}\n{% endfor %}";
    expect(reasonOf(await bounded.render(modelInput(template)))).toBe('output larger than 2 MB');
    expect(sqlOf(await bounded.render(modelInput("{% for i in range(1000) %}{{ 'x' * 1000 }}\n{% endfor %}")))).toHaveLength(1001 * 1000);
  });

  it('survives a template that exhausts the engine memory, and renders the next one', async () => {
    for (const template of ["{{ 'x' * 100000000 }}", "{{ 'x' * 10**9 }}"]) {
      expect(reasonOf(await bounded.render(modelInput(template)))).toMatch(/needs more memory than the sandbox allows \(256 MB\)|output larger than 2 MB/);
      expect(sqlOf(await bounded.render(modelInput("select * from {{ ref('after_crash') }}")))).toBe('select * from after_crash');
    }
  });

  it('keeps working after ordinary template errors', async () => {
    expect(reasonOf(await bounded.render(modelInput('select {% if %}')))).toMatch(/^Jinja syntax error at line 1/);
    expect(reasonOf(await bounded.render(modelInput("{{ exceptions.raise_compiler_error('stop') }}")))).toBe('raise_compiler_error: stop (line 1)');
    expect(sqlOf(await bounded.render(modelInput('select 1')))).toBe('select 1');
  });
});

describe('worker pool', () => {
  it('times out a render, replaces the worker and renders the next model', async () => {
    const slow = createJinjaRenderer({ timeoutMs: 300, fuel: 2e9 });
    try {
      const result = await slow.render(modelInput('{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}'));
      expect(reasonOf(result)).toBe('rendering timed out after 300 ms');
      expect(sqlOf(await slow.render(modelInput("select {{ var('x', 1) }}")))).toBe('select 1');
    } finally {
      await slow.close();
    }
  });

  it('fails only the render that timed out; the renders sent behind it to the same worker run on a new one', async () => {
    const slow = createJinjaRenderer({ timeoutMs: 300, fuel: 2e9 });
    try {
      const [stuck, ...after] = await Promise.all([
        slow.render(modelInput('{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}')),
        slow.render(modelInput("select {{ var('x', 1) }}")),
        slow.render(modelInput('select 2')),
      ]);
      expect(reasonOf(stuck)).toBe('rendering timed out after 300 ms');
      expect(after.map(sqlOf)).toEqual(['select 1', 'select 2']);
    } finally {
      await slow.close();
    }
  });

  it('renders concurrently on several workers without mixing results', async () => {
    const pool = createJinjaRenderer({ workers: 2 });
    try {
      const names = Array.from({ length: 12 }, (_v, i) => `model_${i}`);
      const results = await Promise.all(
        names.map((name) => pool.render(modelInput("select '{{ this }}' as m from {{ ref(model.name ~ '_src') }}", { modelName: name }))),
      );
      results.forEach((result, i) => {
        expect(sqlOf(result)).toBe(`select 'analytics.${names[i] ?? ''}' as m from ${names[i] ?? ''}_src`);
        expect(result.ok && result.refs).toEqual([{ name: `${names[i] ?? ''}_src` }]);
      });
    } finally {
      await pool.close();
    }
  });

  it('starts on warm() and renders; a warmed sandbox that is never used does not keep the process alive', async () => {
    const renderer = createJinjaRenderer();
    renderer.warm?.();
    expect(sqlOf(await renderer.render(modelInput("select {{ 'warm' }} as w")))).toBe('select warm as w');
    await renderer.close();
    // A CLI that fails before its first render (a bad revision) must still exit.
    const script = "import { createJinjaRenderer } from './src/dbt/jinja/index.ts'; createJinjaRenderer().warm(); console.log('started');";
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: join(import.meta.dirname, '../..'), timeout: 20_000 });
    expect(out.toString().trim()).toBe('started');
  });

  it('renders with the right macro set when a review alternates between the base and the head sets', async () => {
    const renderer = createJinjaRenderer();
    const set = (body: string) => [{ path: 'macros/m.sql', source: `{% macro m() %}${body}{% endmacro %}` }];
    const sets = [set('base'), set('head'), set('other'), set('fourth')];
    const seen: string[] = [];
    for (const i of [0, 1, 0, 1, 2, 3, 0, 1]) seen.push(sqlOf(await renderer.render(modelInput('select {{ m() }}', { macros: sets[i]! }))) ?? '');
    await renderer.close();
    expect(seen).toEqual(['select base', 'select head', 'select base', 'select head', 'select other', 'select fourth', 'select base', 'select head']);
  });

  it('answers instead of throwing for input it cannot send, and after close', async () => {
    const pool = createJinjaRenderer();
    const bad = modelInput('select 1', { vars: { fn: (() => 1) as unknown } });
    expect(reasonOf(await pool.render(bad))).toMatch(/^the input cannot be sent to the Jinja sandbox/);
    expect(sqlOf(await pool.render(modelInput('select 2')))).toBe('select 2');
    const pending = pool.render(modelInput('select 3'));
    await pool.close();
    const settled = await pending;
    expect(settled.ok === true || /closed/.test(settled.reason)).toBe(true);
    expect(reasonOf(await pool.render(modelInput('select 4')))).toBe('the Jinja sandbox is closed');
  });
});
