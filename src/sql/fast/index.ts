/**
 * Fast hand-written parser for the subset of Snowflake SQL that dbt models use, returning exactly the AST that
 * node-sql-parser 5.4's snowflake grammar returns with `{ database: 'snowflake', trimQuery: false,
 * parseOptions: { includeLocations: true } }`, or `undefined` when it cannot guarantee that (unsupported
 * constructs, comments, non-ASCII input) or when the grammar would reject the input.
 */
import { parseInput } from './select.js';
import { Decline, ParseState } from './state.js';

/** Characters outside printable ASCII (plus tab, CR, LF) are declined up front. */
const UNSUPPORTED_CHARS = /[^\t\n\r\x20-\x7e]/;

function hasUnsupportedChars(sql: string): boolean {
  return UNSUPPORTED_CHARS.test(sql);
}

export function fastParseSnowflake(sql: string): unknown | undefined {
  if (hasUnsupportedChars(sql)) return undefined;
  try {
    return parseInput(new ParseState(sql));
  } catch {
    return undefined;
  }
}

/** Why the fast parser declines `sql` (for diagnostics and the benchmark script); `null` when it accepts. */
export function fastParseDeclineReason(sql: string): string | null {
  if (hasUnsupportedChars(sql)) return 'non-ASCII or control characters';
  try {
    return parseInput(new ParseState(sql)) === undefined ? 'syntax error' : null;
  } catch (e) {
    return e instanceof Decline ? e.message : `internal error: ${(e as Error).message}`;
  }
}
