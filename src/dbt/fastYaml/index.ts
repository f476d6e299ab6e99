/**
 * A fast path for `parseYamlTree` (src/dbt/yamlTree.ts): the common block YAML of dbt property files parsed
 * straight into the positioned tree (parser.ts), exactly as js-yaml and `TreeBuilder` make it, or declined
 * (`undefined`) so that the caller parses the text with js-yaml. Never a tree for a text js-yaml rejects.
 *
 * Checked against js-yaml on the texts reviews parse and mutations of them: test/dbt/fast-yaml/.
 */
import type { YNode } from '../yamlTree.js';
import { DECLINE, parseDocument } from './parser.js';

/**
 * Characters the parser does not handle: control characters but tabs and line breaks, and the non-printable ones
 * js-yaml rejects, a BOM (js-yaml strips it: offsets would move), Unicode line separators; and a carriage return
 * that is not part of a CRLF line break (js-yaml breaks lines there, the `LineIndex` that numbers `TreeBuilder`'s
 * lines does not).
 */
const UNHANDLED_CHARACTERS = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u2028\u2029\uFEFF\uFFFE\uFFFF]/;
const LONE_CR = /\r(?!\n)/;
const SURROGATE = /[\uD800-\uDFFF]/;
/** A surrogate that is not part of a pair (js-yaml rejects it). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/;

function handled(text: string): boolean {
  return (
    !UNHANDLED_CHARACTERS.test(text) &&
    !(text.includes('\r') && LONE_CR.test(text)) &&
    !(SURROGATE.test(text) && LONE_SURROGATE.test(text))
  );
}

/**
 * What `parseYamlTree(text)` returns when js-yaml reads it (`{ ok: true, root }`, deep-equal), or undefined when
 * the text is not certainly read the same way (the caller then asks js-yaml).
 */
export function parseYamlFast(text: string): { root: YNode | null } | undefined {
  if (!handled(text)) return undefined;
  try {
    return { root: parseDocument(text) };
  } catch {
    // `DECLINE`; or anything unexpected (a stack overflow on deep nesting...): the text is left to js-yaml.
    return undefined;
  }
}

/** `parseYamlFast` that lets unexpected errors through (for tests: a bug must not hide as a decline). */
export function parseYamlFastStrict(text: string): { root: YNode | null } | undefined {
  if (!handled(text)) return undefined;
  try {
    return { root: parseDocument(text) };
  } catch (error) {
    if (error === DECLINE) return undefined;
    throw error;
  }
}
