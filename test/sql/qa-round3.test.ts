import { describe, expect, it } from 'vitest';
import { analyzeSql, diffShapes, type ModelShape, type OutputColumn } from '../../src/sql/index.js';
import { diff } from './helpers.js';

describe('QA round 3: the cast note speaks only of an outer cast really added or removed', () => {
  const payments = (expr: string): string => `select\n    id as payment_id,\n    ${expr} as amount\nfrom raw__payments`;

  it('`round(x / 100.0, 2)::number(16, 2)` → `(x / 100)::number(16, 2)`: both cast, no note, the text without its alias', () => {
    const changes = diff(payments('round(amount / 100.0, 2)::number(16, 2)'), payments('(amount / 100)::number(16, 2)'), 'snowflake', false);
    expect(changes).toEqual([
      expect.objectContaining({
        kind: 'column_expression_changed',
        column: 'amount',
        line: 3,
        breaking: false,
        detail: '`amount`: `round(amount / 100.0, 2)::number(16, 2)` → `(amount / 100)::number(16, 2)`',
      }),
    ]);
  });

  // shapes written by hand: a column's text may be captured with its alias (`x::t as a`, `cast(x as t) as a`, `(x)::t a`)
  const shape = (column: OutputColumn): ModelShape => ({ ...analyzeSql('select 1 as amount from raw__payments', { dialect: 'snowflake' }), columns: [column] });
  const col = (expr: string, text: string, type?: string): OutputColumn => ({ name: 'amount', expr, text, line: 3, ...(type ? { type } : {}) });
  const detailOf = (b: OutputColumn, h: OutputColumn): string | undefined => diffShapes(shape(b), shape(h)).find((c) => c.kind === 'column_expression_changed')?.detail;

  it('a cast kept on both sides, written with an alias on one of them, is neither added nor removed', () => {
    const aliased = ['(amount / 100)::number(16, 2) as amount', '(amount / 100)::number(16, 2) amount', '(amount / 100)::number(16, 2) as "AMOUNT"', 'cast(amount / 100 as number(16, 2)) as amount', 'cast(amount / 100 as number(16, 2)) amount', 'try_cast(amount / 100 as number(16, 2)) as amount'];
    const kept = col('round(/(amount,100.0),2)', 'round(amount / 100.0, 2)::number(16, 2)', 'decimal');
    for (const text of aliased) {
      const h = col('/(amount,100)', text, 'decimal');
      expect(detailOf(kept, h)).toBe(`\`amount\`: \`${kept.text}\` → \`${text}\``);
      expect(detailOf(h, kept)).toBe(`\`amount\`: \`${text}\` → \`${kept.text}\``);
    }
  });

  it('a cast written with its alias that really was added or removed is still told', () => {
    for (const text of ['(amount)::number(16, 2) as amount', 'cast(amount as number(16, 2)) as amount', '(amount)::number(16, 2) amount']) {
      const cast = col('amount', text, 'decimal');
      const plain = col('/(amount,100)', 'amount / 100');
      expect(detailOf(cast, plain)).toBe(`\`amount\`: \`${text}\` → \`amount / 100\` (cast to decimal removed)`);
      expect(detailOf(plain, cast)).toBe(`\`amount\`: \`amount / 100\` → \`${text}\` (now cast to decimal)`);
    }
  });
});

describe('QA round 3: two operands side by side in a select item (a missing comma) are not read tolerantly', () => {
  const orders = (items: string): string =>
    `with source as (\n    select * from raw__orders\n),\nrenamed as (\n    select\n        id as order_id,\n        status as order_status,\n${items}\n    from source\n)\nselect * from renamed`;
  const base = orders('        promo_code');
  const head = orders('        promo_code\n        current_timestamp() as _loaded_at');

  it('reports the head as not analysable, with the parser message, instead of removing `promo_code`', () => {
    const shape = analyzeSql(head, { dialect: 'snowflake' });
    expect(shape.parse).toBe('failed');
    expect(shape.error).toMatch(/^node-sql-parser \(snowflake grammar\) stopped at line 9/);
    expect(shape.error).toContain('two operands side by side without an operator (a missing comma?): `promo_code current_timestamp()` at line 8');
    const changes = diff(base, head, 'snowflake', false);
    expect(changes.map((c) => c.kind)).not.toContain('column_removed');
    expect(changes.map((c) => c.kind)).not.toContain('column_added');
    expect(changes).toEqual([expect.objectContaining({ kind: 'unknown', breaking: false })]);
  });

  // a model no grammar parses (connect by), so that its select list is read tolerantly
  const connectBy = (item: string): string => `with emp as (\n  select * from stg_employees\n)\nselect employee_id,\n  ${item}\nfrom emp\nstart with manager_id is null\nconnect by prior employee_id = manager_id`;

  it('gives up on two plain operands juxtaposed (names, qualified names, literals, calls), and only on those', () => {
    const juxtaposed = ['promo_code current_timestamp()', 'emp.a emp.b', 'a 1 as x', 'f(x) g(y) z', 'emp.promo_code current_timestamp as loaded_at', '"Promo" other as x', 'a b c', 'a b as "C"', '1 2'];
    for (const item of juxtaposed) {
      const shape = analyzeSql(connectBy(item), { dialect: 'snowflake' });
      expect(shape.parse, item).toBe('failed');
      expect(shape.error, item).toContain('tolerant extraction failed: two operands side by side without an operator');
    }
    const sql: [string, string][] = [
      ["interval '1 day' as i", 'i'],
      ["date '2020-01-01' as d", 'd'],
      ["timestamp '2020-01-01 00:00:00' ts", 'ts'],
      ['distinct_count', 'distinct_count'],
      ['x is not null as flag', 'flag'],
      ["case when x > 1 then 'a' else 'b' end as c", 'c'],
      ['x between 1 and 2 as b', 'b'],
      ["x collate 'en-ci' as c", 'c'],
      ['row_number() over (order by x) as rn', 'rn'],
      ['sum(x) over w as s', 's'],
      ["listagg(x, ',') within group (order by x) as l", 'l'],
      ['count(*) filter (where x > 1) as n', 'n'],
      ['x::int as i', 'i'],
      ['x:path::string as p', 'p'],
      ['first_value(x) ignore nulls over (order by y) as f', 'f'],
      ["x at time zone 'UTC' as t", 't'],
      ['connect_by_root x as root', 'root'],
      ['emp.x y', 'y'],
      ['f(x) y', 'y'],
      ['x y', 'y'],
      ["'a' 'b' as ab", 'ab'],
      ["e'\\n' as nl", 'nl'],
      ['1 as one', 'one'],
    ];
    for (const [item, name] of sql) {
      const shape = analyzeSql(connectBy(item), { dialect: 'snowflake' });
      expect(shape.parse, item).toBe('tolerant');
      expect(shape.columns.map((c) => c.name), item).toEqual(['employee_id', name]);
    }
  });
});
