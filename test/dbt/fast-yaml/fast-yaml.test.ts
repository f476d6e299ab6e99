/**
 * The fast YAML parser (src/dbt/fastYaml/) must return exactly the tree `parseYamlTree` builds with js-yaml (same
 * node kinds, property order, Map entries in the same order, lines, scalar values and types) or decline with
 * `undefined`; and decline every text js-yaml rejects. The ground truth is js-yaml itself
 * (`parseYamlTreeWithJsYaml`), run on the corpus of texts reviews and tests really parse (yaml-corpus.json, see
 * scripts/dump-yaml-corpus.ts), on mutations of it and on generated property files.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseYamlFastStrict } from '../../../src/dbt/fastYaml/index.js';
import { parseYamlTree, parseYamlTreeWithJsYaml, type YamlParseResult } from '../../../src/dbt/yamlTree.js';
import { mutate, prng, TRICKY_SCALARS, yamlGenerator } from './yaml-generator.js';

interface Entry {
  kind: 'whole' | 'focused' | 'entry' | 'tests';
  text: string;
}

const corpus = JSON.parse(readFileSync(new URL('./yaml-corpus.json', import.meta.url), 'utf8')) as Entry[];

/**
 * Where two trees differ ('' when they do not): node kinds, own property names in order, lines, scalar values
 * (`Object.is`; Dates by time), Map keys in order, entries and items. (`toStrictEqual` ignores the order of Map
 * entries and of properties, so it is used only to show a difference.)
 */
function difference(a: unknown, b: unknown, path = 'root'): string {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return Object.is(a, b) ? '' : `${path}: ${String(a)} !== ${String(b)}`;
  }
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && Object.is(a.getTime(), b.getTime()) ? '' : `${path}: dates differ`;
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map && b instanceof Map)) return `${path}: one is a Map`;
    const ka = [...a.keys()];
    const kb = [...b.keys()];
    if (ka.join('\u0000') !== kb.join('\u0000') || ka.length !== kb.length) return `${path}: keys ${JSON.stringify(ka)} vs ${JSON.stringify(kb)}`;
    for (const k of ka) {
      const d = difference(a.get(k), b.get(k), `${path}[${JSON.stringify(k)}]`);
      if (d) return d;
    }
    return '';
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: one is an array`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: prototypes differ`;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.join(',') !== kb.join(',')) return `${path}: properties ${ka.join(',')} vs ${kb.join(',')}`;
  for (const k of ka) {
    const d = difference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return '';
}

let cases = 0;

/** Asserts the contract for one text; returns whether the fast parser accepted it. */
function check(text: string): boolean {
  cases++;
  const fast = parseYamlFastStrict(text);
  if (fast === undefined) return false;
  const expected = parseYamlTreeWithJsYaml(text);
  if (!expected.ok) throw new Error(`the fast parser accepted a text js-yaml rejects (${expected.message}): ${JSON.stringify(text)}`);
  const d = difference(fast.root, expected.root);
  if (d) {
    expect(fast.root, `${d}\n${JSON.stringify(text)}`).toStrictEqual(expected.root);
    throw new Error(`${d}: ${JSON.stringify(text)}`);
  }
  return true;
}

const REVIEW_KINDS: readonly Entry['kind'][] = ['whole', 'focused', 'entry'];

describe('parseYamlFast on the corpus', () => {
  it('returns the js-yaml tree or undefined for every text, and accepts at least 95% of them', () => {
    const accepted: Record<string, number> = {};
    const total: Record<string, number> = {};
    for (const entry of corpus) {
      total[entry.kind] = (total[entry.kind] ?? 0) + 1;
      if (check(entry.text)) accepted[entry.kind] = (accepted[entry.kind] ?? 0) + 1;
    }
    const all = Object.values(accepted).reduce((a, b) => a + b, 0);
    expect(all / corpus.length, 'accepted share of the corpus').toBeGreaterThanOrEqual(0.95);
    // What reviews parse (the bench projects' files, entry-wise pieces, focused texts): all of it.
    for (const kind of REVIEW_KINDS) {
      expect(total[kind], kind).toBeGreaterThan(50);
      expect(accepted[kind], `accepted ${kind} texts`).toBe(total[kind]);
    }
  });

  it('declines every text js-yaml rejects', () => {
    let rejected = 0;
    for (const entry of corpus) {
      if (parseYamlTreeWithJsYaml(entry.text).ok) continue;
      rejected++;
      expect(parseYamlFastStrict(entry.text), entry.text).toBeUndefined();
    }
    expect(rejected).toBeGreaterThan(10);
  });

  it('leaves what parseYamlTree returns unchanged on the whole corpus (errors included)', () => {
    for (const entry of corpus) {
      const now = parseYamlTree(entry.text);
      const before = parseYamlTreeWithJsYaml(entry.text);
      const d = difference(now, before);
      if (d) expect(now, `${d}\n${JSON.stringify(entry.text)}`).toStrictEqual(before);
      expect(d).toBe('');
    }
  });
});

describe('parseYamlFast on chosen texts', () => {
  const ok = (text: string): YamlParseResult => {
    const fast = parseYamlFastStrict(text);
    expect(fast, `declined: ${JSON.stringify(text)}`).toBeDefined();
    expect(check(text)).toBe(true);
    return { ok: true, root: fast!.root };
  };
  const declined = (text: string): void => {
    cases++;
    expect(parseYamlFastStrict(text), JSON.stringify(text)).toBeUndefined();
  };

  it('resolves scalars as js-yaml does (each in a value, an item, a flow item and a key)', () => {
    let accepted = 0;
    for (const s of TRICKY_SCALARS) {
      for (const text of [`key: ${s}\n`, `- ${s}`, `k: [${s}]`, `k: {a: ${s}}`, `${s}: v`, `a:\n  ${s}\n`, s, `"${s}": 1`]) {
        if (check(text)) accepted++;
        // (deep in a document, after entries: where the parser runs warm and takes its shortcuts)
        if (check(`${'\n'.repeat(60)}a: 1\nb:\n  - c: d\n    e: f\n${text}\n\n`)) accepted++;
      }
    }
    expect(accepted).toBeGreaterThan(1200);
    expect(ok('a: 1e3\nb: 0x1F\nc: 2024-01-01\nd: .5\ne: ~\nf: yes\ng: -0\nh: 0o17\ni: .nan\n').ok).toBe(true);
  });

  it('reads the lines of values, items, block scalars, empty values and trailing comments as TreeBuilder does', () => {
    for (const text of [
      'a:\n  - x\n  - y\n# trailing\n\n',
      'a:\n- x\n- y\nb: 1\n',
      'a:\n  b:\n    c: 1\n\n\n  # comment\n\nd: 2\n',
      'a:\n  value on the next line\nb:\n  [x, y]\nc:\n  "quoted"\n',
      'a: |\n  one\n\n  two\n\n\nb: >-\n  folded\n  text\n\n  more\nc: |+\n  keep\n\n\nd: x\n',
      'a: >\n  x\n    more indented\n  y\n\nb: |2\n    two extra\nc: >+\n\n  after blank\n',
      'models:\n  - name: a\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n\n\n\n  - name: b\n',
      '\n\n\nmodels:\n  - name: x\n    description: "line one\n      line two"\n    meta: {owner: me, tags: [a, b]}\n',
      'key:    \nother: # comment\nthird:\n',
      'a: b # c\nd: e#f\ng: "h"#i\n',
      '- - nested\n  - more\n- - x\n',
      '-\n  a: 1\n- b\n',
      'plain multi\n  line root\n',
      '---\na: 1\n',
      '--- # doc\n- x\n',
      'a:\r\n  - b\r\n  - c: d\r\n',
      'k: "esc \\t \\n \\x41 \\u00e9 \\U0001F600 \\\\ \\" \\/"\n',
      "k: 'it''s'\n",
      'k: a:b\nl: http://x.y/z#frag\n',
      'k:\n  - a\n  -   b   \n  - c # d\n',
      '  a: 1\n  b: 2\n',
      '# only a comment',
      '',
      '\n\n   \n',
      '~',
      'just a scalar',
      'a: b\tc\n',
      'a:\tb\nc:\t\t# comment\n',
      'k: "a\tb"\nl: \'\tx\'\n',
      '- a\t\n-\tb\n',
      'a: |\n  x\ty\n  \tmore\nb: >\n  x\n  \tindented by a tab\n  y\n',
      'a:\n  b: 1  \t\n  \t\n  c: 2\n',
      'a: one\n\n\n  two\n\n  three\nb: "x\n\n\n  y"\nc: \'p\n\n  q\'\n',
      'a: [one\n\n\n  two, three]\n',
      'a: >\n  x\n    more\n\n\n  y\n\n   \n    z\n  w\nb: 1\n',
      'a: >\n  x\n    more\n\n\n  y\n  z\n\n  w\nb: >-\n\n    more first\n    then\n',
      `${'x: 1\n'.replace('x', 'k0')}${Array.from({ length: 50 }, (_, i) => `k${i + 1}: 'it''s ''${i}'''\n`).join('')}`,
      'a: {b: 1,\n  c: [x,\n    y], d: "e"}\n',
    ]) {
      ok(text);
    }
  });

  it('declines what it leaves to js-yaml: tabs in indentation, anchors, aliases, tags, explicit keys, merges, documents, errors', () => {
    for (const text of [
      'a:\n\t- b\n',
      'a: 1\n\tb: 2\n',
      'a: &x 1\nb: *x\n',
      'a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nd: [*c, *c]\n',
      'a: !!str 1\n',
      '? a\n: b\n',
      'base: &b {x: 1}\nm:\n  <<: *b\n',
      '<<: {a: 1}\n',
      '"<<": 1\n',
      '__proto__: 1\n',
      'constructor: 1\n',
      '%YAML 1.2\n---\na: 1\n',
      'a: 1\n---\nb: 2\n',
      'a: 1\n...\n',
      'a: 1\na: 2\n',
      'a: 1\n"a": 2\n',
      '1: x\n1.0: y\n',
      'a:\n  b: 1\n c: 2\n',
      'a: b: c\n',
      'a: [1, 2\n',
      'a: "unclosed\n',
      "a: 'unclosed\n",
      'a: "\\q"\n',
      'a: |0\n  x\n',
      'a: | x\n',
      '- a\nb: 1\n',
      'a:\n  - b\n  c: 1\n',
      'x: {a, b: 1}\n',
      'x: [a: 1]\n',
      'x: [a, ? b]\n',
      'a: 1\r\nb: 2\rc: 3\n',
      '\uFEFFa: 1\n',
      'a: \u0001\n',
      'a: \uD800\n',
      '- \n- a\n',
      'a:\n  -\n  - b\n',
      '"a":b\n',
      "'a':b\n",
      'a: {b\n  : 1}\n',
      'a: [b\n  : 1]\n',
    ]) {
      declined(text);
    }
    // and accepted when the same shape is plain
    ok('a: b c\n');
  });
});

describe('parseYamlFast on long lines (PR content is untrusted)', () => {
  // No timing is asserted: a quadratic pass over these texts (hundreds of thousands of characters on one line or in
  // one flow collection) would take hours, a linear one milliseconds, so the test's time limit is what catches it,
  // by orders of magnitude, whatever the machine is doing.
  it('reads long lines, long flow collections and long runs of blank lines in one pass', { timeout: 60_000 }, () => {
    const shapes: ((n: number) => string)[] = [
      (n) => `k: ${'a:b'.repeat(n)}\n`,
      (n) => `k: ${'a#b'.repeat(n)}\n`,
      (n) => `k: [${"'a', ".repeat(n)}'b']\n`,
      (n) => `k: [${'"a", '.repeat(n)}"b"]\n`,
      (n) => `k: [${'"a\\tb", '.repeat(n)}"b"]\n`,
      (n) => `k: {${Array.from({ length: n }, (_, i) => `a${i}: 'x'`).join(', ')}}\n`,
      (n) => `${'a'.repeat(3 * n)}\n`,
      (n) => `k: ${'x '.repeat(n)}\n${'  y\n'.repeat(n / 4)}`,
      (n) => `${'\n'.repeat(n)}a:\n  b: 1\n${'\n'.repeat(n)}c: 2\n`,
    ];
    for (const shape of shapes) {
      check(shape(10_000)); // the same answer as js-yaml
      const large = shape(200_000);
      const result = parseYamlFastStrict(large);
      expect(result, large.slice(0, 40)).toBeDefined();
    }
  });
});

/** Lines whose combinations exercise indentation, empty values, block scalars, comments and markers. */
const LINE_TEMPLATES = [
  'a:', 'a: 1', 'b: x # c', '  b: 2', '  - x', '- y', '-', '- - z', '  c: |', '  d: >-', '    text', '      more',
  '', '   ', '# c', '  # c', '- k: v', '  k2: v2', '    - w', '  e: "q', '  r"', 'f: [1,', '  2]', '---', '...',
  '\t- t', 'g: |+', ' h: 1', 'a: 2', 'i: {j: 1}', 'k:  ', "'l': m", '  n:', 'plain', '  continued',
];

describe('parseYamlFast on every 3-line combination of line templates', () => {
  it('is never different from js-yaml', () => {
    let accepted = 0;
    for (const a of LINE_TEMPLATES) {
      for (const b of LINE_TEMPLATES) {
        for (const c of LINE_TEMPLATES) {
          if (check(`${a}\n${b}\n${c}\n`)) accepted++;
        }
      }
    }
    expect(accepted).toBeGreaterThan(5000);
  });
});

/** Mutations of each corpus text (one edit, sometimes two), deterministic. */
const MUTATIONS_PER_TEXT = 24;

describe('parseYamlFast on mutated corpus texts', () => {
  it('is never different from js-yaml, and declines what js-yaml rejects', () => {
    const rnd = prng(20_251_124);
    let total = 0;
    let accepted = 0;
    let rejectedByJsYaml = 0;
    for (const entry of corpus) {
      if (entry.text.length > 20_000) continue;
      for (let m = 0; m < MUTATIONS_PER_TEXT; m++) {
        let text = mutate(entry.text, rnd);
        if (rnd() < 0.25) text = mutate(text, rnd);
        total++;
        if (check(text)) accepted++;
        else if (!parseYamlTreeWithJsYaml(text).ok) rejectedByJsYaml++;
      }
    }
    expect(total).toBeGreaterThan(25_000);
    expect(accepted).toBeGreaterThan(total / 3);
    expect(rejectedByJsYaml).toBeGreaterThan(total / 20);
  });
});

describe('parseYamlFast on generated property files', () => {
  it('is never different from js-yaml on thousands of generated documents and mutations of them', () => {
    const next = yamlGenerator(7_919);
    const rnd = prng(104_729);
    let accepted = 0;
    let total = 0;
    for (let i = 0; i < 4000; i++) {
      const text = next();
      total++;
      if (check(text)) accepted++;
      for (let m = 0; m < 3; m++) {
        total++;
        check(mutate(text, rnd));
      }
    }
    expect(total).toBe(16_000);
    expect(accepted).toBeGreaterThan(2000);
  });

  it('ran thousands of differential cases', () => {
    // (the count of the tests above, when run in order in one file)
    expect(cases).toBeGreaterThan(80_000);
    console.log(`fast YAML differential cases: ${cases}`);
  });
});
