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

/** Parameters of dbt's cross-database macros (dbt-core `dbt.*`, also reachable as the legacy `dbt_utils.*`). */
export const CROSS_DATABASE_MACROS: Record<string, readonly string[]> = {
  dateadd: ['datepart', 'interval', 'from_date_or_timestamp'],
  datediff: ['first_date', 'second_date', 'datepart'],
  date_trunc: ['datepart', 'date'],
  last_day: ['date', 'datepart'],
  safe_cast: ['field', 'type'],
  cast: ['field', 'type'],
  concat: ['fields'],
  hash: ['field'],
  split_part: ['string_text', 'delimiter_text', 'part_number'],
  any_value: ['expression'],
  bool_or: ['expression'],
  listagg: ['measure', 'delimiter_text', 'order_by_clause', 'limit_num'],
  current_timestamp: [],
  current_timestamp_in_utc_backcompat: [],
  current_timestamp_backcompat: [],
  position: ['substring_text', 'string_text'],
  length: ['expression'],
  replace: ['field', 'old_chars', 'new_chars'],
  right: ['string_text', 'length_expression'],
  escape_single_quotes: ['expression'],
  string_literal: ['value'],
  type_string: [],
  type_timestamp: [],
  type_int: [],
  type_bigint: [],
  type_float: [],
  type_numeric: [],
  type_boolean: [],
};

/** SQL of a cross-database macro for a dialect; `args` by parameter name (see `CROSS_DATABASE_MACROS`). */
export function crossDatabaseSql(name: string, args: Record<string, unknown>, dialect: Dialect): string | undefined {
  const a = (key: string): string => String(args[key] ?? '');
  switch (name) {
    case 'dateadd': {
      const part = datepart(args.datepart);
      if (dialect === 'bigquery') return `datetime_add(cast(${a('from_date_or_timestamp')} as datetime), interval ${a('interval')} ${part})`;
      if (dialect === 'postgres' || dialect === 'duckdb') return `(${a('from_date_or_timestamp')} + ((interval '1 ${part}') * (${a('interval')})))`;
      return `dateadd(${part}, ${a('interval')}, ${a('from_date_or_timestamp')})`;
    }
    case 'datediff': {
      const part = datepart(args.datepart);
      if (dialect === 'bigquery') return `datetime_diff(cast(${a('second_date')} as datetime), cast(${a('first_date')} as datetime), ${part})`;
      if (dialect === 'duckdb') return `date_diff('${part}', ${a('first_date')}, ${a('second_date')})`;
      return `datediff(${part}, ${a('first_date')}, ${a('second_date')})`;
    }
    case 'date_trunc':
      if (dialect === 'bigquery') return `timestamp_trunc(cast(${a('date')} as timestamp), ${datepart(args.datepart)})`;
      return `date_trunc('${datepart(args.datepart)}', ${a('date')})`;
    case 'last_day':
      return `last_day(${a('date')})`;
    case 'safe_cast':
      if (dialect === 'bigquery') return `safe_cast(${a('field')} as ${a('type')})`;
      if (dialect === 'postgres' || dialect === 'redshift') return `cast(${a('field')} as ${a('type')})`;
      return `try_cast(${a('field')} as ${a('type')})`;
    case 'cast':
      return `cast(${a('field')} as ${a('type')})`;
    case 'concat':
      return `concat(${Array.isArray(args.fields) ? args.fields.map(String).join(', ') : a('fields')})`;
    case 'hash':
      return `md5(cast(${a('field')} as ${stringType(dialect)}))`;
    case 'split_part':
      return `split_part(${a('string_text')}, ${a('delimiter_text')}, ${a('part_number')})`;
    case 'any_value':
      return `any_value(${a('expression')})`;
    case 'bool_or':
      return `bool_or(${a('expression')})`;
    case 'listagg':
      return `listagg(${a('measure')}, ${args.delimiter_text === undefined || args.delimiter_text === null ? "','" : a('delimiter_text')})`;
    case 'current_timestamp':
    case 'current_timestamp_in_utc_backcompat':
    case 'current_timestamp_backcompat':
      return 'current_timestamp';
    case 'position':
      return `position(${a('substring_text')} in ${a('string_text')})`;
    case 'length':
      return `length(${a('expression')})`;
    case 'replace':
      return `replace(${a('field')}, ${a('old_chars')}, ${a('new_chars')})`;
    case 'right':
      return `right(${a('string_text')}, ${a('length_expression')})`;
    case 'escape_single_quotes':
      return a('expression').replace(/'/g, "''");
    case 'string_literal':
      return `'${a('value').replace(/'/g, "''")}'`;
    case 'type_string':
      return stringType(dialect);
    case 'type_timestamp':
      return 'timestamp';
    case 'type_int':
      return dialect === 'bigquery' ? 'int64' : 'int';
    case 'type_bigint':
      return dialect === 'bigquery' ? 'int64' : 'bigint';
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
