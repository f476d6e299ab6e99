import type { FileSnapshot } from '../dbt/types.js';

/** A FileSnapshot over an in-memory map of path -> content (tests, eval, demo). */
export function memorySnapshot(files: Record<string, string> | Map<string, string>): FileSnapshot {
  const map = files instanceof Map ? files : new Map(Object.entries(files));
  const paths = [...map.keys()].sort();
  return { paths: () => paths, read: (path) => map.get(path) };
}

/** The snapshot `base` with some files replaced (string) or deleted (null). */
export function overlaySnapshot(base: FileSnapshot, changes: ReadonlyMap<string, string | null>): FileSnapshot {
  const paths = new Set(base.paths());
  for (const [path, content] of changes) {
    if (content === null) paths.delete(path);
    else paths.add(path);
  }
  const sorted = [...paths].sort();
  return {
    paths: () => sorted,
    read: (path) => {
      if (changes.has(path)) return changes.get(path) ?? undefined;
      return base.read(path);
    },
  };
}
