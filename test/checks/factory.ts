/**
 * Hand-built project-model values for rule tests, plus a snapshot helper that goes through the real `loadProjects`.
 */
import * as v from 'valibot';
import { configSchema, type ReviewerConfig } from '../../src/config.js';
import type { CheckContext } from '../../src/checks/types.js';
import { loadProjects } from '../../src/dbt/index.js';
import type { ConfigEntry, DbtColumn, DbtModel, DbtProject, FileSnapshot, TestRef } from '../../src/dbt/types.js';
import type { ModelChange } from '../../src/review/types.js';

export function config(overrides: Record<string, unknown> = {}): ReviewerConfig {
  return v.parse(configSchema, overrides);
}

export function entry(value: unknown, path = 'dbt_project.yml', line = 1, extra: Partial<ConfigEntry> = {}): ConfigEntry {
  return { value, path, line, unknown: false, level: 'dbt_project', ...extra };
}

export function computed(path = 'models/x.sql', line = 1): ConfigEntry {
  return { value: "{{ var('x') }}", path, line, unknown: true, level: 'sql' };
}

export function test(name: string, column: string | undefined, path = 'models/_models.yml', line = 1): TestRef {
  return { name, columns: column ? [column] : [], args: {}, enabled: true, level: column ? 'column' : 'model', path, line };
}

export function column(name: string, extra: Partial<DbtColumn> = {}): DbtColumn {
  return { name, key: name.toLowerCase(), tests: [], constraints: [], meta: {}, path: 'models/_models.yml', ...extra };
}

export function model(overrides: Partial<DbtModel> & { name: string }): DbtModel {
  const folders = overrides.folders ?? [];
  const path = overrides.path ?? ['models', ...folders, `${overrides.name}.sql`].join('/');
  return {
    uniqueId: `model.shop.${overrides.name}`,
    project: 'shop',
    language: 'sql',
    raw: 'select 1 as id',
    enabled: true,
    config: {},
    meta: {},
    tags: [],
    columns: [],
    tests: [],
    constraints: [],
    contractEnforced: false,
    refs: [],
    sources: [],
    waivers: [],
    ...overrides,
    folders,
    path,
  };
}

export function project(models: DbtModel[], overrides: Partial<DbtProject> = {}): DbtProject {
  return {
    name: 'shop',
    root: '',
    projectFile: 'dbt_project.yml',
    modelPaths: ['models'],
    macroPaths: ['macros'],
    vars: {},
    models,
    groups: [],
    exposures: [],
    macros: [],
    problems: [],
    propertyFiles: [],
    ...overrides,
  };
}

export function context(m: DbtModel, overrides: Partial<CheckContext> = {}): CheckContext {
  return {
    model: m,
    project: overrides.project ?? project([m]),
    status: 'modified',
    config: config(),
    changes: [],
    ...overrides,
  };
}

export function change(kind: ModelChange['kind'], extra: Partial<ModelChange> = {}): ModelChange {
  return { kind, detail: '', path: 'models/x.sql', breaking: true, impact: 'column', ...extra };
}

/** A FileSnapshot over plain objects. */
export function snapshot(files: Record<string, string>): FileSnapshot {
  return {
    paths: () => Object.keys(files),
    read: (path) => files[path],
  };
}

/** Loads the projects of `files` with the real project model and builds a context for model `name`. */
export function loadedContext(files: Record<string, string>, name: string, overrides: Partial<CheckContext> = {}): CheckContext {
  const cfg = overrides.config ?? config();
  const projects = loadProjects(snapshot(files), { ownerKey: cfg.ownerKey });
  for (const p of projects) {
    const m = p.models.find((x) => x.name === name);
    if (m) {
      return { model: m, project: p, status: 'modified', config: cfg, changes: [], readFile: (path) => files[path], ...overrides };
    }
  }
  throw new Error(`model ${name} not found in ${projects.map((p) => p.name).join(', ')}`);
}
