import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/config.js';
import { analyzeSql } from '../../src/sql/index.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const dialectOf = (file: string): Dialect => (file.startsWith('bq_') ? 'bigquery' : file.startsWith('dbx_') ? 'databricks' : 'snowflake');

describe('real-world warehouse idioms', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const shapes = files.map((f) => ({ file: f, shape: analyzeSql(readFileSync(join(dir, f), 'utf8'), { dialect: dialectOf(f) }) }));

  it('analyses every fixture, most with a full parse', () => {
    const full = shapes.filter((s) => s.shape.parse === 'full').length;
    const tolerant = shapes.filter((s) => s.shape.parse === 'tolerant').length;
    const failed = shapes.filter((s) => s.shape.parse === 'failed').map((s) => s.file);
    console.info(`idiom fixtures: ${full}/${shapes.length} full, ${tolerant} tolerant, ${failed.length} failed`);
    expect(failed).toEqual([]);
    expect(full / shapes.length).toBeGreaterThanOrEqual(0.85);
  });

  it('finds the output columns of every fixture', () => {
    for (const { file, shape } of shapes) expect(shape.columns.length + shape.unresolvedStars.length, file).toBeGreaterThan(0);
  });
});
