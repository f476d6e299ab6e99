import { describe, expect, it } from 'vitest';
import { BREAKING_KINDS, breakingRuleId, breakingRules } from '../../src/checks/breaking.js';
import { testRemoved } from '../../src/checks/tests-removed.js';
import type { CheckContext } from '../../src/checks/types.js';
import { change, context, model } from './factory.js';

const runAll = (ctx: CheckContext) => breakingRules.flatMap((r) => r.run(ctx));

describe('breaking-* rules', () => {
  it('emits one finding per breaking change, with what changed, the detail and what to do', () => {
    const ctx = context(model({ name: 'fct_orders' }), {
      changes: [
        change('column_removed', { column: 'amount', detail: 'amount removed from the select list', path: 'models/fct_orders.sql', line: 7 }),
        change('column_renamed', { column: 'customer', detail: 'customer -> customer_name', line: 3 }),
        change('column_added', { column: 'x', breaking: false, impact: 'additive' }),
        change('filter_changed', { detail: "where status = 'paid' added", breaking: false, impact: 'model_wide' }),
      ],
    });
    const hits = runAll(ctx);
    expect(hits).toHaveLength(2);
    expect(hits[0]).toEqual({
      rule: 'breaking-column-removed',
      model: 'fct_orders',
      column: 'amount',
      path: 'models/fct_orders.sql',
      line: 7,
      message:
        'Column `amount` was removed (amount removed from the select list): keep the column, or version the model (`versions:`, keeping the old version until consumers have moved), and tell the owners of the downstream models and exposures.',
    });
    expect(hits[1]!.rule).toBe('breaking-column-renamed');
    expect(hits[1]!.message).toContain('`new_name as old_name`');
  });

  it('a join change asks to check the rows it now drops or adds (a removed inner join adds rows, it drops none)', () => {
    const detail = 'join removed: `inner join stg_customers c` (rows without a match, which it dropped, now appear)';
    const [hit] = runAll(context(model({ name: 'fct_orders' }), { changes: [change('join_changed', { detail, line: 4 })] }));
    expect(hit!.message).toBe(
      `A join changed (${detail}): check that the model still has one row per key (test its grain with \`unique\`) and that the rows it now drops or adds are the ones intended, and tell the owners of the downstream models and exposures.`,
    );
  });

  it('names a rule for every breaking change kind, and a generic one for the rest', () => {
    expect(breakingRuleId('model_removed')).toBe('breaking-model-removed');
    expect(breakingRuleId('materialization_changed')).toBe('breaking-materialization-ephemeral');
    expect(breakingRuleId('relation_identity_changed')).toBe('breaking-relation-identity-changed');
    expect(breakingRuleId('unknown')).toBe('breaking-change');
    for (const k of BREAKING_KINDS) {
      const hits = runAll(context(model({ name: 'm' }), { changes: [change(k.kind, { detail: 'd' })] }));
      expect(hits.map((h) => h.rule)).toEqual([k.id]);
      expect(hits[0]!.message).toMatch(/\(d\): .+\.$/);
    }
    const generic = runAll(context(model({ name: 'm' }), { changes: [change('description_changed', { detail: 'odd' })] }));
    expect(generic.map((h) => h.rule)).toEqual(['breaking-change']);
  });

  it('locates removals in the base file the change points at', () => {
    const [hit] = runAll(
      context(model({ name: 'old_model' }), { status: 'removed', changes: [change('model_removed', { path: 'models/old_model.sql', line: 1, impact: 'model_wide' })] }),
    );
    expect(hit).toMatchObject({ rule: 'breaking-model-removed', path: 'models/old_model.sql', line: 1 });
    expect(hit!.message).toContain('Model `old_model` was removed');
  });
});

describe('test-removed', () => {
  it('names the test and column, at the base YAML line', () => {
    const ctx = context(model({ name: 'fct_orders' }), {
      changes: [
        change('test_removed', { column: 'order_id', detail: 'test unique removed', path: 'models/_marts.yml', line: 12, breaking: false, impact: 'none' }),
        change('test_added', { column: 'order_id', detail: 'test not_null added', breaking: false, impact: 'none' }),
      ],
    });
    expect(testRemoved.run(ctx)).toEqual([
      {
        rule: 'test-removed',
        model: 'fct_orders',
        column: 'order_id',
        path: 'models/_marts.yml',
        line: 12,
        message:
          'A test on column `order_id` of `fct_orders` was removed (test unique removed): restore it, or replace it with an equivalent test and say in the pull request why the old one is no longer needed.',
      },
    ]);
  });

  it('handles model-level tests', () => {
    const [hit] = testRemoved.run(
      context(model({ name: 'fct_orders' }), { changes: [change('test_removed', { detail: 'test dbt_utils.expression_is_true removed', breaking: false, impact: 'none' })] }),
    );
    expect(hit!.message).toContain('A test on model `fct_orders` was removed');
    expect(hit!.column).toBeUndefined();
  });
});
