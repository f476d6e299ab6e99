/**
 * A property file of a big project describes many models (a staging folder's `_models.yml` has one entry per
 * model), and a review needs the entries of the models in its focus only. `withEntriesInFocus` blanks the other
 * `models:` entries of an unchanged property file before it is parsed: their lines become empty lines, so what is
 * kept parses to the same nodes at the same lines, and the other sections (sources, groups, exposures...) stay whole.
 *
 * An entry is kept when it mentions a model in focus (its name, a version's `defined_in`, a test's `to: ref(...)`),
 * the same test that decides whether the file is parsed at all. The text is left whole when blanking could change
 * what the rest means, or when it cannot be sliced by lines with certainty: anchors and aliases (an entry could use
 * an anchor defined in another), several documents or directives, `models:` not written as a block sequence, a line
 * whose indentation does not fit or holds a tab, a carriage return without a line feed, a block scalar that keeps its
 * final line breaks (`|+`: the blanked lines after it would become part of its value). Parsing the kept text must
 * give exactly the kept entries, or the caller parses the whole text.
 *
 * Only unchanged files are reduced (a changed file's problems are reported, so it is parsed whole). One difference
 * remains: a file that is not valid YAML only outside the kept entries reads as valid; dbt rejects such a project
 * at both revisions, and the file's problems are not reported since it is unchanged.
 */

/**
 * Up to this many models in focus, each name is searched for in a whole text (`indexOf`, native) instead of scanning
 * every word (one pass in JavaScript). Measured on the 5,000-model benchmark: with 50 names the searches took 68 ms
 * of a 10-model PR's review, the scan a few.
 */
const FEW_MODELS = 8;

/**
 * Whether lower-cased `text` mentions one of `models` as a word (see `WORD` in fileFacts.ts). With few models, each
 * name is searched for, and a digit just before it also counts as a boundary (a superset, which only keeps more).
 */
export function mentionsModel(lowerText: string, models: ReadonlySet<string>): boolean {
  return mentionsModelIn(lowerText, 0, lowerText.length, models);
}

/** `mentionsModel` of `lowerText.slice(from, to)` (where `from` and `to` are not inside a word). */
function mentionsModelIn(lowerText: string, from: number, to: number, models: ReadonlySet<string>): boolean {
  // (a search from `from` runs to the end of the text: within an entry, only the scan is bounded by it)
  if (models.size <= FEW_MODELS && from === 0 && to === lowerText.length) {
    for (const name of models) if (containsWord(lowerText, name, from, to)) return true;
    return false;
  }
  // The words of `WORD` (`[a-z_][a-z0-9_]*`), scanned by hand; only those as long as a model name are looked up.
  const lengths = nameLengths(models);
  for (let i = from; i < to; ) {
    const c = lowerText.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || c === 95)) {
      i += 1;
      continue;
    }
    let j = i + 1;
    for (let d = lowerText.charCodeAt(j); j < to && ((d >= 97 && d <= 122) || d === 95 || (d >= 48 && d <= 57)); d = lowerText.charCodeAt(j)) j += 1;
    if (j - i < lengths.length && lengths[j - i] === 1 && models.has(lowerText.slice(i, j))) return true;
    i = j;
  }
  return false;
}

/**
 * Where texts mention any name a review's focus may hold (its universe: every model file stem and `ref()` target of
 * the project): each text is scanned once, and then every focus of the review (the first, a widened one, the base's)
 * decides from the list which files and entries mention one of its models, instead of scanning again. Used for the
 * sets of more than `FEW_MODELS` names (below, the native searches are cheaper than one scan).
 */
export class MentionIndex {
  /** By text: the names of the universe it mentions as words and their offsets (ascending); null when lower-casing changes its length. */
  private readonly byText = new Map<string, Mentions | null>();

  constructor(readonly universe: ReadonlySet<string>) {}

  /** The mentions of `text`. */
  mentionsIn(text: string): Mentions | null {
    let mentions = this.byText.get(text);
    if (mentions === undefined) {
      const lowered = text.toLowerCase();
      mentions = lowered.length === text.length ? scanMentions(lowered, this.universe) : null;
      this.byText.set(text, mentions);
    }
    return mentions;
  }
}

interface Mentions {
  names: string[];
  offsets: number[];
}

const indexOfSets = new WeakMap<ReadonlySet<string>, MentionIndex>();

/** Lets the searches for `models` use `index`, when `models` holds more than `FEW_MODELS` names, all in its universe. */
export function useMentionIndex(models: ReadonlySet<string>, index: MentionIndex): void {
  if (models.size <= FEW_MODELS || indexOfSets.has(models)) return;
  for (const name of models) if (!index.universe.has(name)) return;
  indexOfSets.set(models, index);
}

/** Whether `text` mentions one of `models` as a word (see `mentionsModel`); from the set's `MentionIndex` when it has one. */
export function textMentionsModel(text: string, models: ReadonlySet<string>): boolean {
  const mentions = indexOfSets.get(models)?.mentionsIn(text);
  if (mentions) return mentions.names.some((name) => models.has(name));
  return mentionsModel(text.toLowerCase(), models);
}

/** The words of `lowerText` (as `mentionsModelIn` scans them) that are names of `universe`, with their offsets. */
function scanMentions(lowerText: string, universe: ReadonlySet<string>): Mentions {
  const names: string[] = [];
  const offsets: number[] = [];
  const lengths = nameLengths(universe);
  for (let i = 0; i < lowerText.length; ) {
    const c = lowerText.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || c === 95)) {
      i += 1;
      continue;
    }
    let j = i + 1;
    for (let d = lowerText.charCodeAt(j); j < lowerText.length && ((d >= 97 && d <= 122) || d === 95 || (d >= 48 && d <= 57)); d = lowerText.charCodeAt(j)) j += 1;
    if (j - i < lengths.length && lengths[j - i] === 1) {
      const word = lowerText.slice(i, j);
      if (universe.has(word)) {
        names.push(word);
        offsets.push(i);
      }
    }
    i = j;
  }
  return { names, offsets };
}

const lengthsOfSets = new WeakMap<ReadonlySet<string>, Uint8Array>();

/** `lengths[n]` is 1 when a name of `models` has `n` characters. */
function nameLengths(models: ReadonlySet<string>): Uint8Array {
  let lengths = lengthsOfSets.get(models);
  if (!lengths) {
    let longest = 0;
    for (const name of models) longest = Math.max(longest, name.length);
    lengths = new Uint8Array(longest + 1);
    for (const name of models) lengths[name.length] = 1;
    lengthsOfSets.set(models, lengths);
  }
  return lengths;
}

function containsWord(text: string, name: string, from: number, to: number): boolean {
  if (name === '') return false;
  for (let at = text.indexOf(name, from); at !== -1 && at + name.length <= to; at = text.indexOf(name, at + 1)) {
    const before = at === from ? '' : text[at - 1]!;
    const after = at + name.length === to ? '' : text[at + name.length]!;
    if (!/[a-z_]/.test(before) && !/[a-z0-9_]/.test(after)) return true;
  }
  return false;
}

/** An anchor (`&name`) or alias (`*name`) as YAML spells them: after a space, a flow indicator or a line start. */
const ANCHOR_OR_ALIAS = /(?:^|[\s,[{])[&*][^\s,[\]{}]/m;
/** A document marker or directive at the start of a line. */
const DOCUMENT_SYNTAX = /^(?:---|\.\.\.)(?:[ \t]|$)|^%/m;
/** The top-level `models:` key with nothing after it on its line but a comment. */
const MODELS_KEY = /^models[ \t]*:[ \t]*(?:#[^\r]*)?\r?$/;
/** A top-level key as property files spell them (anything else at column 0 stops the slicing). */
const TOP_LEVEL_KEY = /^[A-Za-z_][\w-]*[ \t]*:(?:[ \t]|$)/;
const BLANK_OR_COMMENT = /^[ \t]*(?:#[^\r]*)?\r?$/;

/** A `models:` entry: its first and last line (0-based, inclusive). */
interface Entry {
  first: number;
  last: number;
}

/** The entries of the top-level `models:` block sequence, or undefined when the text cannot be sliced safely. */
function modelEntries(lines: readonly string[]): Entry[] | undefined {
  return modelBlock(lines)?.entries;
}

/**
 * The top-level `models:` block sequence: the 0-based line of its key (-1 when there is none), its entries and the
 * line after the block (the next top-level key, else `lines.length`); undefined when it cannot be sliced safely.
 */
function modelBlock(lines: readonly string[]): { at: number; entries: Entry[]; end: number } | undefined {
  let at = -1;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (!line.startsWith('models') || !MODELS_KEY.test(line)) continue;
    if (at >= 0) return undefined; // a duplicate key: invalid
    at = i;
  }
  if (at < 0) return { at, entries: [], end: lines.length };
  const entries: Entry[] = [];
  let itemIndent = -1;
  for (let i = at + 1; i < lines.length; i += 1) {
    const line = lines[i]!;
    // Spaces and tabs, then what follows them (the regular expression and `trimStart` only where it may matter).
    let indent = 0;
    let tab = false;
    for (let c = line.charCodeAt(0); c === 32 || c === 9; c = line.charCodeAt(indent)) {
      tab ||= c === 9;
      indent += 1;
    }
    const next = line.charCodeAt(indent);
    if ((Number.isNaN(next) || next === 35 || next === 13) && BLANK_OR_COMMENT.test(line)) continue;
    if (!(next >= 33 && next <= 126)) {
      indent = line.length - line.trimStart().length;
      tab = line.slice(0, indent).includes('\t');
    }
    if (tab) return undefined; // not YAML indentation: let the parser say so
    const startsItem = line[indent] === '-' && (line.length === indent + 1 || line[indent + 1] === ' ');
    if (itemIndent < 0) {
      if (!startsItem) return undefined; // not a block sequence of entries
      itemIndent = indent;
    }
    if (indent === itemIndent && startsItem) {
      entries.push({ first: i, last: i });
    } else if (indent > itemIndent) {
      entries[entries.length - 1]!.last = i;
    } else if (indent === 0) {
      return TOP_LEVEL_KEY.test(line) ? { at, entries, end: i } : undefined;
    } else {
      return undefined;
    }
  }
  return { at, entries, end: lines.length };
}

export interface FocusedText {
  /** The text to parse: `text` itself, or `text` with the entries out of focus blanked. */
  text: string;
  /** How many `models:` entries `text` keeps, when entries were blanked (check the parse against it). */
  keptEntries?: number;
}

const focusedTexts = new WeakMap<ReadonlySet<string>, Map<string, FocusedText>>();

/**
 * `text` with the `models:` entries that mention no model of `models` blanked (see the module comment). Memoised
 * per set of models (the base and head loads of a review reduce the same unchanged files).
 */
export function withEntriesInFocus(text: string, models: ReadonlySet<string>): FocusedText {
  let known = focusedTexts.get(models);
  if (!known) focusedTexts.set(models, (known = new Map()));
  let focused = known.get(text);
  if (!focused) known.set(text, (focused = blankEntriesOutOfFocus(text, models)));
  return focused;
}

/**
 * A block scalar that keeps its final line breaks (`|+`, `>2+`...): it would take the blank lines of a blanked
 * entry after it as part of its value.
 */
const KEEP_CHOMPING = /[|>](?:[1-9]?\+|\+[1-9])[ \t]*(?:#[^\n]*)?\r?$/m;

/** Whether `text` has anchors, aliases, several documents or a lone carriage return (see the module comment). */
function unsliceable(text: string): boolean {
  return (
    ((text.includes('&') || text.includes('*')) && ANCHOR_OR_ALIAS.test(text)) ||
    ((text.includes('---') || text.includes('...') || text.includes('%')) && DOCUMENT_SYNTAX.test(text)) ||
    (text.includes('\r') && /\r(?!\n)/.test(text))
  );
}

function blankEntriesOutOfFocus(text: string, models: ReadonlySet<string>): FocusedText {
  // (cut into entries, as `modelEntryChunks` does, such a scalar keeps the blank lines that follow it in the file)
  if (unsliceable(text) || (text.includes('+') && KEEP_CHOMPING.test(text))) return { text };
  const lines = text.split('\n');
  const entries = modelEntries(lines);
  if (!entries || entries.length === 0) return { text };
  const indexed = indexOfSets.get(models)?.mentionsIn(text);
  // Lower-cased as a whole (same length, as the offsets below assume; else per entry).
  const lower = indexed ? undefined : text.toLowerCase();
  const starts = indexed || lower?.length === text.length ? lineStarts(lines) : undefined;
  let kept = 0;
  let blanked = false;
  let next = 0; // the first mention of `indexed` not before the entry
  for (const { first, last } of entries) {
    let mentions = false;
    if (indexed) {
      const [from, to] = [starts![first]!, starts![last]! + lines[last]!.length];
      while (next < indexed.offsets.length && indexed.offsets[next]! < from) next += 1;
      for (let m = next; m < indexed.offsets.length && indexed.offsets[m]! < to && !mentions; m += 1) mentions = models.has(indexed.names[m]!);
    } else {
      mentions = starts
        ? mentionsModelIn(lower!, starts[first]!, starts[last]! + lines[last]!.length, models)
        : mentionsModel(lines.slice(first, last + 1).join('\n').toLowerCase(), models);
    }
    if (mentions) {
      kept += 1;
      continue;
    }
    blanked = true;
    // Comment and blank lines after the entry stay: blanking them changes nothing.
    for (let i = first; i <= last; i += 1) lines[i] = '';
  }
  return blanked ? { text: lines.join('\n'), keptEntries: kept } : { text };
}

/** The offset of each line of `lines` (the text split at `\n`). */
function lineStarts(lines: readonly string[]): number[] {
  const starts = new Array<number>(lines.length);
  let offset = 0;
  for (let i = 0; i < lines.length; i += 1) {
    starts[i] = offset;
    offset += lines[i]!.length + 1;
  }
  return starts;
}

/** The `models:` entries of a property file as separate texts (see `modelEntryChunks`). */
export interface EntryChunks {
  /** 0-based line of the `models:` key. */
  keyLine: number;
  /** The text with the whole `models:` block blanked (its lines left empty). */
  skeleton: string;
  /**
   * Each entry: its 0-based first line and its text, from its first line to the next entry's (or to the end of the
   * block), comments and blank lines after it included, exactly as in the file.
   */
  entries: { first: number; text: string }[];
}

/**
 * The `models:` entries of `text` cut apart, for parsing each on its own (see `parseByEntries` in
 * `entryWiseYaml.ts`); undefined when the text cannot be sliced with certainty (as `withEntriesInFocus` declines it)
 * or has no entry.
 */
export function modelEntryChunks(text: string): EntryChunks | undefined {
  if (unsliceable(text)) return undefined;
  const lines = text.split('\n');
  const block = modelBlock(lines);
  if (!block || block.entries.length === 0) return undefined;
  const starts = lineStarts(lines);
  starts.push(text.length);
  const { entries } = block;
  const chunks = entries.map(({ first }, i) => ({
    first,
    text: text.slice(starts[first]!, starts[i + 1 < entries.length ? entries[i + 1]!.first : block.end]!),
  }));
  const from = starts[entries[0]!.first]!;
  const to = starts[block.end]!;
  const skeleton = text.slice(0, from) + '\n'.repeat(block.end - entries[0]!.first - (block.end === lines.length ? 1 : 0)) + text.slice(to);
  return { keyLine: block.at, skeleton, entries: chunks };
}
