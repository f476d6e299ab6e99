/**
 * Which node-sql-parser grammar parses each warehouse dialect, and what that grammar lacks.
 * node-sql-parser 5.4 ships separate grammars; there is none for Databricks (Hive is closest) or DuckDB
 * (PostgreSQL is closest). Each grammar is loaded on first use only (they weigh ~250 kB each).
 */
import { createRequire } from 'node:module';
import type { Dialect } from '../config.js';
import { fastParseSnowflake } from './fast/index.js';
import { repairLogicalPrecedence } from './logical-precedence.js';

export type Grammar = 'snowflake' | 'bigquery' | 'postgresql' | 'redshift' | 'hive' | 'trino';

export const GRAMMAR_OF: Record<Dialect, Grammar> = {
  snowflake: 'snowflake',
  bigquery: 'bigquery',
  postgres: 'postgresql',
  redshift: 'redshift',
  databricks: 'hive',
  duckdb: 'postgresql',
  trino: 'trino',
};

/** A second grammar to try when the dialect's own rejects the (normalised) SQL. */
export const FALLBACK_GRAMMAR: Record<Dialect, Grammar | undefined> = {
  snowflake: 'postgresql',
  bigquery: undefined,
  postgres: 'redshift',
  redshift: 'postgresql',
  databricks: 'bigquery',
  duckdb: 'snowflake',
  trino: 'postgresql',
};

/** Cast target types each grammar accepts (measured against node-sql-parser 5.4). */
const COMMON = ['varchar', 'decimal', 'integer', 'bigint', 'date', 'time', 'timestamp', 'float', 'char', 'smallint', 'int', 'json'];
export const GRAMMAR_TYPES: Record<Grammar, ReadonlySet<string>> = {
  snowflake: new Set([
    ...COMMON,
    'number', 'numeric', 'text', 'string', 'boolean', 'bool', 'double', 'real', 'float4', 'float8', 'binary', 'varbinary',
    'geography', 'geometry', 'timestamp_ntz', 'timestamp_tz', 'datetime', 'tinyint', 'byteint', 'uuid', 'jsonb',
    'interval', 'regclass', 'regtype', 'regrole', 'regproc', 'regconfig', 'regnamespace', 'mediumtext', 'tinytext',
    'longtext',
  ]),
  bigquery: new Set(['int64', 'float64', 'datetime', 'string', 'integer', 'date', 'time', 'timestamp', 'numeric', 'bool', 'geography']),
  postgresql: new Set([
    ...COMMON,
    'numeric', 'text', 'boolean', 'bool', 'double', 'real', 'float4', 'float8', 'int2', 'int4', 'int8', 'timestamptz',
    'uuid', 'jsonb', 'inet', 'cidr', 'macaddr', 'tsvector', 'tsquery', 'bit', 'money', 'interval', 'geometry',
    'datetime', 'tinyint', 'int64', 'float64', 'regclass', 'regtype', 'regrole', 'regproc', 'regconfig', 'regnamespace',
    'mediumtext', 'tinytext', 'longtext', 'serial', 'bigserial', 'oid',
  ]),
  redshift: new Set([
    ...COMMON,
    'numeric', 'text', 'boolean', 'bool', 'double', 'real', 'float4', 'float8', 'int2', 'int4', 'int8', 'uuid', 'jsonb',
    'interval', 'geometry', 'datetime', 'tinyint', 'int64', 'float64', 'regclass', 'regtype', 'regrole', 'regproc',
    'regconfig', 'regnamespace', 'mediumtext', 'tinytext', 'longtext', 'serial', 'bigserial', 'oid',
  ]),
  hive: new Set([
    ...COMMON,
    'numeric', 'text', 'string', 'double', 'float4', 'float8', 'int2', 'int4', 'int8', 'datetime', 'tinyint', 'int64',
    'float64', 'mediumtext', 'tinytext', 'longtext',
  ]),
  trino: new Set([
    ...COMMON,
    'number', 'text', 'boolean', 'bool', 'double', 'real', 'float4', 'float8', 'int2', 'int4', 'int8', 'uuid', 'jsonb',
    'interval', 'geometry', 'datetime', 'tinyint', 'int64', 'float64', 'regclass', 'regtype', 'regrole', 'regproc',
    'regconfig', 'regnamespace', 'mediumtext', 'tinytext', 'longtext', 'serial', 'bigserial', 'oid',
  ]),
};

/**
 * Accepted type names that dbt SQL in that dialect practically never uses, available as stand-ins for types the
 * grammar lacks (`::variant` becomes `::regclass`; the canonical form maps it back). Ordered by preference.
 */
const PLACEHOLDER_TYPES: Record<Grammar, string[]> = {
  snowflake: ['regclass', 'regtype', 'regrole', 'regproc', 'regconfig', 'regnamespace', 'mediumtext', 'tinytext', 'longtext'],
  postgresql: ['mediumtext', 'tinytext', 'longtext', 'int64', 'float64', 'regconfig', 'regnamespace', 'regrole'],
  redshift: ['mediumtext', 'tinytext', 'longtext', 'int64', 'float64', 'regconfig', 'regnamespace', 'regrole'],
  trino: ['mediumtext', 'tinytext', 'longtext', 'int64', 'float64', 'regconfig', 'regnamespace', 'regrole'],
  hive: ['mediumtext', 'tinytext', 'longtext', 'int64', 'float64'],
  bigquery: ['geography', 'datetime', 'time'],
};

export function placeholderTypes(grammar: Grammar, sqlLower: string): string[] {
  return PLACEHOLDER_TYPES[grammar].filter((t) => !new RegExp(`\\b${t}\\b`).test(sqlLower));
}

interface ParserLike {
  astify(sql: string, options: { database: string; trimQuery?: boolean; parseOptions?: { includeLocations?: boolean } }): unknown;
  exprToSQL(node: unknown, options: { database: string }): string;
}

/** Renders an AST expression node back to SQL text with the grammar's own printer. */
export function renderWith(grammar: Grammar, node: unknown): string | undefined {
  try {
    return parserFor(grammar).exprToSQL(node, { database: grammar });
  } catch {
    return undefined;
  }
}

const requireModule = createRequire(import.meta.url);
const parsers = new Map<Grammar, ParserLike>();

export function parserFor(grammar: Grammar): ParserLike {
  let parser = parsers.get(grammar);
  if (!parser) {
    const mod = requireModule(`node-sql-parser/build/${grammar}.js`) as { Parser: new () => ParserLike };
    parser = new mod.Parser();
    parsers.set(grammar, parser);
  }
  return parser;
}

/**
 * Parses with one grammar; returns the AST (array of statements or one) or throws the parser's error. Snowflake SQL
 * goes to the hand-written parser first (`fast/`): it returns exactly node-sql-parser's AST, several times faster, or
 * declines (a construct it does not know, a syntax error), and then node-sql-parser parses it as before. AND binds
 * tighter than OR in the result, whatever the grammar did (`repairLogicalPrecedence`).
 */
export function parseWith(grammar: Grammar, sql: string): unknown {
  return repairLogicalPrecedence(parseAsGrammarReads(grammar, sql), sql);
}

/** The grammar's own AST, AND/OR grouping as it reads them (see `logical-precedence.ts`). */
function parseAsGrammarReads(grammar: Grammar, sql: string): unknown {
  if (grammar === 'snowflake') {
    const fast = fastParseSnowflake(sql);
    if (fast !== undefined) return fast;
  }
  // trimQuery: false keeps leading blank lines, so AST lines are the file's lines
  return parserFor(grammar).astify(sql, { database: grammar, trimQuery: false, parseOptions: { includeLocations: true } });
}
