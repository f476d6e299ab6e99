/**
 * Models out of focus are stubs: made from their code facts, with the fields that need their text built on first
 * read. A stub must be indistinguishable, field by field, from the model a full load builds for a model without a
 * property-file entry, or a review of a big project would differ from a review that read everything.
 */
import { describe, expect, it } from 'vitest';
import { loadProjects, propertyFocus, type DbtModel, type DbtProject, type FileSnapshot } from '../../src/dbt/index.js';
import { isStubModel } from '../../src/dbt/modelBuilder.js';
import { scanFile } from '../../src/dbt/fileFacts.js';
import { lines, modelNamed, snapshotOf } from './helpers.js';

const PROJECT_FILE = lines(
  'name: shop',
  'config-version: 2',
  'model-paths: ["models"]',
  'models:',
  '  shop:',
  '    +meta:',
  '      owner: "@shop/data"',
  '    staging:',
  '      +materialized: view',
  '      +tags: [staging]',
  '    marts:',
  '      +materialized: table',
  '    legacy:',
  '      +enabled: false',
  '    other:',
  '      +tags: ["other"]',
  '      +meta:',
  '        tier: 3',
);

// stg_a -> fct_a (in focus when stg_a changes); everything else is unrelated to stg_a.
const HEAD: Record<string, string> = {
  'dbt_project.yml': PROJECT_FILE,
  'models/staging/stg_a.sql': lines('select id as a_id from raw.a'),
  'models/marts/fct_a.sql': lines("select a_id from {{ ref('stg_a') }}"),
  'models/staging/_staging.yml': lines('version: 2', 'models:', '  - name: stg_a', '    description: A.'),
  'models/staging/stg_x.sql': lines("select id as x_id from {{ source('raw', 'x') }}"),
  'models/other/plain.sql': lines(
    "{{ config(materialized='incremental', tags=['nightly'], meta={'owner': '@shop/other', 'pii': true}, unique_key='id') }}",
    '-- dbt-pr-reviewer: disable=sql-select-star reason: staging copy',
    "select * from {{ ref('stg_x') }}",
    "join {{ source('raw', 'y') }} using (id)",
    "join {{ ref('finance', 'rates', v=2) }} using (id)",
  ),
  'models/other/off.sql': lines('{{ config(enabled=false) }}', "select * from {{ ref('stg_x') }}"),
  'models/other/on_again.sql': lines("{{ config(enabled=false, materialized='view') }}", '{{ config(enabled=true) }}', 'select 1 as id'),
  'models/other/maybe.sql': lines("{{ config(enabled=var('on')) }}", "select * from {{ ref('stg_x') }}"),
  'models/other/score.py': lines('def model(dbt, session):', '    dbt.config(enabled=False, materialized="table")', '    return dbt.ref("stg_x")'),
  'models/other/scored.py': lines('def model(dbt, session):', '    dbt.config(materialized="table")', '    return dbt.ref("stg_x")'),
  'models/legacy/old.sql': lines("select * from {{ ref('stg_x') }}"),
  'models/legacy/revived.sql': lines('{{ config(enabled=true) }}', "select * from {{ ref('stg_x') }}"),
};

const BASE: Record<string, string> = { ...HEAD, 'models/staging/stg_a.sql': lines('select id as a_id, 1 as n from raw.a') };
const CHANGED = ['models/staging/stg_a.sql'];

/** The fields a stub sets from facts or builds from text, compared one by one with a full build. */
const FIELDS = [
  'uniqueId',
  'project',
  'name',
  'path',
  'language',
  'folders',
  'fqn',
  'modelPath',
  'enabled',
  'refs',
  'sources',
  'raw',
  'config',
  'meta',
  'tags',
  'waivers',
  'contractEnforced',
  'projectConfig',
  'configOpaque',
  'group',
  'access',
  'columns',
  'tests',
  'constraints',
  'properties',
  'version',
] as const satisfies readonly (keyof DbtModel)[];

function focusedLoad(snapshot: FileSnapshot = snapshotOf(HEAD)): { focused: DbtProject; full: DbtProject } {
  const focus = propertyFocus({ base: snapshotOf(BASE), head: snapshot }, new Set(CHANGED), new Map());
  expect(focus).toBeDefined();
  const [focused] = loadProjects(snapshot, { ownerKey: 'owner', focus: focus! });
  const [full] = loadProjects(snapshotOf(HEAD), { ownerKey: 'owner' });
  return { focused: focused!, full: full! };
}

function expectSameFields(stub: DbtModel, built: DbtModel): void {
  for (const field of FIELDS) expect(stub[field], `${stub.name}.${field}`).toEqual(built[field]);
}

describe('models out of focus are stubs', () => {
  it('builds the models in focus, and stubs the others unless their enabled is computed', () => {
    const { focused, full } = focusedLoad();
    const stubs = focused.models.filter(isStubModel).map((m) => m.name).sort();
    expect(stubs).toEqual(['off', 'old', 'on_again', 'plain', 'revived', 'score', 'scored', 'stg_x']);
    expect(isStubModel(modelNamed(focused, 'stg_a'))).toBe(false);
    expect(isStubModel(modelNamed(focused, 'fct_a'))).toBe(false);
    // A computed enabled needs the model's text: it is built.
    expect(isStubModel(modelNamed(focused, 'maybe'))).toBe(false);
    expect(modelNamed(focused, 'maybe').config.enabled).toMatchObject({ unknown: true });
    expect(modelNamed(focused, 'maybe').enabled).toBe(modelNamed(full, 'maybe').enabled);
    // A full load makes no stubs.
    expect(full.models.filter(isStubModel)).toEqual([]);
    expect(focused.models.map((m) => m.uniqueId)).toEqual(full.models.map((m) => m.uniqueId));
  });

  it('gives a stub the same fields as the model of a full load', () => {
    const { focused, full } = focusedLoad();
    for (const model of focused.models) expectSameFields(model, modelNamed(full, model.name));
    const plain = modelNamed(focused, 'plain');
    expect(isStubModel(plain)).toBe(true);
    // The comparison above compares real content.
    expect(plain.refs).toEqual([
      { name: 'stg_x', line: 3 },
      { name: 'rates', package: 'finance', version: '2', line: 5 },
    ]);
    expect(plain.sources).toEqual([{ source: 'raw', table: 'y', line: 4 }]);
    expect(plain.fqn).toEqual(['shop', 'other', 'plain']);
    expect(plain.uniqueId).toBe('model.shop.plain');
    expect(plain.raw).toBe(HEAD['models/other/plain.sql']);
    expect(plain.config.materialized?.value).toBe('incremental');
    expect(plain.config.unique_key?.value).toBe('id');
    expect(plain.meta.owner?.value).toBe('@shop/other');
    expect(plain.meta.tier?.value).toBe(3);
    expect(plain.tags).toEqual(['other', 'nightly']);
    expect(plain.waivers).toEqual([expect.objectContaining({ kind: 'sql-comment', rules: ['sql-select-star'], reason: 'staging copy', line: 2 })]);
    expect(plain.enabled).toBe(true);
  });

  it('is disabled by `+enabled: false` for its folder in dbt_project.yml, as in a full load', () => {
    const { focused, full } = focusedLoad();
    const old = modelNamed(focused, 'old');
    expect(isStubModel(old)).toBe(true);
    expect(old.enabled).toBe(false);
    expect(modelNamed(full, 'old').enabled).toBe(false);
    // An in-file config(enabled=true) wins over the folder's setting.
    expect(modelNamed(focused, 'revived').enabled).toBe(true);
    expect(modelNamed(full, 'revived').enabled).toBe(true);
  });

  it('is disabled by {{ config(enabled=false) }} in its SQL, and by dbt.config(enabled=False) in Python', () => {
    const { focused, full } = focusedLoad();
    for (const name of ['off', 'score']) {
      const model = modelNamed(focused, name);
      expect(isStubModel(model), name).toBe(true);
      expect(model.enabled, name).toBe(false);
      expect(modelNamed(full, name).enabled, name).toBe(false);
    }
    // The last config() call decides.
    expect(modelNamed(focused, 'on_again').enabled).toBe(true);
    expect(modelNamed(full, 'on_again').enabled).toBe(true);
    expect(modelNamed(focused, 'scored').enabled).toBe(true);
    expect(modelNamed(focused, 'score').language).toBe('python');
  });

  it('keeps a value assigned to a lazy field', () => {
    const { focused } = focusedLoad();
    const plain = modelNamed(focused, 'plain');
    expect(isStubModel(plain)).toBe(true);
    plain.tags = ['x'];
    expect(plain.tags).toEqual(['x']);
    // Building the other lazy fields does not undo it.
    expect(plain.config.materialized?.value).toBe('incremental');
    expect(plain.tags).toEqual(['x']);
    // Assigning before anything was built works too, and other stubs are untouched.
    const stg = modelNamed(focused, 'stg_x');
    stg.raw = 'select 2';
    stg.meta = {};
    expect(stg.raw).toBe('select 2');
    expect(stg.meta).toEqual({});
    expect(stg.config.materialized?.value).toBe('view');
    expect(stg.raw).toBe('select 2');
    expect(modelNamed(focused, 'off').tags).toEqual(['other']);
    expect(plain.tags).toEqual(['x']);
  });

  it('reads the text of a stub only when a field that needs it is read', () => {
    const reads: string[] = [];
    const files = snapshotOf(HEAD);
    const snapshot: FileSnapshot = {
      paths: files.paths,
      read: (path) => {
        reads.push(path);
        return files.read(path);
      },
      facts: (path) => {
        const text = HEAD[path];
        return text === undefined ? undefined : scanFile(path, text);
      },
    };
    const { focused, full } = focusedLoad(snapshot);
    const plain = modelNamed(focused, 'plain');
    expect(isStubModel(plain)).toBe(true);
    // Its identity, enabled, refs and sources come from facts: the file was not read to make it.
    expect(reads).not.toContain('models/other/plain.sql');
    expect([plain.enabled, plain.refs.length, plain.sources.length, plain.fqn?.join('.')]).toEqual([true, 2, 1, 'shop.other.plain']);
    expect(reads).not.toContain('models/other/plain.sql');
    // Its config needs the text.
    expect(plain.config).toEqual(modelNamed(full, 'plain').config);
    expect(reads.filter((p) => p === 'models/other/plain.sql')).toHaveLength(1);
    expect(plain.raw).toBe(HEAD['models/other/plain.sql']);
    expect(reads.filter((p) => p === 'models/other/plain.sql')).toHaveLength(1);
    // A model in focus is read, as are computed-enabled ones.
    expect(reads).toContain('models/marts/fct_a.sql');
    expect(reads).toContain('models/other/maybe.sql');
    for (const model of focused.models) expectSameFields(model, modelNamed(full, model.name));
  });

  it('stubs a model whose entry in an unchanged property file mentions a model in focus, with its entry built on demand', () => {
    // The entries of plain, scored and off mention stg_a (in focus), so they are read; on_again's is not.
    const head = {
      ...HEAD,
      'models/staging/_staging.yml': lines(
        'version: 2',
        'models:',
        '  - name: stg_a',
        '    description: A.',
        '  - name: plain',
        '    description: P.',
        '    config: {tags: [documented]}',
        '    columns:',
        '      - name: id',
        '        data_tests: [unique, not_null]',
        '      - name: a_id',
        "        data_tests: [{relationships: {to: ref('stg_a'), field: a_id}}]",
        '  - name: scored',
        '    description: Scores of stg_a.',
        '    config: {enabled: false}',
        '  - name: off',
        '    description: Off while stg_a is rebuilt.',
        "    config: {enabled: \"{{ var('off_on') }}\"}",
        '  - name: on_again',
        '    description: Unrelated.',
      ),
    };
    const base = { ...head, 'models/staging/stg_a.sql': BASE['models/staging/stg_a.sql']! };
    const focus = propertyFocus({ base: snapshotOf(base), head: snapshotOf(head) }, new Set(CHANGED), new Map())!;
    const [focused] = loadProjects(snapshotOf(head), { ownerKey: 'owner', focus });
    const [full] = loadProjects(snapshotOf(head), { ownerKey: 'owner' });
    const plain = modelNamed(focused!, 'plain');
    expect(isStubModel(plain)).toBe(true);
    expectSameFields(plain, modelNamed(full!, 'plain'));
    expect(plain.properties?.description).toBe('P.');
    expect(plain.properties).toEqual(modelNamed(full!, 'plain').properties);
    expect(plain.columns).toEqual(modelNamed(full!, 'plain').columns);
    expect(plain.tests).toEqual(modelNamed(full!, 'plain').tests);
    expect(plain.tags).toEqual(['other', 'documented', 'nightly']);
    // `config: enabled: false` in the entry disables the stub as it disables the built model.
    expect(isStubModel(modelNamed(focused!, 'scored'))).toBe(true);
    expect(modelNamed(focused!, 'scored').enabled).toBe(false);
    expect(modelNamed(full!, 'scored').enabled).toBe(false);
    // A computed `enabled` in the entry needs the build.
    expect(isStubModel(modelNamed(focused!, 'off'))).toBe(false);
    expect(modelNamed(focused!, 'off')).toEqual(modelNamed(full!, 'off'));
    // An entry that mentions no model in focus is not read: the model is a stub without YAML, as out of focus.
    expect(modelNamed(full!, 'on_again').properties?.description).toBe('Unrelated.');
    expect(isStubModel(modelNamed(focused!, 'on_again'))).toBe(true);
    expect(modelNamed(focused!, 'on_again').properties).toBeUndefined();
  });

  it('builds the models described in a changed property file (their problems are the change’s)', () => {
    const yml = (description: string) =>
      lines('version: 2', 'models:', '  - name: stg_a', `    description: ${description}`, '  - name: plain', '    meta: {owner: x}', '    config: {meta: {owner: y}}');
    const head = { ...HEAD, 'models/staging/_staging.yml': yml('A2.') };
    const base = { ...HEAD, 'models/staging/_staging.yml': yml('A.') };
    const focus = propertyFocus({ base: snapshotOf(base), head: snapshotOf(head) }, new Set(['models/staging/_staging.yml']), new Map())!;
    const [focused] = loadProjects(snapshotOf(head), { ownerKey: 'owner', focus });
    expect(focus.models.has('plain')).toBe(false);
    expect(isStubModel(modelNamed(focused!, 'plain'))).toBe(false);
    expect(focused!.problems.map((p) => p.rule)).toContain('meta-conflict');
  });
});
