/**
 * SQL that dbt's own and dbt_utils' macros would emit, written per dialect where it matters. Deterministic, so that
 * base and head render the same way and only real edits show up in the diff.
 */
import type { Dialect } from '../../config.js';

export function stringType(dialect: Dialect): string {
  return dialect === 'bigquery' || dialect === 'databricks' ? 'string' : 'varchar';
}

/** `dbt_utils.generate_surrogate_key` (and the older `surrogate_key`, which used `''` for nulls). */
export function surrogateKeySql(fields: string[], dialect: Dialect, nullPlaceholder: string): string {
  const type = stringType(dialect);
  if (fields.length === 0) return `md5(cast('' as ${type}))`;
  const parts = fields.map((f) => `coalesce(cast(${f} as ${type}), '${nullPlaceholder}')`);
  return `md5(cast(${parts.join(" || '-' || ")} as ${type}))`;
}

const SIMPLE_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

export function quoteIdentifier(name: string, dialect: Dialect): string {
  if (dialect === 'bigquery' || dialect === 'databricks') return `\`${name.replace(/`/g, '``')}\``;
  return `"${name.replace(/"/g, '""')}"`;
}

/** An identifier as SQL: bare when it is a simple name, quoted otherwise. */
export function identifierSql(name: string, dialect: Dialect): string {
  return SIMPLE_IDENTIFIER.test(name) ? name : quoteIdentifier(name, dialect);
}

export interface StarOptions {
  relationAlias?: string;
  except: string[];
  prefix: string;
  suffix: string;
}

/**
 * `dbt_utils.star`: the relation's columns minus `except` (case-insensitive), each optionally qualified and renamed.
 * Undefined `columns` (unknown upstream) renders `*` as dbt_utils does when it cannot introspect.
 */
export function starSql(columns: string[] | undefined, options: StarOptions, dialect: Dialect): string {
  const qualifier = options.relationAlias ? `${options.relationAlias}.` : '';
  if (!columns) return `${qualifier}*`;
  const excluded = new Set(options.except.map((c) => c.toLowerCase()));
  const kept = columns.filter((c) => !excluded.has(c.toLowerCase()));
  if (kept.length === 0) return `${qualifier}*`;
  return kept
    .map((c) => {
      const column = `${qualifier}${identifierSql(c, dialect)}`;
      if (!options.prefix && !options.suffix) return column;
      return `${column} as ${identifierSql(`${options.prefix}${c}${options.suffix}`, dialect)}`;
    })
    .join(',\n  ');
}

const DATEPART = /^[A-Za-z_]+$/;

function datepart(value: unknown): string {
  const text = String(value ?? '').replace(/^['"]|['"]$/g, '');
  return DATEPART.test(text) ? text : 'day';
}

/** dbt's cross-database macros (`dbt.dateadd`, `dbt_utils.datediff`, `type_string()`...), rendered per dialect. */
export function crossDatabaseSql(name: string, args: unknown[], dialect: Dialect): string | undefined {
  const a = (i: number): string => String(args[i] ?? '');
  switch (name) {
    case 'dateadd':
      if (dialect === 'bigquery') return `datetime_add(cast(${a(2)} as datetime), interval ${a(1)} ${datepart(args[0])})`;
      if (dialect === 'postgres' || dialect === 'duckdb')
        return `(${a(2)} + ((interval '1 ${datepart(args[0])}') * (${a(1)})))`;
      return `dateadd(${datepart(args[0])}, ${a(1)}, ${a(2)})`;
    case 'datediff':
      if (dialect === 'bigquery') return `datetime_diff(cast(${a(2)} as datetime), cast(${a(1)} as datetime), ${datepart(args[0])})`;
      if (dialect === 'postgres' || dialect === 'duckdb') return `date_diff('${datepart(args[0])}', ${a(1)}, ${a(2)})`;
      return `datediff(${datepart(args[0])}, ${a(1)}, ${a(2)})`;
    case 'date_trunc':
      if (dialect === 'bigquery') return `timestamp_trunc(cast(${a(1)} as timestamp), ${datepart(args[0])})`;
      return `date_trunc('${datepart(args[0])}', ${a(1)})`;
    case 'last_day':
      return `last_day(${a(0)})`;
    case 'safe_cast':
      if (dialect === 'bigquery') return `safe_cast(${a(0)} as ${a(1)})`;
      if (dialect === 'snowflake' || dialect === 'databricks' || dialect === 'trino' || dialect === 'duckdb')
        return `try_cast(${a(0)} as ${a(1)})`;
      return `cast(${a(0)} as ${a(1)})`;
    case 'cast':
      return `cast(${a(0)} as ${a(1)})`;
    case 'concat':
      return `concat(${Array.isArray(args[0]) ? (args[0] as unknown[]).map(String).join(', ') : a(0)})`;
    case 'hash':
      return `md5(cast(${a(0)} as ${stringType(dialect)}))`;
    case 'split_part':
      return `split_part(${a(0)}, ${a(1)}, ${a(2)})`;
    case 'any_value':
      return `any_value(${a(0)})`;
    case 'bool_or':
      return `bool_or(${a(0)})`;
    case 'listagg':
      return `listagg(${a(0)}, ${args[1] === undefined ? "','" : a(1)})`;
    case 'current_timestamp':
    case 'current_timestamp_in_utc_backcompat':
    case 'current_timestamp_backcompat':
      return 'current_timestamp';
    case 'position':
      return `position(${a(0)} in ${a(1)})`;
    case 'length':
      return `length(${a(0)})`;
    case 'replace':
      return `replace(${a(0)}, ${a(1)}, ${a(2)})`;
    case 'right':
      return `right(${a(0)}, ${a(1)})`;
    case 'escape_single_quotes':
      return a(0).replace(/'/g, "''");
    case 'string_literal':
      return `'${a(0).replace(/'/g, "''")}'`;
    case 'type_string':
      return stringType(dialect);
    case 'type_timestamp':
      return 'timestamp';
    case 'type_int':
    case 'type_bigint':
      return dialect === 'bigquery' ? 'int64' : name === 'type_int' ? 'int' : 'bigint';
    case 'type_float':
      return dialect === 'bigquery' ? 'float64' : 'float';
    case 'type_numeric':
      return dialect === 'bigquery' ? 'numeric' : 'numeric(28,6)';
    case 'type_boolean':
      return 'boolean';
    default:
      return undefined;
  }
}

export const CROSS_DATABASE_MACROS = [
  'dateadd',
  'datediff',
  'date_trunc',
  'last_day',
  'safe_cast',
  'cast',
  'concat',
  'hash',
  'split_part',
  'any_value',
  'bool_or',
  'listagg',
  'current_timestamp',
  'current_timestamp_in_utc_backcompat',
  'current_timestamp_backcompat',
  'position',
  'length',
  'replace',
  'right',
  'escape_single_quotes',
  'string_literal',
  'type_string',
  'type_timestamp',
  'type_int',
  'type_bigint',
  'type_float',
  'type_numeric',
  'type_boolean',
] as const;
