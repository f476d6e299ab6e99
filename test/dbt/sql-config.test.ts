import { describe, expect, it } from 'vitest';
import { isComputed } from '../../src/dbt/index.js';
import { extractConfigCalls } from '../../src/dbt/sqlConfig.js';
import { LineIndex } from '../../src/dbt/textLines.js';

function calls(source: string, language: 'sql' | 'python' = 'sql') {
  return extractConfigCalls(source, language, new LineIndex(source));
}

function args(source: string, language: 'sql' | 'python' = 'sql') {
  return Object.fromEntries(calls(source, language).flatMap((c) => c.arguments.map((a) => [a.key, a.computed ? 'COMPUTED' : a.value])));
}

describe('extractConfigCalls', () => {
  it('reads Python-literal values: strings, numbers, booleans, None, lists, tuples, nested dicts', () => {
    expect(
      args(
        `{{ config(a='x', b="y", c=-3, d=2.5e1, e=True, f=false, g=None, h=['p', 'q',], i=('t',), j={'k': {'l': [1, 2]}}, m=r'\\d+', n='it\\'s') }}`,
      ),
    ).toEqual({ a: 'x', b: 'y', c: -3, d: 25, e: true, f: false, g: null, h: ['p', 'q'], i: ['t'], j: { k: { l: [1, 2] } }, m: '\\d+', n: "it's" });
  });

  it('keeps strings with parentheses, quotes and braces intact, and closes dicts right before }}', () => {
    const source = `{{ config(post_hook="grant select on {{ this }} to role (reporter)", meta={'a': {'b': 1}}) }}`;
    expect(args(source)).toEqual({ post_hook: 'grant select on {{ this }} to role (reporter)', meta: { a: { b: 1 } } });
  });

  it('marks expressions as computed and still reads the following arguments', () => {
    const result = args(
      `{{ config(materialized="table" if target.name == 'prod' else "view", schema=var('s', 'x'), alias='a' ~ 'b', tags=['x'] + extra, enabled=true, full=f"{x}") }}`,
    );
    expect(result).toEqual({ materialized: 'COMPUTED', schema: 'COMPUTED', alias: 'COMPUTED', tags: 'COMPUTED', enabled: true, full: 'COMPUTED' });
  });

  it('keeps computed parts inside lists and dicts', () => {
    const [call] = calls(`{{ config(meta={'owner': env_var('OWNER'), 'tier': 1}, unique_key=['id', var('k')]) }}`);
    const meta = call!.arguments[0]!;
    expect(meta.computed).toBe(false);
    expect(isComputed((meta.value as Record<string, unknown>).owner)).toBe(true);
    expect((meta.value as Record<string, unknown>).tier).toBe(1);
    expect(isComputed((call!.arguments[1]!.value as unknown[])[1])).toBe(true);
  });

  it('reports each key line of a multi-line call, whitespace-control tags included', () => {
    const source = ['{%- set x = 1 -%}', '{{-', '  config(', "    materialized = 'table',", '    meta = {', "      'owner': 'ana',", '    },', '  )', '-}}'].join('\n');
    const [call] = calls(source);
    expect(call!.line).toBe(3);
    expect(call!.arguments.map((a) => [a.key, a.line])).toEqual([
      ['materialized', 4],
      ['meta', 5],
    ]);
    expect(call!.arguments[1]!.subLines).toEqual({ owner: 6 });
  });

  it('skips an unclosed call and config( outside Jinja', () => {
    expect(calls("{{ config(materialized='table' }}\nselect 1")).toEqual([]);
    expect(calls("select config(materialized='table') from t")).toEqual([]);
  });

  it('reads Python dbt.config() across lines with comments, ignoring commented-out calls', () => {
    const source = ['def model(dbt, session):', '    # dbt.config(materialized="view")', '    dbt.config(', '        materialized="table",  # a comment', "        packages=['pandas'],", '    )', '    return dbt.ref("a")'].join('\n');
    const [call, ...rest] = calls(source, 'python');
    expect(rest).toEqual([]);
    expect(call!.arguments.map((a) => [a.key, a.value, a.line])).toEqual([
      ['materialized', 'table', 4],
      ['packages', ['pandas'], 5],
    ]);
  });

  it('marks a non-literal positional argument as opaque', () => {
    const [call] = calls('{{ config(my_settings, materialized="table") }}');
    expect(call!.opaque).toEqual({ line: 1, text: 'my_settings' });
    expect(call!.arguments.map((a) => a.key)).toEqual(['materialized']);
  });
});
