/**
 * File facts: what a review keeps of the model and property files it does not look at closely (refs, sources,
 * literal `enabled` values; the words of a property file). A wrong fact here silently changes the ref graph or
 * drops a property file a model in focus needs, so each extraction is pinned down.
 */
import { describe, expect, it } from 'vitest';
import { factsKindOf, scanCode, scanFile, scanYaml } from '../../src/dbt/fileFacts.js';
import { lines } from './helpers.js';

describe('scanCode: refs and sources with their lines', () => {
  it('finds every ref() with its 1-based line, package and version', () => {
    const sql = lines(
      "{{ config(materialized='table') }}", // 1
      'select *', // 2
      "from {{ ref('stg_orders') }} o", // 3
      'join {{ ref("finance", "dim_fx") }} fx on true', // 4
      "join {{ ref('dim_customers', v=2) }} c on true", // 5
      "join {{ ref('dim_products', version='3') }} p on true", // 6
    );
    const facts = scanCode(sql, 'models/marts/fct_orders.sql');
    expect(facts.kind).toBe('code');
    expect(facts.refs).toEqual([
      { name: 'stg_orders', line: 3 },
      { name: 'dim_fx', package: 'finance', line: 4 },
      { name: 'dim_customers', version: '2', line: 5 },
      { name: 'dim_products', version: '3', line: 6 },
    ]);
    expect(facts.sources).toEqual([]);
  });

  it('finds source() calls with their lines, and two calls on one line', () => {
    const sql = lines('select *', "from {{ source('shop', 'orders') }} o", "join {{ source(\"shop\", \"customers\") }} c join {{ ref('x') }} on true");
    const facts = scanCode(sql, 'models/stg.sql');
    expect(facts.sources).toEqual([
      { source: 'shop', table: 'orders', line: 2 },
      { source: 'shop', table: 'customers', line: 3 },
    ]);
    expect(facts.refs).toEqual([{ name: 'x', line: 3 }]);
  });

  it('does not count refs, sources or config() inside Jinja comments, and keeps the lines after them', () => {
    const sql = lines(
      '{#', // 1
      "   old: {{ ref('legacy_orders') }} {{ source('old', 'orders') }}", // 2
      '   {{ config(enabled=false) }}', // 3
      '#}', // 4
      "select * from {{ ref('stg_orders') }} {# {{ ref('inline_hidden') }} #}", // 5
      "{{ ref('after') }}", // 6
    );
    const facts = scanCode(sql, 'models/a.sql');
    expect(facts.refs).toEqual([
      { name: 'stg_orders', line: 5 },
      { name: 'after', line: 6 },
    ]);
    expect(facts.sources).toEqual([]);
    expect(facts.enabled).toEqual([]);
  });

  it('finds refs of a Python model', () => {
    const py = lines('def model(dbt, session):', '    orders = dbt.ref("stg_orders")', "    fx = dbt.source('fx', 'rates')", '    return orders');
    const facts = scanCode(py, 'models/ml/orders_ml.py');
    expect(facts.refs).toEqual([{ name: 'stg_orders', line: 2 }]);
    expect(facts.sources).toEqual([{ source: 'fx', table: 'rates', line: 3 }]);
  });
});

describe('scanCode: literal enabled values of in-file config()', () => {
  it('is empty without a config() that sets enabled', () => {
    expect(scanCode("{{ config(materialized='view') }}\nselect 1 as id\n", 'm.sql').enabled).toEqual([]);
    expect(scanCode('select 1 as id\n', 'm.sql').enabled).toEqual([]);
  });

  it('records config(enabled=false) as [false]', () => {
    expect(scanCode("{{ config(enabled=false) }}\nselect 1 as id\n", 'm.sql').enabled).toEqual([false]);
    expect(scanCode("{{ config(materialized='table', enabled=False) }}\nselect 1 as id\n", 'm.sql').enabled).toEqual([false]);
  });

  it('records every literal in order across several config() calls', () => {
    const sql = "{{ config(enabled=true) }}\n{{ config(materialized='view', enabled=false) }}\nselect 1 as id\n";
    expect(scanCode(sql, 'm.sql').enabled).toEqual([true, false]);
  });

  it("is 'computed' when enabled comes from Jinja (var)", () => {
    expect(scanCode("{{ config(enabled=var('x')) }}\nselect 1 as id\n", 'm.sql').enabled).toBe('computed');
    // A later literal does not make a computed value knowable.
    expect(scanCode("{{ config(enabled=var('x')) }}\n{{ config(enabled=false) }}\nselect 1\n", 'm.sql').enabled).toBe('computed');
  });

  it("is 'computed' when a config() call cannot be read statically (**opts)", () => {
    expect(scanCode('{% set opts = {"enabled": false} %}\n{{ config(**opts) }}\nselect 1 as id\n', 'm.sql').enabled).toBe('computed');
  });

  it('reads dbt.config(enabled=False) in a .py model, and not in a .sql file', () => {
    const py = lines('def model(dbt, session):', '    dbt.config(materialized="table", enabled=False)', '    return dbt.ref("a")');
    const facts = scanCode(py, 'models/ml/score.py');
    expect(facts.enabled).toEqual([false]);
    expect(facts.refs).toEqual([{ name: 'a', line: 3 }]);
    // The same text as SQL has no Jinja config() call.
    expect(scanCode(py, 'models/ml/score.sql').enabled).toEqual([]);
  });
});

describe('scanYaml', () => {
  it('keeps the distinct lower-case words, each between single spaces, with a space at both ends', () => {
    const yaml = lines('version: 2', 'models:', '  - name: Stg_Orders', '    description: "Orders: stg_orders, one row per order."', '  - name: fct_2024_sales');
    const facts = scanYaml(yaml);
    expect(facts.kind).toBe('yaml');
    expect(facts.words.startsWith(' ')).toBe(true);
    expect(facts.words.endsWith(' ')).toBe(true);
    expect(facts.words).not.toMatch(/ {2}|[A-Z]/);
    const words = facts.words.trim().split(' ');
    expect(new Set(words).size).toBe(words.length); // distinct
    expect(words.sort()).toEqual(['description', 'fct_2024_sales', 'models', 'name', 'one', 'order', 'orders', 'per', 'row', 'stg_orders', 'version'].sort());
    // A model name is found as a whole word with a plain `includes`.
    expect(facts.words).toContain(' stg_orders ');
    expect(facts.words).not.toContain(' stg ');
    expect(facts.groups).toBe(false);
  });

  it('is a single space for a file without words', () => {
    expect(scanYaml('')).toEqual({ kind: 'yaml', words: ' ', groups: false });
    expect(scanYaml('# 1 2 3\n').words).toBe(' ');
  });

  it('notes a file that defines groups', () => {
    expect(scanYaml(lines('groups:', '  - name: finance', '    owner: {name: Finance}')).groups).toBe(true);
    expect(scanYaml(lines('version: 2', 'groups :', '  - name: x')).groups).toBe(true);
    expect(scanYaml(lines('models:', '  - name: m', '    config:', '      group: finance')).groups).toBe(false);
  });
});

describe('scanFile', () => {
  it('scans model code and property files by extension, and nothing else', () => {
    expect(scanFile('models/docs.md', "{% docs x %}{{ ref('a') }}{% enddocs %}")).toBeUndefined();
    expect(scanFile('seeds/countries.csv', 'code,name\n')).toBeUndefined();
    expect(factsKindOf('models/docs.md')).toBeUndefined();
    expect(scanFile('models/a.SQL', "select * from {{ ref('b') }}")).toEqual({ kind: 'code', refs: [{ name: 'b', line: 1 }], sources: [], enabled: [] });
    expect(scanFile('models/_schema.yaml', 'models: []')).toEqual({ kind: 'yaml', words: ' models ', groups: false });
    expect(scanFile('models/_schema.yml', 'models: []')?.kind).toBe('yaml');
    expect(scanFile('models/score.py', 'def model(dbt, s):\n    dbt.config(enabled=False)\n')).toMatchObject({ kind: 'code', enabled: [false] });
  });
});
