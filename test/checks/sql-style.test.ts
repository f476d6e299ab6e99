import { describe, expect, it } from 'vitest';
import { selectStar, trailingSemicolon } from '../../src/checks/sql-style.js';
import { context, model } from './factory.js';

const run = (rule: typeof selectStar, raw: string) => rule.run(context(model({ name: 'fct_orders', raw })));

describe('select-star', () => {
  it('accepts import CTEs and a final select * from a CTE with listed columns', () => {
    const raw = [
      "with orders as (select * from {{ ref('stg_orders') }}),",
      "payments as (select * from {{ source('stripe', 'payments') }} where amount > 0),",
      'existing as (select * from {{ this }}),',
      'final as (select o.id, sum(p.amount) as paid from orders o join payments p on p.order_id = o.id left join existing e on e.id = o.id group by 1)',
      'select * from final',
    ].join('\n');
    expect(run(selectStar, raw)).toEqual([]);
  });

  it('reports a final select * that passes an import CTE straight through, at the line of the star', () => {
    const raw = ["with src as (select * from {{ ref('stg_orders') }})", '', 'select *', 'from src'].join('\n');
    const hits = run(selectStar, raw);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.line).toBe(3);
    expect(hits[0]!.message).toContain('passes every column of CTE `src` through');
    expect(hits[0]!.message).toContain('list the columns explicitly');
  });

  it('accepts a derived table that imports a ref(), but not a final select * over it', () => {
    expect(run(selectStar, "select s.id from (select * from {{ ref('a') }}) s")).toEqual([]);
    expect(run(selectStar, "select * from (select * from {{ ref('a') }}) s")).toHaveLength(1);
  });

  it('reports a model that is only select * from ref()', () => {
    const hits = run(selectStar, "select * from {{ ref('stg_orders') }}");
    expect(hits).toHaveLength(1);
    expect(hits[0]!.message).toContain('in the final select');
  });

  it('reports select * from a Jinja expression that is not ref/source/this in a CTE', () => {
    const raw = "with a as (select * from {{ my_relation() }}) select id from a";
    expect(run(selectStar, raw)).toHaveLength(1);
  });

  it('reports select * over a join and t.* in a CTE, naming the CTE', () => {
    const raw = [
      "with a as (select * from {{ ref('a') }}), b as (select * from {{ ref('b') }}),",
      'joined as (',
      '  select a.*, b.x from a join b using (id)',
      ')',
      'select id, x from joined',
    ].join('\n');
    const hits = run(selectStar, raw);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.line).toBe(3);
    expect(hits[0]!.message).toContain('in CTE `joined`');
  });

  it('reports select * in a staging model too (no staging exemption)', () => {
    const m = model({ name: 'stg_orders', folders: ['staging'], raw: "select * from {{ source('shop', 'orders') }}" });
    expect(selectStar.run(context(m))).toHaveLength(1);
  });

  it('does not mistake count(*), multiplication or a star in a string/comment for select *', () => {
    const raw = [
      "-- select * from x",
      "select count(*) as n, price * qty as total, '*' as s, a.b*2 as c",
      "from {{ ref('orders') }} a",
    ].join('\n');
    expect(run(selectStar, raw)).toEqual([]);
  });

  it('accepts select * from a CTE that itself selects * from a CTE with listed columns', () => {
    const raw = [
      "with base as (select id, name from {{ ref('a') }}),",
      'filtered as (select * from base where id > 0)',
      'select * from filtered',
    ].join('\n');
    expect(run(selectStar, raw)).toEqual([]);
  });

  it('accepts select * except (...) in an import CTE (BigQuery)', () => {
    const raw = "with a as (select * except (secret) from {{ ref('a') }}) select id from a";
    expect(selectStar.run(context(model({ name: 'x', raw }), { dialect: 'bigquery' }))).toEqual([]);
  });
});

describe('trailing-semicolon', () => {
  it('reports a trailing ; with a suggestion that removes it from the line', () => {
    const raw = "select id\nfrom {{ ref('a') }};\n";
    const hits = run(trailingSemicolon, raw);
    expect(hits).toEqual([
      expect.objectContaining({
        rule: 'trailing-semicolon',
        line: 2,
        suggestion: { startLine: 2, endLine: 2, replacement: "from {{ ref('a') }}" },
      }),
    ]);
    expect(hits[0]!.message).toContain('Remove the trailing `;`');
  });

  it('finds the ; behind trailing comments and Jinja end tags, and deletes a line holding only ;', () => {
    const raw = ["{% if true %}", 'select 1 as id', ';', '-- done', '{% endif %}', '{# end #}'].join('\n');
    const hits = run(trailingSemicolon, raw);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.line).toBe(3);
    expect(hits[0]!.suggestion).toEqual({ startLine: 3, endLine: 3, replacement: '' });
  });

  it('sees a trailing ; behind a config() call, which renders to nothing', () => {
    const hits = run(trailingSemicolon, "select id\nfrom {{ ref('a') }};\n{{ config(materialized='view') }}\n");
    expect(hits).toEqual([expect.objectContaining({ line: 2, suggestion: { startLine: 2, endLine: 2, replacement: "from {{ ref('a') }}" } })]);
  });

  it('reports a ; that more SQL follows (two statements in one model), but not one inside a set or call block', () => {
    const hits = run(trailingSemicolon, "select 1 as a;\nselect id from {{ ref('a') }}\n");
    expect(hits).toEqual([expect.objectContaining({ rule: 'trailing-semicolon', line: 1, message: expect.stringContaining('more SQL follows') })]);
    expect(hits[0]!.suggestion).toBeUndefined();
    // both statements end with `;`: the separator and the trailing one are both reported
    expect(run(trailingSemicolon, "select 1 as a;\nselect id from {{ ref('a') }};\n").map((h) => h.line)).toEqual([1, 2]);
    const blocks = ["{% set cleanup %}delete from x; delete from y;{% endset %}", "{% call statement('s') %}select 1;{% endcall %}", "select id from {{ ref('a') }}"].join('\n');
    expect(run(trailingSemicolon, blocks)).toEqual([]);
  });

  it('ignores semicolons in strings and comments and models without one', () => {
    expect(run(trailingSemicolon, "select ';' as s from {{ ref('a') }} -- ;")).toEqual([]);
    expect(run(trailingSemicolon, "select 1 as id /* ; */")).toEqual([]);
  });
});
