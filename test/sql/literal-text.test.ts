import { describe, expect, it } from 'vitest';
import { diff } from './helpers.js';

/** A change inside a string literal or a quoted name is a change of the text, not "the same text" with a cause upstream. */
describe('changes inside quotes are shown as text changes', () => {
  it('a string literal whose case changed', () => {
    const [change, ...more] = diff("select order_id from stg_orders where status = 'Complete'", "select order_id from stg_orders where status = 'complete'");
    expect(more).toEqual([]);
    expect(change!.detail).toBe("filter `status = 'Complete'` → `status = 'complete'`");
  });

  it('a quoted column name whose case changed (another column in Snowflake)', () => {
    const changes = diff('select order_id, "Amount" as a from stg_orders', 'select order_id, "AMOUNT" as a from stg_orders');
    expect(changes.map((c) => c.detail)).toEqual(['`a`: `"Amount"` → `"AMOUNT"`']);
  });

  it('a CASE whose literal changed', () => {
    const changes = diff(
      "select order_id, case when status = 'Complete' then 1 end as is_done from stg_orders",
      "select order_id, case when status = 'complete' then 1 end as is_done from stg_orders",
    );
    expect(changes.map((c) => c.detail)).toEqual(["`is_done`: `case when status = 'Complete' then 1 end` → `case when status = 'complete' then 1 end`"]);
  });

  it('spaces inside a literal are its value: shown as written, not collapsed into the same text', () => {
    const changes = diff("select order_id from stg_orders where status = 'a  b'", "select order_id from stg_orders where status = 'a b'");
    expect(changes.map((c) => c.detail)).toEqual(["filter `status = 'a  b'` → `status = 'a b'`"]);
  });

  it('case and spacing outside quotes still make no change', () => {
    expect(diff("select order_id from stg_orders where STATUS = 'x'", "select order_id from stg_orders where status   = 'x'")).toEqual([]);
  });
});
