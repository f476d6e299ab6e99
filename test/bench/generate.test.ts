/**
 * The benchmark's synthetic project generator: a small project (~30 models) is deterministic, loads as a valid dbt
 * project, and its PR branches make the intended kinds of change. No timing here: `npm run bench` is the measure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseYamlValue as parseYaml } from '../../src/dbt/yamlTree.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProject, writeRepository, type BuiltProject, type ChangeKind } from '../../bench/generate.js';
import { changedFiles, gitSnapshot, resolveRev } from '../../src/sources/git.js';
import { loadProjects } from '../../src/dbt/index.js';

const SIZE = 30;
let built: BuiltProject;
let dir: string;
let repo: string;

beforeAll(() => {
  built = buildProject(SIZE);
  dir = mkdtempSync(join(tmpdir(), 'bench-gen-test-'));
  repo = join(dir, 'repo');
  writeRepository(built, repo);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** The select list of the last CTE (standard style: one item per line, 8 spaces in). */
function finalSelectItems(sql: string): string[] {
  const lines = sql.split('\n');
  const start = lines.lastIndexOf('    select');
  const end = lines.findIndex((l, i) => i > start && /^ {4}from /.test(l));
  return lines.slice(start + 1, end).map((l) => l.trim());
}

/** SQL with case, whitespace and commas folded: equal for formatting-only edits. */
function folded(sql: string): string {
  return sql.toLowerCase().replace(/[\s,]+/g, ' ').trim();
}

describe('bench generator', () => {
  it('is deterministic', () => {
    const again = buildProject(SIZE);
    expect([...again.files.entries()]).toEqual([...built.files.entries()]);
    expect(again.scenarios.map((s) => s.scenario)).toEqual(built.scenarios.map((s) => s.scenario));
  });

  it('produces layers, property files, sources, macros, Jinja and Snowflake idioms', () => {
    const paths = [...built.files.keys()];
    expect(built.specs).toHaveLength(SIZE);
    for (const layer of ['staging', 'intermediate', 'marts']) expect(paths.some((p) => p.startsWith(`models/${layer}/`))).toBe(true);
    const sql = paths.filter((p) => p.startsWith('models/') && p.endsWith('.sql')).map((p) => built.files.get(p)!);
    expect(sql).toHaveLength(SIZE);
    const all = sql.join('\n');
    for (const idiom of ['{{ ref(', '{{ source(', '::', ' over (', 'left join', '{% for ', "materialized='incremental'", 'is_incremental()', 'qualify ']) {
      expect(all, idiom).toContain(idiom);
    }
    for (const path of paths.filter((p) => /\.ya?ml$/.test(p))) {
      expect(() => parseYaml(built.files.get(path)!), path).not.toThrow();
    }
    expect(paths).toContain('macros/cents_to_dollars.sql');
  });

  it('loads as a dbt project with every model and its YAML entry', async () => {
    const sha = await resolveRev(repo, 'main');
    const snapshot = await gitSnapshot(repo, sha);
    const projects = loadProjects(snapshot, { ownerKey: 'owner' });
    expect(projects).toHaveLength(1);
    const project = projects[0]!;
    expect(project.models).toHaveLength(SIZE);
    expect(project.problems.filter((p) => /yaml|invalid/i.test(p.rule))).toEqual([]);
    const withProperties = project.models.filter((m) => m.properties);
    expect(withProperties).toHaveLength(SIZE);
    // owners at several levels: project folders, YAML config/meta, SQL config(), groups
    const levels = new Set(project.models.flatMap((m) => (m.meta.owner ? [m.meta.owner.level] : [])));
    expect(levels.has('dbt_project')).toBe(true);
    expect(levels.has('properties') || levels.has('sql')).toBe(true);
    const refs = project.models.flatMap((m) => m.refs.map((r) => r.name));
    const names = new Set(project.models.map((m) => m.name));
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.every((r) => names.has(r))).toBe(true);
  });

  it('PR branches change the files they announce, with the intended kinds of change', async () => {
    expect(built.scenarios.map((s) => s.scenario.name)).toEqual(['pr-1', 'pr-10']);
    const baseFiles = built.files;
    for (const { scenario, head } of built.scenarios) {
      const files = await changedFiles(repo, await resolveRev(repo, 'main'), await resolveRev(repo, scenario.head));
      expect(files.map((f) => f.path).sort()).toEqual(scenario.changedPaths);
      expect(scenario.models).toHaveLength(scenario.size);
      const kinds = new Set<ChangeKind>(scenario.models.map((m) => m.kind));
      if (scenario.size >= 10) {
        for (const kind of ['add_column', 'remove_column', 'filter', 'yaml_only', 'formatting_only', 'model_added'] as const) expect(kinds.has(kind), kind).toBe(true);
      }
      for (const m of scenario.models) {
        const before = baseFiles.get(m.path);
        const after = head.get(m.path);
        switch (m.kind) {
          case 'add_column':
            expect(finalSelectItems(after!).length, m.name).toBe(finalSelectItems(before!).length + 1);
            break;
          case 'remove_column':
            expect(finalSelectItems(after!).length, m.name).toBe(finalSelectItems(before!).length - 1);
            break;
          case 'filter':
            expect(after, m.name).toBeDefined();
            expect(after!.match(/\bwhere\b|\band\b/g)!.length, m.name).toBeGreaterThan((before!.match(/\bwhere\b|\band\b/g) ?? []).length);
            break;
          case 'yaml_only':
            expect(head.has(m.path), m.name).toBe(false);
            expect([...head.keys()].some((p) => p.endsWith('.yml'))).toBe(true);
            break;
          case 'formatting_only':
            expect(after, m.name).toBeDefined();
            expect(after).not.toBe(before);
            expect(folded(after!)).toBe(folded(before!));
            break;
          case 'model_added':
            expect(before).toBeUndefined();
            expect(after).toContain('{{ ref(');
            break;
        }
      }
      // the second push changes exactly one more model
      const push2 = await changedFiles(repo, await resolveRev(repo, scenario.head), await resolveRev(repo, scenario.push2));
      expect(push2.some((f) => f.path === scenario.push2Model.path)).toBe(true);
    }
  });
});
