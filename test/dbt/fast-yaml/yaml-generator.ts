/**
 * Deterministic YAML texts for the fast YAML parser's differential tests: mutations of corpus texts (one edit
 * each, where edits go wrong: indentation, comments, quoting, tabs, duplicate keys, flow collections, block
 * scalars, odd scalars and keys, document markers, anchors...) and a generator of property-file-like documents
 * written in the many ways YAML allows.
 */

import { prng } from '../../sql/fast/sql-generator.js';

/** mulberry32: a small seeded PRNG in [0, 1) (shared with the fast SQL parser's generator). */
export { prng };

type Rnd = () => number;

function pick<T>(rnd: Rnd, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)] as T;
}

/** Scalars whose resolution (or reading) goes wrong easily. */
export const TRICKY_SCALARS: readonly string[] = [
  'yes', 'no', 'on', 'off', 'y', '~', 'null', 'Null', 'NULL', 'nULL', 'true', 'True', 'TRUE', 'tRUE', 'false', 'False',
  'FALSE', '1e3', '1E3', '1e+3', '1.5e-3', '0x1F', '0x_1F', '0xG', '0o17', '0o8', '0b101', '0b', '0b_1', '017', '09',
  '0_1', '1_000', '1__0', '1_', '_1', '+1', '-1', '+0', '-0', '0', '00', '-0.0', '3.14', '3.', '.5', '-.5', '+.5',
  '._', '.1_', '.inf', '-.inf', '+.INF', '.Inf', '.nan', '.NaN', '.NAN', 'nan', 'inf', '1.2.3', '12:30', '1:2',
  '2024-01-01', '2024-1-1', '2024-01-01T10:00:00Z', '2024-01-01 10:00:00', '2024-01-01t10:00:00.123456+02:00',
  '2024-01-01T10:00:00 -5', '2024-13-45', '20240101', '0001-01-01', '0999-12-31 10:00:00', '2024-02-30t1:02:03.5Z', '-', '--', '---', '...', '-x', '- x', '?', '? x', '?x',
  ':', ':x', 'a:b', 'a: b', 'http://example.com/a#b', 'a #b', 'a#b', '#a', "'it''s'", "'a'b'", "''", "'", '"a\\tb"',
  '"a\\"b"', '"\\x41\\u00e9\\U0001F600"', '"\\q"', '"\\x4"', '"a\\\\b"', '"a\\ b"', '"\\/"', '""', '"', '"a', "'a",
  '[a, b]', '[]', '[ ]', '[a, [b, c]]', '[a,b]', '[a, b', '[a b]', '[a, b: c]', '[a: 1]', '[,]', '[a,]', '[a,,b]',
  '{a: 1}', '{}', '{a: 1, b: [x, y]}', '{a, b: 1}', '{a: 1, a: 2}', '{"a": 1}', '{a:1}', '{a: 1', '{: a}', '{? a: b}',
  '&anchor x', '*alias', '!!str 1', '!tag x', '<<', '|', '>', '@x', '`x', '%x', 'a , b', 'a [b]', 'a {b}',
  'x  y', 'é', '日本', '😀', 'a\u00a0b', '"😀"', '\\', 'a\\nb', "it's", 'say "hi"', 'a: b: c', '!', '&', '*',
  'NaN', 'Infinity', '1e', '1e3.5', '.e3', '+', '++1', '0x', '-0x1', '+0x1', '0X1F', '0B1', '1,000', '1.0.0',
];

/** Keys whose reading goes wrong easily. */
const TRICKY_KEYS: readonly string[] = [
  '1', '1.0', '0x1F', 'true', 'TRUE', 'null', '~', '2024-01-01', '.inf', '"quoted key"', "'single'", '"a:b"', 'a b',
  'a:b', '<<', '"<<"', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '-x', '.5', 'é', '"\\t"', "''", '""',
  '[a]', '{a: 1}', '? k', 'a #b', 'k ', ' k', '&a k', '*a', '!t k', 'data_tests', 'name', 'description',
];

const COMMENTS = ['# a comment', '#', '#comment', '# key: value', '# - item', '#!/bin', '# "quoted', "# it's"];

const BLOCK_HEADERS = ['|', '>', '|-', '>-', '|+', '>+', '|2', '>1-', '|+2', '|0', '|++', '|-+', '| # c', '|x', '>  '];

/** Lines for a block scalar's body (relative indentation, text), blank lines included. */
const BLOCK_BODIES: readonly (readonly [number, string][])[] = [
  [[0, 'one line']],
  [[0, 'first'], [0, 'second']],
  [[0, 'para one'], [-1, ''], [0, 'para two'], [-1, '']],
  [[0, 'a'], [2, 'more indented'], [0, 'b']],
  [[2, 'starts more indented'], [0, 'then less']],
  [[-1, ''], [0, 'after a blank line']],
  [[0, 'trailing blanks'], [-1, ''], [-1, ''], [-1, '   ']],
  [[0, 'with # not a comment'], [0, 'key: not a key'], [0, '- not an item']],
  [[0, 'text'], [-1, '  '], [1, ' spaced']],
];

/** One random edit of `text` (a line-based YAML document); deterministic for a given `rnd` state. */
export function mutate(text: string, rnd: Rnd): string {
  const lines = text.split('\n');
  const content = lines.map((l, i) => [l, i] as const).filter(([l]) => l.trim() !== '');
  if (content.length === 0) return text + pick(rnd, ['a: 1', '- x', '# c', 'x', '---']);
  const [line, at] = pick(rnd, content);
  const indent = line.length - line.trimStart().length;
  const pad = ' '.repeat(indent);
  const colon = line.indexOf(': ');
  const endsWithColon = /:\s*$/.test(line);
  const op = Math.floor(rnd() * 24);
  const out = [...lines];
  switch (op) {
    case 0: // indentation +/- 1 or 2
      out[at] = ' '.repeat(Math.max(0, indent + pick(rnd, [-2, -1, 1, 2]))) + line.trimStart();
      break;
    case 1: // a comment line at some indentation
      out.splice(at + (rnd() < 0.5 ? 0 : 1), 0, ' '.repeat(Math.max(0, indent + pick(rnd, [-2, 0, 0, 2, 5]))) + pick(rnd, COMMENTS));
      break;
    case 2: // a comment after the line's content
      out[at] = line + pick(rnd, [' ', '  ', '']) + pick(rnd, COMMENTS);
      break;
    case 3: // trailing spaces
      out[at] = line + ' '.repeat(1 + Math.floor(rnd() * 3));
      break;
    case 4: { // quote, requote or unquote the value
      if (colon < 0) {
        out[at] = line.replace(/^(\s*- )(.+)$/, (_, a: string, v: string) => a + requote(v, rnd));
      } else {
        out[at] = line.slice(0, colon + 2) + requote(line.slice(colon + 2), rnd);
      }
      break;
    }
    case 5: { // a tab somewhere
      const where = Math.floor(rnd() * (line.length + 1));
      out[at] = rnd() < 0.4 ? '\t' + line : line.slice(0, where) + '\t' + line.slice(where);
      break;
    }
    case 6: // a duplicated line (duplicate keys, mostly)
      out.splice(at, 0, line);
      break;
    case 7: // a line dropped
      out.splice(at, 1);
      break;
    case 8: // a tricky value
      if (colon >= 0) out[at] = line.slice(0, colon + 2) + pick(rnd, TRICKY_SCALARS);
      else if (line.trimStart().startsWith('- ')) out[at] = pad + '- ' + pick(rnd, TRICKY_SCALARS);
      else out[at] = line + ' ' + pick(rnd, TRICKY_SCALARS);
      break;
    case 9: // a tricky key
      out[at] = colon >= 0 || endsWithColon ? pad + (line.trimStart().startsWith('- ') ? '- ' : '') + pick(rnd, TRICKY_KEYS) + line.slice(line.indexOf(':')) : pad + pick(rnd, TRICKY_KEYS) + ': ' + line.trim();
      break;
    case 10: { // a block scalar as the value
      const head = colon >= 0 ? line.slice(0, colon + 1) : endsWithColon ? line.replace(/:\s*$/, ':') : pad + 'k:';
      const body = pick(rnd, BLOCK_BODIES);
      const inner = indent + pick(rnd, [1, 2, 2, 4]) + (line.trimStart().startsWith('- ') ? 2 : 0);
      const bodyLines = body.map(([d, t]) => (d < 0 ? t : ' '.repeat(inner + d) + t));
      out.splice(at, 1, `${head} ${pick(rnd, BLOCK_HEADERS)}`, ...bodyLines);
      break;
    }
    case 11: // blank or whitespace-only lines
      out.splice(at + Math.floor(rnd() * 2), 0, ...Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => ' '.repeat(Math.floor(rnd() * 6))));
      break;
    case 12: // two adjacent lines swapped
      if (at + 1 < out.length) [out[at], out[at + 1]] = [out[at + 1]!, line];
      break;
    case 13: { // a line split at a space (a multi-line scalar, or a broken line), maybe with blank lines between
      const space = line.lastIndexOf(' ', indent + 1 + Math.floor(rnd() * Math.max(1, line.length - indent)));
      const blanks = Array.from({ length: pick(rnd, [0, 0, 1, 2, 3]) }, () => pick(rnd, ['', ' ', '      ']));
      if (space > indent) out.splice(at, 1, line.slice(0, space), ...blanks, ' '.repeat(Math.max(0, indent + pick(rnd, [-2, 0, 1, 2, 4, 6]))) + line.slice(space + 1));
      break;
    }
    case 14: // joined with the next line
      if (at + 1 < out.length) out.splice(at, 2, line + pick(rnd, [' ', '']) + out[at + 1]!.trimStart());
      break;
    case 15: // line breaks: CRLF everywhere, or a lone CR
      return rnd() < 0.7 ? out.join('\r\n') : out.join('\n').replace('\n', '\r');
    case 16: // document markers and directives
      return pick(rnd, ['---\n', '--- ', '--- # c\n', '%YAML 1.2\n---\n', '---\n---\n', '']) + out.join('\n') + pick(rnd, ['', '\n...\n', '\n---\n', '\n--- x\n', '\n...']);
    case 17: // anchors, aliases, tags, explicit keys
      if (colon >= 0) out[at] = line.slice(0, colon + 2) + pick(rnd, ['&a ', '*a ', '!!str ', '!x ', '&a *b ']) + line.slice(colon + 2);
      else out[at] = pad + pick(rnd, ['? ', '& ', '*a', '!!map ', ': ']) + line.trimStart();
      break;
    case 18: // a flow collection as the value, maybe over several lines
      if (colon >= 0 || endsWithColon) {
        const head = colon >= 0 ? line.slice(0, colon + 1) : line.replace(/:\s*$/, ':');
        const flow = pick(rnd, TRICKY_SCALARS.filter((s) => s.startsWith('[') || s.startsWith('{')));
        out[at] = head + ' ' + (rnd() < 0.25 ? flow.replace(', ', ',\n' + ' '.repeat(indent + pick(rnd, [0, 1, 2]))) : flow);
      }
      break;
    case 19: // the value moved to the next line
      if (colon >= 0) out.splice(at, 1, line.slice(0, colon + 1), ' '.repeat(indent + pick(rnd, [0, 1, 2, 4])) + line.slice(colon + 2));
      break;
    case 20: // an empty value (`key:` with spaces or a comment after it)
      if (colon >= 0) out[at] = line.slice(0, colon + 1) + pick(rnd, ['', ' ', '    ', ' # empty', ' ~']);
      break;
    case 21: // a sequence item emptied or nested (`-`, `- - x`)
      out[at] = pad + pick(rnd, ['-', '- ', '- - ' + line.trim(), '-  ' + line.trim(), '-' + line.trim(), '- # c']);
      break;
    case 22: // the text's end: no final line break, extra ones, trailing spaces
      return out.join('\n').replace(/\n*$/, '') + pick(rnd, ['', '\n\n\n', '\n  ', '\n# end', ' ']);
    default: { // a whole other line from the pools
      out.splice(at, 0, pad + pick(rnd, ['- ', '', '']) + pick(rnd, TRICKY_KEYS) + ': ' + pick(rnd, TRICKY_SCALARS));
      break;
    }
  }
  return out.join('\n');
}

function requote(value: string, rnd: Rnd): string {
  const v = value.trim();
  if (v.startsWith("'") && v.endsWith("'") && v.length > 1) return rnd() < 0.5 ? v.slice(1, -1) : `"${v.slice(1, -1)}"`;
  if (v.startsWith('"') && v.endsWith('"') && v.length > 1) return rnd() < 0.5 ? v.slice(1, -1) : `'${v.slice(1, -1)}'`;
  return rnd() < 0.5 ? `'${v.replace(/'/g, "''")}'` : `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// ---------------------------------------------------------------- generated property files

const NAMES = ['orders', 'customers', 'stg_shop__orders', 'fct_revenue', 'dim_users', 'int_events_windowed', 'x'];
const DESCRIPTIONS = [
  'Primary key.',
  'One row per order: cleaned, cast and de-duplicated.',
  'The amount in dollars (see {{ doc("amount") }})',
  "Customer's first order",
  'Status: one of placed, shipped, returned',
  'Uses a # sign and a colon:inside',
  'Long text that goes on and on and on, with commas, [brackets] and {braces} in it',
];
const TESTS = ['unique', 'not_null', 'relationships', 'accepted_values', 'dbt_utils.expression_is_true'];

/** A generator of property-file-like documents with random layout choices. */
export function yamlGenerator(seed: number): () => string {
  const rnd = prng(seed);
  return () => {
    const step = pick(rnd, [2, 2, 2, 4, 3, 1]);
    const seqIndented = rnd() < 0.7; // `key:\n  - a` rather than `key:\n- a`
    const lines: string[] = [];
    const scalar = (): string => {
      const r = rnd();
      if (r < 0.55) return pick(rnd, NAMES);
      if (r < 0.7) return pick(rnd, DESCRIPTIONS.filter((d) => !d.includes(': ') && !d.includes(' #')));
      if (r < 0.8) return `"${pick(rnd, DESCRIPTIONS).replace(/"/g, '\\"')}"`;
      if (r < 0.87) return `'${pick(rnd, DESCRIPTIONS).replace(/'/g, "''")}'`;
      return pick(rnd, TRICKY_SCALARS);
    };
    const maybeComment = (): string => (rnd() < 0.08 ? ` ${pick(rnd, COMMENTS)}` : '');
    const extra = (indent: number): void => {
      const r = rnd();
      if (r < 0.06) lines.push('');
      else if (r < 0.09) lines.push(' '.repeat(Math.floor(rnd() * 8)));
      else if (r < 0.13) lines.push(' '.repeat(pick(rnd, [0, indent, indent + step])) + pick(rnd, COMMENTS));
    };
    const value = (indent: number, depth: number): void => {
      // writes ` value` on the current (last) line, or nested lines
      const r = rnd();
      const last = lines.length - 1;
      if (r < 0.06) {
        // a plain or quoted scalar over several lines, blank lines between
        const q = pick(rnd, ['', '', '"', "'"]);
        lines[last] += ` ${q}first words`;
        for (let n = 1 + Math.floor(rnd() * 3); n > 0; n--) {
          for (let b = pick(rnd, [0, 0, 1, 2]); b > 0; b--) lines.push(pick(rnd, ['', '   ']));
          lines.push(' '.repeat(indent + pick(rnd, [1, step, step + 2])) + pick(rnd, ['more words', 'x: y', '# not a comment?', 'end']));
        }
        lines[lines.length - 1] += q;
      } else if (depth > 3 || r < 0.5) {
        lines[last] += ' ' + scalar() + maybeComment();
      } else if (r < 0.6) {
        lines[last] += ' ' + pick(rnd, ['[a, b]', '[]', '{}', '[not_null, unique]', '{materialized: table, tags: [x, y]}', "['a', \"b\"]", '{a: 1, b: null}']);
      } else if (r < 0.7) {
        lines[last] += ' ' + pick(rnd, BLOCK_HEADERS.slice(0, 7));
        const inner = indent + step;
        for (const [d, t] of pick(rnd, BLOCK_BODIES)) lines.push(d < 0 ? t : ' '.repeat(inner + d) + t);
      } else if (r < 0.85) {
        mapping(indent + step, depth + 1);
      } else {
        sequence(seqIndented ? indent + step : indent, depth + 1);
      }
    };
    const mapping = (indent: number, depth: number, first?: string): void => {
      const keys = ['name', 'description', 'config', 'columns', 'data_tests', 'meta', 'tags', 'owner', 'materialized', 'alias', 'version', 'docs'];
      const count = 1 + Math.floor(rnd() * 4);
      const used = new Set<string>();
      for (let i = 0; i < count; i++) {
        let key = pick(rnd, keys);
        if (used.has(key)) key = `${key}_${i}`;
        used.add(key);
        if (i === 0 && first !== undefined) lines[lines.length - 1] += `${key}:`;
        else lines.push(`${' '.repeat(indent)}${key}:`);
        value(indent, depth);
        extra(indent);
      }
    };
    const sequence = (indent: number, depth: number): void => {
      const count = 1 + Math.floor(rnd() * 4);
      for (let i = 0; i < count; i++) {
        lines.push(`${' '.repeat(indent)}-`);
        if (rnd() < 0.55 && depth < 4) {
          lines[lines.length - 1] += ' ';
          mapping(indent + 2, depth + 1, '');
        } else {
          lines[lines.length - 1] += ' ' + (rnd() < 0.7 ? pick(rnd, TESTS) : scalar());
        }
        extra(indent);
      }
    };
    if (rnd() < 0.1) lines.push(pick(rnd, ['---', '# header comment', '']));
    lines.push('version: 2');
    extra(0);
    for (const top of ['models', 'sources', 'exposures'].filter(() => rnd() < 0.7)) {
      lines.push(`${top}:`);
      sequence(seqIndented ? step : 0, 1);
      extra(0);
    }
    const text = lines.join('\n');
    return rnd() < 0.3 ? text : text + '\n';
  };
}
