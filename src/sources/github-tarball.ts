/**
 * One revision of a repository from GitHub in ONE request: the tarball of the commit, streamed through a tar
 * parser. Every path is listed; only the files a dbt review can read are kept in memory (see `dbtRelevantPaths`),
 * so the number of requests does not grow with the size of the repository.
 */
import { Readable } from 'node:stream';
import { Parser, type ReadEntry } from 'tar';
import type { FileSnapshot } from '../dbt/types.js';
import type { Skipped } from '../review/types.js';
import { dbtRelevantPaths, MAX_BLOB_BYTES, MAX_LINK_HOPS, readLimitOf, resolveLink } from './git.js';

const CANDIDATE_EXTENSIONS = ['.sql', '.py', '.yml', '.yaml', '.md'];
const SKIPPED_FOLDERS = new Set(['dbt_packages', 'target', 'node_modules', '.git']);

/** A revision read from a tarball: every path, the dbt-relevant contents. */
export interface TreeSnapshot extends FileSnapshot {
  sha: string;
  skipped: Skipped[];
  /** Number of files whose content is held. */
  loadedCount: number;
  /** Bytes of candidate files read while streaming (an estimate for a snapshot built from patches). */
  heldBytes: number;
  /** Some files were not read because the candidate files exceeded `maxTotalBytes` (which depends on the order of the archive). */
  overBudget: boolean;
  /** The files the review reads that are symbolic links, with where each points (read as that file, when it is one). */
  links?: ReadonlyMap<string, string>;
}

export interface TarballOptions {
  maxBlobBytes?: number;
  /** Bytes of candidate files held at most while streaming (bounds memory on huge repositories). */
  maxTotalBytes?: number;
}

/** tar's warnings that mean the archive itself is unreadable (not one unusual entry in a good archive). */
const UNREADABLE_ARCHIVE = new Set(['TAR_BAD_ARCHIVE', 'TAR_ENTRY_INVALID', 'TAR_ABORT']);

export const MAX_TARBALL_HELD_BYTES = 128 * 1024 * 1024;

/** Could this file matter to a dbt review? (Decided before the project roots are known; narrowed afterwards.) */
function isCandidate(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (name === 'dbt_project.yml' || name === 'profiles.yml') return true;
  const dot = name.lastIndexOf('.');
  if (dot < 0 || !CANDIDATE_EXTENSIONS.includes(name.slice(dot).toLowerCase())) return false;
  return !path.split('/').some((segment) => SKIPPED_FOLDERS.has(segment));
}

/** GitHub's tarballs put everything under one `owner-repo-sha/` folder. */
function stripTopFolder(path: string): string {
  const slash = path.indexOf('/');
  return slash < 0 ? '' : path.slice(slash + 1);
}

/** A file git would call binary: a NUL byte in its first 8000 bytes. */
export function isBinary(content: Uint8Array): boolean {
  return content.subarray(0, 8000).includes(0);
}

export const BINARY_FILE_REASON = 'binary file; not read';

export function tooLargeReason(bytes: number, maxBytes: number): string {
  return `file is ${Math.round(bytes / 1024)} KB, over the ${Math.round(maxBytes / 1024)} KB limit; not read`;
}

/** The text a snapshot holds for a file's bytes (UTF-8, without a byte order mark). */
export function decodeText(content: Uint8Array): string {
  return new TextDecoder('utf-8').decode(content).replace(/^\uFEFF/, '');
}

/** Parses a (gzipped) tarball stream into a snapshot of the revision `sha`. */
export async function snapshotFromTarball(
  stream: NodeJS.ReadableStream | Readable,
  sha: string,
  options: TarballOptions = {},
): Promise<TreeSnapshot> {
  const maxBytes = options.maxBlobBytes ?? MAX_BLOB_BYTES;
  const maxTotal = options.maxTotalBytes ?? MAX_TARBALL_HELD_BYTES;
  let held = 0;
  let overBudget = false;
  const paths: string[] = [];
  const contents = new Map<string, string>();
  const skipped: Skipped[] = [];
  const links = new Map<string, string>(); // path -> where the symbolic link points

  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      onReadEntry: (entry: ReadEntry) => {
        const path = stripTopFolder(entry.path).replace(/\/$/, '');
        const isFile = entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile';
        if (path === '' || entry.type === 'Directory') {
          entry.resume();
          return;
        }
        if (entry.type === 'SymbolicLink' || isFile) paths.push(path);
        if (entry.type === 'SymbolicLink' && entry.linkpath !== undefined) links.set(path, entry.linkpath);
        if (!isFile || !isCandidate(path)) {
          entry.resume();
          return;
        }
        const limit = readLimitOf(path, maxBytes);
        if (entry.size > limit) {
          skipped.push({ path, reason: tooLargeReason(entry.size, limit) });
          entry.resume();
          return;
        }
        if (held + entry.size > maxTotal) {
          overBudget = true;
          skipped.push({ path, reason: `not read: the repository's candidate files exceed ${Math.round(maxTotal / 1024 / 1024)} MB` });
          entry.resume();
          return;
        }
        held += entry.size;
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => {
          const content = Buffer.concat(chunks);
          if (isBinary(content)) {
            skipped.push({ path, reason: BINARY_FILE_REASON });
            return;
          }
          contents.set(path, decodeText(content));
        });
      },
    });
    parser.on('error', reject);
    // A body that is not a tar archive (an error page, an empty or cut download) is reported by tar as a warning and
    // would read as an empty revision, which a review would take for "no dbt files": it is an error.
    parser.on('warn', (code: string, message: string | Error) => {
      if (UNREADABLE_ARCHIVE.has(code)) reject(new Error(`the tarball of ${sha.slice(0, 12)} could not be read: ${String(message instanceof Error ? message.message : message)}`));
    });
    parser.on('abort', (error: unknown) => reject(error instanceof Error ? error : new Error('tarball could not be read')));
    parser.on('close', () => resolve());
    stream.on('error', reject);
    stream.pipe(parser as unknown as NodeJS.WritableStream);
  });

  paths.sort();
  const relevant = new Set(dbtRelevantPaths(paths));
  followLinks(links, relevant, contents, skipped);
  for (const path of [...contents.keys()]) if (!relevant.has(path)) contents.delete(path);
  const relevantSkipped = skipped.filter((s) => relevant.has(s.path)).sort((a, b) => a.path.localeCompare(b.path));
  return {
    sha,
    skipped: relevantSkipped,
    loadedCount: contents.size,
    heldBytes: held,
    overBudget,
    links: new Map([...links].filter(([path]) => relevant.has(path))),
    paths: () => paths,
    read: (path) => contents.get(path),
  };
}

/**
 * A symbolic link the review reads gets the text of the file it points to (as a checkout would give dbt), when
 * that is a file of the archive that was read; the others are noted (as `gitSnapshot` does).
 */
export function followLinks(links: ReadonlyMap<string, string>, relevant: ReadonlySet<string>, contents: Map<string, string>, skipped: Skipped[]): void {
  for (const [path, to] of links) {
    if (!relevant.has(path)) continue;
    let target = resolveLink(path, to);
    for (let hop = 0; target !== undefined && links.has(target) && hop < MAX_LINK_HOPS; hop += 1) target = resolveLink(target, links.get(target)!);
    const text = target === undefined ? undefined : contents.get(target);
    if (text !== undefined) {
      contents.set(path, text);
      continue;
    }
    const unread = skipped.find((s) => s.path === target);
    skipped.push({ path, reason: unread ? unread.reason : `a symbolic link to \`${to}\`, which is not a file of this revision: not read (dbt would read the file it points to)` });
  }
}

/** Converts a fetch body (web stream) to a Node stream. */
export function nodeStream(body: unknown): Readable {
  if (body instanceof Readable) return body;
  if (body && typeof (body as ReadableStream).getReader === 'function') {
    return Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>);
  }
  if (body instanceof ArrayBuffer) return Readable.from([Buffer.from(body)]);
  if (Buffer.isBuffer(body)) return Readable.from([body]);
  throw new Error('unexpected tarball response body');
}
