import { describe, expect, it } from 'vitest';
import { incrementalSchemaChange } from '../../src/checks/incremental-schema.js';
import { change, computed, context, entry, model } from './factory.js';

const PATH = 'models/fct_events.sql';

/** fct_events incremental at base and head, with `cfg` added to the head's config. */
function run(cfg: Record<string, unknown>, changes = [change('column_added', { column: 'channel', path: PATH, line: 4 })], baseMaterialized = 'incremental') {
  const configOf = (extra: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries({ materialized: 'incremental', ...extra }).map(([k, v], i) => [k, v === 'COMPUTED' ? computed(PATH, 1) : entry(v, PATH, i + 1, { level: 'sql' })]),
    );
  const head = model({ name: 'fct_events', config: configOf(cfg) });
  const base = model({ name: 'fct_events', config: configOf({ materialized: baseMaterialized }) });
  return incrementalSchemaChange.run(context(head, { baseModel: base, changes }));
}

describe('incremental-schema-change', () => {
  it('an added column under the default (ignore): left out of the existing table, at the column, with the full refresh to run', () => {
    const hits = run({});
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ rule: 'incremental-schema-change', model: 'fct_events', column: 'channel', path: PATH, line: 4 });
    expect(hits[0]!.message).toContain('`on_schema_change` unset (dbt defaults to `ignore`)');
    expect(hits[0]!.message).toContain('`channel` is not added to the existing table');
    expect(hits[0]!.message).toContain('`dbt run --full-refresh -s fct_events`');
  });

  it('a removed or renamed column under ignore fails the next run; the base line stays on the base side', () => {
    const removed = run({ on_schema_change: 'ignore' }, [change('column_removed', { column: 'amount', path: PATH, line: 3, side: 'base' })]);
    expect(removed[0]).toMatchObject({ column: 'amount', line: 3, side: 'base' });
    expect(removed[0]!.message).toContain('`on_schema_change: ignore` (`models/fct_events.sql:2`)');
    expect(removed[0]!.message).toContain('the next incremental run fails');
    expect(run({}, [change('column_renamed', { column: 'amount', path: PATH, line: 3 })])[0]!.message).toContain('no longer selects `amount`');
  });

  it('fail stops on any column change; append_new_columns only on type changes; sync_all_columns never', () => {
    const changes = [change('column_added', { column: 'a', path: PATH, line: 2 }), change('column_removed', { column: 'b', path: PATH, line: 3 }), change('column_type_changed', { column: 'c', path: PATH, line: 4 })];
    expect(run({ on_schema_change: 'fail' }, changes).map((h) => h.column)).toEqual(['a', 'b', 'c']);
    expect(run({ on_schema_change: 'fail' }, changes)[0]!.message).toContain('the next incremental run fails on `a`');
    const append = run({ on_schema_change: 'append_new_columns' }, changes);
    expect(append.map((h) => h.column)).toEqual(['c']);
    expect(append[0]!.message).toContain('the table keeps the old type of `c`');
    expect(run({ on_schema_change: 'sync_all_columns' }, changes)).toEqual([]);
  });

  it('says a full refresh is blocked when full_refresh is false', () => {
    const hits = run({ full_refresh: false });
    expect(hits[0]!.message).toContain('`full_refresh: false` blocks a full refresh');
    expect(hits[0]!.message).not.toContain('dbt run --full-refresh');
  });

  it('reports a column once although the full and is_incremental() renders both report it', () => {
    const twice = [change('column_added', { column: 'channel', path: PATH, line: 4 }), change('column_added', { column: 'channel', path: PATH, line: 4, detail: 'in the is_incremental() branch: ...' })];
    expect(run({}, twice)).toHaveLength(1);
  });

  it('judges nothing when the model was not incremental before, the setting is computed or unknown, or no column changed', () => {
    expect(run({}, undefined, 'table')).toEqual([]);
    expect(run({ on_schema_change: 'COMPUTED' })).toEqual([]);
    expect(run({ on_schema_change: 'something_new' })).toEqual([]);
    expect(run({}, [change('filter_changed', { path: PATH, line: 5 })])).toEqual([]);
    const head = model({ name: 'fct_events', config: { materialized: entry('incremental', PATH, 1, { level: 'sql' }) } });
    expect(incrementalSchemaChange.run(context(head, { status: 'added', changes: [change('column_added', { column: 'x' })] }))).toEqual([]);
  });
});
