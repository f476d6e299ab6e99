/**
 * A parsed YAML document (`YamlParseResult`) as plain JSON and back, so that an edge can keep the parses of
 * property files between reviews (`YamlTreeCache` in `src/ports.ts`): reading a stored tree takes ~1/9 of the time
 * js-yaml takes to parse the text again in a short-lived process.
 *
 * Compact: a node is an array `[kind, line, endLine, payload]` (map: `[key, keyLine, value, ...]`; seq: items;
 * scalar: the value; date: epoch milliseconds). Aliased nodes are written out at each use, so a decoded tree holds
 * copies where the parse shared objects (nothing reads a tree for identity).
 */
import { UNSAFE_KEYS, type YamlParseResult, type YEntry, type YNode } from './yamlTree.js';

const MAP = 0;
const SEQ = 1;
const SCALAR = 2;
const DATE = 3;

/** Nodes an encoded tree may hold: aliases repeat nodes, and a store is no place for an alias bomb's expansion. */
const MAX_ENCODED_NODES = 500_000;

/** The largest epoch milliseconds a Date holds. */
const MAX_TIME = 8.64e15;

class Unstorable extends Error {}

/** The JSON form of a parse, or undefined when it cannot be stored exactly (NaN, infinities, -0, huge expansions). */
export function encodeYamlParse(result: YamlParseResult): unknown {
  if (!result.ok) return result.line === undefined ? { e: result.message } : { e: result.message, l: result.line };
  const budget = { left: MAX_ENCODED_NODES };
  try {
    return { r: result.root ? encodeNode(result.root, budget) : null };
  } catch (error) {
    if (error instanceof Unstorable || error instanceof RangeError) return undefined;
    throw error;
  }
}

/**
 * Whether the parse holds at most `limit` nodes, aliases expanded (as `encodeYamlParse` writes it out). Stops
 * counting past the limit.
 */
export function yamlNodesWithin(result: YamlParseResult, limit: number): boolean {
  if (!result.ok || !result.root) return true;
  let left = limit;
  const stack: YNode[] = [result.root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (--left < 0) return false;
    if (node.kind === 'map') for (const entry of node.entries.values()) stack.push(entry.value);
    else if (node.kind === 'seq') for (const item of node.items) stack.push(item);
  }
  return true;
}

function encodeNode(node: YNode, budget: { left: number }): unknown[] {
  budget.left -= 1;
  if (budget.left < 0) throw new Unstorable();
  switch (node.kind) {
    case 'map': {
      const flat: unknown[] = [];
      for (const entry of node.entries.values()) flat.push(entry.key, entry.keyLine, encodeNode(entry.value, budget));
      return [MAP, node.line, node.endLine, flat];
    }
    case 'seq':
      return [SEQ, node.line, node.endLine, node.items.map((item) => encodeNode(item, budget))];
    case 'scalar': {
      const value = node.value;
      if (value instanceof Date) {
        const time = value.getTime();
        if (!Number.isFinite(time)) throw new Unstorable();
        return [DATE, node.line, node.endLine, time];
      }
      if (!isJsonScalar(value)) throw new Unstorable();
      return [SCALAR, node.line, node.endLine, value];
    }
  }
}

/** A scalar that JSON gives back exactly. */
function isJsonScalar(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  return typeof value === 'number' && Number.isFinite(value) && !Object.is(value, -0);
}

/** The parse an encoded value stands for, or undefined when it is not one (damaged, or of another form). */
export function decodeYamlParse(value: unknown): YamlParseResult | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (typeof record.e === 'string') {
    if (record.l === undefined) return { ok: false, message: record.e };
    return isLine(record.l) ? { ok: false, message: record.e, line: record.l } : undefined;
  }
  if (!('r' in record)) return undefined;
  if (record.r === null) return { ok: true, root: null };
  try {
    const root = decodeNode(record.r);
    return root ? { ok: true, root } : undefined;
  } catch (error) {
    if (error instanceof RangeError) return undefined; // nested too deep to be a parse
    throw error;
  }
}

function decodeNode(value: unknown): YNode | undefined {
  if (!Array.isArray(value) || value.length !== 4) return undefined;
  const [kind, line, endLine, payload] = value as [unknown, unknown, unknown, unknown];
  if (!isLine(line) || !isLine(endLine)) return undefined;
  switch (kind) {
    case MAP: {
      if (!Array.isArray(payload) || payload.length % 3 !== 0) return undefined;
      const entries = new Map<string, YEntry>();
      for (let i = 0; i < payload.length; i += 3) {
        const key: unknown = payload[i];
        const keyLine: unknown = payload[i + 1];
        // A stored tree with a key the parser never keeps is not a parse.
        if (typeof key !== 'string' || UNSAFE_KEYS.has(key) || entries.has(key) || !isLine(keyLine)) return undefined;
        const entryValue = decodeNode(payload[i + 2]);
        if (!entryValue) return undefined;
        entries.set(key, { key, keyLine, value: entryValue });
      }
      return { kind: 'map', entries, line, endLine };
    }
    case SEQ: {
      if (!Array.isArray(payload)) return undefined;
      const items: YNode[] = [];
      for (const item of payload) {
        const node = decodeNode(item);
        if (!node) return undefined;
        items.push(node);
      }
      return { kind: 'seq', items, line, endLine };
    }
    case SCALAR:
      return isJsonScalar(payload) ? { kind: 'scalar', value: payload, line, endLine } : undefined;
    case DATE:
      return typeof payload === 'number' && Math.abs(payload) <= MAX_TIME ? { kind: 'scalar', value: new Date(payload), line, endLine } : undefined;
    default:
      return undefined;
  }
}

function isLine(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}
