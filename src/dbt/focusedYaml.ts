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
 * whose indentation does not fit or holds a tab, a carriage return without a line feed. Parsing the kept text must
 * give exactly the kept entries, or the caller parses the whole text.
 *
 * Only unchanged files are reduced (a changed file's problems are reported, so it is parsed whole). One difference
 * remains: a file that is not valid YAML only outside the kept entries reads as valid; dbt rejects such a project
 * at both revisions, and the file's problems are not reported since it is unchanged.
 */
import { WORD } from './fileFacts.js';

/** Up to this many models in focus, each name is searched for (`indexOf`) instead of scanning every word. */
export const FEW_MODELS = 64;

/**
 * Whether lower-cased `text` mentions one of `models` as a word (see `WORD`). With few models, each name is
 * searched for, and a digit just before it also counts as a boundary (a superset, which only keeps more).
 */
export function mentionsModel(lowerText: string, models: ReadonlySet<string>): boolean {
  if (models.size <= FEW_MODELS) {
    for (const name of models) if (containsWord(lowerText, name)) return true;
    return false;
  }
  const word = new RegExp(WORD.source, 'g');
  for (let m = word.exec(lowerText); m !== null; m = word.exec(lowerText)) if (models.has(m[0])) return true;
  return false;
}

function containsWord(text: string, name: string): boolean {
  if (name === '') return false;
  for (let at = text.indexOf(name); at !== -1; at = text.indexOf(name, at + 1)) {
    const before = at === 0 ? '' : text[at - 1]!;
    const after = text[at + name.length] ?? '';
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
  const at = lines.findIndex((line) => MODELS_KEY.test(line));
  if (at < 0) return [];
  if (lines.some((line, i) => i !== at && MODELS_KEY.test(line))) return undefined; // a duplicate key: invalid
  const entries: Entry[] = [];
  let itemIndent = -1;
  for (let i = at + 1; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (BLANK_OR_COMMENT.test(line)) continue;
    const indent = line.length - line.trimStart().length;
    if (line.slice(0, indent).includes('\t')) return undefined; // not YAML indentation: let the parser say so
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
      return TOP_LEVEL_KEY.test(line) ? entries : undefined;
    } else {
      return undefined;
    }
  }
  return entries;
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

function blankEntriesOutOfFocus(text: string, models: ReadonlySet<string>): FocusedText {
  if (ANCHOR_OR_ALIAS.test(text) || DOCUMENT_SYNTAX.test(text) || /\r(?!\n)/.test(text)) return { text };
  const lines = text.split('\n');
  const entries = modelEntries(lines);
  if (!entries || entries.length === 0) return { text };
  let kept = 0;
  let blanked = false;
  for (const { first, last } of entries) {
    if (mentionsModel(lines.slice(first, last + 1).join('\n').toLowerCase(), models)) {
      kept += 1;
      continue;
    }
    blanked = true;
    // Comment and blank lines after the entry stay: blanking them changes nothing.
    for (let i = first; i <= last; i += 1) lines[i] = '';
  }
  return blanked ? { text: lines.join('\n'), keptEntries: kept } : { text };
}
