import { describe, expect, it } from 'vitest';
import { loadProjects } from '../../src/dbt/index.js';
import { lines, modelNamed, PROJECT, snapshotOf } from './helpers.js';

const HEAD: Record<string, string> = {
  'dbt_project.yml': PROJECT,
  'models/a.sql': 'select 1 as a_id\n',
  'models/b.sql': 'select 2 as b_id\n',
  'models/c.sql': 'select 3 as c_id\n',
  'models/_ab.yml': lines('models:', '  - name: a', '    description: A.', '  - name: b', '    description: B.'),
};

function loadPair(base: Record<string, string>, changed: string[]) {
  const [head] = loadProjects(snapshotOf(HEAD), { ownerKey: 'owner' });
  const [baseProject] = loadProjects(snapshotOf(base), {
    ownerKey: 'owner',
    reuse: { projects: [head!], changedPaths: new Set(changed) },
  });
  return { head: head!, base: baseProject! };
}

describe('loading a revision that reuses another revision', () => {
  it('shares the models whose SQL, property file and dbt_project.yml did not change, and builds the rest', () => {
    const base = { ...HEAD, 'models/c.sql': 'select 30 as c_id\n' };
    const { head, base: b } = loadPair(base, ['models/c.sql']);
    expect(modelNamed(b, 'a')).toBe(modelNamed(head, 'a'));
    expect(modelNamed(b, 'b')).toBe(modelNamed(head, 'b'));
    expect(modelNamed(b, 'c')).not.toBe(modelNamed(head, 'c'));
    expect(modelNamed(b, 'c').raw).toBe('select 30 as c_id\n');
  });

  it('rebuilds every model described by a changed property file', () => {
    const base = { ...HEAD, 'models/_ab.yml': HEAD['models/_ab.yml']!.replace('description: A.', 'description: Old A.') };
    const { head, base: b } = loadPair(base, ['models/_ab.yml']);
    expect(modelNamed(b, 'a')).not.toBe(modelNamed(head, 'a'));
    expect(modelNamed(b, 'a').properties?.description).toBe('Old A.');
    expect(modelNamed(b, 'b')).not.toBe(modelNamed(head, 'b'));
    expect(modelNamed(b, 'c')).toBe(modelNamed(head, 'c'));
  });

  it('rebuilds a model whose properties moved to a new file, and everything when dbt_project.yml changed', () => {
    const moved = { ...HEAD, 'models/_ab.yml': lines('models:', '  - name: b', '    description: B.') };
    const first = loadPair(moved, ['models/_a.yml', 'models/_ab.yml']);
    expect(modelNamed(first.base, 'a').properties).toBeUndefined();

    const project = { ...HEAD, 'dbt_project.yml': PROJECT + lines('models:', '  shop:', '    +materialized: table') };
    const second = loadPair(project, ['dbt_project.yml']);
    for (const name of ['a', 'b', 'c']) expect(modelNamed(second.base, name)).not.toBe(modelNamed(second.head, name));
    expect(modelNamed(second.base, 'a').config.materialized?.value).toBe('table');
  });

  it('reports the problems of a reused model as its own build does', () => {
    const conflicted = {
      ...HEAD,
      'models/_ab.yml': lines('models:', '  - name: a', '    meta: {owner: x}', '    config:', '      meta: {owner: y}', '  - name: b'),
    };
    const [head] = loadProjects(snapshotOf(conflicted), { ownerKey: 'owner' });
    const [again] = loadProjects(snapshotOf(conflicted), { ownerKey: 'owner', reuse: { projects: [head!], changedPaths: new Set() } });
    expect(modelNamed(again!, 'a')).toBe(modelNamed(head!, 'a'));
    expect(head!.problems.map((p) => p.rule)).toContain('meta-conflict');
    expect(again!.problems).toEqual(head!.problems);
  });
});
