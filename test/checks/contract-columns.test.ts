import { describe, expect, it } from 'vitest';
import { contractColumnsMismatch } from '../../src/checks/contracts.js';
import { column, computed, context, entry, model } from './factory.js';

const typed = (name: string) => column(name, { dataType: 'int', line: 5 });

function run(overrides: Parameters<typeof model>[0], selectedColumns?: string[]) {
  const m = model({ contractEnforced: true, raw: 'select id, amount from t', ...overrides });
  return contractColumnsMismatch.run(context(m, { ...(selectedColumns ? { selectedColumns, renderedSql: m.raw } : {}) }));
}

describe('contract-columns-mismatch', () => {
  it('compares the SQL columns with the contract without case, when both are known', () => {
    expect(run({ name: 'fct', columns: [typed('id'), typed('AMOUNT')] }, ['ID', 'amount'])).toEqual([]);
    expect(run({ name: 'fct', columns: [typed('id')] }, ['id', 'amount']).map((h) => [h.column, h.path, h.line])).toEqual([['amount', 'models/fct.sql', 1]]);
  });

  it('reports a contract column without data_type even when the SQL columns are unknown', () => {
    const hits = run({ name: 'fct', columns: [typed('id'), column('amount', { line: 7 })] });
    expect(hits.map((h) => [h.column, h.line])).toEqual([['amount', 7]]);
  });

  it('leaves tested columns to tested-column-missing, and judges nothing without an enforced contract or on other materializations', () => {
    const tested = column('gone', { dataType: 'int', tests: [{ name: 'not_null', columns: ['gone'], args: {}, enabled: true, level: 'column', path: 'models/_models.yml', line: 9 }] });
    expect(run({ name: 'fct', columns: [typed('id'), typed('amount'), tested] }, ['id', 'amount'])).toEqual([]);
    expect(run({ name: 'fct', contractEnforced: false, columns: [column('amount')] }, ['id'])).toEqual([]);
    expect(run({ name: 'fct', contractEnforced: undefined, columns: [column('amount')] }, ['id'])).toEqual([]);
    expect(run({ name: 'fct', config: { materialized: entry('ephemeral') }, columns: [column('amount')] }, ['id'])).toEqual([]);
    expect(run({ name: 'fct', config: { materialized: computed() }, columns: [column('amount')] }, ['id'])).toEqual([]);
  });

  it('does not compare columns made by a var the project does not set', () => {
    const raw = "select id{% for c in var('extra') %}, {{ c }}{% endfor %} from t";
    expect(run({ name: 'fct', raw, columns: [typed('id')] }, ['id', 'x'])).toEqual([]);
  });
});
