/**
 * Detects the SQL dialect from a `profiles.yml` committed in the repository (`type: bigquery`, ...), for when the
 * reviewer config does not set `dialect`. The pipeline falls back to snowflake (and says so) when this finds none.
 */
import { parseYamlValue as parse } from '../dbt/yamlTree.js';
import { DIALECTS, type Dialect } from '../config.js';
import type { FileSnapshot } from '../dbt/types.js';

/** dbt adapter `type` values whose SQL one of the supported dialects parses. */
const ADAPTER_DIALECT: Record<string, Dialect> = {
  ...Object.fromEntries(DIALECTS.map((d) => [d, d])),
  spark: 'databricks',
  starburst: 'trino',
  athena: 'trino',
};

export interface DialectHint {
  name: Dialect;
  source: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `profile:` named by the dbt_project.yml files of the snapshot. */
function projectProfiles(snapshot: FileSnapshot): string[] {
  const names: string[] = [];
  for (const path of snapshot.paths()) {
    if (path !== 'dbt_project.yml' && !path.endsWith('/dbt_project.yml')) continue;
    try {
      const doc: unknown = parse(snapshot.read(path) ?? '');
      if (isRecord(doc) && typeof doc.profile === 'string') names.push(doc.profile);
    } catch {
      /* an invalid dbt_project.yml is reported by the project loader */
    }
  }
  return names;
}

/** The adapter type of one profiles.yml: the named profile (else the first), its default target (else the first). */
export function adapterTypeOf(text: string, profileNames: readonly string[] = []): string | undefined {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(doc)) return undefined;
  const candidates = [...profileNames.filter((n) => n in doc), ...Object.keys(doc).filter((k) => k !== 'config')];
  for (const name of candidates) {
    const profile = doc[name];
    if (!isRecord(profile) || !isRecord(profile.outputs)) continue;
    const outputs = profile.outputs;
    const target = typeof profile.target === 'string' && isRecord(outputs[profile.target]) ? profile.target : Object.keys(outputs)[0];
    const output = target === undefined ? undefined : outputs[target];
    if (isRecord(output) && typeof output.type === 'string' && !output.type.includes('{{')) return output.type.trim().toLowerCase();
  }
  return undefined;
}

/**
 * Looks for a committed `profiles.yml` (the repository root first, then the shallowest) in each snapshot in turn
 * and maps its adapter type to a dialect. Undefined when none is found or its type is not supported.
 */
export function detectDialect(...snapshots: FileSnapshot[]): DialectHint | undefined {
  for (const snapshot of snapshots) {
    const profiles = snapshot
      .paths()
      .filter((p) => p === 'profiles.yml' || p.endsWith('/profiles.yml'))
      .sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
    const names = projectProfiles(snapshot);
    for (const path of profiles) {
      const text = snapshot.read(path);
      if (text === undefined) continue;
      const type = adapterTypeOf(text, names);
      if (type === undefined) continue;
      const dialect = ADAPTER_DIALECT[type];
      if (dialect) return { name: dialect, source: `${path} (\`type: ${type}\`)` };
    }
  }
  return undefined;
}
