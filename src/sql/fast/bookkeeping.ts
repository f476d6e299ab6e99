/**
 * The grammar's global bookkeeping: `tableList` / `columnList` accumulations, table-alias resolution and the
 * `{ tableList, columnList, ast }` wrapper every statement returns (a snapshot taken when the statement ends).
 */
import { PROTOTYPE_KEYS } from './lexer.js';
import { decline, type Node, type ParseState } from './state.js';

function queryTableAlias(state: ParseState, name: string): string {
  if (PROTOTYPE_KEYS.has(name)) decline('prototype key');
  const alias = state.tableAlias.get(name);
  return alias ? alias : name;
}

/** An entry of the column list split on `::` once; `table` is the part the alias map rewrites. */
interface EntryParts {
  table: string;
  head: string;
  tail: string;
}

function parts(state: ParseState, entry: string): EntryParts | null {
  let p = state.entryParts.get(entry);
  if (p === undefined) {
    const info = entry.split('::');
    const table = info[1];
    p = table ? { table, head: `${info[0] as string}::`, tail: entry.slice((info[0] as string).length + 2 + table.length) } : null;
    state.entryParts.set(entry, p);
  }
  return p;
}

/** The entry with its table alias resolved (the grammar's split / queryTableAlias / join). */
function mapEntry(state: ParseState, entry: string): string {
  const p = parts(state, entry);
  if (p === null) return entry;
  const mapped = queryTableAlias(state, p.table);
  return mapped === p.table ? entry : p.head + mapped + p.tail;
}

/** columnListTableAlias: the column list with table aliases resolved (a snapshot), computed incrementally. */
export function columnListTableAlias(state: ParseState): string[] {
  if (!state.aliasesRename) return state.columnOrder.slice();
  if (state.mapped === undefined || state.mappedEpoch !== state.listEpoch || state.mappedAliasVersion !== state.aliasVersion) {
    state.mapped = new Set<string>();
    state.mappedUpTo = 0;
    state.mappedEpoch = state.listEpoch;
    state.mappedAliasVersion = state.aliasVersion;
  }
  const order = state.columnOrder;
  const out = state.mapped;
  for (let i = state.mappedUpTo; i < order.length; i++) out.add(mapEntry(state, order[i] as string));
  state.mappedUpTo = order.length;
  return Array.from(out);
}

export function refreshColumnList(state: ParseState): void {
  state.refreshes++;
  if (!state.aliasesRename) return;
  const cols = columnListTableAlias(state);
  const order = state.columnOrder;
  let same = cols.length === order.length;
  for (let i = 0; same && i < cols.length; i++) if (cols[i] !== order[i]) same = false;
  if (!same) state.resetColumns(cols);
}

export function setAlias(state: ParseState, key: unknown, value: unknown): void {
  const k = String(key);
  if (k === '__proto__') decline('prototype key');
  if (PROTOTYPE_KEYS.has(k)) decline('prototype key');
  const v = value as string | undefined;
  if (!state.tableAlias.has(k) || state.tableAlias.get(k) !== v) {
    state.tableAlias.set(k, v);
    state.aliasVersion++;
  }
  if (v && v !== k) state.aliasesRename = true;
}

export function wrap(state: ParseState, ast: Node): Node {
  state.wraps++;
  return { tableList: Array.from(state.tableList), columnList: columnListTableAlias(state), ast };
}
