import { describe, expect, it } from 'vitest';
import { buildProject } from '../../bench/generate.js';
import { MentionIndex, textMentionsModel, useMentionIndex, withEntriesInFocus } from '../../src/dbt/focusedYaml.js';
import { loadProjects, propertyFocus } from '../../src/dbt/index.js';
import { readPropertyFile, type PropertyFileResult } from '../../src/dbt/propertyFile.js';
import { toPlain } from '../../src/dbt/yamlTree.js';
import { lines, modelNamed, PROJECT, snapshotOf } from './helpers.js';

const STAGING = lines(
  'version: 2',
  '',
  'models:',
  '  - name: stg_orders',
  '    description: Orders.',
  '    columns:',
  '      - name: order_id',
  '        data_tests: [unique, not_null]',
  '  # customers are keyed by email',
  '  - name: stg_customers',
  '    description: |',
  '      Customers.',
  '',
  '      One row per customer.',
  '    config:',
  '      meta: {owner: crm}',
  '  - name: stg_payments',
  '    columns:',
  '      - name: order_id',
  '        data_tests:',
  '          - relationships:',
  "              to: ref('stg_orders')",
  '              field: order_id',
  '',
  'sources:',
  '  - name: shop',
  '    tables:',
  '      - name: customers',
);

function models(result: PropertyFileResult): { name: string; line: number; plain: unknown }[] {
  if (result.kind !== 'properties') throw new Error(`not a property file: ${result.kind}`);
  return result.content.models.map((m) => ({ name: m.name, line: m.node.line, plain: toPlain(m.node) }));
}

const focus = (...names: string[]) => new Set(names);

describe('withEntriesInFocus: an unchanged property file is read for the models in focus only', () => {
  it('blanks the entries that mention no model in focus and keeps every line where it was', () => {
    const reduced = withEntriesInFocus(STAGING, focus('stg_customers'));
    expect(reduced.keptEntries).toBe(1);
    expect(reduced.text.split('\n')).toHaveLength(STAGING.split('\n').length);
    expect(reduced.text).not.toContain('stg_orders');
    expect(reduced.text).toContain('sources:');

    const whole = models(readPropertyFile(STAGING, 'models/staging/_models.yml'));
    const focused = models(readPropertyFile(STAGING, 'models/staging/_models.yml', undefined, focus('stg_customers')));
    expect(focused).toEqual(whole.filter((m) => m.name === 'stg_customers'));
    expect(focused[0]!.line).toBe(10);
  });

  it('keeps an entry that mentions a model in focus anywhere, not only in its name (a relationships test)', () => {
    const focused = models(readPropertyFile(STAGING, 'p.yml', undefined, focus('stg_orders')));
    expect(focused.map((m) => m.name)).toEqual(['stg_orders', 'stg_payments']);
    const whole = models(readPropertyFile(STAGING, 'p.yml'));
    expect(focused).toEqual(whole.filter((m) => m.name !== 'stg_customers'));
  });

  it('keeps the other sections whole and reads a file with no entry in focus as one with no models', () => {
    const reduced = withEntriesInFocus(STAGING, focus('fct_revenue'));
    expect(reduced.keptEntries).toBe(0);
    expect(models(readPropertyFile(STAGING, 'p.yml', undefined, focus('fct_revenue')))).toEqual([]);
    expect(reduced.text).toMatch(/sources:\n {2}- name: shop\n {4}tables:\n {6}- name: customers\n$/);
  });

  it('slices a sequence written at the indentation of its key, and Windows line ends', () => {
    const flush = lines('models:', '- name: a', '  description: A.', '- name: b', '  description: B.', 'exposures: []');
    expect(models(readPropertyFile(flush, 'p.yml', undefined, focus('b')))).toEqual([
      { name: 'b', line: 4, plain: { name: 'b', description: 'B.' } },
    ]);
    const crlf = flush.replace(/\n/g, '\r\n');
    expect(withEntriesInFocus(crlf, focus('b')).keptEntries).toBe(1);
    expect(models(readPropertyFile(crlf, 'p.yml', undefined, focus('b')))).toEqual(models(readPropertyFile(crlf, 'p.yml')).slice(1));
  });

  it('leaves the text whole when blanking could change what the rest means or cannot be done by lines', () => {
    const cases = {
      anchors: lines('models:', '  - name: a', '    config: &shared', '      materialized: table', '  - name: b', '    config: *shared'),
      'several documents': lines('models:', '  - name: a', '---', 'models:', '  - name: b'),
      'a flow sequence': lines('models: [', '  {name: a},', '  {name: b}]'),
      'models on a line of its own, then flow': lines('models:', '  [{name: a}, {name: b}]'),
      'an indentation that fits nothing': lines('models:', '    - name: a', '  - name: b'),
      'a duplicate models key': lines('models:', '  - name: a', 'models:', '  - name: b'),
      'a lone carriage return': 'models:\n  - name: a\r  - name: b\n',
      'a tab in an indentation': lines('models:', '  - name: a', '  \t description: A.', '  - name: b'),
      'a block scalar that keeps its line breaks': lines('models:', '  - name: b', '    description: |+', '      B.', '  - name: a'),
    };
    for (const [label, text] of Object.entries(cases)) {
      expect(withEntriesInFocus(text, focus('b')), label).toEqual({ text });
    }
  });

  it('reads a kept description that keeps its final line breaks exactly as the whole file does', () => {
    const text = lines('version: 2', 'models:', '  - name: b', '    description: |+', '      B.', '  - name: a', '    description: A.', '  - name: c');
    const b = (result: PropertyFileResult) => models(result).filter((m) => m.name === 'b');
    expect(b(readPropertyFile(text, 'p.yml', undefined, focus('b')))).toEqual(b(readPropertyFile(text, 'p.yml')));
    expect(b(readPropertyFile(text, 'p.yml'))[0]!.plain).toMatchObject({ description: 'B.\n' });
  });

  it('parses the whole text when the kept text does not hold exactly the kept entries', () => {
    // js-yaml reads the quoted scalar across what looks like a second entry: one entry, `a`.
    const text = lines('models:', '  - name: a', '    description: "multi', '  - name: b"');
    expect(withEntriesInFocus(text, focus('a')).keptEntries).toBe(1);
    expect(models(readPropertyFile(text, 'p.yml', undefined, focus('a')))).toEqual(models(readPropertyFile(text, 'p.yml')));
  });
});

describe('loading with a focus reads the entries of the models in focus', () => {
  const files: Record<string, string> = {
    'dbt_project.yml': PROJECT,
    'models/staging/stg_orders.sql': 'select 1 as order_id\n',
    'models/staging/stg_customers.sql': 'select 1 as customer_id\n',
    'models/staging/stg_payments.sql': "select order_id from {{ ref('stg_orders') }}\n",
    'models/staging/_models.yml': STAGING,
  };

  it('builds the models in focus as a full load does, and the others in the same file without their YAML', () => {
    const head = { ...files, 'models/staging/stg_customers.sql': 'select 2 as customer_id\n' };
    const changed = new Set(['models/staging/stg_customers.sql']);
    const focused = propertyFocus({ base: snapshotOf(files), head: snapshotOf(head) }, changed, new Map())!;
    expect([...focused.models]).toEqual(['stg_customers']);
    const [full] = loadProjects(snapshotOf(head), { ownerKey: 'owner' });
    const [partial] = loadProjects(snapshotOf(head), { ownerKey: 'owner', focus: focused });
    expect(modelNamed(partial!, 'stg_customers')).toEqual(modelNamed(full!, 'stg_customers'));
    expect(modelNamed(full!, 'stg_orders').properties?.description).toBe('Orders.');
    expect(modelNamed(partial!, 'stg_orders').properties).toBeUndefined();
  });

  it('reads a changed property file whole (its problems are reported)', () => {
    const head = { ...files, 'models/staging/_models.yml': STAGING.replace('Orders.', 'All orders.') };
    const changed = new Set(['models/staging/_models.yml']);
    const focused = propertyFocus({ base: snapshotOf(files), head: snapshotOf(head) }, changed, new Map())!;
    const [partial] = loadProjects(snapshotOf(head), { ownerKey: 'owner', focus: focused });
    expect(modelNamed(partial!, 'stg_customers').properties?.description).toBe('Customers.\n\nOne row per customer.\n');
  });
});

/** The `models:` block moved to the indentation of its key (`models:\n- name: a`), which YAML allows. */
function flushModels(text: string): string {
  let inModels = false;
  return text
    .split('\n')
    .map((line) => {
      if (/^\S/.test(line)) inModels = /^models\s*:/.test(line);
      return inModels && line.startsWith('  ') ? line.slice(2) : line;
    })
    .join('\n');
}

/** The same files as people also write them: quoted names, comments between entries, Windows line ends. */
const VARIANTS: Record<string, (text: string) => string> = {
  'as generated': (text) => text,
  'flush sequence': flushModels,
  'quoted names and comments at column 0': (text) => text.replace(/^( {2}- )name: (\w+)$/gm, '# about $2\n$1name: "$2"'),
  'Windows line ends': (text) => text.replace(/\n/g, '\r\n'),
};

describe('on the property files of a generated project (the benchmark generator, 60 models)', () => {
  const generated = [...buildProject(60).files].filter(([path]) => /^models\/.*\.ya?ml$/.test(path));

  for (const [label, variant] of Object.entries(VARIANTS)) {
    it(`reads every entry of a model in focus exactly as a whole parse does, groups, exposures and lines included (${label})`, () => {
      let reduced = 0;
      for (const [path, original] of generated) {
        const text = variant(original);
        const whole = readPropertyFile(text, path);
        if (whole.kind !== 'properties') continue;
        const names = whole.content.models.map((m) => m.name.toLowerCase());
        // Each model alone, and every other one, as a review's focus.
        const foci = [...names.map((n) => new Set([n])), new Set(names.filter((_, i) => i % 2 === 0))];
        for (const focus of foci) {
          const focused = readPropertyFile(text, path, undefined, focus);
          if (focused.kind !== 'properties') throw new Error(`${path}: ${focused.kind}`);
          if (withEntriesInFocus(text, focus).keptEntries !== undefined) reduced += 1;
          expect(focused.content.groups, path).toEqual(whole.content.groups);
          expect(focused.content.exposures, path).toEqual(whole.content.exposures);
          const byName = new Map(models(whole).map((m) => [m.name.toLowerCase(), m]));
          for (const m of models(focused)) expect(m, `${path} ${m.name}`).toEqual(byName.get(m.name.toLowerCase()));
          for (const name of focus) expect(models(focused).some((m) => m.name.toLowerCase() === name), `${path} keeps ${name}`).toBe(true);
        }
      }
      // The staging and intermediate files describe several models each: most reads were reduced.
      expect(reduced).toBeGreaterThan(20);
    });
  }

  it('decides from a mention index (foci of more than eight models) exactly as by scanning each text', () => {
    const project = buildProject(60).files;
    const names = [...project.keys()].filter((p) => p.endsWith('.sql') && p.startsWith('models/')).map((p) => p.replace(/^.*\/|\.sql$/g, '').toLowerCase());
    const index = new MentionIndex(new Set(names));
    const foci = [0, 1, 2, 3, 4, 5].map((k) => names.filter((_, i) => i % 6 === k));
    expect(foci.every((f) => f.length > 8)).toBe(true);
    // A name outside the index's universe: that focus is searched as before.
    foci.push([...foci[0]!, 'not_a_model_of_the_project']);
    let kept = 0;
    let decided = 0;
    for (const focus of foci) {
      const indexed = new Set(focus);
      useMentionIndex(indexed, index);
      for (const [label, variant] of Object.entries({ ...VARIANTS, 'a character that lower-cases longer': (t: string) => `# İstanbul\n${t}` })) {
        for (const [path, original] of generated) {
          const text = variant(original);
          const scanned = withEntriesInFocus(text, new Set(focus));
          expect(withEntriesInFocus(text, indexed), `${label} ${path}`).toEqual(scanned);
          expect(textMentionsModel(text, indexed), `${label} ${path}`).toBe(textMentionsModel(text, new Set(focus)));
          kept += scanned.keptEntries ?? 0;
          if (textMentionsModel(text, indexed)) decided += 1;
        }
      }
    }
    expect(kept).toBeGreaterThan(50);
    expect(decided).toBeGreaterThan(50);
  });
});
