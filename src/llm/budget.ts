/**
 * The per-run token budget: residual items, already ordered by risk, are rendered and packed into requests of at
 * most `requestTokenLimit` prompt tokens each, while the sum of all requests stays within `maxInputTokens`.
 * An item is sent whole (possibly over several parts) or not at all; items that do not fit are left out and named.
 * Counts are exact (the assembled messages are counted with the model's tokenizer). Pure.
 */
import {
  assembleRequest,
  newTally,
  renderItemParts,
  renderPr,
  requestOverhead,
  type AssembledRequest,
  type PrInfo,
  type PromptTemplate,
  type RedactionTally,
  type RenderedPart,
  type SentLine,
} from './prompt.js';
import type { ResidualItem } from './residual.js';
import type { TokenCounter } from './tokens.js';

export interface PlannedRequest extends AssembledRequest {
  /** Item ids (paths) covered, in order. */
  itemIds: string[];
  parts: RenderedPart[];
  /** Lines a finding of this request may cite. */
  lines: SentLine[];
}

export interface LeftOut {
  path: string;
  name: string;
  kind: ResidualItem['kind'];
  tokens: number;
  reason: string;
}

export interface BudgetPlan {
  requests: PlannedRequest[];
  leftOut: LeftOut[];
  /** Sum of the requests' prompt tokens. */
  inputTokens: number;
  /** Tokens of a request with no items (system prompt, PR description, framing). */
  overhead: number;
  redactions: RedactionTally;
}

export interface PlanOptions {
  items: readonly ResidualItem[];
  template: PromptTemplate;
  pr?: PrInfo;
  counter: TokenCounter;
  maxInputTokens: number;
  requestTokenLimit: number;
}

/** Tokens between two parts in a request (the blank line joining them). */
const JOIN_TOKENS = 1;

interface Draft {
  parts: RenderedPart[];
  tokens: number; // estimate
}

export function planRequests(options: PlanOptions): BudgetPlan {
  const { items, template, counter, maxInputTokens } = options;
  const requestLimit = Math.min(options.requestTokenLimit, maxInputTokens);
  const redactions = newTally();
  const prSection = renderPr(options.pr, redactions);
  const overhead = requestOverhead(template, prSection, counter);
  const leftOut: LeftOut[] = [];
  const drafts: Draft[] = [];
  let planned = 0;

  const room = requestLimit - overhead;
  for (const item of items) {
    if (room <= 16) {
      leftOut.push({ path: item.path, name: item.name, kind: item.kind, tokens: 0, reason: `the prompt alone (${overhead} tokens) fills the per-request limit of ${requestLimit}` });
      continue;
    }
    const tally = newTally();
    const parts = renderItemParts(item, counter, room, tally);
    const itemTokens = parts.reduce((n, p) => n + p.tokens + JOIN_TOKENS, 0);
    // Place the parts first-fit on a copy; commit only if the whole item fits the run budget.
    const trial = drafts.map((d) => ({ parts: [...d.parts], tokens: d.tokens }));
    let added = 0;
    let fits = true;
    for (const part of parts) {
      const cost = part.tokens + JOIN_TOKENS;
      const target = trial.find((d) => d.tokens + cost <= requestLimit);
      if (target) {
        target.parts.push(part);
        target.tokens += cost;
        added += cost;
      } else if (overhead + cost <= requestLimit) {
        trial.push({ parts: [part], tokens: overhead + cost });
        added += overhead + cost;
      } else {
        fits = false;
        break;
      }
    }
    if (!fits || planned + added > maxInputTokens) {
      const left = Math.max(0, maxInputTokens - planned);
      leftOut.push({
        path: item.path,
        name: item.name,
        kind: item.kind,
        tokens: itemTokens,
        reason: fits ? `over the token budget (needs ~${itemTokens} tokens, ${left} left of ${maxInputTokens})` : `larger than the per-request limit of ${requestLimit} tokens`,
      });
      continue;
    }
    drafts.splice(0, drafts.length, ...trial);
    planned += added;
    redactions.count += tally.count;
    for (const k of tally.kinds) redactions.kinds.add(k);
  }

  // Assemble with the real fences and exact counts; drop the last-placed item while a limit is exceeded.
  const itemOrder = items.map((i) => i.id);
  for (;;) {
    const requests = drafts.filter((d) => d.parts.length > 0).map((d) => toRequest(d.parts, template, prSection, counter));
    const total = requests.reduce((n, r) => n + r.inputTokens, 0);
    const over = requests.find((r) => r.inputTokens > requestLimit);
    if (total <= maxInputTokens && !over) {
      return { requests, leftOut, inputTokens: total, overhead, redactions };
    }
    // Lowest-risk item among the offending requests (or any, when the run total is the problem).
    const pool = over ? over.itemIds : requests.flatMap((r) => r.itemIds);
    const victim = [...pool].sort((a, b) => itemOrder.indexOf(b) - itemOrder.indexOf(a))[0];
    if (victim === undefined) return { requests: [], leftOut, inputTokens: 0, overhead, redactions };
    const item = items.find((i) => i.id === victim)!;
    let tokens = 0;
    for (const d of drafts) {
      tokens += d.parts.filter((p) => p.itemId === victim).reduce((n, p) => n + p.tokens, 0);
      d.parts = d.parts.filter((p) => p.itemId !== victim);
    }
    leftOut.push({ path: item.path, name: item.name, kind: item.kind, tokens, reason: `over the token budget (exact count exceeded the limit)` });
  }
}

function toRequest(parts: RenderedPart[], template: PromptTemplate, prSection: string, counter: TokenCounter): PlannedRequest {
  const assembled = assembleRequest(template, prSection, parts, counter);
  return {
    ...assembled,
    itemIds: [...new Set(parts.map((p) => p.itemId))],
    parts,
    lines: parts.flatMap((p) => p.lines),
  };
}

/** Human text naming what was left out, for the summary. */
export function describeLeftOut(leftOut: readonly LeftOut[]): string[] {
  return leftOut.map((l) => `${l.kind === 'macro' ? 'macro' : 'model'} ${l.name} (${l.path}): ${l.reason}`);
}
