/**
 * YAML parsed into a small tree that keeps the 1-based line of every node and key, with aliases and merge keys
 * (`<<: *anchor`) resolved. The rest of `src/dbt` reads this tree instead of a YAML library's AST.
 *
 * Parsing uses js-yaml (fast; a 5,000-model project must load in well under a second) and rebuilds positions from
 * its node listener: every node is reported when it opens (with its start offset) and when it closes (with its
 * value and kind). Anchored values are shared objects, so an alias resolves to the node built for its anchor.
 * The block YAML property files are written in is first tried by a parser of its own (src/dbt/fastYaml/), about
 * three times faster, which builds the very same tree or declines the text (then js-yaml reads it).
 */
import { load, type State } from 'js-yaml';
import { LineIndex } from './textLines.js';
import { parseYamlFast } from './fastYaml/index.js';

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

export type YamlParseResult =
  | {
      ok: true;
      root: YNode | null;
      /** Keys a mapping repeats, at the line of each later one: dbt (PyYAML) keeps the last value, and warns. */
      duplicateKeys?: { key: string; line: number }[];
    }
  | { ok: false; message: string; line?: number };

/**
 * Parsed YAML (`parseYamlTree`) by the text parsed, for one review (a `Map`): the base and head loads parse the
 * unchanged property files once. The text is all a parse depends on; a tree from it is shared, never modified.
 */
export interface YamlTreeCache {
  get(text: string): YamlParseResult | undefined;
  set(text: string, result: YamlParseResult): void;
}

/** Keys a tree never holds (they would reach `Object.prototype` through `toPlain`). */
export const UNSAFE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Aliases may make a document mean more values than it spells (an alias bomb: 500 bytes that expand to a billion
 * values). PR content is untrusted, and reading such a tree (`toPlain`, fingerprints) would exhaust memory, so a
 * document is rejected when its expanded size exceeds this many values plus `ALIAS_GROWTH` per character of it
 * (without aliases a document holds fewer values than characters).
 */
const EXPANDED_ALLOWANCE = 10_000;
const ALIAS_GROWTH = 10;

class ExpansionError extends Error {}

/** The 1-based number of the last line holding text (a final newline starts no line). */
function lastLineOf(text: string): number {
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < text.length - 1; i = text.indexOf('\n', i + 1)) lines += 1;
  return lines;
}

/**
 * Parses one YAML document. Syntax errors fail with a line. A key repeated in a mapping is not one: dbt reads YAML
 * with PyYAML, where the last value wins (and dbt warns), so the tree holds the last value and `duplicateKeys` says
 * where. The block YAML of property files is read by a faster parser (`parseYamlFast`, src/dbt/fastYaml/) that gives
 * the same tree or declines (it declines repeated keys); anything else by js-yaml.
 */
export function parseYamlTree(text: string): YamlParseResult {
  const fast = parseYamlFast(text);
  return fast ? { ok: true, root: fast.root } : parseYamlTreeWithJsYaml(text);
}

/** `parseYamlTree` by js-yaml and its node listener, whatever the text. */
export function parseYamlTreeWithJsYaml(text: string): YamlParseResult {
  let builder = new TreeBuilder(text);
  try {
    try {
      load(text, { listener: builder.listener } as Parameters<typeof load>[1]);
    } catch (error) {
      if ((error as { reason?: string }).reason !== 'duplicated mapping key') throw error;
      // Again, letting a later value replace an earlier one (js-yaml's `json` option), as PyYAML does.
      builder = new TreeBuilder(text);
      load(text, { listener: builder.listener, json: true } as Parameters<typeof load>[1]);
    }
  } catch (error) {
    if (error instanceof ExpansionError) return { ok: false, message: error.message };
    const e = error as { reason?: string; message?: string; mark?: { line?: number } };
    // js-yaml reports an unclosed construct at the end of the input: the line after the last one of a file that
    // ends with a newline. Point at the file's last line instead, where an inline comment can go.
    const line = typeof e.mark?.line === 'number' ? Math.min(e.mark.line + 1, lastLineOf(text)) : undefined;
    return { ok: false, message: e.reason ?? e.message?.split('\n')[0] ?? 'invalid YAML', ...(line !== undefined ? { line } : {}) };
  }
  const root = builder.root();
  const limit = EXPANDED_ALLOWANCE + ALIAS_GROWTH * text.length;
  // Without anchors the tree shares no node, and it holds at most as many values as js-yaml closed nodes (keys
  // included) plus those `fromPlain` made.
  const expanded = builder.anchored || builder.valuesBound() > limit ? builder.expandedSize() : 0;
  if (expanded > limit) {
    return { ok: false, message: `its aliases expand it to ${expanded > 1e9 ? 'over a billion' : expanded.toLocaleString('en-US')} values (an alias bomb?); it is not read` };
  }
  const duplicates = builder.duplicateKeys.length > 0 ? { duplicateKeys: builder.duplicateKeys.sort((a, b) => a.line - b.line) } : {};
  if (!root || (root.kind === 'scalar' && (root.value === null || root.value === undefined))) return { ok: true, root: null, ...duplicates };
  return { ok: true, root, ...duplicates };
}

/**
 * Rebuilds positioned nodes from js-yaml's listener events. Open nodes wait on a stack of start lines; finished
 * nodes wait on the "done" stack (js-yaml's value, start line, built node) until their parent closes and takes them.
 * A scalar's node is only built when the scalar is used as a value: mapping keys need just their text and line.
 */
class TreeBuilder {
  /** Keys a mapping repeated (with `json: true`, js-yaml keeps the last value). */
  readonly duplicateKeys: { key: string; line: number }[] = [];
  private readonly lines: LineIndex;
  private readonly openLines: number[] = [];
  /** For each open node, where its children start on the done stack. */
  private readonly openChildren: number[] = [];
  /** Entries in use on the done stack (the arrays below are overwritten, not truncated: cheaper in V8). */
  private doneCount = 0;
  /** The value js-yaml produced for each done node (identity is used to resolve aliases and wrappers). */
  private readonly doneResults: unknown[] = [];
  private readonly doneLines: number[] = [];
  /** Built node of each done collection (undefined for a scalar not built yet). */
  private readonly doneNodes: (YNode | undefined)[] = [];
  /** Anchored values are shared objects: an alias resolves to the node built for its anchor. */
  private readonly byObject = new Map<object, YNode>();
  /** How many values each collection node stands for, aliases expanded (a scalar counts 1). */
  private readonly weights = new WeakMap<YNode, number>();
  /** Values `fromPlain` may still create before the document counts as an alias bomb. */
  private readonly plainBudget = { left: 0 };
  /**
   * Whether the text may define anchors (`&`). Without, no value is shared: `byObject` and `weights` are not kept
   * (weights are then counted from the tree, when `closed` does not bound them already).
   */
  readonly anchored: boolean;
  /** How many nodes js-yaml closed. */
  private closed = 0;

  constructor(private readonly text: string) {
    this.lines = new LineIndex(text);
    this.anchored = text.includes('&');
    this.plainBudget.left = EXPANDED_ALLOWANCE + ALIAS_GROWTH * text.length;
  }

  /** At least as many values as an unanchored document stands for. */
  valuesBound(): number {
    return this.closed + (EXPANDED_ALLOWANCE + ALIAS_GROWTH * this.text.length - this.plainBudget.left);
  }

  /** Values the document stands for, aliases expanded. */
  expandedSize(): number {
    const root = this.root();
    return root ? this.weightOf(root) : 0;
  }

  private weightOf(node: YNode): number {
    const known = this.weights.get(node);
    if (known !== undefined || this.anchored) return known ?? 1;
    let weight = 1;
    if (node.kind === 'seq') for (const item of node.items) weight += this.weightOf(item);
    else if (node.kind === 'map') for (const entry of node.entries.values()) weight += 1 + this.weightOf(entry.value);
    return weight;
  }

  private weigh(node: YNode): YNode {
    if (this.weights.has(node)) return node;
    let weight = 1;
    if (node.kind === 'seq') for (const item of node.items) weight += this.weightOf(item);
    else if (node.kind === 'map') for (const entry of node.entries.values()) weight += 1 + this.weightOf(entry.value);
    this.weights.set(node, weight);
    return node;
  }

  private plain(value: unknown, line: number): YNode {
    return fromPlain(value, line, this.plainBudget);
  }

  readonly listener = (event: 'open' | 'close', state: State): void => {
    if (event === 'open') {
      this.openLines.push(this.lines.lineAt(state.position));
      this.openChildren.push(this.doneCount);
    } else {
      this.close(state);
    }
  };

  root(): YNode | undefined {
    return this.doneCount > 0 ? this.nodeAt(0) : undefined;
  }

  private close(state: State): void {
    const line = this.openLines.pop();
    const start = this.openChildren.pop();
    if (line === undefined || start === undefined) return;
    this.closed += 1;
    const result: unknown = state.result;
    const node = this.buildNode(state, result, line, start);
    this.doneResults[start] = result;
    this.doneLines[start] = line;
    this.doneNodes[start] = node;
    this.doneCount = start + 1;
  }

  /** The node for the just-closed node whose children are done[start..]; undefined for a plain scalar. */
  private buildNode(state: State, result: unknown, line: number, start: number): YNode | undefined {
    const childCount = this.doneCount - start;
    // js-yaml wraps some nodes (explicit keys, compact nested sequences) in an extra level with the same value.
    if (childCount === 1 && Object.is(this.doneResults[start], result)) return this.nodeAt(start);
    if (result === null || typeof result !== 'object') return undefined;
    if (childCount === 0 && this.anchored) {
      const anchored = this.byObject.get(result);
      if (anchored) return anchored; // an alias
    }
    let node: YNode;
    if (state.kind === 'sequence' && Array.isArray(result)) {
      const items = childCount === result.length ? this.nodesFrom(start) : result.map((v) => this.plain(v, line));
      node = { kind: 'seq', items, line, endLine: this.endLineOf(state.position, line) };
    } else if (state.kind === 'mapping' && !Array.isArray(result) && !(result instanceof Date)) {
      node = this.buildMap(start, result as Record<string, unknown>, line, this.endLineOf(state.position, line));
    } else if (result instanceof Date) {
      node = scalarNode(result, line);
    } else {
      node = this.plain(result, line);
    }
    if (!this.anchored) return node;
    this.byObject.set(result, node);
    return this.weigh(node);
  }

  private nodeAt(index: number): YNode {
    return this.doneNodes[index] ?? scalarNode(this.doneResults[index], this.doneLines[index] ?? 1);
  }

  private nodesFrom(start: number): YNode[] {
    const nodes: YNode[] = [];
    for (let i = start; i < this.doneCount; i += 1) nodes.push(this.nodeAt(i));
    return nodes;
  }

  /** The last line with content before `closeAt` (trailing blank lines belong to nobody). */
  private endLineOf(closeAt: number, startLine: number): number {
    const text = this.text;
    let i = Math.min(closeAt, text.length) - 1;
    for (let c = text.charCodeAt(i); i > 0 && (c === 32 || c === 10 || c === 13 || c === 9); c = text.charCodeAt(i)) i -= 1;
    return Math.max(startLine, this.lines.lineAt(Math.max(i, 0)));
  }

  /** A mapping from its done children, which alternate key and value. */
  private buildMap(start: number, result: Record<string, unknown>, line: number, endLine: number): YMap {
    const map: YMap = { kind: 'map', entries: new Map(), line, endLine };
    const ownKeys = Object.keys(result);
    const end = this.doneCount;
    if ((end - start) % 2 !== 0) {
      // A flow mapping with a key but no value (`{a, b: 1}`): pairs cannot be aligned; lines fall back to the map's.
      for (const key of ownKeys) if (!UNSAFE_KEYS.has(key)) map.entries.set(key, { key, keyLine: line, value: this.plain(result[key], line) });
      return map;
    }
    const merged: YEntry[] = [];
    for (let i = start; i < end; i += 2) {
      const keyResult = this.doneResults[i];
      if (keyResult === '<<') {
        merged.push(...mergeSources(this.nodeAt(i + 1)));
        continue;
      }
      const key = String(keyResult);
      if (UNSAFE_KEYS.has(key)) continue;
      const keyLine = this.doneLines[i] ?? line;
      if (map.entries.has(key)) this.duplicateKeys.push({ key, line: keyLine });
      map.entries.set(key, { key, keyLine, value: this.nodeAt(i + 1) });
    }
    // Explicit keys win over merged ones; among merge sources the first one wins.
    for (const entry of merged) if (!map.entries.has(entry.key)) map.entries.set(entry.key, entry);
    // Anything js-yaml produced that the pairs did not explain (should not happen) is kept without its own line.
    // Every entry's key is one of `ownKeys`, so equal counts mean nothing is left.
    if (map.entries.size === ownKeys.length) return map;
    for (const key of ownKeys) {
      if (!map.entries.has(key) && !UNSAFE_KEYS.has(key)) map.entries.set(key, { key, keyLine: line, value: this.plain(result[key], line) });
    }
    return map;
  }
}

function scalarNode(value: unknown, line: number): YScalar {
  return { kind: 'scalar', value, line, endLine: line };
}

function mergeSources(source: YNode): YEntry[] {
  const maps = source.kind === 'map' ? [source] : source.kind === 'seq' ? source.items.filter(isYMap) : [];
  const out: YEntry[] = [];
  for (const m of maps) out.push(...m.entries.values());
  return out;
}

/**
 * A positioned node for a plain value whose inner positions are unknown (all at `line`). Shared (aliased) parts are
 * copied, so `budget` bounds the values it may create.
 */
function fromPlain(value: unknown, line: number, budget: { left: number }): YNode {
  budget.left -= 1;
  if (budget.left < 0) throw new ExpansionError('its aliases expand it to too many values (an alias bomb?); it is not read');
  if (Array.isArray(value)) return { kind: 'seq', items: value.map((v) => fromPlain(v, line, budget)), line, endLine: line };
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const entries = new Map<string, YEntry>();
    for (const [key, v] of Object.entries(value)) if (!UNSAFE_KEYS.has(key)) entries.set(key, { key, keyLine: line, value: fromPlain(v, line, budget) });
    return { kind: 'map', entries, line, endLine: line };
  }
  return { kind: 'scalar', value, line, endLine: line };
}

/**
 * The plain value of a YAML document (`null` when empty), with the same alias bound as `parseYamlTree`. Throws an
 * Error that says why (and where) when the text is not valid YAML.
 */
export function parseYamlValue(text: string): unknown {
  const result = parseYamlTree(text);
  if (!result.ok) throw new Error(result.line !== undefined ? `${result.message} (line ${result.line})` : result.message);
  return result.root ? toPlain(result.root) : null;
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
