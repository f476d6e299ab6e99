import { describe, expect, it } from 'vitest';
import { selectResidual } from '../../src/llm/residual.js';
import type { ModelChange } from '../../src/review/types.js';
import { change, changedFilesOf, model, requestOf, reviewOf, shopChange, snapshot, BASE_FILES, HEAD_FILES } from './helpers.js';

describe('selectResidual', () => {
  it('sends judgement changes, Python models and used macros, and not formatting or explained changes', () => {
    const { review, request, head } = shopChange();
    const { items, notSent } = selectResidual({ review, request, head });
    expect(items.map((i) => [i.path, i.kind])).toEqual([
      ['models/marts/fct_orders.sql', 'model'],
      ['models/ml/churn_features.py', 'python_model'],
      ['macros/cents_to_dollars.sql', 'macro'],
    ]);
    expect(notSent).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'models/staging/stg_orders.sql', reason: 'formatting only' }),
        expect.objectContaining({ path: 'models/staging/stg_customers.sql', reason: 'fully explained by the rules' }),
      ]),
    );
    // property YAML (a test added) is never sent
    expect(items.some((i) => i.path.endsWith('.yml'))).toBe(false);
  });

  it('carries the context: columns, downstream users and owners, rule findings and explained changes', () => {
    const { review, request, head } = shopChange();
    const fct = selectResidual({ review, request, head }).items[0]!;
    expect(fct.context.columns).toEqual(['order_id', 'customer_id', 'ordered_at', 'amount']);
    expect(fct.context.downstream.map((d) => [d.name, d.owner])).toEqual([
      ['revenue_dashboard', '@finance'],
      ['churn_features', '@ml'],
    ]);
    expect(fct.context.judgement.map((c) => c.kind)).toEqual(['join_changed', 'filter_changed']);
    expect(fct.context.explained.map((c) => c.kind)).toEqual(['test_added']);
    const macro = selectResidual({ review, request, head }).items.find((i) => i.kind === 'macro')!;
    expect(macro.context.usedBy?.map((u) => u.name)).toEqual(['stg_payments']);
  });

  it('sends only the hunks around the changes that need judgement', () => {
    const base = Array.from({ length: 60 }, (_, i) => `    col_${i} as c${i},`).join('\n') + '\n';
    const head = base.replace('    col_5 as c5,', '    col_5 + 1 as c5,').replace('    col_50 as c50,', '    col_50 as c50,\n    col_x as cx,');
    const files = changedFilesOf({ 'models/marts/m.sql': base }, { 'models/marts/m.sql': head });
    const review = reviewOf([
      model('m', 'models/marts/m.sql', [
        change('column_expression_changed', 'models/marts/m.sql', { column: 'c5', line: 6 }),
        change('column_added', 'models/marts/m.sql', { column: 'cx', line: 52 }),
      ]),
    ]);
    const [item] = selectResidual({ review, request: requestOf(files) }).items;
    expect(item!.hunks).toHaveLength(1);
    expect(item!.hunks[0]!.lines.some((l) => l.text.includes('col_5 + 1'))).toBe(true);
    expect(item!.hunks[0]!.lines.some((l) => l.text.includes('col_x'))).toBe(false);
  });

  it('does not send changes whose consequence the rules state in full, and keeps them as context', () => {
    const base = Array.from({ length: 40 }, (_, i) => `    col_${i} as c${i},`).join('\n') + '\nfrom t\n';
    const head = base.replace('    col_5 as c5,', '    col_5 * 100 as c5,').replace('from t\n', "from t\nwhere status != 'void'\n");
    const files = changedFilesOf({ 'models/marts/m.sql': base, 'models/marts/n.sql': base }, { 'models/marts/m.sql': head, 'models/marts/n.sql': base.replace('from t\n', "from t\nwhere status != 'void'\n") });
    const filterAdded = (path: string): ModelChange => change('filter_changed', path, { line: 42, settled: true, breaking: true });
    const review = reviewOf([
      model('m', 'models/marts/m.sql', [change('column_expression_changed', 'models/marts/m.sql', { column: 'c5', line: 6 }), filterAdded('models/marts/m.sql')]),
      model('n', 'models/marts/n.sql', [filterAdded('models/marts/n.sql')]),
    ]);
    const sel = selectResidual({ review, request: requestOf(files) });
    expect(sel.items.map((i) => i.name)).toEqual(['m']);
    expect(sel.notSent).toEqual([expect.objectContaining({ name: 'n', reason: 'fully explained by the rules' })]);
    const [m] = sel.items;
    expect(m!.context.judgement.map((c) => c.kind)).toEqual(['column_expression_changed']);
    expect(m!.context.explained.map((c) => c.kind)).toEqual(['filter_changed']);
    const sent = m!.hunks.flatMap((h) => h.lines.map((l) => l.text)).join('\n');
    expect(sent).toContain('col_5 * 100');
    expect(sent).not.toContain("status != 'void'");
  });

  it('sends every meaningful hunk of a model whose impact is unknown, minus formatting-only hunks', () => {
    const base = ['{% for c in cols %}', '  {{ c }},', '{% endfor %}', ...Array.from({ length: 20 }, (_, i) => `x${i},`), 'select 1 as one', 'from t'].join('\n') + '\n';
    const head = base.replace('  {{ c }},', '  {{ c | upper }},').replace('select 1 as one', 'SELECT 1 AS one');
    const files = changedFilesOf({ 'models/int/m.sql': base }, { 'models/int/m.sql': head });
    const review = reviewOf([model('m', 'models/int/m.sql', [change('unknown', 'models/int/m.sql')], { unknownReason: 'template failed to render' })]);
    const sel = selectResidual({ review, request: requestOf(files) });
    expect(sel.items).toHaveLength(1);
    const text = sel.items[0]!.hunks.flatMap((h) => h.lines.map((l) => l.text)).join('\n');
    expect(text).toContain('{{ c | upper }}');
    expect(text).not.toContain('SELECT 1 AS one');
    expect(sel.items[0]!.reasons.join(' ')).toContain('impact unknown');
  });

  it('skips a changed macro that no model calls, and a macro change that is formatting only', () => {
    const base = { ...BASE_FILES, 'macros/unused.sql': '{% macro unused() %}1{% endmacro %}\n' };
    const head = {
      ...BASE_FILES,
      'macros/unused.sql': '{% macro unused() %}2{% endmacro %}\n',
      'macros/cents_to_dollars.sql': BASE_FILES['macros/cents_to_dollars.sql']!.replace('(16, {{ scale }})', '(16,{{ scale }})'),
    };
    const sel = selectResidual({ review: reviewOf([]), request: requestOf(changedFilesOf(base, head)), head: snapshot(head) });
    expect(sel.items).toEqual([]);
    expect(sel.notSent).toEqual(
      expect.arrayContaining([
        { path: 'macros/unused.sql', reason: 'macro not called by any model' },
        { path: 'macros/cents_to_dollars.sql', reason: 'macro change is formatting only' },
      ]),
    );
  });

  it('orders by risk: breaking suspicion, then marts before staging, then more downstream users', () => {
    const names = ['stg_a', 'fct_b', 'fct_c', 'int_d'];
    const paths: Record<string, string> = {
      stg_a: 'models/staging/stg_a.sql',
      fct_b: 'models/marts/fct_b.sql',
      fct_c: 'models/marts/fct_c.sql',
      int_d: 'models/intermediate/int_d.sql',
    };
    const base = Object.fromEntries(names.map((n) => [paths[n]!, 'select a\nfrom t\nwhere x = 1\n']));
    const head = Object.fromEntries(names.map((n) => [paths[n]!, 'select a\nfrom t\nwhere x = 2\n']));
    const files = changedFilesOf(base, head);
    const filter = (p: string) => change('filter_changed', p, { line: 3 });
    const review = reviewOf([
      model('stg_a', paths['stg_a']!, [filter(paths['stg_a']!), change('column_removed', paths['stg_a']!, { column: 'b' })]),
      model('fct_b', paths['fct_b']!, [filter(paths['fct_b']!)], { downstream: [{ name: 'x', owner: null, columnsUsed: [] }] }),
      model('fct_c', paths['fct_c']!, [filter(paths['fct_c']!)], {
        downstream: [
          { name: 'x', owner: null, columnsUsed: [] },
          { name: 'y', owner: null, columnsUsed: [] },
        ],
      }),
      model('int_d', paths['int_d']!, [filter(paths['int_d']!)]),
    ]);
    const order = selectResidual({ review, request: requestOf(files) }).items.map((i) => i.name);
    expect(order).toEqual(['stg_a', 'fct_c', 'fct_b', 'int_d']);
  });

  it('finds Python models the pipeline did not list, under the project model paths only', () => {
    const base = { 'dbt_project.yml': 'name: p\nmodel-paths: [transform]\n', 'transform/score.py': 'def model(dbt, s):\n    return 1\n', 'scripts/tool.py': 'x = 1\n' };
    const head = { ...base, 'transform/score.py': 'def model(dbt, s):\n    return 2\n', 'scripts/tool.py': 'x = 2\n' };
    const sel = selectResidual({ review: reviewOf([]), request: requestOf(changedFilesOf(base, head)), head: snapshot(head) });
    expect(sel.items.map((i) => [i.path, i.kind])).toEqual([['transform/score.py', 'python_model']]);
  });

  it('uses columns declared in property YAML when the pipeline gave no output columns', () => {
    const { review, request } = shopChange();
    review.models[0] = { ...review.models[0]!, columns: undefined };
    const fct = selectResidual({ review, request, head: snapshot(HEAD_FILES) }).items[0]!;
    expect(fct.context.columns).toEqual(['order_id', 'customer_id', 'ordered_at', 'amount']);
    expect(fct.context.columnsSource).toBe('yaml');
  });
});
