/**
 * YAML parsed into a small tree that keeps the 1-based line of every node and key, with aliases and merge keys
 * (`<<: *anchor`) resolved. The rest of `src/dbt` reads this tree instead of the `yaml` package's AST.
 */
import { LineCounter, parseDocument, isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node as AstNode } from 'yaml';

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

const MAX_ALIAS_DEPTH = 50;

/** Parses one YAML document. Syntax errors (and duplicate keys, which dbt also rejects) fail with a line. */
export function parseYamlTree(text: string): YamlParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, merge: true, prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    return { ok: false, message: error.message.split('\n')[0] ?? 'invalid YAML', line: error.linePos?.[0]?.line };
  }
  const converter = new Converter(doc, lineCounter);
  return { ok: true, root: doc.contents ? converter.convert(doc.contents as AstNode, 1, 0) : null };
}

class Converter {
  private readonly cache = new Map<AstNode, YNode>();
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  private lineAt(offset: number): number {
    return this.lines.linePos(offset).line;
  }

  private span(node: AstNode, fallbackLine: number): Positioned {
    const range = node.range;
    if (!range) return { line: fallbackLine, endLine: fallbackLine };
    const line = this.lineAt(range[0]);
    const endLine = Math.max(line, this.lineAt(Math.max(range[0], range[1] - 1)));
    return { line, endLine };
  }

  convert(node: AstNode | null | undefined, fallbackLine: number, depth: number): YNode {
    if (node === null || node === undefined) return { kind: 'scalar', value: null, line: fallbackLine, endLine: fallbackLine };
    if (isAlias(node)) {
      if (depth > MAX_ALIAS_DEPTH) return { kind: 'scalar', value: null, line: fallbackLine, endLine: fallbackLine };
      const target = node.resolve(this.doc) as AstNode | undefined;
      return this.convert(target, fallbackLine, depth + 1);
    }
    const cached = this.cache.get(node);
    if (cached) return cached;
    const pos = this.span(node, fallbackLine);
    let out: YNode;
    if (isMap(node)) {
      const map: YMap = { kind: 'map', entries: new Map(), ...pos };
      this.cache.set(node, map);
      const merged: YEntry[] = [];
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as AstNode | null;
        const keyLine = keyNode?.range ? this.lineAt(keyNode.range[0]) : pos.line;
        if (isMergeKey(keyNode)) {
          merged.push(...this.mergeSources(pair.value as AstNode | null, keyLine, depth));
          continue;
        }
        const key = keyText(keyNode);
        if (key === undefined) continue;
        map.entries.set(key, { key, keyLine, value: this.convert(pair.value as AstNode | null, keyLine, depth) });
      }
      // Explicit keys win over merged ones; among merge sources the first one wins.
      for (const entry of merged) if (!map.entries.has(entry.key)) map.entries.set(entry.key, entry);
      out = map;
    } else if (isSeq(node)) {
      const seq: YSeq = { kind: 'seq', items: [], ...pos };
      this.cache.set(node, seq);
      for (const item of node.items) seq.items.push(this.convert(item as AstNode | null, pos.line, depth));
      out = seq;
    } else if (isScalar(node)) {
      out = { kind: 'scalar', value: node.value, ...pos };
    } else {
      out = { kind: 'scalar', value: null, ...pos };
    }
    this.cache.set(node, out);
    return out;
  }

  private mergeSources(value: AstNode | null, keyLine: number, depth: number): YEntry[] {
    const source = this.convert(value, keyLine, depth);
    const maps = source.kind === 'map' ? [source] : source.kind === 'seq' ? source.items.filter(isYMap) : [];
    const out: YEntry[] = [];
    for (const m of maps) out.push(...m.entries.values());
    return out;
  }
}

function isMergeKey(key: AstNode | null): boolean {
  if (!isScalar(key)) return false;
  return typeof key.value === 'symbol' || (key.value === '<<' && key.type === 'PLAIN');
}

function keyText(key: AstNode | null): string | undefined {
  if (key === null) return undefined;
  if (isScalar(key)) {
    const v = key.value;
    if (v === null || v === undefined) return undefined;
    return String(v);
  }
  return undefined;
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
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Plain JavaScript value of a node (maps become objects, sequences arrays). */
export function toPlain(node: YNode | undefined | null): unknown {
  if (!node) return undefined;
  switch (node.kind) {
    case 'scalar':
      return typeof node.value === 'bigint' ? Number(node.value) : node.value;
    case 'seq':
      return node.items.map(toPlain);
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [k, e] of node.entries) out[k] = toPlain(e.value);
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
