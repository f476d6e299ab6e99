/**
 * Synthetic dbt projects for the benchmarks: deterministic (seeded PRNG), realistic in shape (staging /
 * intermediate / marts layers, sources, property YAML with tests and owners at every config level, Jinja loops,
 * incremental models, macros, CTE-heavy Snowflake SQL with joins, window functions, `qualify`, `::` casts and
 * `lateral flatten`), committed to git with `git fast-import`, with pull-request branches that change 1, 10, 50
 * and 100 models (added and removed columns, filters, YAML-only edits, formatting-only edits, a new model) and a
 * second push on each PR (for re-reviews).
 *
 *   tsx bench/generate.ts 100 1000 5000        # build (or reuse) bench/.work/<size>/
 *   tsx bench/generate.ts --force 100          # rebuild even if cached
 *
 * Output: `bench/.work/<size>/repo` (a git repository with `main` checked out, branches `pr/<n>-models` and
 * `pr/<n>-models-push2`) and `bench/.work/<size>/meta.json` (the scenarios). Reused while GENERATOR_VERSION, the
 * seed and the size are unchanged.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bump when the generated content changes: cached projects are rebuilt. */
export const GENERATOR_VERSION = 4;
export const DEFAULT_SEED = 20240611;
export const PROJECT_NAME = 'acme_analytics';
export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const WORK_DIR = join(BENCH_DIR, '.work');

// ---------------------------------------------------------------------------------------------------------------
// Deterministic randomness

/** mulberry32: tiny, fast, good enough for synthetic data; same seed -> same project on every machine. */
export function makeRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    chance: (p) => next() < p,
    shuffle: <T>(items: T[]): T[] => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j] as T, items[i] as T];
      }
      return items;
    },
  };
}

export interface Rng {
  next(): number;
  int(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  shuffle<T>(items: T[]): T[];
}

// ---------------------------------------------------------------------------------------------------------------
// Vocabulary

interface Entity {
  name: string; // plural table name
  key: string;
  /** Foreign keys: column -> entity name. */
  fks: Record<string, string>;
  /** A categorical attribute and its values (for accepted_values tests and Jinja pivots). */
  category: { column: string; values: string[] };
  attrs: string[];
  /** Amounts, stored in cents in the raw data. */
  measures: string[];
  ts: string[];
  /** Has a semi-structured `properties` column (lateral flatten candidates). */
  variant?: string;
}

const ENTITIES: Entity[] = [
  { name: 'customers', key: 'customer_id', fks: { account_id: 'accounts' }, category: { column: 'segment', values: ['consumer', 'smb', 'enterprise'] }, attrs: ['email', 'first_name', 'last_name', 'country_code'], measures: [], ts: ['created_at', 'updated_at'] },
  { name: 'orders', key: 'order_id', fks: { customer_id: 'customers', store_id: 'stores' }, category: { column: 'order_status', values: ['placed', 'shipped', 'completed', 'returned', 'cancelled'] }, attrs: ['currency', 'sales_channel'], measures: ['order_total', 'discount_total', 'tax_total'], ts: ['ordered_at', 'updated_at'], variant: 'line_items' },
  { name: 'order_items', key: 'order_item_id', fks: { order_id: 'orders', product_id: 'products' }, category: { column: 'fulfilment_type', values: ['ship', 'pickup', 'digital'] }, attrs: ['sku'], measures: ['unit_price', 'line_total'], ts: ['created_at'] },
  { name: 'payments', key: 'payment_id', fks: { order_id: 'orders', customer_id: 'customers' }, category: { column: 'payment_method', values: ['credit_card', 'bank_transfer', 'gift_card', 'coupon'] }, attrs: ['payment_status', 'processor'], measures: ['amount', 'fee_amount'], ts: ['paid_at', 'updated_at'] },
  { name: 'refunds', key: 'refund_id', fks: { payment_id: 'payments' }, category: { column: 'refund_reason', values: ['duplicate', 'fraudulent', 'requested_by_customer'] }, attrs: ['refund_status'], measures: ['refund_amount'], ts: ['refunded_at'] },
  { name: 'invoices', key: 'invoice_id', fks: { account_id: 'accounts', subscription_id: 'subscriptions' }, category: { column: 'invoice_status', values: ['draft', 'open', 'paid', 'void'] }, attrs: ['currency', 'billing_reason'], measures: ['amount_due', 'amount_paid'], ts: ['issued_at', 'due_at'], variant: 'lines' },
  { name: 'subscriptions', key: 'subscription_id', fks: { account_id: 'accounts', plan_id: 'plans' }, category: { column: 'subscription_status', values: ['trialing', 'active', 'past_due', 'canceled'] }, attrs: ['billing_interval'], measures: ['mrr'], ts: ['started_at', 'canceled_at'] },
  { name: 'plans', key: 'plan_id', fks: {}, category: { column: 'tier', values: ['free', 'team', 'business', 'enterprise'] }, attrs: ['plan_name'], measures: ['list_price'], ts: ['created_at'] },
  { name: 'accounts', key: 'account_id', fks: { owner_user_id: 'users' }, category: { column: 'account_type', values: ['customer', 'partner', 'internal'] }, attrs: ['account_name', 'industry', 'region'], measures: ['annual_revenue'], ts: ['created_at', 'updated_at'] },
  { name: 'users', key: 'user_id', fks: { account_id: 'accounts' }, category: { column: 'user_role', values: ['admin', 'member', 'viewer'] }, attrs: ['email', 'locale'], measures: [], ts: ['signed_up_at', 'last_seen_at'] },
  { name: 'events', key: 'event_id', fks: { user_id: 'users', session_id: 'sessions' }, category: { column: 'event_type', values: ['page_view', 'click', 'signup', 'purchase'] }, attrs: ['page_url', 'device_type'], measures: [], ts: ['occurred_at'], variant: 'properties' },
  { name: 'sessions', key: 'session_id', fks: { user_id: 'users' }, category: { column: 'traffic_source', values: ['direct', 'organic', 'paid', 'referral', 'email'] }, attrs: ['landing_page', 'browser'], measures: [], ts: ['started_at', 'ended_at'] },
  { name: 'campaigns', key: 'campaign_id', fks: { account_id: 'accounts' }, category: { column: 'campaign_channel', values: ['search', 'social', 'display', 'email'] }, attrs: ['campaign_name'], measures: ['budget'], ts: ['starts_at', 'ends_at'] },
  { name: 'ad_spend', key: 'ad_spend_id', fks: { campaign_id: 'campaigns' }, category: { column: 'ad_network', values: ['google', 'meta', 'linkedin', 'tiktok'] }, attrs: ['ad_group'], measures: ['spend', 'clicks_cost'], ts: ['spend_date'] },
  { name: 'tickets', key: 'ticket_id', fks: { user_id: 'users', assignee_id: 'agents' }, category: { column: 'ticket_priority', values: ['low', 'normal', 'high', 'urgent'] }, attrs: ['ticket_subject', 'ticket_status'], measures: [], ts: ['opened_at', 'solved_at'], variant: 'tags' },
  { name: 'agents', key: 'agent_id', fks: {}, category: { column: 'agent_team', values: ['tier1', 'tier2', 'billing'] }, attrs: ['agent_name'], measures: [], ts: ['hired_at'] },
  { name: 'products', key: 'product_id', fks: { supplier_id: 'suppliers' }, category: { column: 'product_category', values: ['apparel', 'footwear', 'accessories', 'outdoor'] }, attrs: ['product_name', 'brand'], measures: ['list_price', 'unit_cost'], ts: ['created_at'] },
  { name: 'suppliers', key: 'supplier_id', fks: {}, category: { column: 'supplier_tier', values: ['preferred', 'approved', 'probation'] }, attrs: ['supplier_name', 'country_code'], measures: [], ts: ['onboarded_at'] },
  { name: 'shipments', key: 'shipment_id', fks: { order_id: 'orders', carrier_id: 'carriers' }, category: { column: 'shipment_status', values: ['label_created', 'in_transit', 'delivered', 'lost'] }, attrs: ['tracking_number'], measures: ['shipping_cost'], ts: ['shipped_at', 'delivered_at'], variant: 'tracking_events' },
  { name: 'carriers', key: 'carrier_id', fks: {}, category: { column: 'carrier_type', values: ['ground', 'air', 'freight'] }, attrs: ['carrier_name'], measures: [], ts: ['created_at'] },
  { name: 'inventory_levels', key: 'inventory_level_id', fks: { product_id: 'products', warehouse_id: 'warehouses' }, category: { column: 'stock_state', values: ['in_stock', 'low', 'out_of_stock'] }, attrs: ['bin_location'], measures: ['on_hand_value'], ts: ['snapshot_at'] },
  { name: 'warehouses', key: 'warehouse_id', fks: {}, category: { column: 'warehouse_kind', values: ['owned', '3pl'] }, attrs: ['warehouse_name', 'region'], measures: [], ts: ['opened_at'] },
  { name: 'employees', key: 'employee_id', fks: { manager_id: 'employees', department_id: 'departments' }, category: { column: 'employment_type', values: ['full_time', 'part_time', 'contractor'] }, attrs: ['job_title', 'work_email'], measures: ['base_salary'], ts: ['hired_at', 'terminated_at'] },
  { name: 'departments', key: 'department_id', fks: {}, category: { column: 'cost_center_type', values: ['revenue', 'cost', 'overhead'] }, attrs: ['department_name'], measures: ['budget'], ts: ['created_at'] },
];

const SYSTEMS = ['stripe', 'shopify', 'salesforce', 'hubspot', 'zendesk', 'netsuite', 'segment', 'google_ads', 'facebook_ads', 'braze', 'intercom', 'workday', 'greenhouse', 'quickbooks', 'marketo', 'amplitude', 'snowplow', 'app_db', 'recharge', 'shipbob'];
const SYSTEM_VARIANTS = ['', '_eu', '_us', '_apac', '_latam', '_legacy', '_b2b', '_retail', '_wholesale', '_marketplace'];
const DOMAINS = ['finance', 'marketing', 'product', 'sales', 'support', 'operations', 'people', 'growth', 'risk', 'supply_chain'];
const REGIONS = ['core', 'emea', 'amer', 'apac', 'latam', 'partners', 'retail', 'wholesale', 'digital', 'enterprise', 'smb', 'platform'];
const TEAMS = ['@acme/data-platform', '@acme/analytics-engineering', '@acme/finance-analytics', '@acme/growth-analytics', '@acme/product-analytics', '@acme/revops', '@acme/support-ops', '@acme/people-analytics'];

// ---------------------------------------------------------------------------------------------------------------
// Model specification (rendered to SQL + YAML; PR scenarios edit specs and re-render)

export type Layer = 'staging' | 'intermediate' | 'marts';
export type Style = 'standard' | 'alt';

export interface ColumnSpec {
  name: string;
  /** SQL expression; equal to the name (or `alias.name`) when the column is passed through. */
  expr: string;
  description?: string;
  /** YAML tests on the column (already in YAML form: strings or single-key maps). */
  tests: unknown[];
  /** Documented in YAML. */
  documented: boolean;
}

interface Join {
  kind: 'left join' | 'inner join';
  cte: string;
  on: string;
}

export interface ModelSpec {
  name: string;
  layer: Layer;
  /** Repo-relative folder, e.g. `models/staging/stripe`. */
  dir: string;
  /** Property file holding the entry. */
  yamlFile: string;
  entity: Entity;
  key: string;
  /** Import CTEs: name -> `select * from ...` target (Jinja). */
  imports: { cte: string; target: string; where?: string }[];
  /** Helper CTEs written verbatim (already-rendered bodies). */
  helpers: { cte: string; body: string }[];
  columns: ColumnSpec[];
  /** Raw Jinja/SQL lines appended to the select list (loops). */
  jinjaColumns?: string[];
  from: string;
  joins: Join[];
  /** Extra `from` item after a comma (e.g. `lateral flatten(...) as f`). */
  lateral?: string;
  where: string[];
  groupBy?: string;
  qualify?: string;
  incrementalFilter?: string;
  /** `{{ config(...) }}` arguments (Python literal source). */
  sqlConfig: Record<string, string>;
  preamble: string[];
  description: string;
  /** YAML-level extras. */
  yamlOwner?: string;
  yamlConfig?: Record<string, unknown>;
  modelTests: unknown[];
  group?: string;
  style: Style;
  upstream: string[];
  /** Upstream column used when a scenario adds a filter to the import CTE. */
  filterColumn?: string;
  /** Name of the last CTE (`final`, or `renamed` in staging). */
  finalCte?: string;
}

export type ChangeKind = 'add_column' | 'remove_column' | 'filter' | 'yaml_only' | 'formatting_only' | 'model_added';

export interface ScenarioModel {
  name: string;
  path: string;
  kind: ChangeKind;
}

export interface Scenario {
  name: string; // e.g. `pr-10`
  /** Number of models the PR changes. */
  size: number;
  base: string; // branch
  head: string; // branch
  push2: string; // branch
  models: ScenarioModel[];
  /** The model the second push changes. */
  push2Model: ScenarioModel;
  /** Files the PR changes (head paths; null content = deleted). */
  changedPaths: string[];
}

export interface BuiltProject {
  size: number;
  seed: number;
  files: Map<string, string>;
  specs: ModelSpec[];
  scenarios: { scenario: Scenario; head: Map<string, string | null>; push2: Map<string, string | null> }[];
}

export const SCENARIO_SIZES = [1, 10, 50, 100];

// ---------------------------------------------------------------------------------------------------------------
// Building the project

function singular(entity: string): string {
  if (entity.endsWith('ies')) return `${entity.slice(0, -3)}y`;
  if (entity.endsWith('ses')) return entity.slice(0, -2);
  if (entity.endsWith('s')) return entity.slice(0, -1);
  return entity;
}

function col(name: string, expr: string = name, extra: Partial<ColumnSpec> = {}): ColumnSpec {
  return { name, expr, tests: [], documented: true, ...extra };
}

class NameRegistry {
  private used = new Set<string>();
  take(name: string): string {
    let candidate = name;
    for (let k = 2; this.used.has(candidate); k++) candidate = `${name}_${String.fromCharCode(96 + ((k - 2) % 26) + 1)}${k > 27 ? k : ''}`;
    this.used.add(candidate);
    return candidate;
  }
}

export function buildProject(size: number, seed: number = DEFAULT_SEED): BuiltProject {
  const rng = makeRng(seed ^ (size * 2654435761));
  const names = new NameRegistry();
  const specs: ModelSpec[] = [];
  const nStaging = Math.max(3, Math.round(size * 0.45));
  const nInter = Math.max(1, Math.round(size * 0.25));
  const nMarts = Math.max(1, size - nStaging - nInter);

  // --- staging: one folder per source system, ~12 models each
  const perSystem = 12;
  const systems: { name: string; entities: Entity[] }[] = [];
  for (let i = 0; systems.reduce((n, s) => n + s.entities.length, 0) < nStaging; i++) {
    const variant = SYSTEM_VARIANTS[Math.floor(i / SYSTEMS.length) % SYSTEM_VARIANTS.length] ?? '';
    const round = Math.floor(i / (SYSTEMS.length * SYSTEM_VARIANTS.length));
    const name = `${SYSTEMS[i % SYSTEMS.length]}${variant}${round > 0 ? `_${round + 1}` : ''}`;
    const remaining = nStaging - systems.reduce((n, s) => n + s.entities.length, 0);
    const count = Math.min(perSystem, remaining);
    const start = rng.int(0, ENTITIES.length - 1);
    const entities = Array.from({ length: count }, (_, k) => ENTITIES[(start + k * 5) % ENTITIES.length] as Entity);
    systems.push({ name, entities: [...new Map(entities.map((e) => [e.name, e])).values()] });
  }
  // top up when dedupe shrank a system
  let stagingCount = systems.reduce((n, s) => n + s.entities.length, 0);
  for (const s of systems) {
    for (const e of ENTITIES) {
      if (stagingCount >= nStaging) break;
      if (!s.entities.includes(e)) {
        s.entities.push(e);
        stagingCount++;
      }
    }
  }
  const stagingByEntity = new Map<string, ModelSpec[]>();
  for (const system of systems) {
    for (const entity of system.entities) {
      const spec = stagingModel(system.name, entity, rng, names);
      specs.push(spec);
      const list = stagingByEntity.get(entity.name) ?? [];
      list.push(spec);
      stagingByEntity.set(entity.name, list);
    }
  }
  const staging = [...specs];

  // --- intermediate: domain folders (with region subfolders when large), ~20 models per folder
  const inter: ModelSpec[] = [];
  const interFolders = folderPlan('intermediate', nInter, 20);
  for (let i = 0; i < nInter; i++) {
    const primary = staging[(i * 7) % staging.length] as ModelSpec;
    const folder = interFolders[Math.floor((i * interFolders.length) / nInter)] as string;
    const spec = intermediateModel(primary, folder, i, rng, names, stagingByEntity);
    inter.push(spec);
    specs.push(spec);
  }

  // --- marts
  const marts: ModelSpec[] = [];
  const martFolders = folderPlan('marts', nMarts, 20);
  const upstreamPool = inter.length > 0 ? inter : staging;
  for (let i = 0; i < nMarts; i++) {
    const primary = upstreamPool[(i * 3) % upstreamPool.length] as ModelSpec;
    const folder = martFolders[Math.floor((i * martFolders.length) / nMarts)] as string;
    const spec = martModel(primary, folder, i, rng, names, stagingByEntity, marts);
    marts.push(spec);
    specs.push(spec);
  }

  assignOwnership(specs, rng);
  const files = renderProject(specs, systems, size);
  const scenarios = SCENARIO_SIZES.filter((n) => n <= size).map((n) => buildScenario(n, specs, files, seed, size, names));
  return { size, seed, files, specs, scenarios };
}

/** Folder paths for a layer: `models/<layer>/<domain>` (+ `/<region>` when there are many models). */
function folderPlan(layer: Layer, count: number, perFolder: number): string[] {
  const folders = Math.max(1, Math.ceil(count / perFolder));
  const out: string[] = [];
  for (let i = 0; i < folders; i++) {
    const domain = DOMAINS[i % DOMAINS.length] as string;
    const round = Math.floor(i / DOMAINS.length);
    if (folders <= DOMAINS.length) out.push(`models/${layer}/${domain}`);
    else {
      const region = REGIONS[round % REGIONS.length] as string;
      const extra = Math.floor(round / REGIONS.length);
      out.push(`models/${layer}/${domain}/${region}${extra > 0 ? `_${extra + 1}` : ''}`);
    }
  }
  return out;
}

function stagingModel(system: string, entity: Entity, rng: Rng, names: NameRegistry): ModelSpec {
  const name = names.take(`stg_${system}__${entity.name}`);
  const columns: ColumnSpec[] = [col(entity.key, `id::varchar`, { description: `Primary key of the ${singular(entity.name)}.`, tests: ['unique', 'not_null'] })];
  for (const fk of Object.keys(entity.fks)) columns.push(col(fk, `${fk}::varchar`, { tests: rng.chance(0.5) ? ['not_null'] : [] }));
  columns.push(
    col(entity.category.column, `lower(${entity.category.column})`, {
      tests: rng.chance(0.6) ? [{ accepted_values: { arguments: { values: entity.category.values } } }] : [],
    }),
  );
  for (const a of entity.attrs) columns.push(col(a, rng.chance(0.5) ? `trim(${a})::varchar` : a, { documented: rng.chance(0.6) }));
  for (const m of entity.measures) {
    columns.push(col(m, rng.chance(0.6) ? `{{ cents_to_dollars('${m}_cents') }}` : `${m}_cents::number(38, 2) / 100`, { description: `${m.replace(/_/g, ' ')} in dollars.` }));
  }
  for (const t of entity.ts) columns.push(col(t, `${t.replace(/_at$/, '')}_ts::timestamp_ntz`, { documented: rng.chance(0.7) }));
  if (entity.variant) columns.push(col(entity.variant, `parse_json(${entity.variant}_json)`, { documented: false }));
  columns.push(col('_loaded_at', `_fivetran_synced::timestamp_ntz`, { documented: false }));
  const dedupe = rng.chance(0.35);
  const varFilter = rng.chance(0.25);
  return {
    name,
    layer: 'staging',
    finalCte: 'renamed',
    dir: `models/staging/${system}`,
    yamlFile: `models/staging/${system}/_${system}__models.yml`,
    entity,
    key: entity.key,
    imports: [{ cte: 'source', target: `{{ source('${system}', '${entity.name}') }}`, where: 'not coalesce(_fivetran_deleted, false)' }],
    helpers: [],
    columns,
    from: 'source',
    joins: [],
    where: varFilter ? [`${(entity.ts[0] ?? 'created_at').replace(/_at$/, '')}_ts >= '{{ var("start_date") }}'`] : [],
    qualify: dedupe ? `row_number() over (partition by id order by _fivetran_synced desc) = 1` : undefined,
    sqlConfig: {},
    preamble: [],
    description: `Cleaned ${entity.name.replace(/_/g, ' ')} from ${system.replace(/_/g, ' ')}: renamed, cast and de-duplicated.`,
    modelTests: [],
    style: 'standard',
    upstream: [],
  };
}

function pickPartner(primary: ModelSpec, stagingByEntity: Map<string, ModelSpec[]>, rng: Rng): { fk: string; spec: ModelSpec } | undefined {
  const fks = Object.entries(primary.entity.fks).filter(([, e]) => stagingByEntity.has(e));
  if (fks.length === 0) return undefined;
  const [fk, entityName] = rng.pick(fks);
  const candidates = stagingByEntity.get(entityName) ?? [];
  const sameSystem = candidates.find((c) => c.dir === primary.dir || c.dir.split('/')[2] === primary.dir.split('/')[2]);
  const spec = sameSystem ?? rng.pick(candidates);
  if (spec === primary) return undefined;
  return { fk, spec };
}

function refTarget(name: string): string {
  return `{{ ref('${name}') }}`;
}

function intermediateModel(
  primary: ModelSpec,
  folder: string,
  index: number,
  rng: Rng,
  names: NameRegistry,
  stagingByEntity: Map<string, ModelSpec[]>,
): ModelSpec {
  const entity = primary.entity;
  const system = primary.dir.split('/')[2] ?? 'core';
  const variant = (['enriched', 'pivoted', 'windowed', 'flattened'] as const)[index % 4]!;
  const kind = variant === 'flattened' && !entity.variant ? 'windowed' : variant;
  const name = names.take(`int_${system}__${entity.name}_${kind}`);
  const p = entity.name;
  const base: ModelSpec = {
    name,
    layer: 'intermediate',
    dir: folder,
    yamlFile: `${folder}/_${folder.split('/').slice(2).join('_')}__models.yml`,
    entity,
    key: entity.key,
    imports: [{ cte: p, target: refTarget(primary.name) }],
    helpers: [],
    columns: [],
    from: p,
    joins: [],
    where: [],
    sqlConfig: {},
    preamble: [],
    description: '',
    modelTests: [],
    style: 'standard',
    upstream: [primary.name],
  };
  const passthrough = primary.columns.filter((c) => !c.name.startsWith('_') && c.name !== entity.variant).map((c) => col(c.name, `${p}.${c.name}`, { documented: c.documented && rng.chance(0.7) }));
  const tsCol = entity.ts[0] ?? 'created_at';
  if (kind === 'enriched' || kind === 'windowed') {
    base.columns = passthrough;
    base.columns[0] = { ...base.columns[0]!, tests: ['unique', 'not_null'], description: `Primary key of the ${singular(p)}.` };
    const partner = pickPartner(primary, stagingByEntity, rng);
    if (partner) {
      const pe = partner.spec.entity;
      const alias = pe.name === p ? `${pe.name}_parent` : pe.name;
      base.imports.push({ cte: alias, target: refTarget(partner.spec.name) });
      base.upstream.push(partner.spec.name);
      base.joins.push({ kind: 'left join', cte: alias, on: `${p}.${partner.fk} = ${alias}.${pe.key}` });
      const extra = partner.spec.columns.filter((c) => c.name !== pe.key && !c.name.startsWith('_') && !base.columns.some((x) => x.name === c.name) && c.name !== pe.variant);
      for (const c of extra.slice(0, 3)) base.columns.push(col(c.name, `${alias}.${c.name}`, { documented: rng.chance(0.5) }));
    }
    const fk = Object.keys(entity.fks)[0] ?? entity.key;
    base.columns.push(col(`${singular(p)}_sequence_number`, `row_number() over (partition by ${p}.${fk} order by ${p}.${tsCol})`, { description: `Order of the ${singular(p)} within its ${fk.replace(/_id$/, '')}.` }));
    const measure = entity.measures[0];
    if (measure) {
      base.columns.push(col(`cumulative_${measure}`, `sum(${p}.${measure}) over (partition by ${p}.${fk} order by ${p}.${tsCol} rows between unbounded preceding and current row)`));
    }
    base.columns.push(col(`previous_${tsCol}`, `lag(${p}.${tsCol}) over (partition by ${p}.${fk} order by ${p}.${tsCol})`, { documented: false }));
    if (kind === 'windowed') {
      base.qualify = `row_number() over (partition by ${p}.${entity.key} order by ${p}.${entity.ts[entity.ts.length - 1] ?? tsCol} desc) = 1`;
      base.sqlConfig = { materialized: "'ephemeral'" };
    }
    base.description = `${singular(p).replace(/_/g, ' ')} records ${partner ? `joined to ${partner.spec.entity.name.replace(/_/g, ' ')} ` : ''}with sequence and running totals.`;
  } else if (kind === 'pivoted') {
    const fk = Object.keys(entity.fks)[0] ?? entity.key;
    const values = entity.category.values;
    base.preamble = [`{%- set ${entity.category.column}_values = ${pyList(values)} -%}`];
    base.key = fk;
    base.columns = [
      col(fk, `${p}.${fk}`, { tests: ['unique', 'not_null'], description: `One row per ${fk.replace(/_id$/, '')}.` }),
      col(`${p}_count`, `count(*)`),
      col(`first_${tsCol}`, `min(${p}.${tsCol})`),
      col(`last_${tsCol}`, `max(${p}.${tsCol})`),
    ];
    const measure = entity.measures[0];
    const valueExpr = measure ? `${p}.${measure}` : '1';
    base.jinjaColumns = [
      `{% for value in ${entity.category.column}_values %}`,
      `sum(case when ${p}.${entity.category.column} = '{{ value }}' then ${valueExpr} else 0 end) as {{ value }}_${measure ?? 'count'}{% if not loop.last %},{% endif %}`,
      `{% endfor %}`,
    ];
    base.groupBy = '1';
    base.description = `${p.replace(/_/g, ' ')} pivoted by ${entity.category.column.replace(/_/g, ' ')}, one row per ${fk.replace(/_id$/, '')}.`;
  } else {
    // flattened: one row per element of the semi-structured column
    const v = entity.variant!;
    base.imports = [{ cte: p, target: refTarget(primary.name) }];
    base.lateral = `lateral flatten(input => ${p}.${v}) as items`;
    base.key = `${singular(p)}_item_key`;
    base.columns = [
      col(`${singular(p)}_item_key`, `{{ dbt_utils.generate_surrogate_key(['${p}.${entity.key}', 'items.index']) }}`, { tests: ['unique', 'not_null'] }),
      col(entity.key, `${p}.${entity.key}`, { tests: ['not_null'] }),
      col('item_index', 'items.index'),
      col('item_sku', `items.value:sku::varchar`),
      col('item_quantity', `items.value:quantity::int`),
      col('item_amount', `items.value:amount::number(18, 2)`),
      col(tsCol, `${p}.${tsCol}`),
    ];
    base.description = `One row per element of ${p}.${v} (lateral flatten).`;
  }
  return base;
}

function martModel(
  primary: ModelSpec,
  folder: string,
  index: number,
  rng: Rng,
  names: NameRegistry,
  stagingByEntity: Map<string, ModelSpec[]>,
  existing: ModelSpec[],
): ModelSpec {
  const entity = primary.entity;
  const region = folder.split('/')[3];
  const prefix = region ? `${region}_` : '';
  const shape = (['fct', 'dim', 'agg', 'fct'] as const)[index % 4]!;
  const upstreamAlias = primary.name.startsWith('stg_') ? entity.name : primary.name.replace(/^int_[a-z0-9_]+?__/, '');
  const u = upstreamAlias;
  const tsCol = primary.columns.find((c) => entity.ts.includes(c.name))?.name ?? primary.columns.find((c) => /(_at|_date)$/.test(c.name))?.name;
  const base: ModelSpec = {
    name: '',
    layer: 'marts',
    dir: folder,
    yamlFile: '',
    entity,
    key: primary.key,
    imports: [{ cte: u, target: refTarget(primary.name) }],
    helpers: [],
    columns: [],
    from: u,
    joins: [],
    where: [],
    sqlConfig: {},
    preamble: [],
    description: '',
    modelTests: [],
    style: 'standard',
    upstream: [primary.name],
  };
  const passthrough = primary.columns.filter((c) => !c.name.startsWith('_') && c.name !== entity.variant);
  if (shape === 'fct' || shape === 'dim') {
    base.name = names.take(`${shape}_${prefix}${primary.key === entity.key ? entity.name : `${entity.name}_by_${primary.key.replace(/_id$/, '')}`}`);
    base.columns = passthrough.map((c) => col(c.name, `${u}.${c.name}`, { documented: rng.chance(0.8) }));
    base.columns[0] = { ...base.columns[0]!, tests: rng.chance(0.85) ? ['unique', 'not_null'] : ['not_null'], description: 'Primary key.' };
    const partner = pickPartner(primary, stagingByEntity, rng);
    if (partner) {
      const pe = partner.spec.entity;
      const alias = pe.name === u ? `${pe.name}_parent` : pe.name;
      base.imports.push({ cte: alias, target: refTarget(partner.spec.name) });
      base.upstream.push(partner.spec.name);
      base.joins.push({ kind: rng.chance(0.7) ? 'left join' : 'inner join', cte: alias, on: `${u}.${partner.fk} = ${alias}.${pe.key}` });
      for (const c of partner.spec.columns.filter((c) => c.name === pe.category.column || pe.attrs.includes(c.name)).slice(0, 2)) {
        if (!base.columns.some((x) => x.name === c.name)) base.columns.push(col(c.name, `${alias}.${c.name}`, { documented: rng.chance(0.5) }));
      }
    }
    // occasionally reference an earlier mart (dims feeding facts)
    const earlier = existing.filter((m) => m.entity.name === entity.name && m.name.startsWith('dim_'));
    if (shape === 'fct' && earlier.length > 0 && rng.chance(0.3)) {
      const dim = rng.pick(earlier);
      const alias = 'dim';
      base.imports.push({ cte: alias, target: refTarget(dim.name) });
      base.upstream.push(dim.name);
      base.joins.push({ kind: 'left join', cte: alias, on: `${u}.${primary.key} = ${alias}.${dim.key}` });
      const extra = dim.columns.find((c) => !base.columns.some((x) => x.name === c.name));
      if (extra) base.columns.push(col(`dim_${extra.name}`, `${alias}.${extra.name}`));
    }
    if (tsCol) base.columns.push(col(`${tsCol.replace(/_at$/, '')}_date`, `${u}.${tsCol}::date`, { documented: rng.chance(0.5) }));
    if (shape === 'fct' && tsCol && rng.chance(0.7)) {
      base.sqlConfig = {
        materialized: "'incremental'",
        unique_key: `'${primary.key}'`,
        incremental_strategy: "'merge'",
        on_schema_change: "'append_new_columns'",
      };
      base.incrementalFilter = `${u}.${tsCol} > (select max(${tsCol}) from {{ this }})`;
      base.columns.push(col('_dbt_updated_at', 'current_timestamp()', { documented: false }));
    }
    base.description = `${shape === 'fct' ? 'Fact' : 'Dimension'}: one row per ${singular(entity.name).replace(/_/g, ' ')}${region ? ` (${region})` : ''}.`;
  } else {
    // agg: daily rollup
    base.name = names.take(`agg_${prefix}${entity.name}_daily`);
    const day = tsCol ? `date_trunc('day', ${u}.${tsCol})::date` : 'current_date()';
    base.key = 'activity_date';
    base.filterColumn = primary.key;
    base.columns = [col('activity_date', day, { tests: ['not_null'], description: 'Calendar day.' }), col(`${entity.name}_count`, `count(distinct ${u}.${primary.key})`)];
    for (const c of passthrough.filter((c) => /amount|total|price|cost|spend|mrr|budget|revenue|salary|value/.test(c.name)).slice(0, 3)) {
      base.columns.push(col(`total_${c.name}`, `sum(${u}.${c.name})`), col(`avg_${c.name}`, `{{ safe_divide('sum(${u}.${c.name})', 'count(*)') }}`, { documented: false }));
    }
    base.columns.push(col(`${entity.name}_7d_avg_count`, `avg(count(distinct ${u}.${primary.key})) over (order by ${day} rows between 6 preceding and current row)`, { documented: false }));
    base.groupBy = '1';
    base.where = tsCol ? [`${u}.${tsCol} >= dateadd('year', -{{ var('history_years', 3) }}, current_date())`] : [];
    base.modelTests = [{ 'dbt_utils.unique_combination_of_columns': { arguments: { combination_of_columns: ['activity_date'] } } }];
    base.description = `Daily ${entity.name.replace(/_/g, ' ')} metrics${region ? ` for ${region}` : ''}.`;
  }
  base.yamlFile = `${folder}/${base.name}.yml`;
  return base;
}

/** Owners at every level: project folders, YAML `config.meta`, top-level `meta`, SQL `config(meta=...)`, groups; some none. */
function assignOwnership(specs: ModelSpec[], rng: Rng): void {
  for (const spec of specs) {
    const r = rng.next();
    if (spec.layer === 'staging') {
      // owner comes from dbt_project.yml (+meta at models/staging); a few override in YAML
      if (r < 0.1) spec.yamlOwner = rng.pick(TEAMS);
    } else if (spec.layer === 'intermediate') {
      if (r < 0.35) spec.group = domainOf(spec);
      else if (r < 0.6) spec.yamlOwner = rng.pick(TEAMS);
      else if (r < 0.75) spec.sqlConfig = { ...spec.sqlConfig, meta: `{'owner': '${rng.pick(TEAMS)}'}` };
      // else: no owner (owner-missing findings, as in real projects)
    } else {
      if (r < 0.3) spec.yamlOwner = rng.pick(TEAMS);
      else if (r < 0.45) spec.sqlConfig = { ...spec.sqlConfig, meta: `{'owner': '${rng.pick(TEAMS)}', 'tier': 1}` };
      else if (r < 0.6) spec.group = domainOf(spec);
      else if (r < 0.65) spec.yamlConfig = { meta: { owner: { name: 'Finance Analytics', email: 'finance-analytics@acme.example' } } };
      // else inherits from the project folder for some domains, or nothing
    }
    if (spec.layer === 'marts' && rng.chance(0.15)) spec.yamlConfig = { ...(spec.yamlConfig ?? {}), meta: { ...((spec.yamlConfig?.meta as object) ?? {}), primary_key: spec.key } };
  }
}

function domainOf(spec: ModelSpec): string {
  return spec.dir.split('/')[2] ?? 'core';
}

function pyList(values: readonly string[]): string {
  return `[${values.map((v) => `'${v}'`).join(', ')}]`;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

export function renderSql(spec: ModelSpec): string {
  const alt = spec.style === 'alt';
  const kw = (s: string): string => (alt ? s.toUpperCase() : s);
  const ind = alt ? '  ' : '    ';
  const out: string[] = [];
  const configEntries = Object.entries(spec.sqlConfig);
  if (configEntries.length > 0) {
    if (configEntries.length <= 1) out.push(`{{ config(${configEntries.map(([k, v]) => `${k}=${v}`).join(', ')}) }}`);
    else out.push('{{', '    config(', configEntries.map(([k, v]) => `        ${k}=${v}`).join(',\n'), '    )', '}}');
    out.push('');
  }
  if (spec.preamble.length > 0) out.push(...spec.preamble, '');
  const ctes: string[] = [];
  for (const imp of spec.imports) {
    const body = [`${ind}${kw('select')} * ${kw('from')} ${imp.target}`];
    if (imp.where) body.push(`${ind}${kw('where')} ${imp.where}`);
    ctes.push(alt ? `${imp.cte} ${kw('as')} (\n${body.join('\n')}\n)` : `${imp.cte} as (\n\n${body.join('\n')}\n\n)`);
  }
  for (const h of spec.helpers) ctes.push(alt ? `${h.cte} ${kw('as')} (\n${h.body}\n)` : `${h.cte} as (\n\n${h.body}\n\n)`);
  const select: string[] = spec.columns.map((c) => (c.expr === c.name || c.expr.endsWith(`.${c.name}`) ? c.expr : `${c.expr} ${kw('as')} ${c.name}`));
  const lines: string[] = [];
  lines.push(`${ind}${kw('select')}`);
  const all = [...select];
  if (alt) {
    all.forEach((s, i) => lines.push(`${ind}${ind}${i === 0 ? '' : ', '}${s}`));
    if (spec.jinjaColumns) {
      lines.push(`${ind}${ind}, ${spec.jinjaColumns[0]}`);
      for (const j of spec.jinjaColumns.slice(1)) lines.push(`${ind}${ind}${j}`);
    }
  } else {
    all.forEach((s, i) => lines.push(`${ind}${ind}${s}${i < all.length - 1 || spec.jinjaColumns ? ',' : ''}`));
    if (spec.jinjaColumns) for (const j of spec.jinjaColumns) lines.push(`${ind}${ind}${j}`);
  }
  lines.push(`${ind}${kw('from')} ${spec.from}${spec.lateral ? `,\n${ind}${ind}${spec.lateral.replace('lateral flatten', kw('lateral flatten'))}` : ''}`);
  for (const j of spec.joins) lines.push(`${ind}${kw(j.kind)} ${j.cte}\n${ind}${ind}${kw('on')} ${j.on}`);
  if (spec.where.length > 0) lines.push(`${ind}${kw('where')} ${spec.where.join(`\n${ind}${ind}${kw('and')} `)}`);
  if (spec.incrementalFilter) {
    lines.push(`${ind}{% if is_incremental() %}`);
    lines.push(`${ind}${spec.where.length > 0 ? kw('and') : kw('where')} ${spec.incrementalFilter}`);
    lines.push(`${ind}{% endif %}`);
  }
  if (spec.groupBy) lines.push(`${ind}${kw('group by')} ${spec.groupBy}`);
  if (spec.qualify) lines.push(`${ind}${kw('qualify')} ${spec.qualify}`);
  const last = spec.finalCte ?? 'final';
  ctes.push(alt ? `${last} ${kw('as')} (\n${lines.join('\n')}\n)` : `${last} as (\n\n${lines.join('\n')}\n\n)`);
  out.push(`${kw('with')}${alt ? ' ' : '\n\n'}${ctes.join(alt ? ',\n' : ',\n\n')}`);
  out.push('', `${kw('select')} * ${kw('from')} ${last}`, '');
  return out.join('\n');
}

/** Minimal YAML emitter for the property files (keeps the output stable and readable). */
function yamlScalar(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = String(v);
  if (/^[A-Za-z_][A-Za-z0-9_ .,()'-]*$/.test(s) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(s)) return s;
  return JSON.stringify(s);
}

function yamlLines(value: unknown, indent: number): string[] {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
      return value.flatMap((v) => [`${pad}- ${yamlScalar(v)}`]);
    }
    const out: string[] = [];
    for (const item of value) {
      if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
        const inner = yamlLines(item, indent + 2);
        out.push(`${pad}- ${(inner[0] ?? '').trimStart()}`, ...inner.slice(1));
      } else out.push(`${pad}- ${yamlScalar(item)}`);
    }
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      if (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string') && k === 'values') {
        out.push(`${pad}${k}: [${v.map((x) => `'${x}'`).join(', ')}]`);
      } else if (v !== null && typeof v === 'object') {
        if (Array.isArray(v) && v.length === 0) out.push(`${pad}${k}: []`);
        else out.push(`${pad}${k}:`, ...yamlLines(v, indent + 2));
      } else out.push(`${pad}${k}: ${yamlScalar(v)}`);
    }
    return out;
  }
  return [`${pad}${yamlScalar(value)}`];
}

function modelYamlEntry(spec: ModelSpec): Record<string, unknown> {
  const entry: Record<string, unknown> = { name: spec.name, description: spec.description };
  if (spec.group) entry.group = spec.group;
  const config: Record<string, unknown> = { ...(spec.yamlConfig ?? {}) };
  if (spec.yamlOwner) {
    if (spec.layer === 'marts' && spec.name.length % 2 === 0) entry.meta = { owner: spec.yamlOwner }; // top-level meta (older style)
    else config.meta = { ...((config.meta as object) ?? {}), owner: spec.yamlOwner };
  }
  if (Object.keys(config).length > 0) entry.config = config;
  if (spec.modelTests.length > 0) entry.data_tests = spec.modelTests;
  const columns = spec.columns.filter((c) => c.documented || c.tests.length > 0);
  if (columns.length > 0) {
    entry.columns = columns.map((c) => {
      const e: Record<string, unknown> = { name: c.name };
      if (c.description) e.description = c.description;
      if (c.tests.length > 0) e[spec.layer === 'staging' && spec.name.length % 3 === 0 ? 'tests' : 'data_tests'] = c.tests;
      return e;
    });
  }
  return entry;
}

export function renderModelsYaml(specs: readonly ModelSpec[], extra: Record<string, unknown> = {}): string {
  const doc: Record<string, unknown> = { version: 2, models: specs.map(modelYamlEntry), ...extra };
  return `${yamlLines(doc, 0).join('\n')}\n`.replace(/\nmodels:\n/, '\n\nmodels:\n').replace(/\n {2}- name: /g, '\n\n  - name: ').replace('models:\n\n', 'models:\n');
}

function renderSourcesYaml(system: string, entities: readonly Entity[]): string {
  const tables = entities.map((e) => {
    const cols = ['id', ...Object.keys(e.fks), e.category.column, ...e.attrs, ...e.measures.map((m) => `${m}_cents`), ...e.ts.map((t) => `${t.replace(/_at$/, '')}_ts`)];
    return { name: e.name, description: `Raw ${e.name.replace(/_/g, ' ')} as loaded by Fivetran.`, columns: cols.map((c) => ({ name: c })) };
  });
  const doc = {
    version: 2,
    sources: [
      {
        name: system,
        database: 'raw',
        schema: system,
        loaded_at_field: '_fivetran_synced',
        freshness: { warn_after: { count: 12, period: 'hour' }, error_after: { count: 24, period: 'hour' } },
        tables,
      },
    ],
  };
  return `${yamlLines(doc, 0).join('\n')}\n`;
}

function dbtProjectYml(size: number): string {
  const martOwners = DOMAINS.slice(0, 5)
    .map((d) => `      ${d}:\n        +meta:\n          owner: "@acme/${d.replace(/_/g, '-')}-analytics"\n        +tags: ["${d}"]`)
    .join('\n');
  const interGroups = DOMAINS.slice(5, 8)
    .map((d) => `      ${d}:\n        +group: ${d}`)
    .join('\n');
  return `name: ${PROJECT_NAME}
version: "2.${size}.0"
config-version: 2
profile: acme

model-paths: ["models"]
macro-paths: ["macros"]
test-paths: ["tests"]
seed-paths: ["seeds"]

vars:
  start_date: "2020-01-01"
  history_years: 3
  payment_methods: ["credit_card", "bank_transfer", "gift_card", "coupon"]

models:
  ${PROJECT_NAME}:
    +persist_docs:
      relation: true
      columns: true
    staging:
      +materialized: view
      +schema: staging
      +meta:
        owner: "@acme/data-platform"
        layer: staging
    intermediate:
      +materialized: ephemeral
      +schema: intermediate
${interGroups}
    marts:
      +materialized: table
      +schema: marts
${martOwners}
`;
}

const MACROS: Record<string, string> = {
  'macros/cents_to_dollars.sql': `{% macro cents_to_dollars(column_name, scale=2) -%}
    ({{ column_name }} / 100)::number(16, {{ scale }})
{%- endmacro %}
`,
  'macros/safe_divide.sql': `{% macro safe_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('safe_divide', 'acme_analytics')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__safe_divide(numerator, denominator) -%}
    case when ({{ denominator }}) = 0 then null else ({{ numerator }}) / ({{ denominator }}) end
{%- endmacro %}

{% macro snowflake__safe_divide(numerator, denominator) -%}
    div0({{ numerator }}, {{ denominator }})
{%- endmacro %}
`,
  'macros/generate_schema_name.sql': `{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set default_schema = target.schema -%}
    {%- if custom_schema_name is none -%}
        {{ default_schema }}
    {%- elif target.name == 'prod' -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ default_schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
`,
  'macros/_macros.yml': `version: 2

macros:
  - name: cents_to_dollars
    description: Converts an integer amount in cents to a decimal amount in dollars.
    arguments:
      - name: column_name
        type: string
      - name: scale
        type: integer
  - name: safe_divide
    description: Division that returns null (or 0 on Snowflake) instead of failing on a zero denominator.
`,
};

function utilityMacro(i: number): string {
  const name = `acme_util_${String(i).padStart(3, '0')}`;
  return `{% macro ${name}(column_name, values=['a', 'b']) -%}
    case
    {%- for v in values %}
        when {{ column_name }} = '{{ v }}' then {{ loop.index }}
    {%- endfor %}
        else 0
    end
{%- endmacro %}
`;
}

function renderProject(specs: readonly ModelSpec[], systems: { name: string; entities: Entity[] }[], size: number): Map<string, string> {
  const files = new Map<string, string>();
  files.set('dbt_project.yml', dbtProjectYml(size));
  files.set('packages.yml', 'packages:\n  - package: dbt-labs/dbt_utils\n    version: [">=1.1.0", "<2.0.0"]\n');
  files.set('.github/dbt-pr-reviewer.yml', 'dialect: snowflake\nllm:\n  enabled: false\n');
  files.set('README.md', `# ACME analytics (synthetic)\n\nGenerated by dbt-pr-reviewer's bench/generate.ts: ${specs.length} models.\n`);
  files.set('tests/assert_no_negative_amounts.sql', `select *\nfrom ${refTarget(specs.find((s) => s.layer === 'staging')?.name ?? 'x')}\nwhere false\n`);
  for (const [path, text] of Object.entries(MACROS)) files.set(path, text);
  for (let i = 0; i < Math.ceil(size / 100); i++) files.set(`macros/utils/acme_util_${String(i).padStart(3, '0')}.sql`, utilityMacro(i));
  files.set(
    'models/_groups.yml',
    `version: 2\n\ngroups:\n${DOMAINS.map((d, i) => `  - name: ${d}\n    owner:\n      name: ${d.replace(/_/g, ' ')} team\n      email: ${d.replace(/_/g, '-')}@acme.example${i % 3 === 0 ? `\n      slack: "#${d}-data"` : ''}`).join('\n')}\n`,
  );
  for (const system of systems) {
    files.set(`models/staging/${system.name}/_${system.name}__sources.yml`, renderSourcesYaml(system.name, system.entities));
    files.set(
      `models/staging/${system.name}/_${system.name}__docs.md`,
      `{% docs ${system.name}__overview %}\nData from ${system.name.replace(/_/g, ' ')}, loaded every hour by Fivetran.\n{% enddocs %}\n`,
    );
  }
  for (const spec of specs) files.set(`${spec.dir}/${spec.name}.sql`, renderSql(spec));
  for (const [path, text] of renderYamlFiles(specs)) files.set(path, text);
  return files;
}

/** Every property file, from the specs (grouped by `yamlFile`). Marts files also carry exposures and unit tests. */
function renderYamlFiles(specs: readonly ModelSpec[]): Map<string, string> {
  const byFile = new Map<string, ModelSpec[]>();
  for (const s of specs) {
    const list = byFile.get(s.yamlFile) ?? [];
    list.push(s);
    byFile.set(s.yamlFile, list);
  }
  const out = new Map<string, string>();
  let n = 0;
  for (const [path, list] of byFile) {
    const extra: Record<string, unknown> = {};
    const first = list[0]!;
    if (first.layer === 'marts' && n++ % 7 === 0) {
      extra.exposures = [
        {
          name: `${first.name}_dashboard`,
          type: 'dashboard',
          maturity: 'high',
          url: `https://bi.acme.example/dashboards/${first.name}`,
          description: `Dashboard built on ${first.name}.`,
          depends_on: [`ref('${first.name}')`],
          owner: { name: 'BI team', email: 'bi@acme.example' },
        },
      ];
      const keyCol = first.columns[0]!;
      if (first.upstream[0] && !first.groupBy && !first.incrementalFilter) {
        extra.unit_tests = [
          {
            name: `test_${first.name}_passes_keys_through`,
            model: first.name,
            given: [{ input: `ref('${first.upstream[0]}')`, rows: [{ [keyCol.name]: 1 }] }],
            expect: { rows: [{ [keyCol.name]: 1 }] },
          },
        ];
      }
    }
    out.set(path, renderModelsYaml(list, extra));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// PR scenarios

function cloneSpec(spec: ModelSpec): ModelSpec {
  return structuredClone(spec);
}

function applyChange(spec: ModelSpec, kind: ChangeKind, rng: Rng): ModelSpec {
  const s = cloneSpec(spec);
  switch (kind) {
    case 'add_column': {
      const ts = s.columns.find((c) => /_at$/.test(c.name));
      const src = s.layer === 'staging' ? '' : `${s.from}.`;
      const newCol = ts
        ? col(`${ts.name.replace(/_at$/, '')}_month`, `date_trunc('month', ${s.layer === 'staging' || s.groupBy ? ts.expr : `${src}${ts.name}`})`, { description: 'Month of the event.' })
        : s.groupBy
          ? col('has_multiple_rows', 'count(*) > 1', { description: 'More than one input row.' })
          : col('is_recent', `${src}${s.key} is not null`, { description: 'Has a key.' });
      if (s.groupBy && ts) newCol.expr = `date_trunc('month', min(${ts.expr.replace(/^(min|max)\(/, '').replace(/\)$/, '')}))`;
      while (s.columns.some((c) => c.name === newCol.name)) newCol.name = `${newCol.name}_2`;
      const at = s.columns.findIndex((c) => c.name.startsWith('_'));
      if (at > 0) s.columns.splice(at, 0, newCol);
      else s.columns.push(newCol);
      newCol.documented = rng.chance(0.5);
      break;
    }
    case 'remove_column': {
      const candidates = s.columns.filter((c, i) => i > 0 && c.name !== s.key && !c.name.startsWith('_'));
      const victim = candidates[candidates.length - 1] ?? s.columns[s.columns.length - 1];
      if (victim && s.columns.length > 1) {
        s.columns = s.columns.filter((c) => c !== victim);
        if (rng.chance(0.5)) {
          // forgot to remove it from the YAML: keep a documented-only ghost entry
          const ghost = { ...victim, expr: '__ghost__' };
          (s as ModelSpec & { ghosts?: ColumnSpec[] }).ghosts = [ghost];
        }
      }
      break;
    }
    case 'filter': {
      const cat = s.columns.find((c) => c.name === s.entity.category.column);
      const value = s.entity.category.values[s.entity.category.values.length - 1] ?? 'x';
      if (s.layer === 'staging') s.where = [...s.where, `lower(${s.entity.category.column}) != '${value}'`];
      else if (cat && !s.groupBy) s.where = [...s.where, `${cat.expr} != '${value}'`];
      else if (s.imports[0]) {
        const column = s.filterColumn ?? s.key;
        s.imports[0] = { ...s.imports[0], where: `${s.imports[0].where ? `${s.imports[0].where} and ` : ''}${column} is not null` };
      }
      break;
    }
    case 'yaml_only': {
      s.description = `${s.description} Reviewed by the ${s.layer} owners; see the runbook for late-arriving data.`;
      const target = s.columns.find((c, i) => i > 0 && !c.tests.includes('not_null'));
      if (target) {
        target.tests = [...target.tests, 'not_null'];
        target.documented = true;
      }
      break;
    }
    case 'formatting_only':
      s.style = s.style === 'alt' ? 'standard' : 'alt';
      break;
    case 'model_added':
      break;
  }
  return s;
}

function renderYamlForFile(path: string, specs: readonly ModelSpec[], original: string): string {
  // Re-render the whole file from specs, but keep exposures/unit tests that the original carried.
  const list = specs.filter((s) => s.yamlFile === path);
  const rendered = renderModelsYaml(
    list.map((s) => {
      const ghosts = (s as ModelSpec & { ghosts?: ColumnSpec[] }).ghosts;
      return ghosts ? { ...s, columns: [...s.columns, ...ghosts] } : s;
    }),
  );
  const tailAt = original.search(/\n(exposures|unit_tests):\n/);
  return tailAt >= 0 ? `${rendered}${original.slice(tailAt)}` : rendered;
}

function buildScenario(n: number, specs: ModelSpec[], files: Map<string, string>, seed: number, size: number, names: NameRegistry): BuiltProject['scenarios'][number] {
  const rng = makeRng(seed ^ (n * 40503) ^ size);
  const order = rng.shuffle(specs.map((_, i) => i));
  const picked = order.slice(0, n);
  const kinds: ChangeKind[] = ['add_column', 'remove_column', 'filter', 'yaml_only', 'formatting_only'];
  const edited = new Map<number, ModelSpec>();
  const models: ScenarioModel[] = [];
  picked.forEach((idx, i) => {
    const spec = specs[idx]!;
    const kind: ChangeKind = n >= 10 && i === n - 1 ? 'model_added' : kinds[i % kinds.length]!;
    if (kind === 'model_added') return;
    edited.set(idx, applyChange(spec, kind, rng));
    models.push({ name: spec.name, path: `${spec.dir}/${spec.name}.sql`, kind });
  });
  const headSpecs = specs.map((s, i) => edited.get(i) ?? s);
  if (n >= 10) {
    // a brand-new mart on top of an existing model
    const upstream = specs[picked[0]!]!;
    const folder = specs.find((s) => s.layer === 'marts')?.dir ?? 'models/marts/finance';
    const name = names.take(`rpt_${upstream.entity.name}_pr_${n}`);
    const added: ModelSpec = {
      ...cloneSpec(upstream),
      name,
      layer: 'marts',
      dir: folder,
      yamlFile: `${folder}/${name}.yml`,
      imports: [{ cte: 'upstream', target: refTarget(upstream.name) }],
      helpers: [],
      from: 'upstream',
      joins: [],
      lateral: undefined,
      where: [],
      qualify: undefined,
      groupBy: undefined,
      incrementalFilter: undefined,
      jinjaColumns: undefined,
      preamble: [],
      sqlConfig: { materialized: "'table'" },
      columns: upstream.columns.filter((c) => !c.name.startsWith('_')).slice(0, 6).map((c) => col(c.name, `upstream.${c.name}`, { tests: c.tests, documented: true })),
      description: `Report on ${upstream.entity.name.replace(/_/g, ' ')} added in PR ${n}.`,
      yamlOwner: undefined,
      yamlConfig: undefined,
      group: undefined,
      modelTests: [],
      style: 'standard',
      upstream: [upstream.name],
    };
    headSpecs.push(added);
    models.push({ name, path: `${folder}/${name}.sql`, kind: 'model_added' });
  }
  const head = diffSpecs(specs, headSpecs, files);

  // second push: one more model gets a new column
  const extraIdx = order[n] ?? order.find((i) => !edited.has(i)) ?? order[0]!;
  const extraBase = headSpecs[extraIdx]!;
  const push2Specs = [...headSpecs];
  push2Specs[extraIdx] = applyChange(extraBase, 'add_column', rng);
  const headFiles = new Map(files);
  for (const [p, c] of head) {
    if (c === null) headFiles.delete(p);
    else headFiles.set(p, c);
  }
  const push2 = diffSpecs(headSpecs, push2Specs, headFiles);
  const scenario: Scenario = {
    name: `pr-${n}`,
    size: n,
    base: 'main',
    head: `pr/${n}-models`,
    push2: `pr/${n}-models-push2`,
    models,
    push2Model: { name: extraBase.name, path: `${extraBase.dir}/${extraBase.name}.sql`, kind: 'add_column' },
    changedPaths: [...head.keys()].sort(),
  };
  return { scenario, head, push2 };
}

/** File-level changes between two spec lists (SQL files and the property files of changed entries). */
function diffSpecs(before: readonly ModelSpec[], after: readonly ModelSpec[], files: Map<string, string>): Map<string, string | null> {
  const changes = new Map<string, string | null>();
  const beforeByName = new Map(before.map((s) => [s.name, s]));
  const yamlFiles = new Set<string>();
  for (const s of after) {
    const prev = beforeByName.get(s.name);
    const path = `${s.dir}/${s.name}.sql`;
    const sql = renderSql(s);
    if (!prev || renderSql(prev) !== sql) changes.set(path, sql);
    if (!prev || JSON.stringify(modelYamlEntry(prev)) !== JSON.stringify(modelYamlEntry(s)) || (s as { ghosts?: unknown }).ghosts) yamlFiles.add(s.yamlFile);
  }
  for (const path of yamlFiles) {
    const text = renderYamlForFile(path, after, files.get(path) ?? '');
    if (text !== files.get(path)) changes.set(path, text);
  }
  return changes;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing to git

export interface GeneratedProject {
  size: number;
  seed: number;
  generatorVersion: number;
  /** Repository folder (non-bare, `main` checked out). */
  repo: string;
  models: number;
  files: number;
  /** Bytes of property YAML and of model SQL at `main`. */
  yamlBytes: number;
  sqlBytes: number;
  scenarios: Scenario[];
  /** Milliseconds spent generating (0 when reused from cache). */
  generatedMs: number;
  cached: boolean;
}

function fastImportStream(built: BuiltProject): Buffer {
  const chunks: Buffer[] = [];
  let when = 1_700_000_000;
  const text = (s: string): void => {
    chunks.push(Buffer.from(s, 'utf8'));
  };
  const data = (s: string): void => {
    const b = Buffer.from(s, 'utf8');
    text(`data ${b.length}\n`);
    chunks.push(b);
    text('\n');
  };
  const commit = (ref: string, mark: number, message: string, from: number | undefined, changes: Iterable<[string, string | null]>): void => {
    text(`commit ${ref}\nmark :${mark}\n`);
    text(`author Bench Bot <bench@acme.example> ${when} +0000\ncommitter Bench Bot <bench@acme.example> ${when} +0000\n`);
    when += 60;
    data(message);
    if (from !== undefined) text(`from :${from}\n`);
    for (const [path, content] of changes) {
      if (content === null) text(`D ${path}\n`);
      else {
        text(`M 100644 inline ${path}\n`);
        data(content);
      }
    }
    text('\n');
  };
  const sortedBase = [...built.files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  commit('refs/heads/main', 1, `Synthetic dbt project: ${built.specs.length} models\n`, undefined, sortedBase);
  let mark = 2;
  for (const { scenario, head, push2 } of built.scenarios) {
    const headMark = mark++;
    commit(`refs/heads/${scenario.head}`, headMark, `Change ${scenario.size} model(s)\n`, 1, head);
    commit(`refs/heads/${scenario.push2}`, mark++, `Follow-up: add a column to ${scenario.push2Model.name}\n`, headMark, push2);
  }
  text('done\n');
  return Buffer.concat(chunks);
}

function git(cwd: string, args: string[], input?: Buffer): string {
  const r = spawnSync('git', args, { cwd, input, maxBuffer: 1 << 30, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr?.toString()}`);
  return r.stdout.toString('utf8');
}

/** Writes a built project into a fresh git repository at `repo` (fast-import, then checks out `main`). */
export function writeRepository(built: BuiltProject, repo: string): void {
  rmSync(repo, { recursive: true, force: true });
  mkdirSync(repo, { recursive: true });
  git(repo, ['init', '-q', '-b', 'main']);
  git(repo, ['config', 'user.name', 'Bench Bot']);
  git(repo, ['config', 'user.email', 'bench@acme.example']);
  git(repo, ['config', 'gc.auto', '0']);
  git(repo, ['fast-import', '--quiet', '--done'], fastImportStream(built));
  git(repo, ['reset', '-q', '--hard', 'main']);
}

export function workDirFor(size: number, root: string = WORK_DIR): string {
  return join(root, String(size));
}

/** Builds (or reuses from `bench/.work/<size>/`) a generated project with its scenario branches. */
export function ensureProject(size: number, options: { seed?: number; force?: boolean; root?: string } = {}): GeneratedProject {
  const seed = options.seed ?? DEFAULT_SEED;
  const dir = workDirFor(size, options.root);
  const metaPath = join(dir, 'meta.json');
  const repo = join(dir, 'repo');
  if (!options.force && existsSync(metaPath) && existsSync(join(repo, '.git'))) {
    try {
      const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as GeneratedProject;
      if (meta.generatorVersion === GENERATOR_VERSION && meta.seed === seed && meta.size === size) {
        git(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${meta.scenarios[meta.scenarios.length - 1]?.push2 ?? 'main'}`]);
        return { ...meta, repo, generatedMs: 0, cached: true };
      }
    } catch {
      // fall through: rebuild
    }
  }
  const t0 = performance.now();
  const built = buildProject(size, seed);
  mkdirSync(dir, { recursive: true });
  writeRepository(built, repo);
  const meta: GeneratedProject = {
    size,
    seed,
    generatorVersion: GENERATOR_VERSION,
    repo,
    models: built.specs.length,
    files: built.files.size,
    yamlBytes: [...built.files].filter(([p]) => /\.ya?ml$/.test(p)).reduce((n, [, c]) => n + Buffer.byteLength(c), 0),
    sqlBytes: [...built.files].filter(([p]) => p.startsWith('models/') && p.endsWith('.sql')).reduce((n, [, c]) => n + Buffer.byteLength(c), 0),
    scenarios: built.scenarios.map((s) => s.scenario),
    generatedMs: Math.round(performance.now() - t0),
    cached: false,
  };
  writeFileSync(metaPath, `${JSON.stringify(meta, null, 2)}\n`);
  return meta;
}

/** Runs a command, resolving with its exit code (used by callers that stream output). */
export function run(cmd: string, args: string[], cwd: string): Promise<number> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd, stdio: 'inherit' });
    child.on('close', (code) => done(code ?? 1));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// CLI

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const args = process.argv.slice(2);
  const force = args.includes('--force');
  const sizes = args.filter((a) => /^\d+$/.test(a)).map(Number);
  for (const size of sizes.length > 0 ? sizes : [100, 1000, 5000]) {
    const p = ensureProject(size, { force });
    console.log(
      `${String(size).padStart(5)} models: ${p.cached ? 'reused' : `generated in ${(p.generatedMs / 1000).toFixed(1)} s`} -> ${p.repo} (${p.files} files; scenarios ${p.scenarios.map((s) => s.name).join(', ')})`,
    );
  }
}
