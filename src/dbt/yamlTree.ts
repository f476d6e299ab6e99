/**
 * YAML parsed into a small tree that keeps the 1-based line of every node and key, with aliases and merge keys
 * (`<<: *anchor`) resolved. The rest of `src/dbt` reads this tree instead of a YAML library's AST.
 *
 * Parsing uses js-yaml (fast; a 5,000-model project must load in well under a second) and rebuilds positions from
 * its node listener: every node is reported when it opens (with its start offset) and when it closes (with its
 * value and kind). Anchored values are shared objects, so an alias resolves to the node built for its anchor.
 */
import { load, type State } from 'js-yaml';
import { LineIndex } from './textLines.js';

interface Positioned {
  line: number;
  endLine: number;
}

export interface YMap extends Positioned {
  kind: 'map';
  entries: Map<string, YEntry>;
}

export interface YEntry {
  key: string;
  keyLine: number;
  value: YNode;
}

export interface YSeq extends Positioned {
  kind: 'seq';
  items: YNode[];
}

export interface YScalar extends Positioned {
  kind: 'scalar';
  value: unknown;
}

export type YNode = YMap | YSeq | YScalar;

export type YamlParseResult = { ok: true; root: YNode | null } | { ok: false; message: string; line?: number };

interface Frame {
  line: number;
  children: Built[] | undefined;
}

interface Built {
  node: YNode;
  /** The value js-yaml produced for the node (identity is used to resolve aliases and wrappers). */
  result: unknown;
  line: number;
}

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Parses one YAML document. Syntax errors (and duplicate keys, which dbt also rejects) fail with a line. */
export function parseYamlTree(text: string): YamlParseResult {
  const lines = new LineIndex(text);
  const stack: Frame[] = [];
  const byObject = new Map<object, YNode>();
  let root: Built | undefined;
  const listener = (event: 'open' | 'close', state: State) => {
    if (event === 'open') {
      stack.push({ line: lines.lineAt(state.position), children: undefined });
      return;
    }
    const frame = stack.pop();
    if (!frame) return;
    const built = buildNode(frame, state, text, lines, byObject);
    const parent = stack[stack.length - 1];
    if (parent) (parent.children ??= []).push(built);
    else root = built;
  };
  try {
    load(text, { listener } as Parameters<typeof load>[1]);
  } catch (error) {
    const e = error as { reason?: string; message?: string; mark?: { line?: number } };
    const line = typeof e.mark?.line === 'number' ? e.mark.line + 1 : undefined;
    return { ok: false, message: e.reason ?? e.message?.split('\n')[0] ?? 'invalid YAML', ...(line !== undefined ? { line } : {}) };
  }
  if (!root || (root.node.kind === 'scalar' && (root.node.value === null || root.node.value === undefined))) return { ok: true, root: null };
  return { ok: true, root: root.node };
}

function endLineOf(text: string, lines: LineIndex, closeAt: number, startLine: number): number {
  let i = Math.min(closeAt, text.length) - 1;
  for (let c = text.charCodeAt(i); i > 0 && (c === 32 || c === 10 || c === 13 || c === 9); c = text.charCodeAt(i)) i -= 1;
  return Math.max(startLine, lines.lineAt(Math.max(i, 0)));
}

function buildNode(frame: Frame, state: State, text: string, lines: LineIndex, byObject: Map<object, YNode>): Built {
  const result: unknown = state.result;
  const children = frame.children ?? [];
  const line = frame.line;
  const only = children.length === 1 ? children[0] : undefined;
  // js-yaml wraps some nodes (explicit keys, compact nested sequences) in an extra level with the same value.
  if (only && Object.is(only.result, result)) return { node: only.node, result, line };
  if (result === null || typeof result !== 'object') {
    return { node: { kind: 'scalar', value: result, line, endLine: line }, result, line };
  }
  if (children.length === 0) {
    const anchored = byObject.get(result);
    if (anchored) return { node: anchored, result, line }; // an alias
  }
  const endLine = endLineOf(text, lines, state.position, line);
  let node: YNode;
  if (state.kind === 'sequence' && Array.isArray(result)) {
    node = {
      kind: 'seq',
      items: children.length === result.length ? children.map((c) => c.node) : result.map((v) => fromPlain(v, line)),
      line,
      endLine,
    };
  } else if (state.kind === 'mapping' && !Array.isArray(result) && !(result instanceof Date)) {
    node = buildMap(children, result as Record<string, unknown>, line, endLine);
  } else if (result instanceof Date) {
    node = { kind: 'scalar', value: result, line, endLine: line };
  } else {
    node = fromPlain(result, line);
  }
  byObject.set(result, node);
  return { node, result, line };
}

function buildMap(children: Built[], result: Record<string, unknown>, line: number, endLine: number): YMap {
  const map: YMap = { kind: 'map', entries: new Map(), line, endLine };
  const ownKeys = Object.keys(result);
  if (children.length % 2 !== 0) {
    // A flow mapping with a key but no value (`{a, b: 1}`): pairs cannot be aligned; lines fall back to the map's.
    for (const key of ownKeys) if (!UNSAFE_KEYS.has(key)) map.entries.set(key, { key, keyLine: line, value: fromPlain(result[key], line) });
    return map;
  }
  const merged: YEntry[] = [];
  for (let i = 0; i < children.length; i += 2) {
    const keyChild = children[i]!;
    const valueChild = children[i + 1]!;
    if (keyChild.result === '<<') {
      merged.push(...mergeSources(valueChild.node));
      continue;
    }
    const key = String(keyChild.result);
    if (UNSAFE_KEYS.has(key)) continue;
    map.entries.set(key, { key, keyLine: keyChild.line, value: valueChild.node });
  }
  // Explicit keys win over merged ones; among merge sources the first one wins.
  for (const entry of merged) if (!map.entries.has(entry.key)) map.entries.set(entry.key, entry);
  // Anything js-yaml produced that the pairs did not explain (should not happen) is kept without its own line.
  for (const key of ownKeys) {
    if (!map.entries.has(key) && !UNSAFE_KEYS.has(key)) map.entries.set(key, { key, keyLine: line, value: fromPlain(result[key], line) });
  }
  return map;
}

function mergeSources(source: YNode): YEntry[] {
  const maps = source.kind === 'map' ? [source] : source.kind === 'seq' ? source.items.filter(isYMap) : [];
  const out: YEntry[] = [];
  for (const m of maps) out.push(...m.entries.values());
  return out;
}

/** A positioned node for a plain value whose inner positions are unknown (all at `line`). */
function fromPlain(value: unknown, line: number): YNode {
  if (Array.isArray(value)) return { kind: 'seq', items: value.map((v) => fromPlain(v, line)), line, endLine: line };
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const entries = new Map<string, YEntry>();
    for (const [key, v] of Object.entries(value)) if (!UNSAFE_KEYS.has(key)) entries.set(key, { key, keyLine: line, value: fromPlain(v, line) });
    return { kind: 'map', entries, line, endLine: line };
  }
  return { kind: 'scalar', value, line, endLine: line };
}

export function isYMap(node: YNode | undefined | null): node is YMap {
  return node?.kind === 'map';
}

export function isYSeq(node: YNode | undefined | null): node is YSeq {
  return node?.kind === 'seq';
}

export function isYScalar(node: YNode | undefined | null): node is YScalar {
  return node?.kind === 'scalar';
}

/** The entry for `key` of a mapping node (undefined for other nodes). */
export function entryOf(node: YNode | undefined | null, key: string): YEntry | undefined {
  return isYMap(node) ? node.entries.get(key) : undefined;
}

export function valueOf(node: YNode | undefined | null, key: string): YNode | undefined {
  return entryOf(node, key)?.value;
}

/** A scalar string value (numbers are stringified), else undefined. */
export function stringOf(node: YNode | undefined | null): string | undefined {
  if (!isYScalar(node)) return undefined;
  const v = node.value;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  return undefined;
}

/** Plain JavaScript value of a node (maps become objects, sequences arrays). */
export function toPlain(node: YNode | undefined | null): unknown {
  if (!node) return undefined;
  switch (node.kind) {
    case 'scalar':
      return node.value instanceof Date ? node.value.toISOString().slice(0, 10) : node.value;
    case 'seq':
      return node.items.map(toPlain);
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [k, e] of node.entries) if (!UNSAFE_KEYS.has(k)) out[k] = toPlain(e.value);
      return out;
    }
  }
}

/** Items of a sequence node; a missing node is an empty list; any other node is a one-item list. */
export function itemsOf(node: YNode | undefined | null): YNode[] {
  if (!node) return [];
  if (isYSeq(node)) return node.items;
  if (isYScalar(node) && node.value === null) return [];
  return [node];
}
