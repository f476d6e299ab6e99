/**
 * dbt project vars: `vars:` of `dbt_project.yml` sets them for every project, and `vars: {<project>: {...}}` for the
 * models of that project only.
 */

/** The vars scoped to `projectName` (`vars: {<project>: {...}}`), or none. */
export function scopedVars(vars: Record<string, unknown>, projectName: string): Record<string, unknown> {
  const scoped = vars[projectName];
  return scoped !== null && typeof scoped === 'object' && !Array.isArray(scoped) ? (scoped as Record<string, unknown>) : {};
}
