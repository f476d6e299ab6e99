import { describe, expect, it } from 'vitest';
import { loadProjects, needsPropertyFile, propertyFocus, widenedFocus } from '../../src/dbt/index.js';
import { lines, modelNamed, PROJECT, snapshotOf } from './helpers.js';

// stg_a -> int_b -> fct_c -> dash (exposure); stg_x -> fct_y (unrelated); stg_z -> int_b's sibling int_w
const HEAD: Record<string, string> = {
  'dbt_project.yml': PROJECT,
  'models/staging/stg_a.sql': 'select id as a_id from raw.a\n',
  'models/staging/stg_x.sql': 'select id as x_id from raw.x\n',
  'models/staging/stg_z.sql': 'select id as z_id from raw.z\n',
  'models/intermediate/int_b.sql': "select a_id from {{ ref('stg_a') }}\n",
  'models/intermediate/int_w.sql': "select z_id from {{ ref('stg_z') }}\n",
  'models/marts/fct_c.sql': "select a_id from {{ ref('int_b') }}\n",
  'models/marts/fct_y.sql': "select x_id from {{ ref('stg_x') }}\n",
  'models/staging/_staging.yml': lines('models:', '  - name: stg_a', '    description: A.', '  - name: stg_x', '    description: X.', '  - name: stg_z', '    description: Z.'),
  'models/intermediate/_int.yml': lines('models:', '  - name: int_w', '    description: W.'),
  'models/marts/_marts.yml': lines('models:', '  - name: fct_c', '    description: C.', '    config:', '      group: finance'),
  'models/marts/_fct_y.yml': lines('models:', '  - name: fct_y', '    description: Y.'),
  'models/_groups.yml': lines('groups:', '  - name: finance', '    owner:', '      name: Finance'),
  'models/marts/_exposures.yml': lines('exposures:', '  - name: dash', '    type: dashboard', '    owner: {name: BI}', "    depends_on: [\"ref('fct_c')\"]"),
  'macros/m.sql': '{% macro m() %}1{% endmacro %}\n',
};

function focusOf(base: Record<string, string>, head: Record<string, string>, changed: string[]) {
  return propertyFocus({ base: snapshotOf(base), head: snapshotOf(head) }, new Set(changed), new Map());
}

describe('propertyFocus: the property files a review needs', () => {
  it('holds the changed model, its dependants and their ancestors, not the unrelated models', () => {
    const head: Record<string, string> = { ...HEAD, 'models/intermediate/int_b.sql': "select a_id, 1 as n from {{ ref('stg_a') }}\n" };
    const focus = focusOf(HEAD, head, ['models/intermediate/int_b.sql'])!;
    expect([...focus.models].sort()).toEqual(['fct_c', 'int_b', 'stg_a']);
    const needed = Object.keys(head).filter((p) => p.endsWith('.yml') && p !== 'dbt_project.yml' && needsPropertyFile(focus, p, head[p]!));
    // the exposure file names fct_c; the groups file is always read; _int.yml and _fct_y.yml mention no model in focus
    expect(needed.sort()).toEqual(['models/_groups.yml', 'models/marts/_exposures.yml', 'models/marts/_marts.yml', 'models/staging/_staging.yml']);
  });

  it('leaves out the models further downstream than the direct dependants (they only take part through the ref() graph)', () => {
    const head: Record<string, string> = { ...HEAD, 'models/staging/stg_a.sql': 'select id as a_id, 1 as n from raw.a\n' };
    const focus = focusOf(HEAD, head, ['models/staging/stg_a.sql'])!;
    // stg_a -> int_b (dependant, in focus) -> fct_c (out of focus; its property file and the exposure are not read)
    expect([...focus.models].sort()).toEqual(['int_b', 'stg_a']);
    const needed = Object.keys(head).filter((p) => p.endsWith('.yml') && p !== 'dbt_project.yml' && needsPropertyFile(focus, p, head[p]!));
    expect(needed.sort()).toEqual(['models/_groups.yml', 'models/staging/_staging.yml']);
  });

  it('seeds only the entries of a changed property file that differ', () => {
    const head = { ...HEAD, 'models/staging/_staging.yml': HEAD['models/staging/_staging.yml']!.replace('description: Z.', 'description: Zed.') };
    const focus = focusOf(HEAD, head, ['models/staging/_staging.yml'])!;
    expect([...focus.models].sort()).toEqual(['int_w', 'stg_z']);
  });

  it('counts a model as mentioned only as a whole name, not inside a longer one', () => {
    const head: Record<string, string> = { ...HEAD, 'models/marts/fct_y.sql': "select x_id, 1 as n from {{ ref('stg_x') }}\n" };
    const focus = focusOf(HEAD, head, ['models/marts/fct_y.sql'])!;
    expect([...focus.models].sort()).toEqual(['fct_y', 'stg_x']);
    const needs = (text: string) => needsPropertyFile(focus, 'models/other.yml', text);
    expect(needs('models:\n  - name: fct_y_v2_archive\n')).toBe(false);
    expect(needs('models:\n  - name: old_fct_y\n')).toBe(false);
    expect(needs('models:\n  - name: FCT_Y\n')).toBe(true);
    expect(needs("exposures:\n  - name: d\n    depends_on: [\"ref('stg_x')\"]\n")).toBe(true);
  });

  it('grows by the folder siblings of an ownerless changed model, and decides the files it skipped again', () => {
    const head: Record<string, string> = { ...HEAD, 'models/intermediate/int_b.sql': "select a_id, 1 as n from {{ ref('stg_a') }}\n" };
    const focus = focusOf(HEAD, head, ['models/intermediate/int_b.sql'])!;
    const needs = (f: typeof focus, path: string, text = head[path]!) => needsPropertyFile(f, path, text);
    const mentionsZ = 'models:\n  - name: stg_z\n';
    const mentionsW = 'models:\n  - name: int_w\n    description: W again.\n';
    expect(needs(focus, 'models/z.yml', mentionsZ)).toBe(false);
    expect(needs(focus, 'models/w.yml', mentionsW)).toBe(false);
    expect(needs(focus, 'models/intermediate/_int.yml')).toBe(false);
    expect(needs(focus, 'models/marts/_fct_y.yml')).toBe(false);
    expect(needs(focus, 'models/staging/_staging.yml')).toBe(true);
    // int_b has no owner: the owner-missing finding names the owner of its folder siblings (int_w)
    const wider = widenedFocus(focus, loadProjects(snapshotOf(head), { ownerKey: 'owner', focus }), 'owner')!;
    expect([...wider.models].sort()).toEqual(['fct_c', 'int_b', 'int_w', 'stg_a']);
    expect(needs(wider, 'models/intermediate/_int.yml')).toBe(true);
    expect(needs(wider, 'models/marts/_fct_y.yml')).toBe(false);
    expect(needs(wider, 'models/staging/_staging.yml')).toBe(true);
    // a file neither focus asked about is searched for every model
    expect(needs(wider, 'models/new.yml', 'models:\n  - name: stg_a\n')).toBe(true);
    // grown again (as `withVersionDependants` can after the siblings): what the first focus skipped is searched for
    // every model added since, not only the last ones
    const again = widenedFocus({ ...wider, seeds: new Set(['stg_x']) }, loadProjects(snapshotOf(head), { ownerKey: 'owner', focus: wider }), 'owner')!;
    expect([...again.models].sort()).toEqual(['fct_c', 'int_b', 'int_w', 'stg_a', 'stg_x', 'stg_z']);
    expect(needs(again, 'models/z.yml', mentionsZ)).toBe(true);
    expect(needs(again, 'models/w.yml', mentionsW)).toBe(true);
    expect(needs(again, 'models/marts/_fct_y.yml')).toBe(false);
  });

  it('is undefined (read everything) when the change can touch every model', () => {
    expect(focusOf(HEAD, { ...HEAD, 'dbt_project.yml': PROJECT + 'vars: {x: 1}\n' }, ['dbt_project.yml'])).toBeUndefined();
    expect(focusOf(HEAD, { ...HEAD, 'macros/m.sql': '{% macro m() %}2{% endmacro %}\n' }, ['macros/m.sql'])).toBeUndefined();
    const regrouped = { ...HEAD, 'models/_groups.yml': HEAD['models/_groups.yml']!.replace('name: Finance', 'name: Money') };
    expect(focusOf(HEAD, regrouped, ['models/_groups.yml'])).toBeUndefined();
    expect(focusOf(HEAD, { ...HEAD, 'models/marts/_fct_y.yml': 'models: [' }, ['models/marts/_fct_y.yml'])).toBeUndefined();
  });

  it('builds every model in focus exactly as a full load does; the others from their SQL alone', () => {
    const head = { ...HEAD, 'models/marts/fct_c.sql': "select a_id, 2 as k from {{ ref('int_b') }}\n" };
    const focus = focusOf(HEAD, head, ['models/marts/fct_c.sql'])!;
    const [full] = loadProjects(snapshotOf(head), { ownerKey: 'owner' });
    const [focused] = loadProjects(snapshotOf(head), { ownerKey: 'owner', focus });
    for (const name of focus.models) expect(modelNamed(focused!, name)).toEqual(modelNamed(full!, name));
    expect(focused!.groups).toEqual(full!.groups);
    expect(focused!.exposures).toEqual(full!.exposures);
    expect(modelNamed(full!, 'fct_y').properties?.description).toBe('Y.');
    expect(modelNamed(focused!, 'fct_y').properties).toBeUndefined();
    expect(focused!.models.map((m) => m.name)).toEqual(full!.models.map((m) => m.name));
  });

  it("reads the semantic models of the models in focus (in a file of their own or next to other models' entries), not the others", () => {
    const semantic = (name: string, model: string) =>
      [`  - name: ${name}`, `    model: ref('${model}')`, '    measures:', '      - name: n', '        agg: count', '        expr: a_id'];
    const files: Record<string, string> = {
      ...HEAD,
      'models/marts/_semantic.yml': lines('semantic_models:', ...semantic('c_metrics', 'fct_c')),
      'models/marts/_fct_y.yml': lines('models:', '  - name: fct_y', '    description: Y.', 'semantic_models:', ...semantic('y_metrics', 'fct_y')),
      'models/staging/_staging.yml': lines(HEAD['models/staging/_staging.yml']!.trimEnd(), 'semantic_models:', ...semantic('b_metrics', 'int_b')),
    };
    const head = { ...files, 'models/marts/fct_c.sql': "select a_id, 2 as k from {{ ref('int_b') }}\n" };
    const focus = focusOf(files, head, ['models/marts/fct_c.sql'])!;
    const [full] = loadProjects(snapshotOf(head), { ownerKey: 'owner' });
    const [focused] = loadProjects(snapshotOf(head), { ownerKey: 'owner', focus });
    expect(full!.semanticModels!.map((s) => s.name).sort()).toEqual(['b_metrics', 'c_metrics', 'y_metrics']);
    // fct_c (changed) and int_b (its parent) are in focus; fct_y is not, and its file is not read
    expect(focused!.semanticModels!.map((s) => s.name).sort()).toEqual(['b_metrics', 'c_metrics']);
    for (const s of focused!.semanticModels!) expect(s).toEqual(full!.semanticModels!.find((f) => f.name === s.name));
    expect(focused!.semanticModels!.find((s) => s.name === 'c_metrics')).toEqual({
      name: 'c_metrics',
      path: 'models/marts/_semantic.yml',
      line: 2,
      ref: { name: 'fct_c', line: 3 },
      columns: ['a_id'],
    });
  });

  it('seeds the model a semantic model that the change adds or edits reads', () => {
    const semantic = (expr: string) => lines('semantic_models:', '  - name: y_metrics', "    model: ref('fct_y')", '    measures:', '      - name: n', '        agg: count', `        expr: ${expr}`);
    const base = { ...HEAD, 'models/marts/_semantic.yml': semantic('x_id') };
    const focus = focusOf(base, { ...base, 'models/marts/_semantic.yml': semantic('1') }, ['models/marts/_semantic.yml'])!;
    expect([...focus.seeds]).toEqual(['fct_y']);
    const same = focusOf(base, { ...base, 'models/marts/_semantic.yml': `# metrics\n${semantic('x_id')}` }, ['models/marts/_semantic.yml'])!;
    expect([...same.seeds]).toEqual([]);
  });
});
