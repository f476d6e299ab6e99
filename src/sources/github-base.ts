/**
 * The base side of a pull request without downloading it: the head snapshot with each changed file put back as
 * it was, by applying the PR's patch in reverse. Only files GitHub gave no usable patch for are fetched one by
 * one (bounded), so a normal PR costs no request here.
 */
import type { FileSnapshot } from '../dbt/types.js';
import type { ChangedFile } from '../ports.js';
import type { Skipped } from '../review/types.js';
import { PatchError, reverseApply } from './github-patch.js';
import { dbtRelevantPaths } from './git.js';

export interface BaseFile extends ChangedFile {
  /** Lines added + removed; 0 for a pure rename. */
  changes: number;
}

export interface ReconstructedBase {
  base: FileSnapshot;
  skipped: Skipped[];
  /** Paths whose base version had to be fetched. */
  fetched: string[];
}

/** Fetches a base version: the text, or undefined when the base has no such file. */
export type FetchBaseFile = (path: string) => Promise<string | undefined>;

export const MAX_BASE_FETCHES = 20;

export async function reconstructBase(
  head: FileSnapshot,
  files: readonly BaseFile[],
  fetchBase: FetchBaseFile,
  maxFetches = MAX_BASE_FETCHES,
): Promise<ReconstructedBase> {
  const paths = new Set(head.paths());
  for (const f of files) {
    if (f.status === 'added') paths.delete(f.path);
    else if (f.status === 'removed') paths.add(f.path);
    else if (f.status === 'renamed' && f.previousPath) {
      paths.delete(f.path);
      paths.add(f.previousPath);
    }
  }
  const sorted = [...paths].sort();
  const relevant = new Set(dbtRelevantPaths(sorted));
  const overrides = new Map<string, string | undefined>();
  const toFetch: string[] = [];

  for (const f of files) {
    if (f.status === 'added') continue;
    const basePath = f.status === 'renamed' && f.previousPath ? f.previousPath : f.path;
    if (!relevant.has(basePath)) continue;
    const headText = f.status === 'removed' ? '' : head.read(f.path);
    if (headText !== undefined && f.changes === 0) {
      overrides.set(basePath, headText);
      continue;
    }
    if (headText !== undefined && f.patch !== undefined) {
      try {
        overrides.set(basePath, reverseApply(headText, f.patch));
        continue;
      } catch (error) {
        if (!(error instanceof PatchError)) throw error;
      }
    }
    toFetch.push(basePath);
  }

  const skipped: Skipped[] = [];
  const fetched: string[] = [];
  for (const [i, path] of toFetch.entries()) {
    if (i >= maxFetches) {
      skipped.push({ path, reason: `its base version was not read (GitHub gave no diff and more than ${maxFetches} such files changed)` });
      overrides.set(path, undefined);
      continue;
    }
    overrides.set(path, await fetchBase(path));
    fetched.push(path);
  }

  const base: FileSnapshot = {
    paths: () => sorted,
    read: (path) => {
      if (overrides.has(path)) return overrides.get(path);
      return relevant.has(path) && paths.has(path) ? head.read(path) : undefined;
    },
  };
  return { base, skipped, fetched };
}
