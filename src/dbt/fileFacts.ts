/**
 * What a review needs to know about the files it does not look at closely. A big project's review reads most model
 * files only for the `ref()` graph and most property files only to decide whether they mention a model in focus;
 * these facts are that, small and plain (JSON), so an edge can keep them by blob id between reviews and skip
 * reading the files at all (see `FileSnapshot.facts`).
 *
 * - Model code (`.sql`, `.py`): its `ref()` and `source()` calls with their lines, and the literal `enabled` values
 *   of its in-file `config()` calls (`'computed'` when one is computed or a call cannot be read statically: such a
 *   model is always built from its text).
 * - Property files (`.yml`, `.yaml`): the distinct lower-case words, and whether it defines groups.
 *
 * Pure: text in, facts out. `FACTS_VERSION` changes whenever what is extracted changes, so stored facts of an
 * older version are never used.
 */
import { normaliseConfigKey } from './configMerge.js';
import { containsComputed } from './pyLiteral.js';
import { extractRefs, extractSources } from './refs.js';
import { extractConfigCalls } from './sqlConfig.js';
import { blankJinjaComments, LineIndex } from './textLines.js';
import type { RefCall, SourceCall } from './types.js';

export const FACTS_VERSION = 3;

export interface CodeFacts {
  kind: 'code';
  refs: RefCall[];
  sources: SourceCall[];
  /** Literal `enabled` values set by the file's `config()` calls, in order, or `computed`. */
  enabled: unknown[] | 'computed';
}

export interface YamlFacts {
  kind: 'yaml';
  /** Distinct lower-case words (`[a-z_][a-z0-9_]*`), each between single spaces, with a space at both ends. */
  words: string;
  /** Defines `groups:` (whose owners any model can inherit, so the file is always parsed). */
  groups: boolean;
}

export type FileFacts = CodeFacts | YamlFacts;

export const MODEL_CODE = /\.(sql|py)$/i;
export const PROPERTY_FILE = /\.ya?ml$/i;
export const DEFINES_GROUPS = /\bgroups\s*:/;
/** A word of lower-cased text, as property files are searched for model names (global: reset `lastIndex`). */
export const WORD = /[a-z_][a-z0-9_]*/g;

/**
 * How the facts of a path are scanned, by its extension: as SQL or Python model code, or as a property file. The
 * same blob scans differently as SQL and as Python (`config()` against `dbt.config()`), so facts are kept by both.
 */
export type FactsKey = 'sql' | 'python' | 'yaml';

export function factsKindOf(path: string): FactsKey | undefined {
  return /\.sql$/i.test(path) ? 'sql' : /\.py$/i.test(path) ? 'python' : PROPERTY_FILE.test(path) ? 'yaml' : undefined;
}

export function scanCode(text: string, path: string): CodeFacts {
  const code = blankJinjaComments(text);
  const lines = new LineIndex(text);
  return { kind: 'code', refs: extractRefs(code, lines), sources: extractSources(code, lines), enabled: enabledOf(code, path, lines) };
}

/**
 * `scanCode`, with the `ref()` and `source()` calls scanned only when first read: a review reads them for the models
 * in its focus, not for the others (see `stubModel`).
 */
export function scanCodeLazily(text: string, path: string): CodeFacts {
  let prepared: { code: string; lines: LineIndex } | undefined;
  const prepare = () => (prepared ??= { code: blankJinjaComments(text), lines: new LineIndex(text) });
  let calls: { refs: RefCall[]; sources: SourceCall[] } | undefined;
  const scan = () => {
    const { code, lines } = prepare();
    return (calls ??= { refs: extractRefs(code, lines), sources: extractSources(code, lines) });
  };
  return {
    kind: 'code',
    enabled: text.includes('config') ? enabledOf(prepare().code, path, prepare().lines) : [],
    get refs() {
      return scan().refs;
    },
    get sources() {
      return scan().sources;
    },
  };
}

function enabledOf(code: string, path: string, lines: LineIndex): CodeFacts['enabled'] {
  const language = /\.py$/i.test(path) ? 'python' : 'sql';
  let enabled: CodeFacts['enabled'] = [];
  for (const call of extractConfigCalls(code, language, lines)) {
    if (call.opaque) enabled = 'computed';
    for (const arg of call.arguments) {
      if (enabled === 'computed') break;
      if (normaliseConfigKey(arg.key) !== 'enabled') continue;
      if (arg.computed || containsComputed(arg.value)) enabled = 'computed';
      else enabled.push(arg.value);
    }
  }
  return enabled;
}

export function scanYaml(text: string): YamlFacts {
  const words = new Set(text.toLowerCase().match(WORD));
  return { kind: 'yaml', words: words.size === 0 ? ' ' : ` ${[...words].join(' ')} `, groups: DEFINES_GROUPS.test(text) };
}

/** The facts of `text` at `path`, or undefined for a file that is neither model code nor a property file. */
export function scanFile(path: string, text: string): FileFacts | undefined {
  const kind = factsKindOf(path);
  return kind === undefined ? undefined : kind === 'yaml' ? scanYaml(text) : scanCode(text, path);
}
