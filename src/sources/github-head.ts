/**
 * The head of a pull request without downloading it: the cached merge base (`github-base-cache.ts`) with each
 * changed file's patch applied forward. Files the PR does not list are, by definition of the merge base, the same
 * as at the base. Every rebuilt file is checked against the blob SHA GitHub lists for it; files GitHub gave no
 * patch for are read one by one when they are few. Anything else (a patch that does not apply, a SHA that does not
 * match, a file the cache cannot vouch for) is reported as a reason, and the caller downloads the tarball.
 *
 * The snapshot is the one a tarball of the head would give: the same paths, the same texts, the same skipped files.
 */
import type { Skipped } from '../review/types.js';
import { dbtRelevantPaths, MAX_BLOB_BYTES, readLimitOf, resolveLink } from './git.js';
import type { BaseFile } from './github-base.js';
import { MAX_CACHED_HELD_BYTES, type CachedBase } from './github-base-cache.js';
import { isBlob } from './github-blob.js';
import { forwardApply, PatchError } from './github-patch.js';
import { BINARY_FILE_REASON, decodeText, followLinks, isBinary, tooLargeReason, type TreeSnapshot } from './github-tarball.js';

export interface HeadFile extends BaseFile {
  /** Blob SHA of the file at the head (absent for removed files). */
  sha?: string;
}

/** Reads a file at the head: its text, or undefined when the head has no such file. */
export type FetchHeadFile = (path: string) => Promise<string | undefined>;

/** Files without a patch that are read one by one at most; with more, the tarball is cheaper. */
export const MAX_HEAD_FETCHES = 5;

export interface HeadFromBaseInput {
  base: CachedBase;
  headSha: string;
  /** The PR's complete file list, diffed against `base`. */
  files: readonly HeadFile[];
  fetchHead: FetchHeadFile;
  maxFetches?: number;
  maxBlobBytes?: number;
}

export type HeadFromBase = { ok: true; head: TreeSnapshot; fetched: string[] } | { ok: false; reason: string };

class CannotBuild extends Error {}

/** The base text a changed file's patch applies to ('' for an added file), or undefined when the cache lacks it. */
function baseTextOf(file: HeadFile, base: CachedBase): string | undefined {
  if (file.status === 'added') return '';
  const entry = base.entries.get(file.status === 'renamed' && file.previousPath ? file.previousPath : file.path);
  // A symlink (or other non-file) at the base: GitHub's file list does not say what it is at the head.
  if (entry?.kind === 'not-a-file' || entry?.kind === 'link') throw new CannotBuild(`${file.path} is not a regular file at the base`);
  return entry?.kind === 'text' || entry?.kind === 'skipped' ? entry.text : undefined;
}

/** The head text of a changed file from its base text and patch; undefined when it must be read from GitHub. */
function patchedText(file: HeadFile, base: CachedBase): string | undefined {
  if (file.status === 'added' && file.changes === 0 && file.patch === undefined) return ''; // an empty new file
  const baseText = baseTextOf(file, base);
  if (baseText === undefined) return undefined;
  if (file.changes === 0) return baseText; // renamed or mode change only
  if (file.patch === undefined) return undefined;
  try {
    return forwardApply(baseText, file.patch);
  } catch (error) {
    if (error instanceof PatchError) throw new CannotBuild(`the patch of ${file.path} does not apply to its base text`);
    throw error;
  }
}

/** Whether the link at `path` (to `to`, following links) ends at a file of `contents`. */
function isHeldTarget(path: string, to: string, contents: ReadonlyMap<string, string>): boolean {
  const target = resolveLink(path, to);
  return target !== undefined && contents.has(target);
}

export async function headFromBase(input: HeadFromBaseInput): Promise<HeadFromBase> {
  try {
    return { ok: true, ...(await build(input)) };
  } catch (error) {
    if (error instanceof CannotBuild) return { ok: false, reason: error.message };
    throw error;
  }
}

/** A read that GitHub refuses makes the tarball the way, not a failed review. */
async function fetchOrGiveUp(fetchHead: FetchHeadFile, path: string): Promise<string | undefined> {
  try {
    return await fetchHead(path);
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number') throw new CannotBuild(`reading ${path} at the head answered ${status}`);
    throw error;
  }
}

async function build(input: HeadFromBaseInput): Promise<{ head: TreeSnapshot; fetched: string[] }> {
  const { base, files } = input;
  const maxBytes = input.maxBlobBytes ?? MAX_BLOB_BYTES;
  const maxFetches = input.maxFetches ?? MAX_HEAD_FETCHES;

  const paths = new Set(base.paths);
  const changed = new Map<string, HeadFile>();
  for (const f of files) {
    if (f.status === 'removed') {
      paths.delete(f.path);
      continue;
    }
    if (f.status === 'renamed' && f.previousPath) paths.delete(f.previousPath);
    paths.add(f.path);
    changed.set(f.path, f);
  }
  const sorted = [...paths].sort();

  const contents = new Map<string, string>();
  const skipped: Skipped[] = [];
  const rebuilt: { file: HeadFile; text: string }[] = [];
  const links = new Map<string, string>();
  const toFetch: HeadFile[] = [];
  for (const path of dbtRelevantPaths(sorted)) {
    const file = changed.get(path);
    if (file) {
      const text = patchedText(file, base);
      if (text === undefined) toFetch.push(file);
      else rebuilt.push({ file, text });
      continue;
    }
    const entry = base.entries.get(path);
    if (!entry) throw new CannotBuild(`the cached base does not hold ${path}`);
    if (entry.kind === 'link') links.set(path, entry.to);
    else if (entry.kind === 'text') contents.set(path, entry.text);
    else if (entry.kind === 'skipped') skipped.push({ path, reason: entry.reason });
  }

  if (toFetch.length > maxFetches) {
    throw new CannotBuild(`${toFetch.length} changed files have no patch to apply (at most ${maxFetches} are read one by one)`);
  }
  const fetched: string[] = [];
  for (const file of toFetch) {
    const text = await fetchOrGiveUp(input.fetchHead, file.path);
    if (text === undefined) throw new CannotBuild(`${file.path} is listed as changed but is not at the head`);
    fetched.push(file.path);
    rebuilt.push({ file, text });
  }

  let heldBytes = base.heldBytes;
  for (const { file, text } of rebuilt) {
    const bytes = Buffer.from(text, 'utf8');
    if (!file.sha || !isBlob(bytes, file.sha)) throw new CannotBuild(`${file.path} rebuilt from its patch does not match its blob SHA`);
    const limit = readLimitOf(file.path, maxBytes);
    if (bytes.byteLength > limit) skipped.push({ path: file.path, reason: tooLargeReason(bytes.byteLength, limit) });
    else if (isBinary(bytes)) skipped.push({ path: file.path, reason: BINARY_FILE_REASON });
    else {
      contents.set(file.path, decodeText(bytes));
      heldBytes += bytes.byteLength;
    }
  }
  if (heldBytes > MAX_CACHED_HELD_BYTES) throw new CannotBuild('the dbt files are too large to be held without the tarball');
  // A link reads as the file it points to at the head, as in the tarball (only dbt files are held: a link to
  // another file the tarball would have read is left to it).
  if ([...links.values()].some((to, i) => !isHeldTarget([...links.keys()][i]!, to, contents))) throw new CannotBuild('a symbolic link points to a file the cached base does not hold');
  followLinks(links, new Set(links.keys()), contents, skipped);

  skipped.sort((a, b) => a.path.localeCompare(b.path));
  const head: TreeSnapshot = {
    sha: input.headSha,
    skipped,
    loadedCount: contents.size,
    heldBytes,
    overBudget: false,
    paths: () => sorted,
    read: (path) => contents.get(path),
  };
  return { head, fetched };
}
