import { describe, expect, it } from 'vitest';
import { analyzeSql, normaliseSql } from '../../src/sql/index.js';
import { tokenize } from '../../src/sql/lexer.js';

const lines = (s: string): number => s.split('\n').length;

describe('normaliser', () => {
  it('maps casts to types the grammar lacks onto placeholders and back', () => {
    const n = normaliseSql('select payload::variant as p,\n tags::array as t from e', 'snowflake', 'snowflake');
    expect(n.rewrites).toContain('cast-type');
    expect(Object.values(n.typeAliases).sort()).toEqual(['array', 'variant']);
    const shape = analyzeSql('select payload::variant as p,\n tags::array as t from e', { dialect: 'snowflake' });
    expect(shape.parse).toBe('full');
    expect(shape.columns.map((c) => [c.name, c.type, c.line])).toEqual([['p', 'semi_structured', 1], ['t', 'array', 2]]);
  });

  it('rewrites Snowflake JSON paths and subscripts to get_path', () => {
    const sql = "select e.payload:items[0].sku::string as sku,\n  col:a.b as ab\nfrom e where e.payload:type::string = 'x'";
    const n = normaliseSql(sql, 'snowflake', 'snowflake');
    expect(n.sql).toContain("get_path(e.payload, 'items[0].sku')::string");
    expect(n.sql).toContain("get_path(col, 'a.b')");
    const shape = analyzeSql(sql, { dialect: 'snowflake' });
    expect(shape.parse).toBe('full');
    expect(shape.columns.map((c) => c.name)).toEqual(['sku', 'ab']);
    expect(shape.filters).toHaveLength(1);
  });

  it('keeps `within group (order by ...)` in the canonical form', () => {
    const a = analyzeSql("select listagg(p, ', ') within group (order by p) as ps from t group by c", { dialect: 'snowflake' });
    const b = analyzeSql("select listagg(p, ', ') within group (order by p desc) as ps from t group by c", { dialect: 'snowflake' });
    expect(a.parse).toBe('full');
    expect(a.columns[0]!.expr).not.toBe(b.columns[0]!.expr);
  });

  it('rewrites * rename / * replace into exclude plus explicit columns', () => {
    const shape = analyzeSql('with r as (select * rename (fname as first_name) from c)\nselect * replace (upper(country) as country) from r', {
      dialect: 'snowflake',
      upstreamColumns: () => ['id', 'fname', 'country'],
    });
    expect(shape.parse).toBe('full');
    expect(shape.columns.map((c) => c.name).sort()).toEqual(['country', 'first_name', 'id']);
  });

  it('moves `ignore nulls` out of the argument list, drops sample into a row-set clause, maps rlike and minus', () => {
    expect(analyzeSql('select last_value(s ignore nulls) over (order by d) as l from t', { dialect: 'snowflake' }).parse).toBe('full');
    const sampled = analyzeSql('select a from t sample (10)', { dialect: 'snowflake' });
    expect(sampled.filters.map((f) => f.text)).toEqual(['sample (10)']);
    expect(analyzeSql("select a from t where a rlike '^x'", { dialect: 'snowflake' }).parse).toBe('full');
    expect(analyzeSql('select a from t minus select a from u', { dialect: 'snowflake' }).parse).toBe('full');
  });

  it('rewrites Databricks lateral view explode into a fan-out the diff sees', () => {
    const shape = analyzeSql('select e.id, t.tag\nfrom raw__events e\nlateral view explode(e.tags) t as tag', { dialect: 'databricks' });
    expect(shape.parse).toBe('full');
    expect(shape.fanOut).toHaveLength(1);
    expect(shape.columns.map((c) => c.name)).toEqual(['id', 'tag']);
  });

  it('strips comments with odd quotes without moving any line', () => {
    const sql = "/* don't */\nselect a, -- it's\n  b // snowflake ' comment\nfrom t\n-- unclosed \"";
    const n = normaliseSql(sql, 'snowflake', 'snowflake');
    expect(lines(n.sql)).toBe(lines(sql));
    const shape = analyzeSql(sql, { dialect: 'snowflake' });
    expect(shape.columns.map((c) => [c.name, c.line])).toEqual([['a', 2], ['b', 3]]);
  });

  it('keeps every line in place when a rewrite spans lines', () => {
    const sql = "select\n  listagg(x, ',') within group (\n    order by x\n  ) as xs,\n  y\nfrom t group by y";
    const n = normaliseSql(sql, 'snowflake', 'snowflake');
    expect(lines(n.sql)).toBe(lines(sql));
    const shape = analyzeSql(sql, { dialect: 'snowflake' });
    expect(shape.columns.find((c) => c.name === 'y')!.line).toBe(5);
  });

  it('tokenizes dialect comments and strings', () => {
    expect(tokenize("select 'a''b' # c", { dialect: 'bigquery' }).map((t) => t.text)).toEqual(['select', "'a''b'"]);
    expect(tokenize('select $1, a::int from t', { dialect: 'snowflake' }).map((t) => t.text)).toEqual(['select', '$1', ',', 'a', '::', 'int', 'from', 't']);
  });
});
