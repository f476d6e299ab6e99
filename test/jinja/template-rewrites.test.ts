import { describe, expect, it } from 'vitest';
import { rewriteDbtIdioms } from '../../src/dbt/jinja/dbt-rewrites.js';
import { buildMacroModule, extractMacroBlocks } from '../../src/dbt/jinja/macro-library.js';
import { scanJinjaTags } from '../../src/dbt/jinja/template-scan.js';

const resolveNothing = (): undefined => undefined;

describe('scanning Jinja tags', () => {
  it('finds tags, ignoring delimiters inside tag strings, comments and raw blocks', () => {
    const source = "select {{ \"}}\" ~ x }} {# c }} #} {% raw %}{{ not_a_tag }}{% endraw %} {%- if y -%}";
    const tags = scanJinjaTags(source).map((t) => [t.kind, t.body.trim()]);
    expect(tags).toEqual([
      ['expression', '"}}" ~ x'],
      ['comment', 'c }}'],
      ['statement', 'raw'],
      ['statement', 'endraw'],
      ['statement', '- if y -'],
    ]);
  });
});

describe('rewriting dbt idioms', () => {
  it('rewrites adapter.dispatch, config methods and this attributes only inside tags, keeping lines', () => {
    const source = [
      "select 'adapter.dispatch(\"x\")' as text, this.schema as col,",
      "{{ adapter.dispatch(",
      "     'm', macro_namespace='pkg')(1) }}",
      "{{ config.get('materialized') }} {{ this.identifier }} {{ this.schema }} {{ \"this.schema\" }}",
    ].join('\n');
    const out = rewriteDbtIdioms(source, (name) => `default__${name}`);
    expect(out).toBe(
      [
        "select 'adapter.dispatch(\"x\")' as text, this.schema as col,",
        '{{ default__m',
        '(1) }}',
        "{{ __dbt_config_get('materialized') }} {{ model.name }} {{ target.schema }} {{ \"this.schema\" }}",
      ].join('\n'),
    );
    expect(out.split('\n')).toHaveLength(source.split('\n').length);
  });

  it('marks a dispatch nothing implements', () => {
    expect(rewriteDbtIdioms("{{ adapter.dispatch('x', 'p')() }}", resolveNothing)).toBe("{{ __dbt_dispatch_unresolved('x')() }}");
  });
});

describe('macro library', () => {
  it('extracts top-level macro blocks with their lines and skips tests and materializations', () => {
    const source = [
      '{% materialization custom, default %}{% endmaterialization %}',
      '{% macro outer(a) %}',
      '  {% macro inner() %}x{% endmacro %}',
      '  {{ inner() }}',
      '{%- endmacro %}',
      '{% test t(model) %}select 1{% endtest %}',
      '{%- macro second() -%}y{%- endmacro -%}',
    ].join('\n');
    const blocks = extractMacroBlocks('macros/a.sql', source);
    expect(blocks.map((b) => [b.name, b.line])).toEqual([
      ['outer', 2],
      ['second', 7],
    ]);
    expect(blocks[0]?.text.split('\n')).toHaveLength(4);
  });

  it('maps lines of the combined module back to files', () => {
    const module = buildMacroModule([
      ...extractMacroBlocks('macros/a.sql', '\n\n{% macro a() %}\n1\n{% endmacro %}'),
      ...extractMacroBlocks('macros/b.sql', '{% macro b() %}2{% endmacro %}'),
    ]);
    expect(module.names).toEqual(['a', 'b']);
    expect(module.locate(2)).toEqual({ path: 'macros/a.sql', line: 4 });
    expect(module.locate(4)).toEqual({ path: 'macros/b.sql', line: 1 });
    expect(module.locate(9)).toBeUndefined();
  });
});
