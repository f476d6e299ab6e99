import { describe, expect, it } from 'vitest';
import { diff } from './helpers.js';

const base = 'select\n    o.id as order_id,\n    o.amount\nfrom raw__orders as o';
const lateral = (view: string, columns = 'sku'): string => `select\n    o.id as order_id,\n    o.amount,\n    ${columns}\nfrom raw__orders as o\n${view}`;

const dropped = 'multiplies rows (one per array element; rows with empty arrays disappear)';
const kept = 'multiplies rows (one per array element; a row whose array is empty or NULL is kept once, with NULLs)';

describe('Databricks LATERAL VIEW is one fan-out on its line, not a join', () => {
  it('`lateral view explode(x) t as c`: one grain_changed at the lateral view line, no join', () => {
    expect(diff(base, lateral('lateral view explode(o.items) t as sku'), 'databricks', false)).toEqual([
      expect.objectContaining({ kind: 'column_added', column: 'sku' }),
      { kind: 'grain_changed', detail: `fan-out added: \`lateral view explode(o.items)\` ${dropped}`, line: 6, side: 'head', impact: 'model_wide', breaking: true },
    ]);
  });

  it('`lateral view outer explode(...)` keeps the rows whose array is empty', () => {
    expect(diff(base, lateral('lateral view outer explode(o.items) exploded as sku'), 'databricks', false)).toEqual([
      expect.objectContaining({ kind: 'column_added', column: 'sku' }),
      { kind: 'grain_changed', detail: `fan-out added: \`lateral view outer explode(o.items)\` ${kept}`, line: 6, side: 'head', impact: 'model_wide', breaking: true },
    ]);
  });

  it('OUTER added or removed: the same expansion, other rows kept', () => {
    const plain = lateral('lateral view explode(o.items) t as sku');
    const outer = lateral('lateral view outer explode(o.items) t as sku');
    expect(diff(plain, outer, 'databricks', false)).toEqual([
      expect.objectContaining({ kind: 'grain_changed', line: 6, breaking: true, detail: 'fan-out changed: `lateral view explode(o.items)` → `lateral view outer explode(o.items)`: the same expansion, but a row whose array is empty or NULL is now kept once, with NULLs, instead of disappearing (the row count grows)' }),
    ]);
    expect(diff(outer, plain, 'databricks', false)).toEqual([
      expect.objectContaining({ kind: 'grain_changed', line: 6, detail: 'fan-out changed: `lateral view outer explode(o.items)` → `lateral view explode(o.items)`: the same expansion, but a row whose array is empty or NULL now disappears instead of being kept once with NULLs (the row count shrinks)' }),
    ]);
  });

  it('a generator naming several columns is one fan-out; a second lateral view is another', () => {
    const pos = lateral('lateral view posexplode(o.items) t as pos, sku', 'pos,\n    sku');
    expect(diff(base, pos, 'databricks', false).filter((c) => c.kind === 'grain_changed')).toEqual([expect.objectContaining({ detail: `fan-out added: \`lateral view posexplode(o.items)\` ${dropped}`, line: 7 })]);
    const one = lateral('lateral view explode(o.items) t as sku');
    const two = lateral('lateral view explode(o.items) t as sku\nlateral view explode(o.tags) t2 as tag', 'sku,\n    tag');
    expect(diff(one, two, 'databricks', false).filter((c) => c.kind !== 'column_added')).toEqual([expect.objectContaining({ kind: 'grain_changed', detail: `fan-out added: \`lateral view explode(o.tags)\` ${dropped}`, line: 8 })]);
  });

  it('`explode(x)` in the select list and `lateral view explode(x)` are the same rows; `explode_outer` is the outer one', () => {
    const inSelect = 'select\n    o.id as order_id,\n    o.amount,\n    explode(o.items) as sku\nfrom raw__orders as o';
    expect(diff(inSelect, lateral('lateral view explode(o.items) t as sku'), 'databricks', false)).toEqual([]);
    expect(diff(inSelect, inSelect.replace('explode(', 'explode_outer('), 'databricks', false).filter((c) => c.kind === 'grain_changed')).toEqual([
      expect.objectContaining({ line: 4, detail: expect.stringMatching(/^fan-out changed: `explode\(o\.items\)` → `explode_outer\(o\.items\)`: the same expansion, but a row whose array is empty or NULL is now kept/) }),
    ]);
  });
});

describe("Snowflake flatten's `outer => true` is the same expansion", () => {
  const items = (flatten: string): string => `select\n    o.id as order_id,\n    f.value:sku::string as sku\nfrom raw__orders o,\nlateral ${flatten} f`;

  it('`outer => true` added: rows with empty arrays are now kept, and the element column is unchanged', () => {
    expect(diff(items("flatten(input => o.payload:items)"), items("flatten(input => o.payload:items, outer => true)"), 'snowflake', false)).toEqual([
      {
        kind: 'grain_changed',
        detail: "fan-out changed: `flatten(input => get_path(o.payload, 'items'))` → `flatten(input => get_path(o.payload, 'items'), outer => true)`: the same expansion, but a row whose array is empty or NULL is now kept once, with NULLs, instead of disappearing (the row count grows)",
        line: 5,
        side: 'head',
        impact: 'model_wide',
        breaking: true,
      },
    ]);
  });

  it('`outer => true` in a new flatten says the empty arrays are kept; `outer => false` is the plain flatten', () => {
    const plain = 'select\n    o.id as order_id\nfrom raw__orders o';
    expect(diff(plain, items('flatten(input => o.payload:items, outer => true)'), 'snowflake', false).filter((c) => c.kind === 'grain_changed')).toEqual([
      expect.objectContaining({ detail: expect.stringContaining(kept), line: 5 }),
    ]);
    expect(diff(items('flatten(input => o.payload:items)'), items('flatten(input => o.payload:items, outer => false)'), 'snowflake', false)).toEqual([]);
  });
});
