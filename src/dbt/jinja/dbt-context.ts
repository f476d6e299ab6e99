/**
 * The dbt context of a render, as dbt would build it for the `prod` target: `ref`, `source`, `config`, `var`,
 * `env_var`, `is_incremental`, `adapter`, `dbt_utils`, `exceptions`... These are plain JS functions called by the
 * sandboxed engine with plain values; they never throw (an exception inside a callback would corrupt the WASM
 * engine): a failure is recorded on the session and `ABORT` is returned, which makes the engine stop with an error.
 */
import type { Dialect } from '../../config.js';
import type { RenderInput } from '../../ports.js';
import { asString, asStringList, bindArgs, toPlain } from './call-args.js';
import { UNRESOLVED_DISPATCH } from './dbt-rewrites.js';
import { lookupProjectVar } from '../vars.js';
import { CROSS_DATABASE_MACROS, crossDatabaseSql, quoteIdentifier, starSql, surrogateKeySql } from './sql-helpers.js';

export interface RenderSession {
  input: RenderInput;
  dialect: Dialect;
  refs: { name: string; package?: string; version?: string }[];
  sources: { source: string; table: string }[];
  configs: Record<string, unknown>[];
  /** Why the render must fail (set by a stub); the engine error it provokes is replaced by this. */
  abort?: string;
}

/** Returned by a stub to stop the engine: it cannot be converted to a template value, so the render fails cleanly. */
export const ABORT: unique symbol = Symbol('dbt-pr-reviewer: abort render');

class RenderAbort extends Error {}

/** Stops the render with a human reason (inside a stub; caught by `guard`). */
function fail(reason: string): never {
  throw new RenderAbort(reason);
}

const NEEDS_WAREHOUSE = 'needs a warehouse connection; the sandbox cannot run queries';

export const PLACEHOLDER_DATETIME = '1970-01-01 00:00:00';

function placeholderName(prefix: string, name: string): string {
  return `__${prefix}_${name.replace(/[^A-Za-z0-9_]/g, '_')}__`;
}

type Stub = (...args: unknown[]) => unknown;

/** Wraps a stub so that it never throws into the engine. */
function guard(getSession: () => RenderSession | undefined, label: string, fn: (session: RenderSession, args: unknown[]) => unknown): Stub {
  return (...args: unknown[]) => {
    const session = getSession();
    if (!session) return ABORT;
    try {
      const value = fn(session, args);
      return value === undefined ? null : value;
    } catch (error) {
      session.abort ??= error instanceof RenderAbort ? error.message : `${label} failed: ${String(error)}`;
      return ABORT;
    }
  };
}

function lookupUpstreamColumns(session: RenderSession, relation: string): string[] | undefined {
  const known = session.input.upstreamColumns;
  if (!known) return undefined;
  if (Object.hasOwn(known, relation)) return known[relation];
  const lower = relation.toLowerCase();
  const key = Object.keys(known).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : known[key];
}

function lookupVar(session: RenderSession, name: string): { found: boolean; value?: unknown } {
  return lookupProjectVar(session.input.vars, session.input.projectName, name);
}

function configValue(session: RenderSession, key: string): { found: boolean; value?: unknown } {
  for (let i = session.configs.length - 1; i >= 0; i -= 1) {
    const config = session.configs[i];
    if (config && Object.hasOwn(config, key)) return { found: true, value: config[key] };
  }
  return { found: false };
}

function crossDatabaseStubs(getSession: () => RenderSession | undefined, namespace: string): Record<string, Stub> {
  const stubs: Record<string, Stub> = {};
  for (const [name, params] of Object.entries(CROSS_DATABASE_MACROS)) {
    stubs[name] = guard(getSession, `${namespace}.${name}`, (s, args) => {
      const { named } = bindArgs(args, params, false);
      return crossDatabaseSql(name, Object.fromEntries([...named].map(([k, v]) => [k, toPlain(v)])), s.dialect);
    });
  }
  return stubs;
}

/** Functions and namespaces registered once per engine; they read the current session through `getSession`. */
export function createDbtFunctions(getSession: () => RenderSession | undefined): Record<string, unknown> {
  const g = (label: string, fn: (session: RenderSession, args: unknown[]) => unknown): Stub => guard(getSession, label, fn);

  const ref = g('ref', (s, args) => {
    const { named, rest } = bindArgs(args, ['__first', '__second', 'v', 'version', 'package'], false);
    const first = asString(named.get('__first'));
    const second = asString(named.get('__second'));
    if (first === undefined || rest.length > 0) fail('ref() needs a model name as a string');
    const name = second ?? first;
    const pkg = second !== undefined ? first : asString(named.get('package'));
    const version = asString(named.get('v') ?? named.get('version'));
    s.refs.push({ name, ...(pkg !== undefined ? { package: pkg } : {}), ...(version !== undefined ? { version } : {}) });
    return name;
  });

  const source = g('source', (s, args) => {
    const { named } = bindArgs(args, ['source_name', 'table_name'], false);
    const src = asString(named.get('source_name'));
    const table = asString(named.get('table_name'));
    if (src === undefined || table === undefined) fail('source() needs a source name and a table name');
    s.sources.push({ source: src, table });
    return `${src}__${table}`;
  });

  const config = g('config', (s, args) => {
    const entries: Record<string, unknown> = {};
    for (const arg of args) {
      if (!(arg instanceof Map)) fail('config() takes keyword arguments or one dict');
      Object.assign(entries, toPlain(arg));
    }
    s.configs.push(entries);
    return '';
  });

  const configGet = g('config.get', (s, args) => {
    const { named } = bindArgs(args, ['name', 'default'], false);
    const key = asString(named.get('name')) ?? '';
    const hit = configValue(s, key);
    return hit.found ? hit.value : (named.get('default') ?? null);
  });
  const configRequire = g('config.require', (s, args) => {
    const key = asString(bindArgs(args, ['name'], false).named.get('name')) ?? '';
    const hit = configValue(s, key);
    if (!hit.found) fail(`config.require('${key}'): the model sets no \`${key}\` in config()`);
    return hit.value;
  });

  const varFn = g('var', (s, args) => {
    const { named } = bindArgs(args, ['name', 'default'], false);
    const name = asString(named.get('name'));
    if (name === undefined) fail('var() needs a variable name');
    const hit = lookupVar(s, name);
    if (hit.found) return hit.value;
    if (named.has('default')) return named.get('default');
    return placeholderName('var', name);
  });

  const envVar = g('env_var', (_s, args) => {
    const { named } = bindArgs(args, ['name', 'default'], false);
    const name = asString(named.get('name'));
    if (name === undefined) fail('env_var() needs a variable name');
    if (named.has('default')) return named.get('default');
    return placeholderName('env', name);
  });

  const returnFn = g('return', (_s, args) => {
    const value = args[0];
    if (value === undefined || value === null) return '';
    if (typeof value === 'string' || typeof value === 'number') return value;
    const kind = typeof value === 'boolean' ? 'a boolean' : Array.isArray(value) ? 'a list' : 'a dict';
    fail(`a macro returns ${kind} with return(); the sandbox renders macros as text, so its value is unknown`);
  });

  const noop = g('log', () => '');
  const raise = g('exceptions.raise_compiler_error', (_s, args) => {
    fail(`raise_compiler_error: ${asString(args[0]) ?? 'compilation error raised by the template'}`);
  });

  const star = g('dbt_utils.star', (s, args) => {
    const { named } = bindArgs(args, ['from', 'relation_alias', 'except', 'prefix', 'suffix', 'quote_identifiers'], false);
    const from = asString(named.get('from'));
    if (from === undefined) fail('dbt_utils.star() needs `from`, e.g. from=ref(\'model\')');
    const alias = named.get('relation_alias');
    return starSql(
      lookupUpstreamColumns(s, from),
      {
        ...(typeof alias === 'string' && alias ? { relationAlias: alias } : {}),
        except: asStringList(named.get('except')),
        prefix: asString(named.get('prefix')) ?? '',
        suffix: asString(named.get('suffix')) ?? '',
      },
      s.dialect,
    );
  });

  const surrogateKey = (nullPlaceholder: string, label: string): Stub =>
    g(label, (s, args) => {
      const { named, rest } = bindArgs(args, ['field_list'], false);
      const first = named.get('field_list');
      const fields = Array.isArray(first) ? asStringList(first) : [first, ...rest].map((v) => asString(v)).filter((v): v is string => v !== undefined);
      return surrogateKeySql(fields, s.dialect, nullPlaceholder);
    });

  const groupBy = g('dbt_utils.group_by', (_s, args) => {
    const n = Number(bindArgs(args, ['n'], false).named.get('n'));
    if (!Number.isInteger(n) || n < 1 || n > 1000) fail('dbt_utils.group_by() needs a column count');
    return `group by ${Array.from({ length: n }, (_v, i) => i + 1).join(',')}`;
  });

  const filteredColumns = g('dbt_utils.get_filtered_columns_in_relation', (s, args) => {
    const { named } = bindArgs(args, ['from', 'except'], false);
    const from = asString(named.get('from')) ?? '';
    const columns = lookupUpstreamColumns(s, from);
    if (!columns) fail(`dbt_utils.get_filtered_columns_in_relation(${from}) ${NEEDS_WAREHOUSE} (columns of \`${from}\` are not known)`);
    const except = new Set(asStringList(named.get('except')).map((c) => c.toLowerCase()));
    return columns.filter((c) => !except.has(c.toLowerCase()));
  });

  const needsWarehouse = (label: string): Stub => g(label, () => fail(`${label}() ${NEEDS_WAREHOUSE}`));

  const columnsInRelation = g('adapter.get_columns_in_relation', (s, args) => {
    const relation = asString(args[0]) ?? '';
    const columns = lookupUpstreamColumns(s, relation);
    if (!columns) fail(`adapter.get_columns_in_relation(${relation}) ${NEEDS_WAREHOUSE} (columns of \`${relation}\` are not known)`);
    return columns.map((c) => ({ name: c, column: c, quoted: quoteIdentifier(c, s.dialect), data_type: null, dtype: null }));
  });

  const unresolvedDispatch = g('adapter.dispatch', (_s, args) => {
    const name = (asString(args[0]) ?? 'macro').replace(/[^A-Za-z0-9_]/g, '_');
    return (..._args: unknown[]) => placeholderName('macro', name);
  });

  const quote = g('adapter.quote', (s, args) => quoteIdentifier(asString(args[0]) ?? '', s.dialect));

  const today = g('modules.datetime', () => PLACEHOLDER_DATETIME.slice(0, 10));
  const now = g('modules.datetime', () => PLACEHOLDER_DATETIME);

  const fromJson = g('fromjson', (_s, args) => {
    try {
      return JSON.parse(asString(args[0]) ?? 'null') as unknown;
    } catch {
      return args[1] ?? null;
    }
  });

  return {
    ref,
    source,
    config,
    builtins: { ref, source, config },
    __dbt_config_get: configGet,
    __dbt_config_require: configRequire,
    __dbt_config_set: g('config.set', () => ''),
    var: varFn,
    env_var: envVar,
    is_incremental: g('is_incremental', (s) => s.input.isIncremental),
    should_full_refresh: g('should_full_refresh', () => false),
    return: returnFn,
    log: noop,
    print: noop,
    fromjson: fromJson,
    run_query: needsWarehouse('run_query'),
    statement: g('statement', () => ''),
    load_result: needsWarehouse('load_result'),
    [UNRESOLVED_DISPATCH]: unresolvedDispatch,
    exceptions: {
      raise_compiler_error: raise,
      raise_not_implemented: raise,
      warn: noop,
    },
    adapter: {
      dispatch: unresolvedDispatch,
      quote,
      get_columns_in_relation: columnsInRelation,
      get_relation: needsWarehouse('adapter.get_relation'),
      get_missing_columns: needsWarehouse('adapter.get_missing_columns'),
      type: g('adapter.type', (s) => s.dialect),
    },
    dbt_utils: {
      ...crossDatabaseStubs(getSession, 'dbt_utils'),
      star,
      generate_surrogate_key: surrogateKey('_dbt_utils_surrogate_key_null_', 'dbt_utils.generate_surrogate_key'),
      surrogate_key: surrogateKey('', 'dbt_utils.surrogate_key'),
      group_by: groupBy,
      get_filtered_columns_in_relation: filteredColumns,
      get_column_values: needsWarehouse('dbt_utils.get_column_values'),
      get_relations_by_pattern: needsWarehouse('dbt_utils.get_relations_by_pattern'),
      get_relations_by_prefix: needsWarehouse('dbt_utils.get_relations_by_prefix'),
      get_query_results_as_dict: needsWarehouse('dbt_utils.get_query_results_as_dict'),
      get_single_value: needsWarehouse('dbt_utils.get_single_value'),
      union_relations: needsWarehouse('dbt_utils.union_relations'),
    },
    dbt: crossDatabaseStubs(getSession, 'dbt'),
    modules: {
      datetime: {
        datetime: { now, utcnow: now },
        date: { today },
      },
    },
  };
}

/** Values that depend on the render (registered before each render). */
export function sessionValues(session: RenderSession): Record<string, unknown> {
  const { input, dialect } = session;
  return {
    // qualified, as dbt renders it: a CTE named like the model (`with orders as (...)` in orders.sql) is never `{{ this }}`
    this: `analytics.${input.modelName}`,
    target: {
      name: 'prod',
      target_name: 'prod',
      profile_name: input.projectName,
      type: dialect,
      schema: 'analytics',
      database: 'analytics',
      dbname: 'analytics',
      project: 'analytics',
      dataset: 'analytics',
      catalog: 'analytics',
      user: 'dbt',
      role: 'transformer',
      warehouse: 'transforming',
      threads: 4,
    },
    model: {
      name: input.modelName,
      alias: input.modelName,
      unique_id: `model.${input.projectName}.${input.modelName}`,
      resource_type: 'model',
      package_name: input.projectName,
      original_file_path: input.path,
    },
    project_name: input.projectName,
    execute: true,
    flags: { FULL_REFRESH: false, WHICH: 'run', STORE_FAILURES: false, WARN_ERROR: false },
    dbt_version: '1.9.0',
    invocation_id: '00000000-0000-0000-0000-000000000000',
    run_started_at: PLACEHOLDER_DATETIME,
    graph: { nodes: {}, sources: {}, exposures: {}, metrics: {} },
  };
}
