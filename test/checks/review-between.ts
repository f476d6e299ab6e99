/**
 * A whole review of two in-memory revisions of a project, as the pipeline runs it (no LLM): for rules whose findings
 * depend on what changed between them (removed tests, owners, versions).
 */
import { afterAll } from 'vitest';
import { defaultConfig, type ReviewerConfig } from '../../src/config.js';
import { createJinjaRenderer } from '../../src/dbt/jinja/index.js';
import { runReview } from '../../src/pipeline.js';
import type { ChangedFile } from '../../src/ports.js';
import type { Review } from '../../src/review/types.js';
import { memorySnapshot } from '../../src/sources/memory.js';

export { lines } from '../dbt/helpers.js';

/** The files that differ between two revisions, as a git diff lists them (no renames). */
export function changedFilesBetween(base: Record<string, string>, head: Record<string, string>): ChangedFile[] {
  return [...new Set([...Object.keys(base), ...Object.keys(head)])]
    .filter((path) => base[path] !== head[path])
    .map((path) => ({ path, status: base[path] === undefined ? 'added' : head[path] === undefined ? 'removed' : 'modified' }));
}

/** A review function for a test file, with its own Jinja sandbox, closed after the file's tests (`config` over the defaults). */
export function reviewBetween(): (base: Record<string, string>, head: Record<string, string>, config?: Partial<ReviewerConfig>) => Promise<Review> {
  const renderer = createJinjaRenderer();
  afterAll(() => renderer.close());
  return (base, head, config = {}) =>
    runReview(
      { base: 'base', head: 'head', config: { ...defaultConfig(), ...config }, changedFiles: changedFilesBetween(base, head) },
      { base: memorySnapshot(base), head: memorySnapshot(head), renderer, llmAbsentReason: { status: 'disabled', detail: 'test' } },
    );
}
