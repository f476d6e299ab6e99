/**
 * The LLM stage: residual selection -> redacted, fenced prompts within a token budget -> bounded-concurrency calls
 * (cached by request hash) -> validated AI findings and a report. Never throws: every failure becomes
 * `report.status` (`failed`, `over_budget`) with a human `detail`, and the deterministic review stands.
 */
import type { ReviewerConfig } from '../config.js';
import type { LlmStage, LlmStageInput, LlmStageOutput } from '../ports.js';
import type { Finding, LlmReport, LlmStatus } from '../review/types.js';
import { describeLeftOut, planRequests, type BudgetPlan, type PlannedRequest } from './budget.js';
import { requestCacheKey, sharedMemoryCache, FileLlmCache, type LlmCache } from './cache.js';
import { createOpenAiClient, LlmCallError, type ChatClient } from './client.js';
import { loadPromptTemplate } from './prompt-loader.js';
import type { PromptTemplate } from './prompt.js';
import { selectResidual, type ResidualSelection } from './residual.js';
import { tokenCounter, type TokenCounter } from './tokens.js';
import { indexSentLines, parseAnswer, validateFindings } from './validate.js';
import { plural } from '../review/plural.js';

export type LlmConfig = ReviewerConfig['llm'];

/** Default per-request prompt limit: large enough for a few models with context, small enough to keep focus. */
export const DEFAULT_REQUEST_TOKEN_LIMIT = 12_000;
/** At most this many AI findings per run reach the review (warnings first). */
export const MAX_LLM_FINDINGS = 25;

/** USD per million tokens (list prices; override or extend with `llm.prices`). Dated variants match by prefix. */
export const DEFAULT_PRICES: Record<string, { input: number; output: number }> = {
  'gpt-4.1': { input: 2.0, output: 8.0 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4o': { input: 2.5, output: 10.0 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-5': { input: 1.25, output: 10.0 },
  'gpt-5-mini': { input: 0.25, output: 2.0 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
  'o4-mini': { input: 1.1, output: 4.4 },
  'o3-mini': { input: 1.1, output: 4.4 },
};

export function priceOf(model: string, prices: LlmConfig['prices']): { input: number; output: number } | undefined {
  const table = { ...DEFAULT_PRICES, ...prices };
  if (table[model]) return table[model];
  const prefix = Object.keys(table)
    .filter((k) => model.startsWith(`${k}-`))
    .sort((a, b) => b.length - a.length)[0];
  return prefix ? table[prefix] : undefined;
}

/** The JSON schema sent as structured output (strict mode: every key required, no extra keys). Mirrors `llmAnswerSchema`. */
export const ANSWER_JSON_SCHEMA: { name: string; schema: Record<string, unknown> } = {
  name: 'dbt_review_findings',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['findings'],
    properties: {
      findings: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['path', 'line', 'quote', 'severity', 'category', 'model', 'column', 'message', 'consequence'],
          properties: {
            path: { type: 'string', description: 'Repository path of the file, exactly as shown in the diff header.' },
            line: { type: 'integer', description: 'Head-revision line number shown left of an added or context line.' },
            quote: { type: 'string', description: 'A few words copied verbatim from that line.' },
            severity: { type: 'string', enum: ['warning', 'info'] },
            category: { type: 'string', enum: ['breaking', 'semantics', 'data_quality', 'performance'] },
            model: { type: ['string', 'null'] },
            column: { type: ['string', 'null'] },
            message: { type: 'string', description: 'One sentence: what changed.' },
            consequence: { type: 'string', description: 'One sentence: the concrete effect on rows, values or downstream users.' },
          },
        },
      },
    },
  },
};

export interface CreateLlmStageOptions {
  apiKey: string;
  baseURL?: string;
  config: LlmConfig;
  cache?: LlmCache;
  fetch?: typeof fetch;
  /** Retries per model after the first attempt (bounded; default 2). */
  maxRetries?: number;
  /** Longest `retry-after` honoured (default 20 s); a longer one fails the request at once. */
  maxRetryDelayMs?: number;
  /** Prompt tokens per request (default 12,000, never above `config.maxInputTokens`). */
  requestTokenLimit?: number;
  /** Wall-clock bound for the whole stage (default: timeout x (retries + 2)). */
  runTimeoutMs?: number;
  /** Folder of prompt templates (default: the package's `prompts/`). */
  promptsDir?: string;
  /** Replaces the OpenAI client (tests of the stage logic). */
  client?: ChatClient;
}

export interface LlmPlan {
  template: PromptTemplate;
  selection: ResidualSelection;
  plan: BudgetPlan;
  counter: TokenCounter;
}

/** Everything the stage would send, without sending it (the token benchmark and `--dry-run` style tools use this). */
export async function planLlmReview(
  input: Pick<LlmStageInput, 'review' | 'request' | 'head'>,
  config: LlmConfig,
  options: { requestTokenLimit?: number; promptsDir?: string; template?: PromptTemplate } = {},
): Promise<LlmPlan> {
  const template = options.template ?? (await loadPromptTemplate(undefined, options.promptsDir));
  const counter = tokenCounter(config.model);
  const selection = selectResidual({ review: input.review, request: input.request, head: input.head });
  const plan = planRequests({
    items: selection.items,
    template,
    pr: input.request.pr ? { title: input.request.pr.title, body: input.request.pr.body } : undefined,
    counter,
    maxInputTokens: config.maxInputTokens,
    requestTokenLimit: options.requestTokenLimit ?? DEFAULT_REQUEST_TOKEN_LIMIT,
  });
  return { template, selection, plan, counter };
}

interface RequestOutcome {
  ok: boolean;
  cached: boolean;
  findings: Finding[];
  dropped: number;
  inputTokens: number;
  outputTokens: number;
  model?: string;
  costUsd?: number;
  /** Model with no known price. */
  unpriced?: string;
  error?: string;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}


export function createLlmStage(options: CreateLlmStageOptions): LlmStage {
  const config = options.config;
  const cache = options.cache ?? sharedMemoryCache();
  const maxRetries = options.maxRetries ?? 2;
  const timeoutMs = Math.max(1, Math.round(config.timeoutSeconds * 1000));
  const client =
    options.client ??
    createOpenAiClient({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      timeoutMs,
      maxRetries,
      maxRetryDelayMs: options.maxRetryDelayMs,
      fetch: options.fetch,
    });
  const models = [config.model, ...config.fallbackModels.filter((m) => m !== config.model)];
  const runTimeoutMs = options.runTimeoutMs ?? timeoutMs * (maxRetries + 2) + 30_000;

  function cacheKey(model: string, request: PlannedRequest, promptVersion: string): string {
    return requestCacheKey({
      endpoint: client.endpoint,
      model,
      messages: request.messages,
      schema: ANSWER_JSON_SCHEMA,
      maxOutputTokens: config.maxOutputTokens,
      temperature: 0,
      promptVersion,
    });
  }

  async function execute(
    request: PlannedRequest,
    template: PromptTemplate,
    counter: TokenCounter,
    modelByPath: Map<string, string>,
    signal: AbortSignal,
  ): Promise<RequestOutcome> {
    const ctx = { lines: indexSentLines(request.lines), modelByPath };
    const price = (model: string, input: number, output: number): Pick<RequestOutcome, 'costUsd' | 'unpriced'> => {
      const p = priceOf(model, config.prices);
      return p ? { costUsd: (input * p.input + output * p.output) / 1e6 } : { unpriced: model };
    };

    for (const model of models) {
      const hit = await cache.get(cacheKey(model, request, template.version)).catch(() => undefined);
      if (!hit) continue;
      const parsed = parseAnswer(hit.content);
      if (!parsed.ok) continue;
      const v = validateFindings(parsed.findings, ctx);
      return { ok: true, cached: true, findings: v.findings, dropped: v.dropped.length, inputTokens: 0, outputTokens: 0, model: hit.model };
    }

    const errors: string[] = [];
    let inputTokens = 0;
    let outputTokens = 0;
    let cost: number | undefined = 0;
    let unpriced: string | undefined;
    for (const model of models) {
      try {
        const answer = await client.complete(
          { model, messages: request.messages, maxOutputTokens: config.maxOutputTokens, schema: ANSWER_JSON_SCHEMA },
          signal,
        );
        const inTok = answer.inputTokens ?? request.inputTokens;
        const outTok = answer.outputTokens ?? counter.count(answer.content ?? '');
        inputTokens += inTok;
        outputTokens += outTok;
        const priced = price(model, inTok, outTok);
        if (priced.unpriced) unpriced = priced.unpriced;
        cost = cost !== undefined && priced.costUsd !== undefined ? cost + priced.costUsd : undefined;
        const parsed = parseAnswer(answer.content);
        if (!parsed.ok) {
          const truncated = answer.finishReason === 'length' ? ' (cut at max output tokens)' : '';
          errors.push(`${model}: malformed answer: ${parsed.reason}${truncated}`);
          continue;
        }
        const v = validateFindings(parsed.findings, ctx);
        await cache
          .set(cacheKey(model, request, template.version), {
            content: answer.content ?? '',
            model,
            inputTokens: inTok,
            outputTokens: outTok,
            createdAt: new Date().toISOString(),
          })
          .catch(() => undefined);
        return { ok: true, cached: false, findings: v.findings, dropped: v.dropped.length, inputTokens, outputTokens, model, costUsd: cost, unpriced };
      } catch (err) {
        const e = err instanceof LlmCallError ? err : new LlmCallError('connection', err instanceof Error ? err.message : String(err));
        errors.push(`${model}: ${e.kind === 'aborted' ? `stopped: the LLM stage ran out of time (${Math.round(runTimeoutMs / 1000)} s)` : e.message}`);
        if (!e.tryFallback) break;
      }
    }
    return { ok: false, cached: false, findings: [], dropped: 0, inputTokens, outputTokens, costUsd: cost, unpriced, error: errors.join('; ') };
  }

  return {
    async run(input: LlmStageInput): Promise<LlmStageOutput> {
      const base: LlmReport = { status: 'failed', model: config.model, inputTokens: 0, outputTokens: 0, findingsDropped: 0 };
      let template: PromptTemplate;
      try {
        template = await loadPromptTemplate(undefined, options.promptsDir);
      } catch (e) {
        return { findings: [], report: { ...base, detail: `prompt template could not be loaded: ${(e as Error).message}` } };
      }
      base.promptVersion = template.version;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), runTimeoutMs);
      try {
        const { selection, plan, counter } = await planLlmReview(input, config, {
          requestTokenLimit: options.requestTokenLimit,
          template,
        });
        const notSentText =
          selection.notSent.length > 0 ? `${plural(selection.notSent.length, 'changed file')} needed no AI review (formatting only or explained by the rules)` : '';
        if (selection.items.length === 0) {
          return {
            findings: [],
            report: {
              ...base,
              status: 'ran',
              detail: ['nothing left for the LLM: every change was settled by the deterministic analysis', notSentText].filter(Boolean).join('; '),
            },
          };
        }
        const modelByPath = new Map(selection.items.filter((i) => i.kind !== 'macro').map((i) => [i.path, i.name] as const));
        const outcomes = await mapLimit(plan.requests, config.concurrency, (r) => execute(r, template, counter, modelByPath, controller.signal));

        // Merge: dedupe by fingerprint, drop repeats of deterministic findings (same path, line and column).
        const deterministic = input.review.findings.filter((f) => f.origin !== 'llm');
        const seen = new Set<string>();
        let repeats = 0;
        const merged: Finding[] = [];
        for (const o of outcomes) {
          for (const f of o.findings) {
            if (seen.has(f.fingerprint)) continue;
            seen.add(f.fingerprint);
            if (deterministic.some((d) => d.path === f.path && d.line === f.line && (d.column ?? '') === (f.column ?? '') && d.column !== undefined)) {
              repeats++;
              continue;
            }
            merged.push(f);
          }
        }
        merged.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'warning' ? -1 : 1));
        const findings = merged.slice(0, MAX_LLM_FINDINGS);
        const capped = merged.length - findings.length;

        const failed = outcomes.filter((o) => !o.ok);
        const fresh = outcomes.filter((o) => o.ok && !o.cached);
        const cached = outcomes.filter((o) => o.cached).length;
        const usedModels = [...new Set(outcomes.map((o) => o.model).filter((m): m is string => !!m))];
        const unpriced = [...new Set(outcomes.map((o) => o.unpriced).filter((m): m is string => !!m))];
        const cost = outcomes.every((o) => o.costUsd !== undefined || o.cached) ? outcomes.reduce((n, o) => n + (o.costUsd ?? 0), 0) : undefined;
        const leftOut = describeLeftOut(plan.leftOut);

        let status: LlmStatus = 'ran';
        if (failed.length > 0) status = 'failed';
        else if (plan.leftOut.length > 0) status = 'over_budget';

        const sentNames = plan.requests.flatMap((r) => r.itemIds);
        const detail: string[] = [];
        if (failed.length > 0) {
          detail.push(
            `${failed.length} of ${plural(plan.requests.length, 'request')} failed (${[...new Set(failed.map((f) => f.error))].join(' | ')})` +
              (failed.length < plan.requests.length ? '; findings of the other requests are included' : ''),
          );
        }
        if (plan.requests.length === 0 && plan.leftOut.length > 0) detail.push('nothing fitted the token budget');
        if (plan.leftOut.length > 0) detail.push(`left out over budget: ${plan.leftOut.map((l) => l.name).join(', ')}`);
        detail.push(
          `reviewed ${plural(new Set(sentNames).size, 'item')} in ${plural(plan.requests.length, 'request')}` +
            (cached > 0 ? ` (${cached} from cache, at no cost)` : ''),
        );
        if (notSentText) detail.push(notSentText);
        if (plan.redactions.count > 0) detail.push(`${plural(plan.redactions.count, 'secret')} redacted before sending`);
        if (repeats > 0) detail.push(`${plural(repeats, 'AI finding')} repeating a rule finding omitted`);
        if (capped > 0) detail.push(`${capped} more AI finding(s) not shown (limit ${MAX_LLM_FINDINGS})`);
        if (unpriced.length > 0) detail.push(`no price for ${unpriced.join(', ')} (set llm.prices)`);
        if (fresh.length === 0 && cached > 0 && failed.length === 0) detail.push('no tokens spent');

        const report: LlmReport = {
          ...base,
          status,
          model: usedModels.length > 0 ? usedModels.join(', ') : config.model,
          inputTokens: outcomes.reduce((n, o) => n + o.inputTokens, 0),
          outputTokens: outcomes.reduce((n, o) => n + o.outputTokens, 0),
          findingsDropped: outcomes.reduce((n, o) => n + o.dropped, 0),
          detail: detail.join('; '),
          estimatedCostUsd: cost,
          leftOut: leftOut.length > 0 ? leftOut : undefined,
          requests: plan.requests.length,
          cachedRequests: cached,
          redactions: plan.redactions.count,
        };
        return { findings, report };
      } catch (e) {
        return { findings: [], report: { ...base, detail: `LLM stage error: ${(e as Error).message}` } };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export interface LlmStageFromEnvOptions {
  cache?: LlmCache;
  fetch?: typeof fetch;
  maxRetries?: number;
  requestTokenLimit?: number;
}

/**
 * The stage as the CLI and the app configure it: `OPENAI_API_KEY` (required), `OPENAI_BASE_URL` (any
 * OpenAI-compatible endpoint), `DBT_PR_REVIEWER_LLM_MODEL` (overrides `llm.model`), `DBT_PR_REVIEWER_LLM_CACHE_DIR`
 * (file-backed cache; default: the process-wide in-memory cache). Without a key or with `llm.enabled: false`,
 * returns why there is no stage, for `ReviewPorts.llmAbsentReason`.
 */
export function llmStageFromEnv(
  env: Record<string, string | undefined>,
  config: ReviewerConfig | LlmConfig,
  options: LlmStageFromEnvOptions = {},
): { stage?: LlmStage; absent?: { status: 'skipped' | 'disabled'; detail: string } } {
  const llm: LlmConfig = 'llm' in config ? config.llm : config;
  if (!llm.enabled) return { absent: { status: 'disabled', detail: 'LLM review disabled by config (`llm.enabled: false`)' } };
  const apiKey = env['OPENAI_API_KEY']?.trim();
  if (!apiKey) return { absent: { status: 'skipped', detail: 'OPENAI_API_KEY is not set; only the deterministic checks ran' } };
  const baseURL = env['OPENAI_BASE_URL']?.trim() || undefined;
  if (baseURL !== undefined) {
    try {
      const u = new URL(baseURL);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    } catch {
      return { absent: { status: 'skipped', detail: `OPENAI_BASE_URL is not a valid http(s) URL; the LLM stage did not run` } };
    }
  }
  const modelOverride = env['DBT_PR_REVIEWER_LLM_MODEL']?.trim();
  const cacheDir = env['DBT_PR_REVIEWER_LLM_CACHE_DIR']?.trim();
  const cache = options.cache ?? (cacheDir ? new FileLlmCache(cacheDir) : sharedMemoryCache());
  return {
    stage: createLlmStage({
      apiKey,
      baseURL,
      config: modelOverride ? { ...llm, model: modelOverride } : llm,
      cache,
      fetch: options.fetch,
      maxRetries: options.maxRetries,
      requestTokenLimit: options.requestTokenLimit,
    }),
  };
}
