import { defaultConfig } from '../../src/config.js';
import { loadProjects } from '../../src/dbt/index.js';
import type { DbtModel, DbtProject, FileSnapshot } from '../../src/dbt/types.js';

/** A snapshot over plain `{ path: content }` files. */
export function snapshotOf(files: Record<string, string>): FileSnapshot {
  return {
    paths: () => Object.keys(files),
    read: (path) => files[path],
  };
}

export function load(files: Record<string, string>, ignore?: string[]): DbtProject[] {
  return loadProjects(snapshotOf(files), { ownerKey: 'owner', ...(ignore ? { ignore } : {}) });
}

export function loadOne(files: Record<string, string>): DbtProject {
  const projects = load(files);
  if (projects.length !== 1) throw new Error(`expected one project, got ${projects.length}`);
  return projects[0]!;
}

export function modelNamed(project: DbtProject, name: string, version?: string): DbtModel {
  const found = project.models.find((m) => m.name === name && (version === undefined || m.version === version));
  if (!found) throw new Error(`no model ${name}${version ? ` v${version}` : ''} in ${project.models.map((m) => m.uniqueId).join(', ')}`);
  return found;
}

export const keyConfig = defaultConfig().businessKey;

/** Joins lines so YAML fixtures keep exact, countable line numbers. */
export function lines(...rows: string[]): string {
  return rows.join('\n') + '\n';
}

export const PROJECT = lines('name: shop', "config-version: 2", 'model-paths: ["models"]');
