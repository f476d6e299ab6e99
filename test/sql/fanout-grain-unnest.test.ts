import { describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/config.js';
import { diff } from './helpers.js';

const base = 'select\n    o.id as order_id,\n    o.amount\nfrom raw__orders as o';
const head = (fanout: string, column = 'item.sku'): string => `select\n    o.id as order_id,\n    o.amount,\n    ${column}\nfrom raw__orders as o\n${fanout}`;

const grainChanges = (b: string, h: string, dialect: Dialect) => diff(b, h, dialect, false).filter((c) => c.kind !== 'column_added');

describe('BigQuery UNNEST is a fan-out, as in the other dialects', () => {
  const dropped = 'multiplies rows (one per array element; rows with empty arrays disappear)';
  const kept = 'multiplies rows (one per array element; a row whose array is empty or NULL is kept once, with NULLs)';

  it.each([
    ['cross join unnest(o.items) as item', '`unnest(o.items)`', dropped],
    [', unnest(o.items) as item', '`unnest(o.items)`', dropped],
    ['cross join unnest(o.items) item', '`unnest(o.items)`', dropped],
    ['left join unnest(o.items) as item', '`left join unnest(o.items)`', kept],
  ])('`%s`: grain_changed fan-out, breaking, on its line', (fanout, text, effect) => {
    expect(grainChanges(base, head(fanout), 'bigquery')).toEqual([
      { kind: 'grain_changed', detail: `fan-out added: ${text} ${effect}`, line: 6, side: 'head', impact: 'model_wide', breaking: true },
    ]);
  });

  it('`unnest(...) with offset as pos`: the fan-out, and `pos` is the element position (a filter on it is a filter)', () => {
    const withOffset = head('cross join unnest(o.skus) as sku with offset as pos', 'sku,\n    pos');
    expect(grainChanges(base, withOffset, 'bigquery')).toEqual([expect.objectContaining({ kind: 'grain_changed', detail: `fan-out added: \`unnest(o.skus)\` ${dropped}`, line: 7, breaking: true })]);
    const filtered = `${withOffset}\nwhere pos < 3`;
    expect(diff(withOffset, filtered, 'bigquery', false)).toEqual([expect.objectContaining({ kind: 'filter_changed', detail: expect.stringMatching(/^filter added: `pos < 3`/), line: 8 })]);
  });

  it("BigQuery's implicit unnest `from t as o, o.items as item` is the same fan-out as `unnest(o.items)`", () => {
    expect(grainChanges(base, head(', o.items as item'), 'bigquery')).toEqual([expect.objectContaining({ kind: 'grain_changed', detail: `fan-out added: \`o.items\` ${dropped}`, line: 6, breaking: true })]);
    expect(diff(head(', o.items as item'), head('cross join unnest(o.items) as item'), 'bigquery', false)).toEqual([]);
  });

  it('the same SQL reads the same in BigQuery, Postgres, DuckDB and Trino', () => {
    for (const dialect of ['bigquery', 'postgres', 'duckdb', 'trino'] as const) {
      expect(grainChanges(base, head('cross join unnest(o.items) as item'), dialect), dialect).toEqual([expect.objectContaining({ kind: 'grain_changed', detail: `fan-out added: \`unnest(o.items)\` ${dropped}`, line: 6 })]);
    }
  });

  it('an unchanged UNNEST is no change; unnesting another array is a changed fan-out', () => {
    const h = head('cross join unnest(o.items) as item');
    expect(diff(h, h, 'bigquery', false)).toEqual([]);
    expect(grainChanges(h, h.replace('o.items', 'o.lines'), 'bigquery').filter((c) => c.kind === 'grain_changed')).toEqual([
      expect.objectContaining({ kind: 'grain_changed', detail: 'fan-out changed: `unnest(o.items)` → `unnest(o.lines)`: rows now multiply by another expansion (row count and values change)', line: 6 }),
    ]);
  });

  it('cross join → left join UNNEST: the same expansion, rows with empty arrays are now kept', () => {
    expect(grainChanges(head('cross join unnest(o.items) as item'), head('left join unnest(o.items) as item'), 'bigquery')).toEqual([
      expect.objectContaining({
        kind: 'grain_changed',
        detail: 'fan-out changed: `unnest(o.items)` → `left join unnest(o.items)`: the same expansion, but a row whose array is empty or NULL is now kept once, with NULLs, instead of disappearing (the row count grows)',
        line: 6,
        breaking: true,
      }),
    ]);
  });
});
