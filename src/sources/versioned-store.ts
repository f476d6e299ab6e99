/**
 * Values kept between local reviews in the repository's git directory, one JSON file per key, under a folder named
 * after the version of the code that computes them: `<root>/<version>/<key>.json`. A key names the content a value
 * was computed from, so an entry never goes stale; a new version (an upgrade) starts a new folder, and the folder of
 * another version goes once no review has used it for a week. Used for the analysed SQL (`shape-store.ts`).
 *
 * Never fatal: a missing or unreadable folder is an empty store, an entry that does not decode is computed again
 * (and replaced), and a store that cannot be written is left as it was.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the CLI keeps what it learns about a repository: `<git dir>/dbt-pr-reviewer` (see docs/cli.md). */
export function storesRoot(gitDir: string): string {
  return join(gitDir, 'dbt-pr-reviewer');
}

/**
 * Names the code that computes a store's values, as 16 hex digits (a version's folder): the store's own format, the
 * version of the package it relies on, and the text of the modules of `dir` and its subfolders whose paths (relative
 * to `dir`, with `/`) match `modules` (compiled `.js`, or `.ts` when run from sources). Throws when no module
 * matches: a version must name some code.
 */
export async function codeVersionId(code: { format: number; packageName: string; dir: URL; modules: RegExp }): Promise<string> {
  const dir = fileURLToPath(code.dir);
  const files = (await readdir(dir, { recursive: true }))
    .map((f) => f.split(sep).join('/'))
    .filter((f) => code.modules.test(f))
    .sort();
  if (files.length === 0) throw new Error(`no modules matching ${code.modules} in ${dir}`);
  const hash = createHash('sha256').update(`format ${code.format}\0`);
  const pkg = createRequire(import.meta.url)(`${code.packageName}/package.json`) as { version?: string };
  hash.update(`${code.packageName} ${pkg.version ?? '?'}\0`);
  for (const [i, text] of (await Promise.all(files.map((f) => readFile(join(dir, f))))).entries()) {
    hash.update(`${files[i]}\0`).update(text).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** A key: 64 hex digits (a SHA-256 of what the value was computed from). */
const STORE_KEY = /^[0-9a-f]{64}$/;
/** The name of a version's folder: 16 hex digits. */
const STORE_VERSION = /^[0-9a-f]{16}$/;

/**
 * The folder of another version is removed once no review has used it (written to it, or touched it after reading)
 * for this long: two versions of the CLI used on one repository (a global install and a project's own) keep their
 * values, an upgrade's old folder goes.
 */
const OTHER_VERSION_KEPT_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * How values are written and read back: `encode` returns undefined for a value it cannot write exactly (it is not
 * kept), `decode` for what is not a value (damaged, hand-edited).
 */
export interface StoreCodec<T> {
  encode(value: T): unknown;
  decode(stored: unknown): T | undefined;
}

export class VersionedStore<T> {
  /** Values computed in this review, not stored yet. */
  private readonly added = new Map<string, T>();
  /** Keys this review read or computed: kept when the store is trimmed. */
  private readonly used = new Set<string>();

  private constructor(
    private readonly root: string,
    private readonly version: string,
    private readonly codec: StoreCodec<T>,
    /** Keys stored in the folder when it was opened. */
    private readonly stored: Set<string>,
    private readonly maxEntries: number,
  ) {}

  /** The store of `version` under `root` (empty when there is none or it cannot be read). */
  static async open<T>(root: string, version: string, codec: StoreCodec<T>, maxEntries: number): Promise<VersionedStore<T>> {
    let stored = new Set<string>();
    try {
      const files = await readdir(join(root, version));
      stored = new Set(files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).filter((k) => STORE_KEY.test(k)));
    } catch {
      /* no store yet, or not readable: start empty */
    }
    return new VersionedStore(root, version, codec, stored, maxEntries);
  }

  get(key: string): T | undefined {
    const value = this.added.get(key) ?? (this.stored.has(key) ? this.read(key) : undefined);
    if (value !== undefined) this.used.add(key);
    return value;
  }

  /** Keeps `value` for `key` (written by `save`); a value the codec cannot write is not kept. */
  set(key: string, value: T): void {
    if (!STORE_KEY.test(key)) return;
    this.added.set(key, value);
    this.used.add(key);
  }

  private read(key: string): T | undefined {
    try {
      const value = this.codec.decode(JSON.parse(readFileSync(this.pathOf(key), 'utf8')));
      if (value !== undefined) return value;
    } catch {
      /* unreadable or not JSON: computed again */
    }
    // A damaged or hand-edited entry is computed again, and replaced by `save`.
    this.stored.delete(key);
    return undefined;
  }

  private pathOf(key: string): string {
    return join(this.root, this.version, `${key}.json`);
  }

  /**
   * Writes the values computed in this review, each atomically (a temporary file renamed over the entry), or, when
   * it only read, marks the folder as used. Removes what is not a version's folder and the folders of other
   * versions unused for a week (`OTHER_VERSION_KEPT_MS`), and, beyond `maxEntries`, every value this review did
   * not use.
   * Returns an error message instead of throwing.
   */
  async save(now = Date.now()): Promise<string | undefined> {
    const dir = join(this.root, this.version);
    if (this.added.size === 0) {
      // A review that only read: its folder counts as used (see `OTHER_VERSION_KEPT_MS`).
      if (this.used.size > 0) await utimes(dir, now / 1000, now / 1000).catch(() => undefined);
      return undefined;
    }
    try {
      await mkdir(dir, { recursive: true });
      const others = (await readdir(this.root, { withFileTypes: true })).filter((entry) => entry.name !== this.version);
      await Promise.all(
        others.map(async (entry) => {
          const path = join(this.root, entry.name);
          const stale = !entry.isDirectory() || !STORE_VERSION.test(entry.name) || now - (await stat(path)).mtimeMs > OTHER_VERSION_KEPT_MS;
          if (stale) await rm(path, { recursive: true, force: true });
        }),
      );
      const written: string[] = [];
      await Promise.all(
        [...this.added].map(async ([key, value]) => {
          const encoded = this.codec.encode(value);
          if (encoded === undefined) return;
          const temporary = `${this.pathOf(key)}.${process.pid}.tmp`;
          try {
            await writeFile(temporary, JSON.stringify(encoded));
            await rename(temporary, this.pathOf(key));
            written.push(key);
          } catch (error) {
            await rm(temporary, { force: true }).catch(() => undefined);
            throw error;
          }
        }),
      );
      for (const key of written) this.stored.add(key);
      this.added.clear();
      if (this.stored.size > this.maxEntries) {
        const unused = [...this.stored].filter((key) => !this.used.has(key));
        await Promise.all(unused.map((key) => rm(this.pathOf(key), { force: true })));
        for (const key of unused) this.stored.delete(key);
      }
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
}
