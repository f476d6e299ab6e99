/**
 * What a change removed from property YAML or dbt_project.yml (a test, a constraint, an owner) is located at the
 * line it had in the base revision, and says so (`side: 'base'`): in the JSON, in the Markdown ("before the change")
 * and in the GitHub App (on the LEFT side of the diff).
 */
import { describe, expect, it } from 'vitest';
import { diffLineIndex, planInlineComments } from '../../src/github/inline-comments.js';
import { renderSummaryMarkdown } from '../../src/review/markdown.js';
import { lines, reviewBetween } from './review-between.js';

const review = reviewBetween();

const PROJECT = lines('name: shop', "version: '1.0'", 'config-version: 2', 'profile: shop');
const SQL = 'select 1 as order_id, 2 as amount\n';

// 14 lines at the base, 10 at the head: the owner (line 6) and the `not_null` on `amount` (line 14) are gone.
const BASE_PROPS = lines(
  'version: 2',
  'models:',
  '  - name: fct_orders',
  '    description: d',
  '    config:',
  '      meta: {owner: "@a"}',
  '    columns:',
  '      - name: order_id',
  '        data_tests:',
  '          - unique',
  '          - not_null',
  '      - name: amount',
  '        data_tests:',
  '          - not_null',
);
const HEAD_PROPS = lines(
  'version: 2',
  'models:',
  '  - name: fct_orders',
  '    description: d',
  '    columns:',
  '      - name: order_id',
  '        data_tests:',
  '          - unique',
  '          - not_null',
  '      - name: amount',
);

describe('removals found in property YAML are located at the base revision', () => {
  it('a removed test and a removed owner carry side: base with their base line, in the changes and the findings', async () => {
    const base = { 'dbt_project.yml': PROJECT, 'models/fct_orders.sql': SQL, 'models/props.yml': BASE_PROPS };
    const head = { ...base, 'models/props.yml': HEAD_PROPS };
    const r = await review(base, head);
    const m = r.models.find((x) => x.name === 'fct_orders')!;
    expect(m.changes).toContainEqual(
      expect.objectContaining({ kind: 'test_removed', column: 'amount', path: 'models/props.yml', line: 14, side: 'base' }),
    );
    expect(m.changes).toContainEqual(
      expect.objectContaining({ kind: 'owner_changed', detail: 'owner: @a -> (none)', path: 'models/props.yml', line: 6, side: 'base' }),
    );
    const removed = r.findings.find((f) => f.rule === 'test-removed')!;
    expect(removed).toMatchObject({ column: 'amount', path: 'models/props.yml', line: 14, side: 'base' });

    const markdown = renderSummaryMarkdown(r);
    expect(markdown).toContain('**test-removed** `models/props.yml:14` (before the change)');
    // the change list names the property file (the model's header names its SQL file) and the side
    expect(markdown).toContain('test not_null on amount removed (`models/props.yml:14`, before the change)');
    expect(markdown).toContain('owner: @a -> (none) (`models/props.yml:6`, before the change)');

    // The App comments on the removed line, on the LEFT side of the diff.
    const patch = lines(
      '@@ -3,12 +3,8 @@ models:',
      '   - name: fct_orders',
      '     description: d',
      '-    config:',
      '-      meta: {owner: "@a"}',
      '     columns:',
      '       - name: order_id',
      '         data_tests:',
      '           - unique',
      '           - not_null',
      '       - name: amount',
      '-        data_tests:',
      '-          - not_null',
    );
    const plan = planInlineComments([removed], diffLineIndex([{ path: 'models/props.yml', patch }]), new Set());
    expect(plan.comments.map((c) => c.comment)).toEqual([expect.objectContaining({ path: 'models/props.yml', line: 14, side: 'LEFT' })]);
  });

  it('a constraint removed from an enforced contract is at its base line, side: base', async () => {
    const props = (constraint: boolean) =>
      lines(
        'version: 2',
        'models:',
        '  - name: fct_orders',
        '    config:',
        '      meta: {owner: "@a"}',
        '      contract: {enforced: true}',
        '    columns:',
        '      - name: order_id',
        '        data_type: int',
        ...(constraint ? ['        constraints:', '          - type: primary_key'] : []),
        '        data_tests: [unique, not_null]',
        '      - name: amount',
        '        data_type: int',
      );
    const base = { 'dbt_project.yml': PROJECT, 'models/fct_orders.sql': SQL, 'models/props.yml': props(true) };
    const head = { ...base, 'models/props.yml': props(false) };
    const r = await review(base, head);
    const m = r.models.find((x) => x.name === 'fct_orders')!;
    expect(m.changes).toContainEqual(expect.objectContaining({ kind: 'constraint_removed', column: 'order_id', path: 'models/props.yml', line: 11, side: 'base' }));
    expect(r.findings).toContainEqual(expect.objectContaining({ rule: 'breaking-constraint-removed', path: 'models/props.yml', line: 11, side: 'base' }));
  });

  it('an owner removed from dbt_project.yml is at its base line there, side: base', async () => {
    const withOwner = PROJECT + lines('models:', '  shop:', '    +materialized: table', '    +meta: {owner: "@proj"}');
    const withoutOwner = PROJECT + lines('models:', '  shop:', '    +materialized: table');
    const base = { 'dbt_project.yml': withOwner, 'models/fct_orders.sql': SQL, 'models/props.yml': HEAD_PROPS };
    const head = { ...base, 'dbt_project.yml': withoutOwner };
    const r = await review(base, head);
    const m = r.models.find((x) => x.name === 'fct_orders')!;
    expect(m.changes).toContainEqual(
      expect.objectContaining({ kind: 'owner_changed', detail: 'owner: @proj -> (none)', path: 'dbt_project.yml', line: 8, side: 'base' }),
    );
  });

  it('what still exists at head keeps its head line, without side', async () => {
    // the owner moves from the YAML entry to dbt_project.yml: the new owner's line is a head line
    const base = { 'dbt_project.yml': PROJECT, 'models/fct_orders.sql': SQL, 'models/props.yml': BASE_PROPS };
    const head = { ...base, 'dbt_project.yml': PROJECT + lines('models:', '  shop:', '    +meta: {owner: "@b"}'), 'models/props.yml': HEAD_PROPS };
    const r = await review(base, head);
    const owner = r.models.find((x) => x.name === 'fct_orders')!.changes.find((c) => c.kind === 'owner_changed')!;
    expect(owner).toMatchObject({ detail: 'owner: @a -> @b', path: 'dbt_project.yml', line: 7 });
    expect(owner).not.toHaveProperty('side');
  });
});
