/**
 * A changed property file is parsed at both revisions, and the two texts share almost all their `models:` entries
 * (a PR edits a few). `parseByEntries` parses such a text entry by entry: each entry's text once per review
 * (whichever revision holds it first), copied with its lines moved where the other revision has it elsewhere, and
 * the rest of the file (the text with the `models:` block blanked) on its own. The result is the tree
 * `parseYamlTree` gives for the whole text.
 *
 * An entry is parsed as `models:\n<entry text>`, after blank lines that put it at its lines: the same context as in
 * the file (a block sequence under a top-level key), and its text runs to the next entry (or the end of the block),
 * so every node ends where it ends in the file. The text is only cut where `withEntriesInFocus` could blank it (no
 * anchors, aliases, documents, tabs in indentation...). When a piece is not valid YAML, or anything does not come out
 * as expected, the whole text is parsed instead (its problems are reported, with the whole text's messages and lines).
 */
import { modelEntryChunks } from './focusedYaml.js';
import { parseYamlTree, type YamlParseResult, type YamlTreeCache, type YEntry, type YMap, type YNode } from './yamlTree.js';

/** A parsed entry: its node as first placed (at line `first + 1`), and the node placed at each other first line. */
export interface ParsedEntry {
  node: YNode;
  /** The 0-based line of the file the entry was parsed at. */
  first: number;
  /** The line the parsed `models:` sequence ends on. */
  seqEndLine: number;
  placed: Map<number, YNode>;
  /** `JSON.stringify(toPlain(node))`, once asked. */
  plain?: string;
}

/** Parsed entries by text, per review (the `YamlTreeCache` of a review stands for it). */
const entriesByReview = new WeakMap<YamlTreeCache, Map<string, ParsedEntry | null>>();

/** The entry each placed node was made from (to compare entries of two revisions by text). */
const entryOfNode = new WeakMap<YNode, ParsedEntry>();

/** The parsed entry a `models:` item of a `parseByEntries` tree was placed from, if it was. */
export function parsedEntryOf(node: YNode): ParsedEntry | undefined {
  return entryOfNode.get(node);
}

/** Entries further down than this are parsed at line 2 and always placed by a copy (blank lines cost too). */
const MAX_BLANK_PREFIX = 1000;

/**
 * The entry whose text starts at 0-based line `at`, parsed as `models:\n<text>` after blank lines that put it at
 * its lines (`at` is at least 1: the `models:` key comes before it).
 */
function parseEntry(text: string, at: number): ParsedEntry | null {
  const first = at <= MAX_BLANK_PREFIX ? at : 1;
  const parsed = parseYamlTree(`${'\n'.repeat(first - 1)}models:\n${text}`);
  // (a repeated key is reported at its line of the whole file: that parse says where)
  if (!parsed.ok || parsed.duplicateKeys || parsed.root?.kind !== 'map' || parsed.root.entries.size !== 1) return null;
  const models = parsed.root.entries.get('models');
  if (!models || models.value.kind !== 'seq' || models.value.items.length !== 1 || models.value.line !== first) return null;
  const node = models.value.items[0]!;
  const entry: ParsedEntry = { node, first, seqEndLine: models.value.endLine, placed: new Map([[first, node]]) };
  entryOfNode.set(node, entry);
  return entry;
}

/** `node` with every line moved by `by` (a copy; trees are never modified). */
function shifted(node: YNode, by: number): YNode {
  switch (node.kind) {
    case 'scalar':
      return { kind: 'scalar', value: node.value, line: node.line + by, endLine: node.endLine + by };
    case 'seq':
      return { kind: 'seq', items: node.items.map((item) => shifted(item, by)), line: node.line + by, endLine: node.endLine + by };
    case 'map': {
      const entries = new Map<string, YEntry>();
      for (const [key, entry] of node.entries) entries.set(key, { key, keyLine: entry.keyLine + by, value: shifted(entry.value, by) });
      return { kind: 'map', entries, line: node.line + by, endLine: node.endLine + by };
    }
  }
}

/** The entry's node with its text at 0-based line `first`. */
function placed(entry: ParsedEntry, first: number): YNode {
  let node = entry.placed.get(first);
  if (!node) {
    node = shifted(entry.node, first - entry.first);
    entry.placed.set(first, node);
    entryOfNode.set(node, entry);
  }
  return node;
}

/** The 1-based line of the last character of `text` that is not white space (as `parseYamlTree` ends its nodes). */
function lastContentLine(text: string): number {
  let i = text.length - 1;
  for (let c = text.charCodeAt(i); i > 0 && (c === 32 || c === 10 || c === 13 || c === 9); c = text.charCodeAt(i)) i -= 1;
  let line = 1;
  for (let at = text.indexOf('\n'); at !== -1 && at < i; at = text.indexOf('\n', at + 1)) line += 1;
  return line;
}

/**
 * `parseYamlTree(text)`, parsing each `models:` entry once per review (see the module comment), or undefined when
 * the text is not cut into entries (the caller parses it whole).
 */
export function parseByEntries(text: string, yamlCache: YamlTreeCache): YamlParseResult | undefined {
  const chunks = modelEntryChunks(text);
  if (!chunks || chunks.entries.length < 2) return undefined;
  const skeleton = parseYamlTree(chunks.skeleton);
  if (!skeleton.ok || skeleton.duplicateKeys || skeleton.root?.kind !== 'map') return undefined;
  const root = skeleton.root;
  const modelsKey = root.entries.get('models');
  if (
    !modelsKey ||
    modelsKey.keyLine !== chunks.keyLine + 1 ||
    modelsKey.value.kind !== 'scalar' ||
    modelsKey.value.value !== null ||
    root.line !== 1 ||
    root.endLine !== lastContentLine(chunks.skeleton)
  ) {
    return undefined;
  }
  let known = entriesByReview.get(yamlCache);
  if (!known) entriesByReview.set(yamlCache, (known = new Map()));
  const items: YNode[] = [];
  let endLine = 0;
  for (const { first, text: entryText } of chunks.entries) {
    let entry = known.get(entryText);
    if (entry === undefined) known.set(entryText, (entry = parseEntry(entryText, first)));
    if (!entry) return undefined;
    items.push(placed(entry, first));
    endLine = entry.seqEndLine + first - entry.first;
  }
  const entries = new Map<string, YEntry>();
  for (const [key, entry] of root.entries) {
    entries.set(key, key === 'models' ? { key, keyLine: entry.keyLine, value: { kind: 'seq', items, line: entry.keyLine, endLine } } : entry);
  }
  const whole: YMap = { kind: 'map', entries, line: root.line, endLine: lastContentLine(text) };
  return { ok: true, root: whole };
}
