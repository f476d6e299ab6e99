/**
 * The analysed SQL kept in the git directory between local reviews. A shape read back must be exactly the one the
 * analyser computed; a damaged entry, a store of another analyser version or an unwritable folder must only cost
 * the speed-up, never change or fail a review.
 */
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { shapeKey } from '../../src/analysis.js';
import { analyserId, ShapeStore } from '../../src/sources/shape-store.js';
import { codeVersionId } from '../../src/sources/versioned-store.js';
import { analyzeSql } from '../../src/sql/index.js';
import type { ModelShape } from '../../src/sql/types.js';
import { removeTempDirs, tempDir } from './git-fixture.js';

afterAll(removeTempDirs);

const ANALYSER = '0123456789abcdef';

/** Real shapes: a full parse with most clause kinds, a `*` expanded from upstream columns, SQL only the tolerant
 * extractor reads, and SQL nothing reads. */
const SQLS = [
  `with orders as (select *, amount / 100.0 as amount_usd from analytics.stg_orders where status <> 'test')
select customer_id, count(*) as orders, sum(amount)::number(12, 2) as revenue, max(amount_usd) as "Largest"
from orders left join analytics.dim_customers c on c.id = orders.customer_id
group by customer_id
qualify row_number() over (partition by customer_id order by revenue desc) = 1
order by revenue desc limit 10`,
  'select * from analytics.stg_orders',
  // a `* replace` over a relation whose columns are unknown: the replaced columns ride on the star
  'select * replace (upper(status) as status) from analytics.unknown_orders',
  // a column read from a CTE that does not select it (the columns read from each CTE, sites in a CTE)
  'with o as (select id, status from analytics.stg_orders)\nselect id, upper(status) as status, customer_id from o',
  'select id, amount +* 2 as a from analytics.orders',
  'select from where (',
];
const UPSTREAM = { 'analytics.stg_orders': ['id', 'customer_id', 'status', 'amount'] };

function shapes(): [string, ModelShape][] {
  return SQLS.map((sql) => {
    const shape = analyzeSql(sql, { dialect: 'snowflake', upstreamColumns: (rel) => UPSTREAM[rel.toLowerCase() as keyof typeof UPSTREAM] });
    return [shapeKey('snowflake', sql, UPSTREAM), shape];
  });
}

/** The shape as it reads back from JSON (properties set to undefined are absent). */
function asStored(shape: ModelShape): ModelShape {
  return JSON.parse(JSON.stringify(shape)) as ModelShape;
}

describe('ShapeStore', () => {
  it('gives back every kind of shape exactly as analysed, in the next review', async () => {
    const root = tempDir();
    const all = shapes();
    expect(all.map(([, s]) => s.parse)).toEqual(['full', 'full', 'full', 'full', 'tolerant', 'failed']);
    expect(all[3]![1]).toMatchObject({
      missingColumns: [{ column: 'customer_id', kind: 'cte', name: 'o', definedLine: 1, line: 2 }],
      derivedColumnsRead: { o: ['id', 'status'] },
      columns: expect.arrayContaining([expect.objectContaining({ name: 'status', sites: [expect.objectContaining({ line: 2 }), expect.objectContaining({ line: 1, cte: 'o', column: 'status' })] })]),
    });
    expect(all[1]![1].columns.map((c) => c.name)).toEqual(UPSTREAM['analytics.stg_orders']);
    // a quoted name, and a column whose value is written in a CTE too (its sites, for locating changes)
    expect(all[0]![1].columns.at(-1)).toMatchObject({ name: '"Largest"', sites: [expect.objectContaining({ line: 2 }), expect.objectContaining({ line: 1 })] });

    const first = await ShapeStore.open(root, ANALYSER);
    for (const [key] of all) expect(first.get(key)).toBeUndefined();
    for (const [key, shape] of all) first.set(key, shape);
    expect(first.get(all[0]![0])).toBe(all[0]![1]);
    expect(await first.save()).toBeUndefined();
    expect(readdirSync(join(root, ANALYSER)).sort()).toEqual(all.map(([key]) => `${key}.json`).sort());

    const next = await ShapeStore.open(root, ANALYSER);
    for (const [key, shape] of all) expect(next.get(key)).toEqual(asStored(shape));
    expect(next.get('f'.repeat(64))).toBeUndefined();
    // nothing new: nothing written
    expect(await next.save()).toBeUndefined();
  });

  it('analyses again an entry that is damaged or does not match the shape schema, and replaces it', async () => {
    const root = tempDir();
    const [[key, shape]] = shapes() as [[string, ModelShape]];
    const dir = join(root, ANALYSER);
    mkdirSync(dir, { recursive: true });
    const damaged = [
      '{"parse": "full", "columns": [',
      JSON.stringify({ ...asStored(shape), parse: 'partly' }),
      JSON.stringify({ ...asStored(shape), columns: [{ name: 'a' }] }),
      JSON.stringify({ ...asStored(shape), dialect: 'oracle' }),
      JSON.stringify({ ...asStored(shape), relationLines: { a: 'one' } }),
      '[]',
    ];
    for (const text of damaged) {
      writeFileSync(join(dir, `${key}.json`), text);
      const store = await ShapeStore.open(root, ANALYSER);
      expect(store.get(key), text.slice(0, 60)).toBeUndefined();
      store.set(key, shape);
      expect(await store.save()).toBeUndefined();
      expect((await ShapeStore.open(root, ANALYSER)).get(key)).toEqual(asStored(shape));
    }
  });

  it('ignores files that are not entries and the stores of other analyser versions, and removes those unused for a week', async () => {
    const root = tempDir();
    const [[key, shape]] = shapes() as [[string, ModelShape]];
    const DAY = 24 * 60 * 60 * 1000;
    const now = Date.now();
    // Another CLI version used yesterday on this repository, an upgraded-from one last used 8 days ago.
    for (const [other, daysAgo] of [['fedcba9876543210', 1], ['aaaaaaaaaaaaaaaa', 8]] as const) {
      mkdirSync(join(root, other), { recursive: true });
      writeFileSync(join(root, other, `${key}.json`), JSON.stringify(shape));
      utimesSync(join(root, other), new Date(now - daysAgo * DAY), new Date(now - daysAgo * DAY));
    }
    writeFileSync(join(root, 'stray.txt'), 'not a store');
    mkdirSync(join(root, ANALYSER), { recursive: true });
    writeFileSync(join(root, ANALYSER, 'notes.json'), JSON.stringify(shape));
    writeFileSync(join(root, ANALYSER, `${key}.json.123.tmp`), JSON.stringify(shape));

    const store = await ShapeStore.open(root, ANALYSER);
    expect(store.get(key)).toBeUndefined();
    expect(store.get('notes')).toBeUndefined();
    store.set(key, shape);
    expect(await store.save(now)).toBeUndefined();
    expect(readdirSync(root).sort()).toEqual([ANALYSER, 'fedcba9876543210']);
    expect(existsSync(join(root, 'fedcba9876543210', `${key}.json`))).toBe(true);

    // A review that only reads (every shape found) marks its folder as used too.
    utimesSync(join(root, ANALYSER), new Date(now - 8 * DAY), new Date(now - 8 * DAY));
    const reader = await ShapeStore.open(root, ANALYSER);
    expect(reader.get(key)).toEqual(asStored(shape));
    expect(await reader.save(now)).toBeUndefined();
    expect(Math.abs(statSync(join(root, ANALYSER)).mtimeMs - now)).toBeLessThan(2000);
  });

  it('keeps only the shapes a review used once it holds more than its limit', async () => {
    const root = tempDir();
    const all = shapes();
    const filling = await ShapeStore.open(root, ANALYSER, 2);
    for (const [key, shape] of all.slice(0, 2)) filling.set(key, shape);
    await filling.save();
    expect(readdirSync(join(root, ANALYSER))).toHaveLength(2);

    // 3 stored > 2: the one not used by this review goes
    const next = await ShapeStore.open(root, ANALYSER, 2);
    expect(next.get(all[1]![0])).toBeDefined();
    next.set(all[2]![0], all[2]![1]);
    await next.save();
    expect(readdirSync(join(root, ANALYSER)).sort()).toEqual([`${all[1]![0]}.json`, `${all[2]![0]}.json`].sort());
  });

  it('reports a folder it cannot write instead of throwing, and serves the review from memory', async () => {
    const parent = tempDir();
    const root = join(parent, 'shapes');
    writeFileSync(root, 'a file where the folder should be');
    const [[key, shape]] = shapes() as [[string, ModelShape]];
    const store = await ShapeStore.open(root, ANALYSER);
    store.set(key, shape);
    expect(store.get(key)).toBe(shape);
    expect(await store.save()).toMatch(/ENOTDIR|EEXIST/);
    expect(existsSync(join(root, ANALYSER))).toBe(false);
  });
});

describe('shapeKey', () => {
  it('names the dialect, the SQL and the upstream columns, whatever their order', () => {
    const key = shapeKey('snowflake', 'select 1', { b: ['x'], a: ['y', 'z'] });
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(shapeKey('snowflake', 'select 1', { a: ['y', 'z'], b: ['x'] })).toBe(key);
    expect(shapeKey('bigquery', 'select 1', { a: ['y', 'z'], b: ['x'] })).not.toBe(key);
    expect(shapeKey('snowflake', 'select 2', { a: ['y', 'z'], b: ['x'] })).not.toBe(key);
    expect(shapeKey('snowflake', 'select 1', { a: ['z', 'y'], b: ['x'] })).not.toBe(key);
    expect(shapeKey('snowflake', 'select 1', { a: ['y', 'z'] })).not.toBe(key);
  });
});

describe('analyserId', () => {
  it('names the analyser code with 16 hex digits, the same on every call', async () => {
    const id = await analyserId();
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(await analyserId()).toBe(id);
  });

  it('changes with a module of a subfolder too (the fast parser sits in src/sql/fast/)', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'fast'));
    writeFileSync(join(dir, 'analyze.js'), 'export const a = 1;\n');
    writeFileSync(join(dir, 'fast', 'parser.js'), 'export const b = 1;\n');
    writeFileSync(join(dir, 'other.js'), 'export const c = 1;\n');
    const code = { format: 1, packageName: 'node-sql-parser', dir: pathToFileURL(`${dir}/`), modules: /^(?:analyze|fast\/[^/]+)\.js$/ };
    const id = await codeVersionId(code);
    writeFileSync(join(dir, 'other.js'), 'export const c = 2;\n');
    expect(await codeVersionId(code)).toBe(id);
    writeFileSync(join(dir, 'fast', 'parser.js'), 'export const b = 2;\n');
    expect(await codeVersionId(code)).not.toBe(id);
  });
});
