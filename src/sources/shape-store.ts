/**
 * Analysed SQL (`ModelShape`, see `ShapeCache` in `src/ports.ts`) kept between local reviews in the repository's
 * git directory: `<git dir>/dbt-pr-reviewer/shapes/<analyser>/<key>.json`, one file per shape. The key names the
 * analysed content (dialect, rendered SQL, upstream columns); `<analyser>` names the analyser's own code (a digest
 * of `src/sql/` and of node-sql-parser's version), so an upgrade starts a new folder (the old one goes after a
 * week unused). The next review of the repository then parses only the SQL it has not seen: the base of a branch is
 * analysed once.
 *
 * Never fatal (see `VersionedStore`): an entry that does not validate is analysed again (and replaced).
 */
import { join } from 'node:path';
import * as v from 'valibot';
import { DIALECTS } from '../config.js';
import type { ModelShape } from '../sql/types.js';
import { codeVersionId, storesRoot, VersionedStore, type StoreCodec } from './versioned-store.js';

/** Bump when the stored form changes without a change to `src/sql/` (e.g. this schema). */
const STORE_FORMAT = 1;

/** Beyond this many stored shapes (~2 KB each), a review keeps only the ones it used. */
const MAX_STORED_SHAPES = 5_000;

const line = v.pipe(v.number(), v.integer(), v.minValue(0));
const clause = { canonical: v.string(), text: v.string(), line: v.optional(line) };
const clauses = v.array(v.object(clause));
const names = v.array(v.string());
const column = v.object({ name: v.string(), expr: v.string(), type: v.optional(v.string()), text: v.string(), line: v.optional(line), sites: v.optional(v.array(v.object({ line, digest: v.string(), cte: v.optional(v.string()), column: v.optional(v.string()) }))) });

const modelShapeSchema = v.object({
  parse: v.picklist(['full', 'tolerant', 'failed']),
  error: v.optional(v.string()),
  dialect: v.picklist(DIALECTS),
  columns: v.array(column),
  unresolvedStars: v.array(v.object({ relations: names, except: names, line: v.optional(line), replaced: v.optional(v.array(column)) })),
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
  missingColumns: v.optional(v.array(v.object({ column: v.string(), kind: v.picklist(['cte', 'subquery']), name: v.string(), definedLine: v.optional(line), line: v.optional(line) }))),
  derivedColumnsRead: v.optional(v.record(v.string(), names)),
}) satisfies v.GenericSchema<unknown, ModelShape>;

export function shapeStoreRoot(gitDir: string): string {
  return join(storesRoot(gitDir), 'shapes');
}

/**
 * Names the code that computes a shape: this store's format, node-sql-parser's version and the text of every
 * module of `src/sql/` and its subfolders (the fast parser of `fast/`; the analyser imports nothing else but types),
 * as 16 hex digits.
 */
export function analyserId(): Promise<string> {
  return codeVersionId({ format: STORE_FORMAT, packageName: 'node-sql-parser', dir: new URL('../sql/', import.meta.url), modules: /^(?!.*\.d\.ts$).*\.(?:[cm]?js|ts)$/ });
}

const SHAPE_CODEC: StoreCodec<ModelShape> = {
  encode: (shape) => shape,
  decode: (stored) => {
    const parsed = v.safeParse(modelShapeSchema, stored);
    return parsed.success ? parsed.output : undefined;
  },
};

/** The analysed SQL of one analyser version (`analyserId`); a `ShapeCache`. */
export type ShapeStore = VersionedStore<ModelShape>;

export const ShapeStore = {
  /** The store of `analyser` under `root` (empty when there is none or it cannot be read). */
  open(root: string, analyser: string, maxEntries = MAX_STORED_SHAPES): Promise<ShapeStore> {
    return VersionedStore.open(root, analyser, SHAPE_CODEC, maxEntries);
  },
};
