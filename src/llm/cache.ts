/**
 * Answers cached by a hash of the exact request (endpoint, model, messages, schema, limits), so a `/recheck` or a
 * push that does not change what would be sent costs nothing. An in-memory LRU for the app process and an optional
 * file-backed cache for the CLI.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface CachedAnswer {
  /** The raw answer text (validated again on every use). */
  content: string;
  /** Model that produced it. */
  model: string;
  inputTokens: number;
  outputTokens: number;
  createdAt: string;
}

export interface LlmCache {
  get(key: string): Promise<CachedAnswer | undefined>;
  set(key: string, value: CachedAnswer): Promise<void>;
}

/** Stable JSON (sorted keys) so equal requests hash equally. */
function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Cache key of a request: sha256 over everything that can change the answer. */
export function requestCacheKey(request: unknown): string {
  return createHash('sha256').update(stableStringify(request)).digest('hex');
}

function isCachedAnswer(value: unknown): value is CachedAnswer {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return typeof v['content'] === 'string' && typeof v['model'] === 'string' && typeof v['inputTokens'] === 'number' && typeof v['outputTokens'] === 'number';
}

/** Least-recently-used in-memory cache. */
export class MemoryLlmCache implements LlmCache {
  private readonly entries = new Map<string, CachedAnswer>();
  constructor(private readonly maxEntries = 1000) {}

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  async set(key: string, value: CachedAnswer): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}

export interface FileLlmCacheOptions {
  /** Entries older than this are ignored (and removed when found). Default: 30 days. */
  maxAgeMs?: number;
  /** When more files than this exist after a write, the oldest are removed. Default: 2000. */
  maxEntries?: number;
}

/** One JSON file per key in a directory; writes are atomic (temp file + rename). Errors read as misses. */
export class FileLlmCache implements LlmCache {
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;
  private writes = 0;

  constructor(
    private readonly dir: string,
    options: FileLlmCacheOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 30 * 24 * 3600 * 1000;
    this.maxEntries = options.maxEntries ?? 2000;
  }

  private file(key: string): string {
    if (!/^[a-f0-9]{16,128}$/.test(key)) throw new Error('invalid cache key');
    return join(this.dir, `${key}.json`);
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    try {
      const value: unknown = JSON.parse(await readFile(this.file(key), 'utf8'));
      if (!isCachedAnswer(value)) return undefined;
      const age = Date.now() - Date.parse(value.createdAt);
      if (Number.isFinite(age) && age > this.maxAgeMs) {
        await unlink(this.file(key)).catch(() => undefined);
        return undefined;
      }
      return value;
    } catch {
      return undefined;
    }
  }

  async set(key: string, value: CachedAnswer): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
      const target = this.file(key);
      const tmp = `${target}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(tmp, JSON.stringify(value), 'utf8');
      await rename(tmp, target);
      if (++this.writes % 50 === 0) await this.prune();
    } catch {
      // A cache that cannot be written is a cache miss next time, not a failed review.
    }
  }

  private async prune(): Promise<void> {
    const names = (await readdir(this.dir)).filter((n) => n.endsWith('.json'));
    if (names.length <= this.maxEntries) return;
    const withTimes = await Promise.all(
      names.map(async (n) => ({ n, t: (await stat(join(this.dir, n)).catch(() => undefined))?.mtimeMs ?? 0 })),
    );
    withTimes.sort((a, b) => a.t - b.t);
    for (const { n } of withTimes.slice(0, names.length - this.maxEntries)) await unlink(join(this.dir, n)).catch(() => undefined);
  }
}

let shared: MemoryLlmCache | undefined;

/** The process-wide in-memory cache (shared by every review the app runs). */
export function sharedMemoryCache(): MemoryLlmCache {
  shared ??= new MemoryLlmCache();
  return shared;
}
