/**
 * dbt project vars: `vars:` of `dbt_project.yml` sets them for every project, and `vars: {<project>: {...}}` for the
 * models of that project only; the scoped declaration wins over the global one (dbt's variable precedence, below
 * `--vars` on the command line, which a review cannot know).
 */
import { isComputed, JinjaExpr, LiteralReader } from './pyLiteral.js';

/** The vars scoped to `projectName` (`vars: {<project>: {...}}`), or none. */
export function scopedVars(vars: Record<string, unknown>, projectName: string): Record<string, unknown> {
  const scoped = vars[projectName];
  return scoped !== null && typeof scoped === 'object' && !Array.isArray(scoped) ? (scoped as Record<string, unknown>) : {};
}

/** The value of var `name` for a model of `projectName`: the project-scoped declaration first, then the global one. */
export function lookupProjectVar(vars: Record<string, unknown>, projectName: string, name: string): { found: boolean; value?: unknown } {
  const scoped = scopedVars(vars, projectName);
  if (Object.hasOwn(scoped, name)) return { found: true, value: scoped[name] };
  if (Object.hasOwn(vars, name)) return { found: true, value: vars[name] };
  return { found: false };
}

/** `var('name')`, `var("name", default)`, alone or as the whole of a YAML string `"{{ var('name') }}"`. */
const VAR_CALL = /^(?:\{\{-?\s*)?(var\s*\()[\s\S]*?(?:\s*-?\}\})?$/;

/**
 * A config value with its `var()` calls replaced by the project's values (or the call's literal default), as dbt does
 * when it parses the model: `config(materialized=var('mat'))` with `vars: {mat: table}` is `table`. A call whose var
 * is not declared and has no literal default, or any other computed part, stays computed. Dicts and lists are walked.
 */
export function resolveVarCalls(value: unknown, vars: Record<string, unknown>, projectName: string): unknown {
  if (isComputed(value)) return resolvedCall(value, vars, projectName) ?? value;
  if (Array.isArray(value)) {
    const out = value.map((v) => resolveVarCalls(v, vars, projectName));
    return out.every((v, i) => v === value[i]) ? value : out;
  }
  if (value !== null && typeof value === 'object') {
    let changed = false;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = resolveVarCalls(v, vars, projectName);
      changed ||= out[k] !== v;
    }
    return changed ? out : value;
  }
  return value;
}

function resolvedCall(expr: JinjaExpr, vars: Record<string, unknown>, projectName: string): unknown {
  const text = expr.text.trim();
  const m = VAR_CALL.exec(text);
  if (!m) return undefined;
  const open = text.indexOf(m[1]!) + m[1]!.length - 1;
  const call = new LiteralReader(text).readCall(open);
  // The call must be the whole expression (`var('a') ~ 'x'` is not a var's value).
  if (!call || !/^\s*(?:-?\}\})?\s*$/.test(text.slice(call.end))) return undefined;
  const [nameArg, defaultArg, ...rest] = call.args;
  if (!nameArg || nameArg.name !== undefined || rest.length > 0 || typeof nameArg.node.value !== 'string') return undefined;
  const found = lookupProjectVar(vars, projectName, nameArg.node.value);
  if (found.found) return isPlainValue(found.value) ? found.value : undefined;
  if (defaultArg && defaultArg.name === undefined && !isComputed(defaultArg.node.value)) return defaultArg.node.value;
  return undefined;
}

/** A var's value a config can take as it is: YAML scalars, lists and mappings (not Jinja, which dbt does not render in vars). */
function isPlainValue(value: unknown): boolean {
  return value !== undefined && !isComputed(value);
}
