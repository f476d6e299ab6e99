/**
 * Semantic models (`semantic_models:` of a property file): the model each one reads (`model: ref('m')`) and the
 * columns of that model its entities, dimensions and measures use. MetricFlow (and `dbt parse`, which validates
 * them) fails when that model or one of those columns goes away, so they are downstream users of the model.
 */
import { tokenize } from '../sql/lexer.js';
import { extractRefs } from './refs.js';
import { LineIndex } from './textLines.js';
import type { DbtSemanticModel } from './types.js';
import { entryOf, isYMap, isYScalar, itemsOf, stringOf, toPlain, type YMap } from './yamlTree.js';

/** The semantic model of a `semantic_models:` entry, or undefined when it has no name. */
export function semanticModelOf(item: YMap, path: string): DbtSemanticModel | undefined {
  const name = stringOf(entryOf(item, 'name')?.value);
  if (!name) return undefined;
  const semantic: DbtSemanticModel = { name, path, line: item.line, columns: [] };
  const modelEntry = entryOf(item, 'model');
  const modelText = stringOf(modelEntry?.value);
  const ref = modelText === undefined ? undefined : extractRefs(modelText, new LineIndex(modelText))[0];
  if (ref && modelEntry) semantic.ref = { ...ref, line: modelEntry.keyLine };
  const columns = new Map<string, string>();
  let unknown = false;
  for (const key of ['entities', 'dimensions', 'measures']) {
    for (const element of itemsOf(entryOf(item, key)?.value)) {
      if (!isYMap(element)) continue;
      const exprNode = entryOf(element, 'expr')?.value;
      const expr = stringOf(exprNode);
      // (an `expr` that is a mapping or a list is no SQL dbt accepts: nothing is known of it)
      const used = exprNode === undefined || (isYScalar(exprNode) && exprNode.value === null) ? nameOf(element) : expr === undefined ? undefined : columnsOfExpr(expr);
      if (used === undefined) {
        unknown = true;
        continue;
      }
      for (const column of used) if (!columns.has(column.toLowerCase())) columns.set(column.toLowerCase(), column);
    }
  }
  semantic.columns = [...columns.values()];
  if (unknown) semantic.columnsUnknown = true;
  const config = entryOf(item, 'config')?.value;
  const meta = { ...plainRecord(toPlain(entryOf(item, 'meta')?.value)), ...plainRecord(toPlain(entryOf(config, 'meta')?.value)) };
  if (Object.keys(meta).length > 0) semantic.meta = meta;
  const group = stringOf(entryOf(config, 'group')?.value) ?? stringOf(entryOf(item, 'group')?.value);
  if (group) semantic.group = group;
  return semantic;
}

function nameOf(element: YMap): string[] | undefined {
  const name = stringOf(entryOf(element, 'name')?.value);
  return name === undefined ? undefined : [name];
}

function plainRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Words of SQL syntax an `expr` may hold that are never column names there. */
const KEYWORDS = new Set([
  'and', 'or', 'not', 'null', 'is', 'in', 'between', 'like', 'ilike', 'rlike', 'similar', 'escape', 'true', 'false',
  'case', 'when', 'then', 'else', 'end', 'as', 'distinct', 'all', 'any', 'some', 'exists', 'from', 'for', 'interval',
  'over', 'partition', 'by', 'order', 'asc', 'desc', 'nulls', 'first', 'last', 'filter', 'within', 'group', 'rows',
  'range', 'unbounded', 'preceding', 'following', 'current', 'row', 'at', 'time', 'zone', 'to', 'ignore', 'respect', 'with', 'without',
]);

/** A subquery, or a name that is not a plain identifier: what columns it reads is not known from the text. */
const OPAQUE = /\{\{|\{%|\{#|(?<![\w$])select(?![\w$])|`/i;

/**
 * The column names a semantic model's `expr` uses: the expression itself when it is one identifier; else its
 * identifiers (quoted ones included; the last part of a qualified name), except SQL keywords, function names (before
 * `(`), and type names (after `::`, or after `as` in a `cast`). A superset of the columns it reads, never fewer.
 * Undefined when that cannot be told: Jinja, a subquery, an unterminated quote.
 */
export function columnsOfExpr(expr: string): string[] | undefined {
  const text = expr.trim();
  if (text === '') return [];
  if (/^[A-Za-z_][\w$]*$/.test(text)) return KEYWORDS.has(text.toLowerCase()) ? [] : [text];
  if (/^"[^"]+"$/.test(text)) return [text.slice(1, -1)];
  if (OPAQUE.test(text)) return undefined;
  const tokens = tokenize(text, { dialect: 'postgres' });
  const columns: string[] = [];
  let previous = '';
  for (const [i, token] of tokens.entries()) {
    const next = tokens[i + 1];
    if (token.kind === 'string' || token.kind === 'quoted') {
      const quote = token.text[0]!;
      if (token.text.length < 2 || !token.text.endsWith(quote)) return undefined; // unterminated
    }
    // (a number, also with a unit: `2d` is a word to the lexer, no identifier here)
    if (token.kind === 'string' || token.kind === 'number' || (token.kind === 'word' && /^[0-9]/.test(token.text))) {
      previous = 'literal';
      continue;
    }
    if (token.kind !== 'word' && token.kind !== 'quoted') {
      previous = token.text;
      continue;
    }
    const quoted = token.kind === 'quoted';
    const word = quoted ? token.text.slice(1, -1) : token.text;
    const lower = word.toLowerCase();
    const isType = previous === '::' || (previous === 'as' && !quoted);
    const isFunction = !quoted && next?.text === '(';
    const qualifies = next?.text === '.' && tokens[i + 2]?.text !== '.';
    if (!isType && !isFunction && !qualifies && (quoted || !KEYWORDS.has(lower))) columns.push(word);
    previous = quoted ? 'word' : lower;
  }
  return columns;
}
