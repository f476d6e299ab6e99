/**
 * Analysed SQL (`ModelShape`, see `ShapeCache` in `src/ports.ts`) kept between local reviews in the repository's
 * git directory: `<git dir>/dbt-pr-reviewer/shapes/<analyser>/<key>.json`, one file per shape. The key names the
 * analysed content (dialect, rendered SQL, upstream columns); `<analyser>` names the analyser's own code (a digest
 * of `src/sql/` and of node-sql-parser's version), so an upgrade starts a new folder (the old one goes after a
 * week unused). The next review of the repository then parses only the SQL it has not seen: the base of a branch is
 * analysed once.
 *
 * Never fatal: a missing or unreadable folder is an empty store, an entry that does not validate is analysed again
 * (and replaced), and a store that cannot be written is left as it was.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';
import { DIALECTS } from '../config.js';
import type { ShapeCache } from '../ports.js';
import type { ModelShape } from '../sql/types.js';

/** Bump when the stored form changes without a change to `src/sql/` (e.g. this schema). */
const STORE_FORMAT = 1;

/** Beyond this many stored shapes (~2 KB each), a review keeps only the ones it used. */
const MAX_STORED_SHAPES = 5_000;

/**
 * The folder of another analyser is removed once no review has used it (written to it, or touched it after reading)
 * for this long: two versions of the CLI used on one repository (a global install and a project's own) keep their
 * shapes, an upgrade's old folder goes.
 */
const OTHER_ANALYSER_KEPT_MS = 7 * 24 * 60 * 60 * 1000;

const line = v.pipe(v.number(), v.integer(), v.minValue(0));
const clause = { canonical: v.string(), text: v.string(), line: v.optional(line) };
const clauses = v.array(v.object(clause));
const names = v.array(v.string());

const modelShapeSchema = v.object({
  parse: v.picklist(['full', 'tolerant', 'failed']),
  error: v.optional(v.string()),
  dialect: v.picklist(DIALECTS),
  columns: v.array(v.object({ name: v.string(), expr: v.string(), type: v.optional(v.string()), text: v.string(), line: v.optional(line) })),
  unresolvedStars: v.array(v.object({ relations: names, except: names, line: v.optional(line) })),
  relations: names,
  relationLines: v.record(v.string(), line),
  filters: clauses,
  joins: v.array(v.object({ ...clause, type: v.string(), target: v.string(), condition: v.string(), relations: names })),
  grain: v.array(v.object({ ...clause, kind: v.picklist(['group_by', 'aggregate', 'qualify', 'distinct', 'distinct_on']) })),
  setOperations: clauses,
  orderLimit: clauses,
  fanOut: clauses,
  columnsUsed: v.record(v.string(), names),
  ctes: names,
  rewrites: names,
}) satisfies v.GenericSchema<unknown, ModelShape>;

const KEY = /^[0-9a-f]{64}$/;
/** The name of an analyser's folder (`analyserId`). */
const ANALYSER = /^[0-9a-f]{16}$/;

export function shapeStoreRoot(gitDir: string): string {
  return join(gitDir, 'dbt-pr-reviewer', 'shapes');
}

/**
 * Names the code that computes a shape: this store's format, node-sql-parser's version and the text of every
 * module of `src/sql/` (the analyser imports nothing else but types), as 16 hex digits.
 */
export async function analyserId(): Promise<string> {
  const sqlDir = fileURLToPath(new URL('../sql/', import.meta.url));
  const files = (await readdir(sqlDir)).filter((f) => /\.(?:[cm]?js|ts)$/.test(f) && !f.endsWith('.d.ts')).sort();
  const hash = createHash('sha256').update(`format ${STORE_FORMAT}\0`);
  const parser = createRequire(import.meta.url)('node-sql-parser/package.json') as { version?: string };
  hash.update(`node-sql-parser ${parser.version ?? '?'}\0`);
  for (const [i, text] of (await Promise.all(files.map((f) => readFile(join(sqlDir, f))))).entries()) {
    hash.update(`${files[i]}\0`).update(text).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

export class ShapeStore implements ShapeCache {
  /** Shapes analysed in this review, not stored yet. */
  private readonly added = new Map<string, ModelShape>();
  /** Keys this review read or analysed: kept when the store is trimmed. */
  private readonly used = new Set<string>();

  private constructor(
    private readonly root: string,
    private readonly analyser: string,
    /** Keys stored in the folder when it was opened. */
    private readonly stored: Set<string>,
    private readonly maxEntries: number,
  ) {}

  /** The store of `analyser` under `root` (empty when there is none or it cannot be read). */
  static async open(root: string, analyser: string, maxEntries = MAX_STORED_SHAPES): Promise<ShapeStore> {
    let stored = new Set<string>();
    try {
      const files = await readdir(join(root, analyser));
      stored = new Set(files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length)).filter((k) => KEY.test(k)));
    } catch {
      /* no store yet, or not readable: start empty */
    }
    return new ShapeStore(root, analyser, stored, maxEntries);
  }

  get(key: string): ModelShape | undefined {
    const shape = this.added.get(key) ?? (this.stored.has(key) ? this.read(key) : undefined);
    if (shape) this.used.add(key);
    return shape;
  }

  set(key: string, shape: ModelShape): void {
    this.added.set(key, shape);
    this.used.add(key);
  }

  private read(key: string): ModelShape | undefined {
    try {
      const parsed = v.safeParse(modelShapeSchema, JSON.parse(readFileSync(this.pathOf(key), 'utf8')));
      if (parsed.success) return parsed.output;
    } catch {
      /* unreadable or not JSON: analysed again */
    }
    // A damaged or hand-edited entry is analysed again, and replaced by `save`.
    this.stored.delete(key);
    return undefined;
  }

  private pathOf(key: string): string {
    return join(this.root, this.analyser, `${key}.json`);
  }

  /**
   * Writes the shapes analysed in this review, each atomically (a temporary file renamed over the entry), or, when
   * it only read, marks the folder as used. Removes what is not a folder of an analyser and the folders of other
   * analysers unused for a week (`OTHER_ANALYSER_KEPT_MS`), and, beyond `maxEntries`, every shape this review did
   * not use.
   * Returns an error message instead of throwing.
   */
  async save(now = Date.now()): Promise<string | undefined> {
    const dir = join(this.root, this.analyser);
    if (this.added.size === 0) {
      // A review that only read: its folder counts as used (see `OTHER_ANALYSER_KEPT_MS`).
      if (this.used.size > 0) await utimes(dir, now / 1000, now / 1000).catch(() => undefined);
      return undefined;
    }
    try {
      await mkdir(dir, { recursive: true });
      const others = (await readdir(this.root, { withFileTypes: true })).filter((entry) => entry.name !== this.analyser);
      await Promise.all(
        others.map(async (entry) => {
          const path = join(this.root, entry.name);
          const stale = !entry.isDirectory() || !ANALYSER.test(entry.name) || now - (await stat(path)).mtimeMs > OTHER_ANALYSER_KEPT_MS;
          if (stale) await rm(path, { recursive: true, force: true });
        }),
      );
      await Promise.all(
        [...this.added].map(async ([key, shape]) => {
          const temporary = `${this.pathOf(key)}.${process.pid}.tmp`;
          try {
            await writeFile(temporary, JSON.stringify(shape));
            await rename(temporary, this.pathOf(key));
          } catch (error) {
            await rm(temporary, { force: true }).catch(() => undefined);
            throw error;
          }
        }),
      );
      for (const key of this.added.keys()) this.stored.add(key);
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
