/**
 * Cheap recognition of formatting-only edits (whitespace, comments, keyword/identifier case) before any parse.
 */
import { createRequire } from 'node:module';
import type { SqlLanguage, format as formatFn } from 'sql-formatter';
import type { Dialect } from '../config.js';
import { blankComments, tokenize, type Token } from './lexer.js';

const LANGUAGE: Record<Dialect, SqlLanguage> = {
  snowflake: 'snowflake',
  bigquery: 'bigquery',
  postgres: 'postgresql',
  redshift: 'redshift',
  databricks: 'spark',
  duckdb: 'duckdb',
  trino: 'trino',
};

/** Tokens with comments dropped (shared with other readers of the same text: read-only). */
function significantTokens(sql: string, dialect: Dialect): readonly Token[] {
  return tokenize(sql, { dialect });
}

/** The same token texts, unquoted words compared lower-cased (strings and quoted names as written). */
function sameTokens(a: readonly Token[], b: readonly Token[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if ((x.kind === 'word' ? x.text.toLowerCase() : x.text) !== (y.kind === 'word' ? y.text.toLowerCase() : y.text)) return false;
  }
  return true;
}

function formatted(sql: string, dialect: Dialect): string | undefined {
  try {
    return formatter()(blankComments(sql, dialect), {
      language: LANGUAGE[dialect],
      keywordCase: 'lower',
      identifierCase: 'lower',
      functionCase: 'lower',
      dataTypeCase: 'lower',
    });
  } catch {
    return undefined;
  }
}

/**
 * True when the two SQL texts differ only in whitespace, comments and the case of keywords and unquoted names.
 * Token streams are compared first; sql-formatter's canonical layout (lower-cased) settles the remaining cases
 * its tokenizer knows better (e.g. dialect-specific operators split differently).
 */
export function isFormattingOnly(baseSql: string, headSql: string, dialect: Dialect): boolean {
  if (baseSql === headSql) return true;
  const baseTokens = significantTokens(baseSql, dialect);
  const headTokens = significantTokens(headSql, dialect);
  if (sameTokens(baseTokens, headTokens)) return true;
  // the formatter only re-lays out tokens: when the counts differ it cannot make the texts equal
  if (baseTokens.length !== headTokens.length) return false;
  const a = formatted(baseSql, dialect);
  const b = formatted(headSql, dialect);
  return a !== undefined && b !== undefined && a === b;
}

let loadedFormat: typeof formatFn | undefined;
/** sql-formatter is loaded on first use: most reviews decide formatting from tokens alone and never need it. */
function formatter(): typeof formatFn {
  loadedFormat ??= (createRequire(import.meta.url)('sql-formatter') as { format: typeof formatFn }).format;
  return loadedFormat;
}
