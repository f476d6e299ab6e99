import { describe, expect, it } from 'vitest';
import { diff, kinds } from './helpers.js';

// Snowflake's `* ilike|exclude ... replace (...) rename (...)` (https://docs.snowflake.com/en/sql-reference/sql/select).
// node-sql-parser reads a lone EXCLUDE, REPLACE or RENAME; combinations, ILIKE/LIKE and an unparenthesised RENAME
// are read by the tolerant extractor. A model read tolerantly on one side only also gets an `unknown` change.

describe('star modifiers: REPLACE keeps the column', () => {
  it('does not report a replaced column as removed', () => {
    const changes = diff('select * exclude (email) from stg_customers', 'select * exclude (email) replace (upper(country) as country) from stg_customers');
    expect(kinds(changes)).toEqual(['unknown']);
  });

  it('reports a changed REPLACE expression as an expression change of that column', () => {
    const base = 'select * exclude (email) replace (trim(country) as country) from stg_customers';
    const head = 'select * exclude (email) replace (upper(country) as country) from stg_customers';
    const changes = diff(base, head);
    expect(kinds(changes)).toEqual(['column_expression_changed:country']);
    expect(changes[0]!.detail).toContain('upper(country)');
    expect(changes[0]!.breaking).toBe(false);
  });

  it('over unknown upstream columns, reports a REPLACE added, changed or removed as an expression change of that column', () => {
    const added = diff('select * from stg_unknown', 'select * replace (upper(country) as country) from stg_unknown', 'snowflake', false);
    expect(added).toEqual([
      expect.objectContaining({ kind: 'column_expression_changed', column: 'country', impact: 'column', breaking: false, line: 1, side: 'head' }),
    ]);
    expect(added[0]!.detail).toBe('`country` is now `upper(country)` (`* replace` over the columns of `stg_unknown`) instead of the column as it is');
    const base = 'select * exclude (email) replace (trim(country) as country) from stg_unknown';
    const head = 'select * exclude (email, first_name)\nreplace (upper(country) as country) from stg_unknown';
    const changed = diff(base, head, 'snowflake', false);
    expect(kinds(changed)).toEqual(['column_expression_changed:country', 'column_removed:first_name']);
    expect(changed.find((c) => c.column === 'country')).toMatchObject({ line: 2, detail: '`country`: `trim(country)` → `upper(country)` (`* replace` over the columns of `stg_unknown`)' });
    const removed = diff('select * replace (trim(country) as country) from stg_unknown', 'select * from stg_unknown', 'snowflake', false);
    expect(removed.map((c) => [c.kind, c.column, c.detail])).toEqual([
      ['column_expression_changed', 'country', '`country` is the column of `stg_unknown` as it is again, no longer `trim(country)` (`* replace` removed)'],
    ]);
    // The same REPLACE on both sides: nothing.
    expect(diff(base, base.replace('trim(country)', 'trim( country )'), 'snowflake', false)).toEqual([]);
  });

  it('over a join of a known and an unknown relation, changes the known column and leaves the unknown star whole', () => {
    const base = 'select * from stg_customers join stg_unknown using (customer_id)';
    const head = 'select * replace (upper(country) as country) from stg_customers join stg_unknown using (customer_id)';
    expect(kinds(diff(base, head))).toEqual(['column_expression_changed:country']);
  });

  it('reads BigQuery `* except (...) replace (...)`', () => {
    expect(kinds(diff('select * from stg_customers', 'select * except (email) replace (upper(country) as country) from stg_customers', 'bigquery'))).toEqual(['column_removed:email', 'unknown']);
  });
});

describe('star modifiers: RENAME renames', () => {
  it('reports a RENAME added after EXCLUDE and REPLACE as a rename to the new name', () => {
    const base = 'select * exclude (email) replace (upper(country) as country) from stg_customers';
    const head = 'select * exclude (email) replace (upper(country) as country) rename (first_name as given_name) from stg_customers';
    const changes = diff(base, head);
    expect(kinds(changes)).toEqual(['column_renamed:first_name']);
    expect(changes[0]!.detail).toContain('given_name');
  });

  it('reads `rename a as b` without parentheses, and `t.*` with modifiers', () => {
    expect(kinds(diff('select * from stg_customers', 'select * rename first_name as given_name from stg_customers'))).toEqual(['column_added:given_name', 'column_removed:first_name', 'unknown']);
    const base = 'select c.* exclude email rename last_name as surname from stg_customers c';
    const head = 'select c.* exclude email rename (last_name as surname, first_name as given_name) from stg_customers c';
    expect(kinds(diff(base, head))).toEqual(['column_renamed:first_name']);
  });

  it('reports the old name gone and the new one added when the upstream columns are unknown', () => {
    const base = 'select * exclude (email) replace (upper(country) as country) from stg_unknown';
    const head = 'select * exclude (email) replace (upper(country) as country) rename (first_name as given_name) from stg_unknown';
    expect(kinds(diff(base, head, 'snowflake', false))).toEqual(['column_added:given_name', 'column_removed:first_name']);
  });
});

describe('star modifiers: ILIKE / LIKE keep the matching columns', () => {
  it('reports the columns an ILIKE leaves out as removed', () => {
    expect(kinds(diff('select * from stg_customers', "select * ilike '%_id' from stg_customers"))).toEqual([
      'column_removed:country',
      'column_removed:created_at',
      'column_removed:email',
      'column_removed:first_name',
      'column_removed:last_name',
      'unknown',
    ]);
    // ILIKE is case-insensitive: an excluded column that the pattern does not match is not added back
    expect(kinds(diff('select * exclude (email) from stg_customers', "select * ilike '%_ID' from stg_customers"))).toEqual([
      'column_removed:country',
      'column_removed:created_at',
      'column_removed:first_name',
      'column_removed:last_name',
      'unknown',
    ]);
  });

  it('compares the columns of two patterns (`%` any run, `_` one character; LIKE against upper-case names)', () => {
    expect(kinds(diff("select * ilike '%_id' from stg_orders", "select * ilike '%_at' from stg_orders"))).toEqual([
      'column_added:created_at',
      'column_added:updated_at',
      'column_removed:customer_id',
      'column_removed:order_id',
    ]);
    expect(kinds(diff("select * like '%_ID' from stg_orders", "select * like 'ORDER_%' from stg_orders"))).toEqual(['column_added:order_date', 'column_removed:customer_id']);
    expect(diff("select * ilike 'order_id' from stg_orders", "select * ilike 'order_i_' from stg_orders")).toEqual([]);
  });

  it('applies REPLACE and RENAME to the columns an ILIKE keeps', () => {
    const head = "select * ilike '%name' replace (upper(first_name) as first_name) rename (last_name as surname) from stg_customers";
    expect(kinds(diff("select * ilike '%name' from stg_customers", head))).toEqual(['column_expression_changed:first_name', 'column_renamed:last_name']);
  });

  it('never takes modifier keywords or expressions for excluded columns when the upstream columns are unknown', () => {
    // Not `replace`, `upper` or `a_id` excluded: the REPLACE gives `a_id` a new expression, and that is all.
    expect(kinds(diff("select * ilike '%_id' from stg_unknown", "select * ilike '%_id' replace (upper(a_id) as a_id) from stg_unknown", 'snowflake', false))).toEqual([
      'column_expression_changed:a_id',
    ]);
  });
});
