import { describe, expect, it } from 'vitest';
import { analyzeSql, diffShapes, impactOf } from '../../src/sql/index.js';

const connectBy = (cols: string): string => `with emp as (\n  select * from stg_employees\n)\nselect ${cols}\nfrom emp\nstart with manager_id is null\nconnect by prior employee_id = manager_id`;

describe('tolerant extractor', () => {
  it('reads the final select list, relations and CTEs when no grammar parses', () => {
    const shape = analyzeSql(connectBy('employee_id,\n  manager_id,\n  level as depth'), { dialect: 'snowflake' });
    expect(shape.parse).toBe('tolerant');
    expect(shape.error).toBeTruthy();
    expect(shape.columns.map((c) => [c.name, c.line])).toEqual([['employee_id', 4], ['manager_id', 5], ['depth', 6]]);
    expect(shape.relations).toEqual(['stg_employees']);
    expect(shape.ctes).toEqual(['emp']);
  });

  it('still finds removed, renamed and added columns', () => {
    const opts = { dialect: 'snowflake' as const };
    const base = analyzeSql(connectBy('employee_id, manager_id, level as depth'), opts);
    const head = analyzeSql(connectBy('employee_id as emp_id, level as depth, title'), opts);
    const changes = diffShapes(base, head);
    expect(changes.map((c) => `${c.kind}:${c.column}`).sort()).toEqual(['column_added:title', 'column_removed:manager_id', 'column_renamed:employee_id']);
  });

  it('sees clauses such as where, group by and distinct', () => {
    const sql = (extra: string): string => `select region, sum(amount) as total\nfrom stg_sales\n${extra}group by grouping sets ((region), ())`;
    const base = analyzeSql(sql(''), { dialect: 'snowflake' });
    const head = analyzeSql(sql("where region <> 'x'\n"), { dialect: 'snowflake' });
    expect(base.parse).toBe('tolerant');
    const changes = diffShapes(base, head);
    expect(changes).toEqual([expect.objectContaining({ kind: 'filter_changed', line: 3 })]);
    expect(impactOf(changes)).toBe('model_wide');
  });

  it('fails only when not even a select list can be found', () => {
    const shape = analyzeSql('this is not sql at all', { dialect: 'snowflake' });
    expect(shape.parse).toBe('failed');
    expect(shape.error).toBeTruthy();
  });

  it('compares column names only, and says so, when one side parses fully and the other only tolerantly', () => {
    const opts = { dialect: 'snowflake' as const };
    const base = analyzeSql('select employee_id, manager_id from stg_employees', opts);
    const head = analyzeSql('select employee_id from stg_employees start with manager_id is null connect by prior employee_id = manager_id', opts);
    expect([base.parse, head.parse]).toEqual(['full', 'tolerant']);
    const changes = diffShapes(base, head);
    expect(changes.map((c) => c.kind).sort()).toEqual(['column_removed', 'unknown']);
    expect(impactOf(changes)).toBe('unknown');
  });
});
