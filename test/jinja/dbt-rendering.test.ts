import { afterAll, describe, expect, it } from 'vitest';
import { containsPlaceholder, createJinjaRenderer } from '../../src/dbt/jinja/index.js';
import { modelInput, reasonOf, sqlOf } from './helpers.js';

const renderer = createJinjaRenderer();
afterAll(() => renderer.close());

const UTIL_MACROS = {
  path: 'macros/util.sql',
  source: [
    '{% macro cents_to_dollars(column, scale=2) %}',
    '  round({{ column }} / 100.0, {{ scale }})',
    '{% endmacro %}',
    '',
    '{% macro amount_columns(kinds) -%}',
    "  {%- for k in kinds %}{{ cents_to_dollars(k ~ '_cents') }} as {{ k }}_amount{{ ',' if not loop.last }}{% endfor -%}",
    '{%- endmacro %}',
    '',
    '{% test positive(model, column_name) %}',
    'select * from {{ model }} where {{ column_name }} < 0',
    '{% endtest %}',
    '',
    '{% macro broken_inside() %}',
    '  {{ no_such_helper() }}',
    '{% endmacro %}',
  ].join('\n'),
};

describe('dbt context', () => {
  it('records ref, source and both forms of config, and renders them as dbt would', async () => {
    const template = [
      "{{ config(materialized='incremental', unique_key=['order_id', 'line_no']) }}",
      "{{ config({'tags': ['finance'], 'meta': {'owner': 'data-team'}}) }}",
      'select o.order_id, c.customer_id',
      "from {{ ref('stg_orders') }} as o",
      "join {{ ref('crm', 'customers') }} as c on c.id = o.customer_id",
      "join {{ ref('dim_dates', v=2) }} as d on d.day = o.day",
      "join {{ ref('fx', version=3) }} as fx on true",
      "join {{ source('stripe', 'payments') }} as p on p.order_id = o.order_id",
    ].join('\n');
    const result = await renderer.render(modelInput(template));
    expect(result).toEqual({
      ok: true,
      sql: [
        '',
        '',
        'select o.order_id, c.customer_id',
        'from stg_orders as o',
        'join customers as c on c.id = o.customer_id',
        'join dim_dates as d on d.day = o.day',
        'join fx as fx on true',
        'join stripe__payments as p on p.order_id = o.order_id',
      ].join('\n'),
      configs: [
        { materialized: 'incremental', unique_key: ['order_id', 'line_no'] },
        { tags: ['finance'], meta: { owner: 'data-team' } },
      ],
      refs: [
        { name: 'stg_orders' },
        { name: 'customers', package: 'crm' },
        { name: 'dim_dates', version: '2' },
        { name: 'fx', version: '3' },
      ],
      sources: [{ source: 'stripe', table: 'payments' }],
    });
  });

  it('renders the is_incremental() branch only when asked to', async () => {
    const template = [
      "select * from {{ ref('events') }}",
      '{% if is_incremental() %}',
      'where loaded_at > (select max(loaded_at) from {{ this }})',
      '{% endif %}',
    ].join('\n');
    const full = sqlOf(await renderer.render(modelInput(template, { isIncremental: false })));
    const incremental = sqlOf(await renderer.render(modelInput(template, { isIncremental: true })));
    expect(full).toBe('select * from events\n');
    // `{{ this }}` qualified, as dbt renders it (a CTE named like the model is never it)
    expect(incremental).toBe('select * from events\n\nwhere loaded_at > (select max(loaded_at) from analytics.fct_orders)\n');
  });

  it('renders for the prod target, with the dialect as target.type', async () => {
    const template = "{% if target.name == 'prod' %}select * from big{% else %}select * from big limit 100{% endif %} -- {{ target.type }} {{ target.schema }} {{ this.schema }}";
    expect(sqlOf(await renderer.render(modelInput(template)))).toBe('select * from big -- snowflake analytics analytics');
    expect(sqlOf(await renderer.render(modelInput(template, { dialect: 'bigquery' })))).toBe(
      'select * from big -- bigquery analytics analytics',
    );
  });

  it('uses project vars, then defaults, then SQL-safe placeholders for var and env_var', async () => {
    const template = [
      "select * from t where country = '{{ var('country') }}'",
      "and year >= {{ var('start_year', 2020) }}",
      "and region = '{{ var('region') }}'",
      "and env = '{{ env_var('DBT_ENV', 'prod') }}' and db = '{{ env_var('DBT_DB') }}'",
      "{% for s in var('statuses') %}and status != '{{ s }}' {% endfor %}",
    ].join('\n');
    const sql = sqlOf(await renderer.render(modelInput(template, { vars: { country: 'NL', statuses: ['void', 'test'] } })));
    expect(sql).toBe(
      [
        "select * from t where country = 'NL'",
        'and year >= 2020',
        "and region = '__var_region__'",
        "and env = 'prod' and db = '__env_DBT_DB__'",
        "and status != 'void' and status != 'test' ",
      ].join('\n'),
    );
  });

  it('reads vars scoped under the project name', async () => {
    const sql = sqlOf(await renderer.render(modelInput("select {{ var('lookback_days') }}", { vars: { shop: { lookback_days: 7 } } })));
    expect(sql).toBe('select 7');
  });

  it('runs set and for loops with loop variables and dbt whitespace control', async () => {
    const template = [
      "{%- set methods = ['card', 'bank'] -%}",
      'select',
      '  order_id,',
      "  {% for m in methods %}sum(case when method = '{{ m }}' then amount end) as {{ m }}_amount{{ ',' if not loop.last }}{% endfor %}",
      'from payments',
      'group by 1',
    ].join('\n');
    expect(sqlOf(await renderer.render(modelInput(template)))).toBe(
      [
        'select',
        '  order_id,',
        "  sum(case when method = 'card' then amount end) as card_amount,sum(case when method = 'bank' then amount end) as bank_amount",
        'from payments',
        'group by 1',
      ].join('\n'),
    );
    const loop = "{% for m in ['a','b'] %}sum(x) as {{ m }}_amount{{ ',' if not loop.last }}{% endfor %}";
    expect(sqlOf(await renderer.render(modelInput(loop)))).toBe('sum(x) as a_amount,sum(x) as b_amount');
  });

  it('keeps the model line numbers when project macros are imported', async () => {
    const template = ['select', "  {{ cents_to_dollars('amount_cents') }} as amount", "from {{ ref('orders') }}"].join('\n');
    const sql = sqlOf(await renderer.render(modelInput(template, { macros: [UTIL_MACROS] })));
    expect(sql).toBe(['select', '  ', '  round(amount_cents / 100.0, 2)', ' as amount', 'from orders'].join('\n'));
    expect(sql.split('\n')[0]).toBe('select');
  });

  it('calls project macros that call each other, ignoring test blocks in macro files', async () => {
    const template = "select {{ amount_columns(['gross', 'net']) }} from {{ ref('payments') }}";
    const sql = sqlOf(await renderer.render(modelInput(template, { macros: [UTIL_MACROS] })));
    expect(sql.replace(/\s+/g, ' ')).toBe(
      'select round(gross_cents / 100.0, 2) as gross_amount, round(net_cents / 100.0, 2) as net_amount from payments',
    );
  });

  it('lets a project macro override a built-in such as ref, with builtins still reachable', async () => {
    const macros = [
      {
        path: 'macros/ref.sql',
        source: "{% macro ref(name) %}{{ return(builtins.ref(name) ~ '_v') }}{% endmacro %}",
      },
    ];
    const result = await renderer.render(modelInput("select * from {{ ref('orders') }}", { macros }));
    expect(sqlOf(result)).toBe('select * from orders_v');
    expect(result.ok && result.refs).toEqual([{ name: 'orders' }]);
  });

  it('resolves adapter.dispatch to the adapter-specific, then the default implementation', async () => {
    const macros = [
      {
        path: 'macros/cast.sql',
        source: [
          "{% macro safe_text(x) %}{{ return(adapter.dispatch('safe_text', 'shop')(x)) }}{% endmacro %}",
          '{% macro default__safe_text(x) %}cast({{ x }} as varchar){% endmacro %}',
          '{% macro bigquery__safe_text(x) %}cast({{ x }} as string){% endmacro %}',
        ].join('\n'),
      },
    ];
    const template = "select {{ safe_text('id') }}, {{ adapter.dispatch('safe_text')('name') }}";
    expect(sqlOf(await renderer.render(modelInput(template, { macros })))).toBe('select cast(id as varchar), cast(name as varchar)');
    expect(sqlOf(await renderer.render(modelInput(template, { macros, dialect: 'bigquery' })))).toBe(
      'select cast(id as string), cast(name as string)',
    );
  });

  it('dispatches to dbt cross-database macros and renders a placeholder for unknown dispatches', async () => {
    const template = [
      "select {{ adapter.dispatch('dateadd', 'dbt')('day', 7, 'ordered_at') }} as due_at,",
      "  {{ adapter.dispatch('fancy_hash', 'some_package')('email') }} as email_hash",
    ].join('\n');
    expect(sqlOf(await renderer.render(modelInput(template)))).toBe(
      ['select dateadd(day, 7, ordered_at) as due_at,', '  __macro_fancy_hash__ as email_hash'].join('\n'),
    );
  });

  it('expands dbt_utils.star from the known upstream columns, else renders *', async () => {
    const upstreamColumns = { stg_orders: ['order_id', 'customer_id', 'amount', '_loaded_at'] };
    const template = "select {{ dbt_utils.star(from=ref('stg_orders'), except=['_LOADED_AT']) }} from {{ ref('stg_orders') }}";
    expect(sqlOf(await renderer.render(modelInput(template, { upstreamColumns })))).toBe(
      'select order_id,\n  customer_id,\n  amount from stg_orders',
    );
    const aliased = "select {{ dbt_utils.star(ref('stg_orders'), relation_alias='o', except=['amount', '_loaded_at'], prefix='order_') }}";
    expect(sqlOf(await renderer.render(modelInput(aliased, { upstreamColumns })))).toBe(
      'select o.order_id as order_order_id,\n  o.customer_id as order_customer_id',
    );
    expect(sqlOf(await renderer.render(modelInput(template)))).toBe('select * from stg_orders');
  });

  it('renders dbt_utils.generate_surrogate_key as deterministic SQL', async () => {
    const sql = sqlOf(await renderer.render(modelInput("select {{ dbt_utils.generate_surrogate_key(['order_id', 'line_no']) }} as order_line_sk")));
    expect(sql).toBe(
      "select md5(cast(coalesce(cast(order_id as varchar), '_dbt_utils_surrogate_key_null_') || '-' || coalesce(cast(line_no as varchar), '_dbt_utils_surrogate_key_null_') as varchar)) as order_line_sk",
    );
  });

  it('fails with the message of exceptions.raise_compiler_error', async () => {
    const template = ['select 1', "{% if var('mode', 'x') != 'y' %}", "  {{ exceptions.raise_compiler_error('mode must be y') }}", '{% endif %}'].join('\n');
    expect(reasonOf(await renderer.render(modelInput(template)))).toBe('raise_compiler_error: mode must be y (line 3)');
  });

  it('reads back config values with config.get', async () => {
    const template = "{{ config(materialized='table') }}{{ config.get('materialized') }}/{{ config.get('unique_key', 'none') }}";
    expect(sqlOf(await renderer.render(modelInput(template)))).toBe('table/none');
  });

  it('names an undefined macro and its line', async () => {
    expect(reasonOf(await renderer.render(modelInput('select\n  a,\n  {{ foo(1) }}\nfrom t')))).toBe('undefined macro `foo` at line 3');
  });

  it('locates an error inside a project macro in its macro file', async () => {
    const reason = reasonOf(await renderer.render(modelInput('select {{ broken_inside() }}', { macros: [UTIL_MACROS] })));
    expect(reason).toBe('undefined macro `no_such_helper` at macros/util.sql:14');
  });

  it('says why a macro file that does not parse is unusable', async () => {
    const macros = [{ path: 'macros/bad.sql', source: '{% macro half_done(x) %}\n{% if x %}\n{% endmacro %}' }];
    const reason = reasonOf(await renderer.render(modelInput('select {{ half_done(1) }}', { macros })));
    expect(reason).toMatch(/^undefined macro `half_done` at line 1 \(its definition could not be parsed: macros\/bad\.sql: /);
  });

  it('fails (unknown) instead of guessing what needs the warehouse or returns non-text values', async () => {
    expect(reasonOf(await renderer.render(modelInput("{% set r = run_query('select 1') %}")))).toBe(
      'run_query() needs a warehouse connection; the sandbox cannot run queries (line 1)',
    );
    const macros = [{ path: 'macros/cols.sql', source: "{% macro cols() %}{{ return(['a', 'b']) }}{% endmacro %}" }];
    expect(reasonOf(await renderer.render(modelInput('{% for c in cols() %}{{ c }}{% endfor %}', { macros })))).toMatch(
      /^a macro returns a list with return\(\); the sandbox renders macros as text, so its value is unknown/,
    );
    expect(reasonOf(await renderer.render(modelInput("select {{ dbt_utils.pivot('method', ['a']) }}")))).toBe(
      'unsupported macro `dbt_utils.pivot` (not defined in the project or provided by the sandbox) at line 1',
    );
  });

  it('supports common Python string methods and the format filter', async () => {
    const template = "{{ 'Orders'.lower() }} {{ 'a,b'.split(',') | join('|') }} {{ '%s_%02d' | format('m', 7) }}";
    expect(sqlOf(await renderer.render(modelInput(template)))).toBe('orders a|b m_07');
  });
});

describe('placeholders', () => {
  it('lets callers tell config values computed from unknown vars', async () => {
    const result = await renderer.render(modelInput("{{ config(schema=var('reporting_schema'), materialized='table') }}"));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const config = result.configs[0] ?? {};
    expect(containsPlaceholder(config.schema)).toBe(true);
    expect(containsPlaceholder(config.materialized)).toBe(false);
  });
});
