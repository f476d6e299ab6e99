/**
 * Parser state for the fast Snowflake parser: the input, the cursor, and the global accumulations
 * (`tableList`, `columnList`, table aliases) that node-sql-parser's grammar keeps while it parses and snapshots
 * into every statement wrapper (`{ tableList, columnList, ast }`).
 */

/** Thrown when the input uses something this parser does not reproduce exactly; the caller falls back. */
export class Decline extends Error {
  constructor(reason: string) {
    super(reason);
  }
}

export function decline(reason: string): never {
  throw new Decline(reason);
}

export type Node = Record<string, unknown>;

export interface Position {
  offset: number;
  line: number;
  column: number;
}

export interface Loc {
  start: Position;
  end: Position;
}

export class ParseState {
  readonly src: string;
  readonly len: number;
  pos = 0;
  /** Count of table-alias refreshes (to know when re-parsing is needed to mirror side effects). */
  refreshes = 0;
  /** Count of statement wrappers built (their snapshots depend on everything parsed before them). */
  wraps = 0;
  /** Whether some table alias maps a name to a different one (otherwise alias resolution is the identity). */
  aliasesRename = false;
  readonly tableList = new Set<string>();
  /** The grammar's global column list (a Set with insertion order), mirrored by `columnOrder`. */
  readonly columnList = new Set<string>();
  columnOrder: string[] = [];
  /** Bumped whenever the column list is rebuilt (alias refresh) or an alias changes. */
  listEpoch = 0;
  aliasVersion = 0;
  /** Alias-resolved snapshot of `columnOrder[0 .. mappedUpTo)`, valid for (`mappedEpoch`, `mappedAliasVersion`). */
  mapped: Set<string> | undefined;
  mappedUpTo = 0;
  mappedEpoch = -1;
  mappedAliasVersion = -1;

  addColumn(entry: string): void {
    if (this.columnList.has(entry)) return;
    this.columnList.add(entry);
    this.columnOrder.push(entry);
  }

  /** Replaces the column list (the grammar's clear-and-refill after alias resolution). */
  resetColumns(entries: string[]): void {
    this.columnList.clear();
    for (const e of entries) this.columnList.add(e);
    this.columnOrder = Array.from(this.columnList);
    this.listEpoch++;
  }
  /** The grammar's `tableAlias` map (a plain object there; prototype keys are declined before use). */
  readonly tableAlias = new Map<string, string | undefined>();
  /** Column-list entries split once (see select.ts). */
  readonly entryParts = new Map<string, { table: string; head: string; tail: string } | null>();
  /** Line index of the last location computed (locations are requested in mostly increasing order). */
  lineHint = 0;
  private lineStarts: number[] | undefined;

  constructor(src: string) {
    this.src = src;
    this.len = src.length;
  }

  /** Line starts, computed once on first use. Only `\n` starts a line (as in the generated parser). */
  lineStartOffsets(): number[] {
    if (this.lineStarts) return this.lineStarts;
    const starts = [0];
    const s = this.src;
    for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) starts.push(i + 1);
    this.lineStarts = starts;
    return starts;
  }
}
