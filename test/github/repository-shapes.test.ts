/**
 * The App keeps analysed SQL in memory between reviews, per repository: a re-review of the same repository reads
 * it, a review of another repository never does (it could otherwise learn from its speed what another contains).
 */
import { describe, expect, it } from 'vitest';
import { LruCache } from '../../src/github/lru.js';
import { repositoryShapes } from '../../src/github/review-job.js';
import { analyzeSql } from '../../src/sql/index.js';
import type { ModelShape } from '../../src/sql/types.js';

describe('repositoryShapes', () => {
  it('shares shapes between reviews of one repository only', () => {
    const all = new LruCache<string, ModelShape>(10);
    const shape = analyzeSql('select 1 as one', { dialect: 'snowflake' });
    const key = 'a'.repeat(64);
    repositoryShapes(all, 'acme/dbt').set(key, shape);
    expect(repositoryShapes(all, 'acme/dbt').get(key)).toBe(shape);
    expect(repositoryShapes(all, 'acme/dbt-fork').get(key)).toBeUndefined();
    expect(repositoryShapes(all, 'other/dbt').get(key)).toBeUndefined();
  });
});
