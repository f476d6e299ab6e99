import { describe, expect, it } from 'vitest';
import { hardcodedRelation } from '../../src/checks/sql-style.js';
import { context, model, project } from './factory.js';
import type { Dialect } from '../../src/config.js';

function relations(raw: string, dialect?: Dialect): { text: string; line: number | undefined }[] {
  const m = model({ name: 'fct_orders', raw });
  return hardcodedRelation.run(context(m, dialect ? { dialect } : {})).map((h) => ({
    text: ((m) => m[1] ?? m[2]!)(/^(?:`` (.+?) ``|`([^`]+)`) is read/.exec(h.message)!),
    line: h.line,
  }));
}

describe('hardcoded-relation', () => {
  it('reports schema-qualified tables in FROM and JOIN with the line of the relation', () => {
    const raw = [
      "{{ config(materialized='table') }}",
      'select o.id, c.name',
      'from raw.orders o',
      'left join analytics.dim_customers as c on c.id = o.customer_id',
      'join "RAW"."PAYMENTS" p using (id)',
    ].join('\n');
    expect(relations(raw)).toEqual([
      { text: 'raw.orders', line: 3 },
      { text: 'analytics.dim_customers', line: 4 },
      { text: '"RAW"."PAYMENTS"', line: 5 },
    ]);
  });

  it('reports every relation of a comma-separated FROM list and three-part names', () => {
    expect(relations('select * from prod.raw.a, raw.b as bb, raw.c cc where a.x = bb.x').map((r) => r.text)).toEqual([
      'prod.raw.a',
      'raw.b',
      'raw.c',
    ]);
  });

  it('reports a single-part table name that is not a CTE', () => {
    expect(relations('select id from orders')).toEqual([{ text: 'orders', line: 1 }]);
  });

  it('reports relations in subqueries, IN lists and EXISTS', () => {
    const raw = [
      'select id from {{ ref("a") }}',
      'where id in (select id from raw.blocked)',
      'and exists (select 1 from raw.flags f where f.id = id)',
    ].join('\n');
    expect(relations(raw)).toEqual([
      { text: 'raw.blocked', line: 2 },
      { text: 'raw.flags', line: 3 },
    ]);
  });

  it('ignores ref(), source(), {{ this }} and Jinja-built names', () => {
    const raw = [
      "select * from {{ ref('orders') }} o",
      "join {{ source('stripe', 'payments') }} p on p.id = o.id",
      '{% if is_incremental() %}',
      'where o.updated_at > (select max(updated_at) from {{ this }})',
      '{% endif %}',
      'union all select * from {{ target.schema }}.orders_backfill',
    ].join('\n');
    expect(relations(raw)).toEqual([]);
  });

  it('ignores CTE names, including quoted and recursive ones', () => {
    const raw = [
      'with recursive orders as (select * from {{ ref("stg_orders") }}),',
      '"Totals" (id, n) as (select id, count(*) from orders group by 1),',
      'final as materialized (select * from orders join "Totals" t using (id))',
      'select * from final',
    ].join('\n');
    expect(relations(raw)).toEqual([]);
  });

  it('ignores FROM inside comments, strings and Jinja comments', () => {
    const raw = [
      '-- select * from raw.old_orders',
      '/* join raw.legacy l on true */',
      "{# from raw.jinja_comment #}",
      "select 'from raw.in_string' as s, \"from raw.quoted\" as q from {{ ref('a') }}",
      "select $$ from raw.dollar $$ as d, $tag$ join raw.tagged $tag$ as t from {{ ref('b') }}",
    ].join('\n');
    expect(relations(raw)).toEqual([]);
  });

  it('ignores function-argument FROMs: extract, trim, substring, is distinct from', () => {
    const raw = [
      'select',
      '  extract(year from o.created_at) as y,',
      "  trim(both ' ' from o.name) as n,",
      '  substring(o.code from 2 for 3) as c,',
      '  o.a is distinct from o.b as changed,',
      '  o.a is not distinct from o.b as same',
      "from {{ ref('orders') }} o",
      'where extract(month from o.created_at) = 1',
    ].join('\n');
    expect(relations(raw)).toEqual([]);
  });

  it('ignores table functions and lateral joins: flatten, table(), unnest, generate_series', () => {
    const raw = [
      "select f.value from {{ ref('events') }} e,",
      '  lateral flatten(input => e.payload) f,',
      '  table(split_to_table(e.tags, \',\')) t',
      "cross join unnest(e.items) as item",
      'join generate_series(1, 10) g on true',
      "join lateral (select * from {{ ref('x') }} x where x.id = e.id) l on true",
    ].join('\n');
    expect(relations(raw)).toEqual([]);
  });

  it('ignores subqueries in FROM but still reads inside them', () => {
    expect(relations("select * from (select id from {{ ref('a') }}) s join (select id from raw.b) b using (id)")).toEqual([
      { text: 'raw.b', line: 1 },
    ]);
  });

  it('ignores BigQuery array paths on a table alias (implicit unnest)', () => {
    const raw = "select i.sku from {{ ref('orders') }} o, o.items i";
    expect(relations(raw, 'bigquery')).toEqual([]);
  });

  it('reads backtick-quoted BigQuery names and treats double quotes as strings there', () => {
    expect(relations('select "from raw.x" as s from `proj.raw.orders`', 'bigquery')).toEqual([{ text: '`proj.raw.orders`', line: 1 }]);
  });

  it('does not report single-part names when a macro may have defined CTEs', () => {
    expect(relations('with {{ import_ctes() }} select * from orders')).toEqual([]);
    expect(relations("{{ config(materialized='view') }} select * from orders")).toHaveLength(1);
  });

  it('keeps a Jinja string containing a quote from ending the SQL string', () => {
    const raw = `select '{{ var("it's") }}' as v from {{ ref('a') }} join raw.z on true`;
    expect(relations(raw)).toEqual([{ text: 'raw.z', line: 1 }]);
  });

  it('says what to do and suggests the source() the project already uses', () => {
    const other = model({ name: 'stg_orders', sources: [{ source: 'raw', table: 'orders', line: 3 }] });
    const m = model({ name: 'fct_orders', raw: 'select id\nfrom raw.orders as o\nwhere true' });
    const [hit] = hardcodedRelation.run(context(m, { project: project([m, other]) }));
    expect(hit!.message).toContain("use `{{ source('raw', 'orders') }}`");
    expect(hit!.suggestion).toEqual({ startLine: 2, endLine: 2, replacement: "from {{ source('raw', 'orders') }} as o" });
  });

  it('proposes ref() without a committable suggestion when a model of that name exists', () => {
    const other = model({ name: 'dim_customers' });
    const m = model({ name: 'fct_orders', raw: 'select * from analytics.dim_customers' });
    const [hit] = hardcodedRelation.run(context(m, { project: project([m, other]) }));
    expect(hit!.message).toContain("`{{ ref('dim_customers') }}`");
    expect(hit!.suggestion).toBeUndefined();
  });

  it('does not judge Python models or removed models', () => {
    const py = model({ name: 'py_model', language: 'python', raw: 'df = session.sql("select * from raw.orders")' });
    expect(hardcodedRelation.run(context(py))).toEqual([]);
    const removed = model({ name: 'gone', raw: 'select * from raw.orders' });
    expect(hardcodedRelation.run(context(removed, { status: 'removed' }))).toEqual([]);
  });
});
