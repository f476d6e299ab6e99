/**
 * A model config that reads a project var (`config(materialized=var('mat'))`) is judged with the var's value, as dbt
 * parses it: project-scoped vars first, then global ones, then the call's default.
 */
import { describe, expect, it } from 'vitest';
import { JinjaExpr } from '../../src/dbt/pyLiteral.js';
import { lookupProjectVar, resolveVarCalls } from '../../src/dbt/vars.js';
import { loadOne, modelNamed } from '../dbt/helpers.js';
import { lines, reviewBetween } from './review-between.js';

describe('resolveVarCalls', () => {
  const vars = { mat: 'table', shop: { mat: 'ephemeral' }, other: { mat: 'view' }, nested: { a: 1 } };

  it('reads the project-scoped var before the global one, as dbt does', () => {
    expect(lookupProjectVar(vars, 'shop', 'mat')).toEqual({ found: true, value: 'ephemeral' });
    expect(lookupProjectVar(vars, 'elsewhere', 'mat')).toEqual({ found: true, value: 'table' });
    expect(lookupProjectVar(vars, 'shop', 'constructor')).toEqual({ found: false });
  });

  it('replaces a whole var() call, in SQL or YAML form, and walks dicts and lists', () => {
    expect(resolveVarCalls(new JinjaExpr("var('mat')"), vars, 'elsewhere')).toBe('table');
    expect(resolveVarCalls(new JinjaExpr('var( "mat" )'), vars, 'shop')).toBe('ephemeral');
    expect(resolveVarCalls(new JinjaExpr("{{ var('mat') }}"), vars, 'elsewhere')).toBe('table');
    expect(resolveVarCalls(new JinjaExpr("var('missing', 'view')"), vars, 'shop')).toBe('view');
    expect(resolveVarCalls({ owner: new JinjaExpr("var('nested')"), tags: [new JinjaExpr("var('mat')")] }, vars, 'x')).toEqual({ owner: { a: 1 }, tags: ['table'] });
  });

  it('leaves computed what a var alone does not decide', () => {
    for (const text of ["var('missing')", "var('mat') ~ '_x'", "var('mat') if target.name == 'prod' else 'view'", "env_var('MAT')", "var(name)", "var('missing', other_var)"]) {
      const expr = new JinjaExpr(text);
      expect(resolveVarCalls(expr, vars, 'shop'), text).toBe(expr);
    }
  });
});

describe('a config set from a var', () => {
  const project = (vars: string) => lines('name: shop', 'config-version: 2', 'vars:', ...vars.split('\n').map((l) => `  ${l}`), 'models:', '  shop:', '    +meta: {owner: "@o"}');
  const files = (vars: string, fct = "{{ config(materialized=var('mat')) }}\nselect order_id, amount from {{ ref('stg_orders') }}\n") => ({
    'dbt_project.yml': project(vars),
    'models/stg_orders.sql': 'select 1 as order_id, 2 as amount\n',
    'models/fct_orders.sql': fct,
    'models/fct_revenue.sql': "select order_id, amount from {{ ref('fct_orders') }}\n",
  });

  it('takes the value the project gives the var', () => {
    const model = modelNamed(loadOne(files('mat: table\nshop:\n  mat: incremental')), 'fct_orders');
    expect(model.config.materialized).toMatchObject({ value: 'incremental', unknown: false, line: 1, origin: "config(materialized=var('mat'))" });
    // undeclared, no default: present but unknown
    expect(modelNamed(loadOne(files('other: 1')), 'fct_orders').config.materialized).toMatchObject({ unknown: true });
  });

  const review = reviewBetween();

  it.each([
    ['the global var', 'mat: table', 'mat: ephemeral'],
    ['a project-scoped var over the global one', 'mat: table', 'mat: table\nshop:\n  mat: ephemeral'],
  ])('reports the model becoming ephemeral when dbt_project.yml changes %s, naming the var', async (_, before, after) => {
    const r = await review(files(before), files(after));
    const fct = r.models.find((m) => m.name === 'fct_orders')!;
    expect(fct.changes).toEqual([
      expect.objectContaining({
        kind: 'materialization_changed',
        breaking: true,
        path: 'models/fct_orders.sql',
        line: 1,
        detail: 'materialized: table -> ephemeral: the relation no longer exists in the warehouse (through the change of var `mat` (dbt_project.yml))',
      }),
    ]);
    expect(r.findings.map((f) => f.rule)).toContain('breaking-materialization-ephemeral');
    expect(r.conclusion).toBe('failure');
  });

  it('compares a var() with the literal that replaces it: the same value is no change', async () => {
    const literal = files('mat: table', "{{ config(materialized='table') }}\nselect order_id, amount from {{ ref('stg_orders') }}\n");
    const r = await review(files('mat: table'), literal);
    expect(r.models.find((m) => m.name === 'fct_orders')?.changes.filter((c) => c.kind !== 'formatting_only') ?? []).toEqual([]);
    const ephemeral = await review(files('mat: table'), { ...literal, 'models/fct_orders.sql': literal['models/fct_orders.sql']!.replace("'table'", "'ephemeral'") });
    expect(ephemeral.models.find((m) => m.name === 'fct_orders')!.changes).toEqual([
      expect.objectContaining({ kind: 'materialization_changed', detail: 'materialized: table -> ephemeral: the relation no longer exists in the warehouse' }),
    ]);
  });

  it('renders SQL with the project-scoped var: a change of the global one it hides changes nothing', async () => {
    const filtered = (vars: string) => files(vars, "select order_id, amount from {{ ref('stg_orders') }}\nwhere amount >= {{ var('min_amount') }}\n");
    const hidden = await review(filtered('min_amount: 0\nshop:\n  min_amount: 10'), filtered('min_amount: 5\nshop:\n  min_amount: 10'));
    // (not even listed: a model the change does not alter is not reviewed, nor blamed for its keys' tests)
    expect(hidden.models).toEqual([]);
    expect(hidden.findings).toEqual([]);
    const seen = await review(filtered('min_amount: 0\nshop:\n  min_amount: 10'), filtered('min_amount: 0\nshop:\n  min_amount: 20'));
    expect(seen.models.find((m) => m.name === 'fct_orders')!.changes).toEqual([
      expect.objectContaining({ kind: 'filter_changed', detail: expect.stringContaining('`amount >= 10` → `amount >= 20`') }),
    ]);
  });

  it('leaves a var scoped to another project alone', async () => {
    const r = await review(files('mat: table\nother_pkg:\n  mat: view'), files('mat: table\nother_pkg:\n  mat: ephemeral'));
    expect(r.models).toEqual([]);
    expect(r.conclusion).toBe('success');
  });
});
