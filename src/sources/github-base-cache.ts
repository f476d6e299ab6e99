/**
 * The merge base of a pull request as a review reconstructed it, kept for the next push: a re-review with the same
 * merge base builds its head from it and the PR's patches (`github-head.ts`) instead of downloading a tarball.
 *
 * For every path a dbt review reads at the base it records what a tarball of that tree would give: the text, the
 * reason the file would not be read (too large, binary), or nothing (not a regular file, e.g. a symlink). Paths it
 * cannot vouch for (the head it came from did not keep them, their base version was not read) are left out, so a
 * head that needs them is downloaded instead.
 */
import type { FileSnapshot } from '../dbt/types.js';
import { dbtRelevantPaths, MAX_BLOB_BYTES, readLimitOf } from './git.js';
import type { BaseFile } from './github-base.js';
import { BINARY_FILE_REASON, isBinary, MAX_TARBALL_HELD_BYTES, tooLargeReason, type TreeSnapshot } from './github-tarball.js';

export type BaseEntry =
  | { kind: 'text'; text: string }
  /** A tarball would not hold it; `text` is its content when known (a patch of the next push may need it). */
  | { kind: 'skipped'; reason: string; text?: string }
  /** A symbolic link to `to` (relative to its folder): it reads as that file, whatever it holds at the head. */
  | { kind: 'link'; to: string }
  | { kind: 'not-a-file' };

export interface CachedBase {
  /** The merge base commit. */
  sha: string;
  /** Every path of the tree, sorted. */
  paths: readonly string[];
  /** The dbt-relevant paths the cache vouches for. */
  entries: ReadonlyMap<string, BaseEntry>;
  /** Bytes the tarball this base came from held. */
  heldBytes: number;
}

/** The app's LRU of merge bases by `owner/repo@sha`. */
export interface BaseCache {
  get(key: string): CachedBase | undefined;
  set(key: string, value: CachedBase): void;
  delete(key: string): void;
}

export function baseCacheKey(owner: string, repo: string, sha: string): string {
  return `${owner}/${repo}@${sha}`.toLowerCase();
}

/**
 * Share of the tarball's byte budget a cached base (and a head built from it) may use: far enough below the budget
 * that a tarball of such a head reads every file too, so both give the same snapshot.
 */
export const MAX_CACHED_HELD_BYTES = MAX_TARBALL_HELD_BYTES / 2;

/** What a tarball holds for a file with this text. */
function entryForText(text: string, maxBlobBytes: number): BaseEntry {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.byteLength > maxBlobBytes) return { kind: 'skipped', reason: tooLargeReason(bytes.byteLength, maxBlobBytes), text };
  if (isBinary(bytes)) return { kind: 'skipped', reason: BINARY_FILE_REASON, text };
  return { kind: 'text', text };
}

/**
 * The cacheable form of a base reconstructed from `head` and the PR's `files` (see `reconstructBase`), or
 * undefined when the head's tarball ran over its byte budget (which files it read then depends on the archive).
 */
export function captureBase(
  sha: string,
  head: TreeSnapshot,
  base: FileSnapshot,
  files: readonly BaseFile[],
  maxBlobBytes = MAX_BLOB_BYTES,
): CachedBase | undefined {
  if (head.overBudget || head.heldBytes > MAX_CACHED_HELD_BYTES) return undefined;
  const changed = new Set(
    files.filter((f) => f.status !== 'added').map((f) => (f.status === 'renamed' && f.previousPath ? f.previousPath : f.path)),
  );
  const keptByHead = new Set(dbtRelevantPaths(head.paths()));
  const skippedByHead = new Map(head.skipped.map((s) => [s.path, s.reason]));
  const entries = new Map<string, BaseEntry>();
  for (const path of dbtRelevantPaths(base.paths())) {
    // A link reads as the file it points to, which a later push can change without a patch of the link.
    const to = head.links?.get(path);
    if (to !== undefined && !changed.has(path)) {
      entries.set(path, { kind: 'link', to });
      continue;
    }
    const text = base.read(path);
    if (changed.has(path)) {
      // Put back from a patch or fetched: known only when it was read.
      if (text !== undefined) entries.set(path, entryForText(text, readLimitOf(path, maxBlobBytes)));
      continue;
    }
    // Unchanged by the PR: exactly what the head's tarball gave, when the head kept this path.
    if (!keptByHead.has(path)) continue;
    const reason = skippedByHead.get(path);
    if (text !== undefined) entries.set(path, { kind: 'text', text });
    else if (reason !== undefined) entries.set(path, { kind: 'skipped', reason });
    else entries.set(path, { kind: 'not-a-file' });
  }
  return { sha, paths: base.paths(), entries, heldBytes: head.heldBytes };
}
