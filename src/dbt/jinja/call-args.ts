/**
 * Arguments of JS functions called from minijinja-js. The engine passes positional arguments as they are and
 * keyword arguments as one trailing `Map`; a dict literal also arrives as a `Map`, so keyword arguments are told
 * apart by their names.
 */

/** A plain (JSON-like) copy of a value from the engine: `Map`s become objects, without touching prototypes. */
export function toPlain(value: unknown, depth = 0): unknown {
  if (depth > 64) return null;
  if (value instanceof Map) {
    return Object.fromEntries([...value].map(([k, v]) => [String(k), toPlain(v, depth + 1)]));
  }
  if (Array.isArray(value)) return value.map((v) => toPlain(v, depth + 1));
  if (value === undefined) return null;
  return value;
}

export interface BoundArgs {
  /** Arguments by parameter name (positional ones first, then keywords). */
  named: Map<string, unknown>;
  /** Keyword arguments that are not parameters (for `**kwargs` functions such as `config`). */
  extra: Map<string, unknown>;
  /** Positional arguments beyond the parameters. */
  rest: unknown[];
}

/**
 * Binds engine arguments to `params`. A trailing `Map` is taken as keyword arguments when `acceptsExtra` is set or
 * when all its keys are parameter names not already filled positionally; otherwise it is a positional dict.
 */
export function bindArgs(args: readonly unknown[], params: readonly string[], acceptsExtra = false): BoundArgs {
  let positional = [...args];
  let keywords: Map<unknown, unknown> | undefined;
  const last = positional[positional.length - 1];
  if (last instanceof Map && last.size > 0) {
    const filled = new Set(params.slice(0, positional.length - 1));
    const keys = [...last.keys()];
    const allParams = keys.every((k) => typeof k === 'string' && params.includes(k) && !filled.has(k));
    if (acceptsExtra || allParams) {
      keywords = last;
      positional = positional.slice(0, -1);
    }
  }
  const named = new Map<string, unknown>();
  positional.slice(0, params.length).forEach((v, i) => named.set(params[i] ?? '', v));
  const extra = new Map<string, unknown>();
  for (const [k, v] of keywords ?? []) {
    const key = String(k);
    if (params.includes(key)) named.set(key, v);
    else extra.set(key, v);
  }
  return { named, extra, rest: positional.slice(params.length) };
}

export function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

export function asStringList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map((v) => asString(v)).filter((v): v is string => v !== undefined);
  const single = asString(value);
  return single === undefined ? [] : [single];
}
