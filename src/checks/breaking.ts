/**
 * The breaking-change rules: one finding per change with `breaking: true` in the model's semantic diff, with a
 * rule id per change kind (`breaking-column-removed`, ...), origin `semantic` and severity `breakingSeverity`.
 * The message says what changed and what to do; the pipeline lists the downstream users in the summary.
 */
import type { ChangeKind, ModelChange } from '../review/types.js';
import type { CheckContext, Rule, RuleHit } from './types.js';

interface BreakingKind {
  id: string;
  kind: ChangeKind;
  description: string;
  /** What changed, as the start of the message (`change.detail` follows in parentheses). */
  what(change: ModelChange, ctx: CheckContext): string;
  /** What to do. */
  advice: string;
}

const TELL_OWNERS = 'tell the owners of the downstream models and exposures';
const TELL = `and ${TELL_OWNERS}`;
const VERSION = 'version the model (`versions:`, keeping the old version until consumers have moved)';

const col = (c: ModelChange): string => (c.column !== undefined ? `Column \`${c.column}\`` : 'A column');

export const BREAKING_KINDS: BreakingKind[] = [
  {
    id: 'breaking-model-removed',
    kind: 'model_removed',
    description: 'A model was removed (or disabled): `ref()`s to it and queries of its relation fail.',
    // One version of a versioned model: `ref()`s pinned to it fail, the model's other versions stay.
    what: (_c, ctx) => (ctx.model.version !== undefined ? `Version ${ctx.model.version} of model \`${ctx.model.name}\` was removed` : `Model \`${ctx.model.name}\` was removed`),
    advice: `keep it until its consumers have moved (set \`deprecation_date\` to announce it), ${TELL}`,
  },
  {
    id: 'breaking-model-renamed',
    kind: 'model_renamed',
    description: 'A model was renamed: `ref()`s to the old name and queries of the old relation fail.',
    what: (_c, ctx) => `Model \`${ctx.model.name}\` was renamed`,
    advice: `keep a model under the old name that selects from the new one until consumers have moved, ${TELL}`,
  },
  {
    id: 'breaking-column-removed',
    kind: 'column_removed',
    description: 'An output column was removed: models, dashboards and queries that read it fail.',
    what: (c) => `${col(c)} was removed`,
    advice: `keep the column, or ${VERSION}, ${TELL}`,
  },
  {
    id: 'breaking-column-renamed',
    kind: 'column_renamed',
    description: 'An output column was renamed: readers of the old name fail.',
    what: (c) => `${col(c)} was renamed`,
    advice: `keep the old name as well (\`new_name as old_name\`) until consumers have moved, or ${VERSION}, ${TELL}`,
  },
  {
    id: 'breaking-column-type-changed',
    kind: 'column_type_changed',
    description: 'The base type of an output column changed (e.g. `int` -> `text`): comparisons, joins and casts downstream fail or change meaning.',
    what: (c) => `The type of ${c.column !== undefined ? `column \`${c.column}\`` : 'a column'} changed`,
    advice: `cast it back to the old type, or ${VERSION}, ${TELL}`,
  },
  {
    id: 'breaking-column-expression-changed',
    kind: 'column_expression_changed',
    description: 'The definition of an output column changed in a way that changes its values for every reader.',
    what: (c) => `The definition of ${c.column !== undefined ? `column \`${c.column}\`` : 'a column'} changed`,
    advice: `confirm the consumers expect the new values, or add the new definition as a new column, ${TELL}`,
  },
  {
    id: 'breaking-grain-changed',
    kind: 'grain_changed',
    description: 'The grain (what one row means) changed: downstream joins and aggregates change their results.',
    what: () => 'The grain of the model changed',
    advice: `build the new grain as a new model (or a new version) instead of changing this one in place, ${TELL}`,
  },
  {
    id: 'breaking-filter-changed',
    kind: 'filter_changed',
    description: 'The row filter changed: consumers get a different set of rows.',
    what: () => 'The row filter changed',
    advice: `confirm the consumers expect the new row set and describe it in the pull request, ${TELL}`,
  },
  {
    id: 'breaking-join-changed',
    kind: 'join_changed',
    description: 'A join changed (type, keys or fan-out): rows can be dropped or duplicated for every consumer.',
    what: () => 'A join changed',
    advice: `check that the model still has one row per key (test its grain with \`unique\`) and that the rows it now drops or adds are the ones intended, ${TELL}`,
  },
  {
    id: 'breaking-distinct-changed',
    kind: 'distinct_changed',
    description: '`distinct` was added or removed: rows are now collapsed or duplicated.',
    what: () => '`distinct` changed',
    advice: `keep the row set as it was, or test the grain (\`unique\` on the key) ${TELL}`,
  },
  {
    id: 'breaking-set-operation-changed',
    kind: 'set_operation_changed',
    description: 'A set operation changed (`union` vs `union all`, a branch added or removed): the rows change.',
    what: () => 'A set operation changed',
    advice: `confirm the consumers expect the rows it adds or removes (\`union\` removes duplicates, \`union all\` keeps them), or ${TELL_OWNERS}`,
  },
  {
    id: 'breaking-order-limit-changed',
    kind: 'order_limit_changed',
    description: '`order by` with `limit` changed: a different subset of rows is kept.',
    what: () => 'Which rows `order by ... limit` keeps changed',
    advice: `confirm the consumers expect the new subset, ${TELL}`,
  },
  {
    id: 'breaking-source-changed',
    kind: 'source_changed',
    description: 'The model reads a different upstream relation: every value can change.',
    what: () => 'The model reads a different upstream relation',
    advice: `check the new input has the same grain and meaning as the old one, ${TELL}`,
  },
  {
    id: 'breaking-unique-key-changed',
    kind: 'unique_key_changed',
    description: 'The incremental `unique_key` changed: existing rows are matched by a different key, so rows are duplicated or overwritten.',
    what: () => 'The incremental `unique_key` changed',
    advice: `plan a \`--full-refresh\` of the model when this is deployed, test that the new key is unique, ${TELL}`,
  },
  {
    id: 'breaking-incremental-strategy-changed',
    kind: 'incremental_strategy_changed',
    description: 'The incremental strategy changed: how new rows are merged into existing ones changes.',
    what: () => 'The incremental strategy changed',
    advice: `plan a \`--full-refresh\` of the model when this is deployed and check the strategy matches the key, ${TELL}`,
  },
  {
    id: 'breaking-relation-identity-changed',
    kind: 'relation_identity_changed',
    description: 'The relation\'s alias, schema or database changed: queries, dashboards and grants on the old name break, and the old relation is left behind, stale.',
    what: () => 'The name or location of the relation changed',
    advice: `keep the old alias/schema, or announce the move, update the readers of the old relation and drop it, ${TELL}`,
  },
  {
    id: 'breaking-materialization-ephemeral',
    kind: 'materialization_changed',
    description: 'The model becomes `ephemeral`: it is no longer built in the warehouse, so readers outside dbt (BI tools, other projects) fail.',
    what: () => 'The model is no longer materialised in the warehouse',
    advice: `keep it a view or table if anything outside this project reads it, ${TELL}`,
  },
  {
    id: 'breaking-contract-changed',
    kind: 'contract_changed',
    description: 'The enforced contract was weakened or removed: consumers lose the guarantee on columns and types.',
    what: () => 'The enforced contract was weakened',
    advice: `keep the contract, or ${VERSION}, ${TELL}`,
  },
  {
    id: 'breaking-constraint-removed',
    kind: 'constraint_removed',
    description: 'A constraint of an enforced contract was removed: consumers lose the guarantee it gave.',
    what: (c) => `A constraint${c.column !== undefined ? ` on column \`${c.column}\`` : ''} was removed`,
    advice: `keep the constraint, or ${VERSION}, ${TELL}`,
  },
];

/** Any other change marked breaking by the semantic diff. */
const GENERIC_ID = 'breaking-change';

const byKind = new Map<ChangeKind, BreakingKind>(BREAKING_KINDS.map((k) => [k.kind, k]));

/** The breaking rule id of a change kind. */
export function breakingRuleId(kind: ChangeKind): string {
  return byKind.get(kind)?.id ?? GENERIC_ID;
}

function breakingHit(ctx: CheckContext, change: ModelChange): RuleHit {
  const spec = byKind.get(change.kind);
  const detail = change.detail.trim();
  const what = spec ? spec.what(change, ctx) : `A breaking change (${change.kind.replace(/_/g, ' ')})`;
  const advice = spec ? spec.advice : `confirm the consumers can take it, ${TELL}`;
  const hit: RuleHit = {
    rule: spec?.id ?? GENERIC_ID,
    model: ctx.model.name,
    path: change.path,
    message: `${what}${detail && !restates(detail, what) ? ` (${detail})` : ''}: ${advice}.`,
  };
  if (change.column !== undefined) hit.column = change.column;
  if (change.line !== undefined) hit.line = change.line;
  if (change.side === 'base') hit.side = 'base';
  return hit;
}

function breakingRule(id: string, kinds: ChangeKind[] | 'other', description: string): Rule {
  return {
    id,
    defaultSeverity: 'error',
    origin: 'semantic',
    description,
    run(ctx) {
      return ctx.changes
        .filter((c) => c.breaking && (kinds === 'other' ? !byKind.has(c.kind) : kinds.includes(c.kind)))
        .map((c) => breakingHit(ctx, c));
    },
  };
}

export const breakingRules: Rule[] = [
  ...BREAKING_KINDS.map((k) => breakingRule(k.id, [k.kind], k.description)),
  breakingRule(GENERIC_ID, 'other', 'Any other change the semantic diff marks as breaking for downstream users.'),
];

/** True when every word of `detail` is already in `what` (e.g. "column `x` removed" after "Column `x` was removed"). */
function restates(detail: string, what: string): boolean {
  const words = (text: string) => text.toLowerCase().split(/[^a-z0-9_]+/).filter(Boolean);
  const said = new Set(words(what));
  return words(detail).every((w) => said.has(w));
}
