/**
 * The edge to the model: a narrow `ChatClient` interface and its implementation on the OpenAI SDK, for any
 * OpenAI-compatible endpoint. Timeouts and retries are bounded here (the SDK's own retries are off because it
 * honours any `retry-after`, however long): at most `maxRetries` retries on timeouts, connection errors, 408, 409,
 * 429 and 5xx, waiting what `retry-after(-ms)` asks when that is at most `maxRetryDelayMs`, else giving up at once.
 * Endpoints that reject a parameter (`max_tokens` on reasoning models, `temperature` 0, `json_schema` response
 * formats on some compatible servers) are retried once with the supported form.
 */
import OpenAI, { APIError } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { ChatMessage } from './prompt.js';

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  maxOutputTokens: number;
  /** JSON schema of the answer (sent as strict structured output). */
  schema: { name: string; schema: Record<string, unknown> };
}

export interface ChatResult {
  content: string | null;
  /** Model that answered (as the endpoint reports it, else the one asked). */
  model: string;
  inputTokens?: number;
  outputTokens?: number;
  finishReason?: string;
  /** HTTP attempts made (1 = no retry). */
  attempts: number;
}

export type LlmErrorKind =
  | 'timeout'
  | 'rate_limited'
  | 'server_error'
  | 'connection'
  | 'auth'
  | 'model_not_found'
  | 'bad_request'
  | 'refused'
  | 'aborted';

export class LlmCallError extends Error {
  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    readonly details: { status?: number; attempts: number; retryAfterMs?: number } = { attempts: 1 },
  ) {
    super(message);
    this.name = 'LlmCallError';
  }

  /** Whether another model on the same endpoint may succeed where this one failed. */
  get tryFallback(): boolean {
    return this.kind !== 'auth' && this.kind !== 'aborted';
  }
}

export interface ChatClient {
  /** Endpoint identity (part of the cache key). */
  readonly endpoint: string;
  complete(request: ChatRequest, signal?: AbortSignal): Promise<ChatResult>;
}

export interface OpenAiClientOptions {
  apiKey: string;
  /** OpenAI-compatible endpoint; default `https://api.openai.com/v1`. */
  baseURL?: string;
  /** Per-attempt timeout. */
  timeoutMs: number;
  /** Retries after the first attempt. Default 2. */
  maxRetries?: number;
  /** Longest wait honoured between attempts (a longer `retry-after` fails at once). Default 20 s. */
  maxRetryDelayMs?: number;
  fetch?: typeof fetch;
  /** Injectable sleep (tests). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

type Adaptation = 'max_completion_tokens' | 'no_temperature' | 'json_object';

function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new LlmCallError('aborted', 'aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new LlmCallError('aborted', 'aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Delay the server asks for (`retry-after-ms`, `retry-after` in seconds or as an HTTP date), if any. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers.get('retry-after');
  if (ra === null || ra.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Math.max(0, Number(ra) * 1000);
  const date = Date.parse(ra);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

function backoffMs(attempt: number): number {
  return Math.min(500 * 2 ** attempt, 8000) * (1 - Math.random() * 0.25);
}

function errorText(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  const inner = body && typeof body.message === 'string' ? body.message : '';
  return `${err.message} ${inner} ${err.param ?? ''} ${err.code ?? ''}`.toLowerCase();
}

/** Which parameter a 400 rejects, if it is one we can adapt. */
function adaptationFor(err: APIError, applied: ReadonlySet<Adaptation>): Adaptation | undefined {
  const text = errorText(err);
  if (!applied.has('max_completion_tokens') && text.includes('max_tokens')) return 'max_completion_tokens';
  if (!applied.has('no_temperature') && text.includes('temperature')) return 'no_temperature';
  if (!applied.has('json_object') && (text.includes('response_format') || text.includes('json_schema') || text.includes('structured output'))) {
    return 'json_object';
  }
  return undefined;
}

function classify(err: unknown, attempts: number): LlmCallError {
  if (err instanceof LlmCallError) return err;
  if (err instanceof OpenAI.APIUserAbortError) return new LlmCallError('aborted', 'request aborted', { attempts });
  if (err instanceof OpenAI.APIConnectionTimeoutError) return new LlmCallError('timeout', 'the model did not answer within the timeout', { attempts });
  if (err instanceof OpenAI.APIConnectionError) {
    return new LlmCallError('connection', `could not reach the endpoint (${err.cause instanceof Error ? err.cause.message : err.message})`, { attempts });
  }
  if (err instanceof OpenAI.APIError) {
    const status = err.status;
    const short = (err.message || '').split('\n')[0]!.slice(0, 200);
    if (status === 401 || status === 403) return new LlmCallError('auth', `the endpoint refused the API key (HTTP ${status})`, { status, attempts });
    if (status === 404) return new LlmCallError('model_not_found', `model or route not found (HTTP 404): ${short}`, { status, attempts });
    if (status === 429) {
      return new LlmCallError('rate_limited', `rate limited (HTTP 429): ${short}`, { status, attempts, retryAfterMs: retryAfterMs(err.headers) });
    }
    if (status === 408) return new LlmCallError('timeout', 'the endpoint timed out (HTTP 408)', { status, attempts });
    if (status !== undefined && status >= 500) return new LlmCallError('server_error', `server error (HTTP ${status})`, { status, attempts });
    return new LlmCallError('bad_request', `request rejected (HTTP ${status ?? '?'}): ${short}`, { status, attempts });
  }
  return new LlmCallError('connection', err instanceof Error ? err.message : String(err), { attempts });
}

function retryable(e: LlmCallError): boolean {
  return e.kind === 'timeout' || e.kind === 'rate_limited' || e.kind === 'server_error' || e.kind === 'connection' || e.details.status === 409;
}

export function createOpenAiClient(options: OpenAiClientOptions): ChatClient {
  const baseURL = (options.baseURL ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
  const maxRetries = Math.max(0, Math.floor(options.maxRetries ?? 2));
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 20_000;
  const timeoutMs = Math.max(1, Math.round(options.timeoutMs));
  const sleep = options.sleep ?? sleepFor;
  const sdk = new OpenAI({
    apiKey: options.apiKey,
    baseURL,
    timeout: timeoutMs,
    maxRetries: 0,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  /** Parameters each model turned out not to support (kept for the life of the client). */
  const adaptations = new Map<string, Set<Adaptation>>();

  function body(request: ChatRequest, applied: ReadonlySet<Adaptation>): ChatCompletionCreateParamsNonStreaming {
    return {
      model: request.model,
      messages: request.messages,
      ...(applied.has('no_temperature') ? {} : { temperature: 0 }),
      ...(applied.has('max_completion_tokens') ? { max_completion_tokens: request.maxOutputTokens } : { max_tokens: request.maxOutputTokens }),
      response_format: applied.has('json_object')
        ? { type: 'json_object' }
        : { type: 'json_schema', json_schema: { name: request.schema.name, strict: true, schema: request.schema.schema } },
    };
  }

  return {
    endpoint: baseURL,
    async complete(request, signal) {
      let applied = adaptations.get(request.model) ?? new Set<Adaptation>();
      let attempts = 0;
      let retries = 0;
      for (;;) {
        attempts++;
        try {
          const completion = await sdk.chat.completions.create(body(request, applied), { timeout: timeoutMs, maxRetries: 0, signal });
          const choice = completion.choices?.[0];
          const message = choice?.message;
          if (message?.refusal) throw new LlmCallError('refused', `the model refused: ${message.refusal.slice(0, 200)}`, { attempts });
          return {
            content: message?.content ?? null,
            model: completion.model || request.model,
            inputTokens: completion.usage?.prompt_tokens,
            outputTokens: completion.usage?.completion_tokens,
            finishReason: choice?.finish_reason ?? undefined,
            attempts,
          };
        } catch (err) {
          if (err instanceof OpenAI.APIError && err.status === 400) {
            const adapt = adaptationFor(err, applied);
            if (adapt) {
              applied = new Set([...applied, adapt]);
              adaptations.set(request.model, applied);
              continue;
            }
          }
          const e = classify(err, attempts);
          if (signal?.aborted) throw new LlmCallError('aborted', 'request aborted', { attempts });
          if (!retryable(e) || retries >= maxRetries) {
            if (retries > 0 && retryable(e)) e.message = `${e.message}, after ${retries} retr${retries === 1 ? 'y' : 'ies'}`;
            throw e;
          }
          const asked = e.details.retryAfterMs ?? (err instanceof OpenAI.APIError ? retryAfterMs(err.headers) : undefined);
          if (asked !== undefined && asked > maxRetryDelayMs) {
            throw new LlmCallError(e.kind, `${e.message}; the endpoint asked to retry after ${Math.ceil(asked / 1000)} s, over the ${Math.ceil(maxRetryDelayMs / 1000)} s limit`, {
              ...e.details,
              retryAfterMs: asked,
            });
          }
          retries++;
          await sleep(asked ?? backoffMs(retries - 1), signal);
        }
      }
    },
  };
}
