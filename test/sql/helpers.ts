import type { Dialect } from '../../src/config.js';
import { analyzeSql, diffShapes, impactOf, type SqlChange } from '../../src/sql/index.js';

export const UPSTREAM: Record<string, string[]> = {
  stg_orders: ['order_id', 'customer_id', 'order_date', 'status', 'amount', 'discount', 'updated_at', 'created_at'],
  stg_customers: ['customer_id', 'first_name', 'last_name', 'email', 'country', 'created_at'],
};

export const upstreamColumns = (relation: string): string[] | undefined => UPSTREAM[relation];

export function diff(base: string, head: string, dialect: Dialect = 'snowflake', withUpstream = true): SqlChange[] {
  const opts = { dialect, upstreamColumns: withUpstream ? upstreamColumns : undefined };
  return diffShapes(analyzeSql(base, opts), analyzeSql(head, opts));
}

export function impact(base: string, head: string, dialect: Dialect = 'snowflake', withUpstream = true): string {
  return impactOf(diff(base, head, dialect, withUpstream));
}

export function kinds(changes: SqlChange[]): string[] {
  return changes.map((c) => (c.column ? `${c.kind}:${c.column}` : c.kind)).sort();
}
