/** Test helpers: a small unified-diff writer (3 lines of context, like git) and a hand-built review of a dbt change. */
import { defaultConfig, type ReviewerConfig } from '../../src/config.js';
import type { ChangedFile, ReviewRequest } from '../../src/ports.js';
import type { FileSnapshot } from '../../src/dbt/types.js';
import type { Finding, ModelChange, ModelReport, Review } from '../../src/review/types.js';
import { withFingerprint } from '../../src/review/fingerprint.js';

type Op = { t: ' ' | '-' | '+'; text: string };

function lineOps(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ t: ' ', text: a[i]! });
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      ops.push({ t: '+', text: b[j]! });
      j++;
    } else {
      ops.push({ t: '-', text: a[i]! });
      i++;
    }
  }
  // git prints removals before additions within a change block
  const out: Op[] = [];
  let k = 0;
  while (k < ops.length) {
    if (ops[k]!.t === ' ') {
      out.push(ops[k]!);
      k++;
      continue;
    }
    const del: Op[] = [];
    const add: Op[] = [];
    while (k < ops.length && ops[k]!.t !== ' ') {
      (ops[k]!.t === '-' ? del : add).push(ops[k]!);
      k++;
    }
    out.push(...del, ...add);
  }
  return out;
}

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Unified diff hunks (no file header), `context` lines of context, like GitHub's `patch`. */
export function unifiedDiff(before: string, after: string, context = 3): string {
  const ops = lineOps(splitLines(before), splitLines(after));
  const changed = ops.map((o, idx) => (o.t !== ' ' ? idx : -1)).filter((x) => x >= 0);
  if (changed.length === 0) return '';
  const ranges: [number, number][] = [];
  for (const idx of changed) {
    const lo = Math.max(0, idx - context);
    const hi = Math.min(ops.length - 1, idx + context);
    const last = ranges[ranges.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else ranges.push([lo, hi]);
  }
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let o = 1;
  let nn = 1;
  for (const op of ops) {
    oldAt.push(o);
    newAt.push(nn);
    if (op.t !== '+') o++;
    if (op.t !== '-') nn++;
  }
  const out: string[] = [];
  for (const [lo, hi] of ranges) {
    const slice = ops.slice(lo, hi + 1);
    const oldCount = slice.filter((x) => x.t !== '+').length;
    const newCount = slice.filter((x) => x.t !== '-').length;
    const oldStart = oldCount === 0 ? oldAt[lo]! - 1 : oldAt[lo]!;
    const newStart = newCount === 0 ? newAt[lo]! - 1 : newAt[lo]!;
    out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`);
    for (const x of slice) out.push(`${x.t}${x.text}`);
  }
  return `${out.join('\n')}\n`;
}

export function snapshot(files: Record<string, string>): FileSnapshot {
  const paths = Object.keys(files).sort();
  return { paths: () => paths, read: (p) => files[p] };
}

/** Changed files with patches between two file maps. */
export function changedFilesOf(base: Record<string, string>, head: Record<string, string>): ChangedFile[] {
  const paths = [...new Set([...Object.keys(base), ...Object.keys(head)])].sort();
  const out: ChangedFile[] = [];
  for (const path of paths) {
    const b = base[path];
    const h = head[path];
    if (b === h) continue;
    const status = b === undefined ? 'added' : h === undefined ? 'removed' : 'modified';
    out.push({ path, status, patch: unifiedDiff(b ?? '', h ?? '') });
  }
  return out;
}

export function change(kind: ModelChange['kind'], path: string, extra: Partial<ModelChange> = {}): ModelChange {
  const impact: ModelChange['impact'] =
    kind === 'formatting_only' || kind === 'test_added' || kind === 'description_changed'
      ? 'none'
      : kind === 'column_added'
        ? 'additive'
        : kind === 'unknown'
          ? 'unknown'
          : kind === 'filter_changed' || kind === 'join_changed'
            ? 'model_wide'
            : 'column';
  return { kind, detail: `${kind}`, path, breaking: kind === 'column_removed' || kind === 'column_renamed', impact, ...extra };
}

export function model(name: string, path: string, changes: ModelChange[], extra: Partial<ModelReport> = {}): ModelReport {
  const rank = { none: 0, additive: 1, column: 2, unknown: 2.5, model_wide: 3 } as const;
  const impact = changes.reduce<ModelReport['impact']>((acc, c) => (rank[c.impact] > rank[acc] ? c.impact : acc), 'none');
  return {
    name,
    path,
    status: 'modified',
    impact,
    breaking: changes.some((c) => c.breaking),
    changes,
    owner: { value: '@analytics', source: 'dbt_project.yml:5 (meta.owner)' },
    downstream: [],
    ...extra,
  };
}

export function finding(f: Omit<Finding, 'fingerprint' | 'origin'> & { origin?: Finding['origin'] }): Finding {
  return withFingerprint({ origin: 'rule', ...f });
}

export function reviewOf(models: ModelReport[], findings: Finding[] = []): Review {
  return {
    version: 1,
    base: 'a'.repeat(40),
    head: 'b'.repeat(40),
    conclusion: findings.some((f) => f.severity === 'error') ? 'failure' : 'success',
    models,
    findings,
    skipped: [],
    llm: { status: 'skipped', model: null, inputTokens: 0, outputTokens: 0, findingsDropped: 0 },
  };
}

export function llmConfig(over: Partial<ReviewerConfig['llm']> = {}): ReviewerConfig['llm'] {
  return { ...defaultConfig().llm, ...over };
}

export function requestOf(changedFiles: ChangedFile[], pr?: { title: string; body: string }, config?: ReviewerConfig): ReviewRequest {
  return { base: 'a'.repeat(40), head: 'b'.repeat(40), config: config ?? defaultConfig(), changedFiles, pr: pr ? { number: 7, ...pr } : undefined };
}

// ---------------------------------------------------------------------------------------------------------------
// A small dbt project change used by several tests.

export const PROJECT_YML = `name: shop
version: "1.0.0"
profile: shop
model-paths: ["models"]
macro-paths: ["macros"]
models:
  shop:
    +meta:
      owner: "@data-platform"
`;

const FCT_ORDERS_BASE = `with orders as (
    select * from {{ ref('stg_orders') }}
),

payments as (
    select * from {{ ref('stg_payments') }}
),

final as (
    select
        orders.order_id,
        orders.customer_id,
        orders.ordered_at,
        sum(payments.amount) as amount
    from orders
    left join payments on payments.order_id = orders.order_id
    where orders.status != 'test'
    group by 1, 2, 3
)

select * from final
`;

const FCT_ORDERS_HEAD = `with orders as (
    select * from {{ ref('stg_orders') }}
),

payments as (
    select * from {{ ref('stg_payments') }}
),

final as (
    select
        orders.order_id,
        orders.customer_id,
        orders.ordered_at,
        sum(payments.amount) as amount
    from orders
    inner join payments on payments.order_id = orders.order_id
    where orders.status not in ('test', 'returned')
    group by 1, 2, 3
)

select * from final
`;

const STG_ORDERS_BASE = `select
    id as order_id,
    user_id as customer_id,
    order_date as ordered_at,
    status
from {{ source('shop', 'orders') }}
`;

const STG_ORDERS_HEAD = `select
    id        as order_id
  , user_id   as customer_id
  , order_date as ordered_at
  , STATUS
from {{ source('shop', 'orders') }}
`;

const STG_CUSTOMERS_BASE = `select
    id as customer_id,
    name
from {{ source('shop', 'customers') }}
`;

const STG_CUSTOMERS_HEAD = `select
    id as customer_id,
    name,
    email
from {{ source('shop', 'customers') }}
`;

const MACRO_BASE = `{% macro cents_to_dollars(column_name, scale=2) %}
    ({{ column_name }} / 100)::numeric(16, {{ scale }})
{% endmacro %}
`;

const MACRO_HEAD = `{% macro cents_to_dollars(column_name, scale=2) %}
    round({{ column_name }} / 100, 0)
{% endmacro %}
`;

const STG_PAYMENTS = `select
    id as payment_id,
    order_id,
    {{ cents_to_dollars('amount') }} as amount
from {{ source('stripe', 'payments') }}
`;

const CHURN_BASE = `def model(dbt, session):
    orders = dbt.ref("fct_orders").to_pandas()
    return orders.groupby("customer_id").size().reset_index(name="orders")
`;

const CHURN_HEAD = `def model(dbt, session):
    orders = dbt.ref("fct_orders").to_pandas()
    orders = orders[orders["amount"] > 0]
    return orders.groupby("customer_id").size().reset_index(name="orders")
`;

const MARTS_YML_BASE = `version: 2
models:
  - name: fct_orders
    columns:
      - name: order_id
        data_tests: [unique, not_null]
      - name: customer_id
      - name: ordered_at
      - name: amount
`;

const MARTS_YML_HEAD = MARTS_YML_BASE.replace('      - name: customer_id\n', '      - name: customer_id\n        data_tests: [not_null]\n');

export const BASE_FILES: Record<string, string> = {
  'dbt_project.yml': PROJECT_YML,
  'models/marts/fct_orders.sql': FCT_ORDERS_BASE,
  'models/marts/_marts.yml': MARTS_YML_BASE,
  'models/staging/stg_orders.sql': STG_ORDERS_BASE,
  'models/staging/stg_customers.sql': STG_CUSTOMERS_BASE,
  'models/staging/stg_payments.sql': STG_PAYMENTS,
  'models/ml/churn_features.py': CHURN_BASE,
  'macros/cents_to_dollars.sql': MACRO_BASE,
};

export const HEAD_FILES: Record<string, string> = {
  ...BASE_FILES,
  'models/marts/fct_orders.sql': FCT_ORDERS_HEAD,
  'models/marts/_marts.yml': MARTS_YML_HEAD,
  'models/staging/stg_orders.sql': STG_ORDERS_HEAD,
  'models/staging/stg_customers.sql': STG_CUSTOMERS_HEAD,
  'models/ml/churn_features.py': CHURN_HEAD,
  'macros/cents_to_dollars.sql': MACRO_HEAD,
};

/** The deterministic review of BASE_FILES -> HEAD_FILES, as the pipeline would report it. */
export function shopChange(options: { pr?: { title: string; body: string }; headFiles?: Record<string, string> } = {}): {
  review: Review;
  request: ReviewRequest;
  base: FileSnapshot;
  head: FileSnapshot;
} {
  const headFiles = options.headFiles ?? HEAD_FILES;
  const changedFiles = changedFilesOf(BASE_FILES, headFiles);
  const fct = model(
    'fct_orders',
    'models/marts/fct_orders.sql',
    [
      change('join_changed', 'models/marts/fct_orders.sql', { line: 16, detail: 'left join payments -> inner join payments' }),
      change('filter_changed', 'models/marts/fct_orders.sql', { line: 17, detail: "status != 'test' -> status not in ('test', 'returned')" }),
      change('test_added', 'models/marts/_marts.yml', { column: 'customer_id', line: 7, detail: 'not_null on customer_id' }),
    ],
    {
      layer: 'marts',
      columns: ['order_id', 'customer_id', 'ordered_at', 'amount'],
      downstream: [
        { name: 'revenue_dashboard', type: 'exposure', owner: '@finance', columnsUsed: ['amount'] },
        { name: 'churn_features', type: 'model', owner: '@ml', columnsUsed: ['amount', 'customer_id'] },
      ],
    },
  );
  const stgOrders = model('stg_orders', 'models/staging/stg_orders.sql', [change('formatting_only', 'models/staging/stg_orders.sql')], {
    layer: 'staging',
  });
  const stgCustomers = model(
    'stg_customers',
    'models/staging/stg_customers.sql',
    [change('column_added', 'models/staging/stg_customers.sql', { column: 'email', line: 4, detail: 'new column email' })],
    { layer: 'staging' },
  );
  const review = reviewOf(
    [fct, stgOrders, stgCustomers],
    [
      finding({
        rule: 'owner-missing',
        severity: 'warning',
        model: 'stg_customers',
        path: 'models/staging/stg_customers.sql',
        line: 1,
        message: 'stg_customers has no owner',
      }),
    ],
  );
  return {
    review,
    request: requestOf(changedFiles, options.pr),
    base: snapshot(BASE_FILES),
    head: snapshot(headFiles),
  };
}
