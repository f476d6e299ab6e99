import { describe, expect, it } from 'vitest';
import { diff } from './helpers.js';

const model = (order: string, keys = 'customer_id'): string =>
  `select distinct on (${keys}) customer_id, id as last_order_id, created_at\nfrom raw__orders\n${order}`;

describe('DISTINCT ON: its ORDER BY decides which row of each key is kept', () => {
  for (const dialect of ['postgres', 'duckdb'] as const) {
    it(`${dialect}: the order within a key reversed is an order_limit_changed on the ORDER BY line`, () => {
      expect(diff(model('order by customer_id, created_at desc'), model('order by customer_id, created_at asc'), dialect, false)).toEqual([
        {
          kind: 'order_limit_changed',
          detail: '`distinct on (customer_id) order by customer_id, created_at desc` → `distinct on (customer_id) order by customer_id, created_at asc`: still one row per `customer_id`, but which row is kept when there are several (and so the values of the other columns) can change',
          line: 3,
          side: 'head',
          impact: 'model_wide',
          breaking: false,
        },
      ]);
    });

    it(`${dialect}: the ORDER BY removed (an arbitrary row per key) is a change too`, () => {
      expect(diff(model('order by customer_id, created_at'), model(''), dialect, false)).toEqual([
        expect.objectContaining({
          kind: 'order_limit_changed',
          detail: '`distinct on (customer_id) order by customer_id, created_at` → `distinct on (customer_id) without order by`: still one row per `customer_id`, but which row is kept when there are several (and so the values of the other columns) can change',
          line: 1,
        }),
      ]);
    });
  }

  it('ordering only by the DISTINCT ON keys (which only orders the output) is no change, nor is reformatting', () => {
    expect(diff(model('order by customer_id, created_at desc'), model('order by customer_id desc, created_at desc'), 'postgres', false)).toEqual([]);
    expect(diff(model('order by customer_id, created_at desc'), model('ORDER BY customer_id,\n  created_at DESC'), 'postgres', false)).toEqual([]);
    expect(diff(model('order by customer_id'), model(''), 'postgres', false)).toEqual([]);
  });

  it('ORDER BY without DISTINCT ON and without a limit stays a no-op', () => {
    const plain = (order: string): string => `select customer_id, id as last_order_id\nfrom raw__orders\n${order}`;
    expect(diff(plain('order by customer_id, created_at desc'), plain('order by customer_id, created_at asc'), 'postgres', false)).toEqual([]);
  });

  it('DISTINCT ON re-keyed is still one distinct_changed', () => {
    expect(diff(model('order by customer_id, created_at'), model('order by customer_id, region, created_at', 'customer_id, region'), 'postgres', false).map((c) => c.kind)).toEqual(['distinct_changed']);
  });
});
