/**
 * File facts (see `src/dbt/fileFacts.ts`) by blob id, kept between local reviews in the repository's git directory:
 * `<git dir>/dbt-pr-reviewer/file-facts.json`. A blob id names its content, so stored facts never go stale; the
 * file records `FACTS_VERSION`, and facts of another version are ignored. The next review of the repository then
 * reads only the files it looks at closely (`gitSnapshot` `facts`), instead of every file of both revisions.
 *
 * Never fatal: a missing, unreadable or invalid file is an empty store (the review reads every file, as without
 * one), and a store that cannot be written is left as it was.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FACTS_VERSION, factsKindOf, scanFile, type CodeFacts, type FactsKey, type FileFacts, type YamlFacts } from '../dbt/fileFacts.js';
import type { RefCall, SourceCall } from '../dbt/types.js';
import type { GitSnapshot, StoredFacts } from './git.js';
import { storesRoot } from './versioned-store.js';

const FORMAT = 'dbt-pr-reviewer file facts';

/**
 * The file: per way of scanning (`FactsKey`), blob ids alternating with their facts, each one flat array (few objects
 * to parse and collect):
 * - sql, python: `[enabled, refCount, ...refCount × (name, line, package | null, version | null), ...(source, table, line)]`
 *   where `enabled` is `"computed"` or the array of literal values;
 * - yaml: `[definesGroups, words]`.
 */
interface StoredFile {
  format: typeof FORMAT;
  version: number;
  sql: unknown[];
  python: unknown[];
  yaml: unknown[];
}

const KEYS = ['sql', 'python', 'yaml'] as const;

/** A store holds at most this many blobs beyond those of the last review (then it keeps only those). */
const SPARE_ENTRIES = 20_000;

export function factsStorePath(gitDir: string): string {
  return join(storesRoot(gitDir), 'file-facts.json');
}

export class FactsStore implements StoredFacts {
  private readonly decoded: Record<FactsKey, Map<string, FileFacts | null>> = { sql: new Map(), python: new Map(), yaml: new Map() };
  private added = 0;

  private constructor(
    private readonly path: string,
    /** Stored facts, still encoded, by kind and blob id. */
    private readonly stored: Record<FactsKey, Map<string, unknown>>,
  ) {}

  /** The store at `path` (empty when it is missing or not a store of this version). */
  static async open(path: string): Promise<FactsStore> {
    const stored: Record<FactsKey, Map<string, unknown>> = { sql: new Map(), python: new Map(), yaml: new Map() };
    try {
      const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
      if (isStoredFile(parsed)) {
        for (const kind of KEYS) {
          const list = parsed[kind];
          for (let i = 0; i + 1 < list.length; i += 2) if (typeof list[i] === 'string') stored[kind].set(list[i] as string, list[i + 1]);
        }
      }
    } catch {
      /* no store yet, or not readable: start empty */
    }
    return new FactsStore(path, stored);
  }

  get(oid: string, kind: FactsKey): FileFacts | undefined {
    const decoded = this.decoded[kind];
    let facts = decoded.get(oid);
    if (facts === undefined) {
      const value = this.stored[kind].get(oid);
      // A hand-edited or damaged entry is ignored: that file is read.
      facts = (value === undefined ? undefined : kind === 'yaml' ? decodeYaml(value) : decodeCode(value)) ?? null;
      decoded.set(oid, facts);
    }
    return facts ?? undefined;
  }

  /** Scans the files the snapshots loaded whose facts are not stored yet. */
  learn(snapshots: readonly GitSnapshot[]): void {
    for (const snapshot of snapshots) {
      for (const [path, oid] of snapshot.oids) {
        const kind = factsKindOf(path);
        if (kind === undefined || this.get(oid, kind)) continue;
        const text = snapshot.textByOid.get(oid);
        const facts = text === undefined ? undefined : scanFile(path, text);
        if (!facts) continue;
        this.stored[kind].set(oid, facts.kind === 'code' ? encodeCode(facts) : encodeYaml(facts));
        this.decoded[kind].set(oid, facts);
        this.added += 1;
      }
    }
  }

  /**
   * Writes the store when it learned something. It keeps the facts of other blobs too (reviews of other branches
   * need them), until they outnumber those of `snapshots` by `SPARE_ENTRIES`: then only these are kept. Atomic (a
   * temporary file renamed over the old one). Returns an error message instead of throwing.
   */
  async save(snapshots: readonly GitSnapshot[]): Promise<string | undefined> {
    if (this.added === 0) return undefined;
    const current = new Set<string>();
    for (const snapshot of snapshots) for (const oid of snapshot.oids.values()) current.add(oid);
    const total = KEYS.reduce((n, kind) => n + this.stored[kind].size, 0);
    const keep = (oid: string) => total <= current.size + SPARE_ENTRIES || current.has(oid);
    const out: StoredFile = { format: FORMAT, version: FACTS_VERSION, sql: [], python: [], yaml: [] };
    for (const kind of KEYS) {
      for (const [oid, value] of this.stored[kind]) if (keep(oid) && this.get(oid, kind)) out[kind].push(oid, value);
    }
    const temporary = `${this.path}.${process.pid}.tmp`;
    try {
      await mkdir(join(this.path, '..'), { recursive: true });
      await writeFile(temporary, JSON.stringify(out));
      await rename(temporary, this.path);
      this.added = 0;
      return undefined;
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      return error instanceof Error ? error.message : String(error);
    }
  }
}

function isStoredFile(value: unknown): value is StoredFile {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return v.format === FORMAT && v.version === FACTS_VERSION && KEYS.every((kind) => Array.isArray(v[kind]));
}

export function encodeCode(facts: CodeFacts): unknown[] {
  const out: unknown[] = [facts.enabled, facts.refs.length];
  for (const r of facts.refs) out.push(r.name, r.line, r.package ?? null, r.version ?? null);
  for (const s of facts.sources) out.push(s.source, s.table, s.line);
  return out;
}

export function decodeCode(value: unknown): CodeFacts | undefined {
  if (!Array.isArray(value) || value.length < 2) return undefined;
  const [enabled, refCount] = value as [unknown, unknown];
  if (enabled !== 'computed' && !Array.isArray(enabled)) return undefined;
  if (!Number.isInteger(refCount) || (refCount as number) < 0) return undefined;
  const sourcesAt = 2 + 4 * (refCount as number);
  if (value.length < sourcesAt || (value.length - sourcesAt) % 3 !== 0) return undefined;
  const refs: RefCall[] = [];
  for (let i = 2; i < sourcesAt; i += 4) {
    const [name, line, pkg, version] = value.slice(i, i + 4) as unknown[];
    if (typeof name !== 'string' || !isLine(line) || !(pkg === null || typeof pkg === 'string') || !(version === null || typeof version === 'string')) return undefined;
    const ref: RefCall = typeof pkg === 'string' ? { name, package: pkg, line } : { name, line };
    if (typeof version === 'string') ref.version = version;
    refs.push(ref);
  }
  const sources: SourceCall[] = [];
  for (let i = sourcesAt; i < value.length; i += 3) {
    const [source, table, line] = value.slice(i, i + 3) as unknown[];
    if (typeof source !== 'string' || typeof table !== 'string' || !isLine(line)) return undefined;
    sources.push({ source, table, line });
  }
  return { kind: 'code', refs, sources, enabled: enabled as CodeFacts['enabled'] };
}

export function encodeYaml(facts: YamlFacts): unknown[] {
  return [facts.groups, facts.words];
}

export function decodeYaml(value: unknown): YamlFacts | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [groups, words] = value as unknown[];
  if (typeof groups !== 'boolean' || typeof words !== 'string' || !words.startsWith(' ') || !words.endsWith(' ')) return undefined;
  return { kind: 'yaml', groups, words };
}

function isLine(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1;
}
