/**
 * A local OpenAI-compatible server (127.0.0.1, random port) for unit and end-to-end tests of the LLM stage.
 * It enforces what the real API enforces for chat completions (bearer auth, route, JSON body, model and messages,
 * temperature range, a strict json_schema's shape) and answers as each test scripts it: well-formed, malformed,
 * slow, 429 with retry-after, 5xx. Every request is recorded so tests can assert what was sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { countChatTokens, tokenCounter } from '../../../src/llm/tokens.js';

export interface FakeRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: ChatBody;
}

export interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
  temperature?: number;
  max_tokens?: number;
  max_completion_tokens?: number;
  response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: Record<string, unknown> } };
  [key: string]: unknown;
}

export type FakeReply =
  | { kind: 'completion'; content: string | null; refusal?: string; finishReason?: string; usage?: { prompt_tokens: number; completion_tokens: number } }
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'delay'; ms: number; then: FakeReply };

export type FakeHandler = (req: FakeRequest, index: number) => FakeReply | Promise<FakeReply>;

export interface FakeOpenAi {
  /** Base URL including `/v1`, as `OPENAI_BASE_URL` takes it. */
  baseURL: string;
  apiKey: string;
  /** Chat completion requests that passed validation, in arrival order (including retried ones). */
  requests: FakeRequest[];
  /** Every HTTP request received (also rejected ones). */
  allRequests: FakeRequest[];
  setHandler(handler: FakeHandler): void;
  close(): Promise<void>;
}

export const FAKE_API_KEY = 'sk-test-fake-0000000000000000000000';

const counter = tokenCounter('o200k_base');

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

function apiError(message: string, type: string, param: string | null = null, code: string | null = null): unknown {
  return { error: { message, type, param, code } };
}

/** Strict structured outputs: every object lists all its properties as required and forbids others. */
function strictSchemaProblem(schema: unknown, at = 'schema'): string | undefined {
  if (!schema || typeof schema !== 'object') return undefined;
  const s = schema as Record<string, unknown>;
  if (s['type'] === 'object' || (Array.isArray(s['type']) && s['type'].includes('object'))) {
    const props = (s['properties'] ?? {}) as Record<string, unknown>;
    if (s['additionalProperties'] !== false) return `${at}: additionalProperties must be false`;
    const required = Array.isArray(s['required']) ? (s['required'] as string[]) : [];
    const missing = Object.keys(props).filter((k) => !required.includes(k));
    if (missing.length > 0) return `${at}: required is missing ${missing.join(', ')}`;
    for (const [k, v] of Object.entries(props)) {
      const p = strictSchemaProblem(v, `${at}.${k}`);
      if (p) return p;
    }
  }
  if (s['items']) return strictSchemaProblem(s['items'], `${at}[]`);
  return undefined;
}

function validate(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return 'body must be a JSON object';
  const b = body as ChatBody;
  if (typeof b.model !== 'string' || b.model === '') return "you must provide a model parameter";
  if (!Array.isArray(b.messages) || b.messages.length === 0) return "'messages' must be a non-empty array";
  for (const m of b.messages) {
    if (!['system', 'user', 'assistant', 'developer', 'tool'].includes(m.role)) return `invalid role ${m.role}`;
    if (typeof m.content !== 'string') return 'message content must be a string';
  }
  if (b.temperature !== undefined && (typeof b.temperature !== 'number' || b.temperature < 0 || b.temperature > 2)) return 'temperature must be in [0, 2]';
  const rf = b.response_format;
  if (rf) {
    if (rf.type === 'json_schema') {
      if (!rf.json_schema || !/^[a-zA-Z0-9_-]{1,64}$/.test(rf.json_schema.name)) return 'response_format.json_schema.name is invalid';
      if (rf.json_schema.strict) {
        const p = strictSchemaProblem(rf.json_schema.schema);
        if (p) return `Invalid schema for response_format '${rf.json_schema.name}': ${p}`;
      }
    } else if (rf.type === 'json_object') {
      if (!b.messages.some((m) => /json/i.test(m.content))) return "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'";
    } else if (rf.type !== 'text') return `invalid response_format type ${rf.type}`;
  }
  return undefined;
}

export async function startFakeOpenAi(handler?: FakeHandler): Promise<FakeOpenAi> {
  let current: FakeHandler = handler ?? (() => ({ kind: 'completion', content: '{"findings":[]}' }));
  const requests: FakeRequest[] = [];
  const allRequests: FakeRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const reply = async (res: ServerResponse, req: FakeRequest, r: FakeReply): Promise<void> => {
    if (r.kind === 'delay') {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, r.ms);
        timers.add(t);
        res.on('close', () => {
          clearTimeout(t);
          timers.delete(t);
          resolve();
        });
      });
      if (res.destroyed || res.writableEnded) return;
      return reply(res, req, r.then);
    }
    if (r.kind === 'status') {
      send(res, r.status, r.body ?? apiError(`fake status ${r.status}`, r.status === 429 ? 'rate_limit_exceeded' : 'server_error'), r.headers);
      return;
    }
    const promptTokens = countChatTokens(counter, req.body.messages);
    send(res, 200, {
      id: `chatcmpl-fake-${requests.length}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: req.body.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: r.content, refusal: r.refusal ?? null },
          finish_reason: r.finishReason ?? 'stop',
          logprobs: null,
        },
      ],
      usage: r.usage ?? {
        prompt_tokens: promptTokens,
        completion_tokens: counter.count(r.content ?? ''),
        total_tokens: promptTokens + counter.count(r.content ?? ''),
      },
    });
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = raw === '' ? undefined : JSON.parse(raw);
        } catch {
          body = undefined;
        }
        const record: FakeRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw, body: body as ChatBody };
        allRequests.push(record);
        if (req.headers.authorization !== `Bearer ${FAKE_API_KEY}`) {
          return send(res, 401, apiError('Incorrect API key provided.', 'invalid_request_error', null, 'invalid_api_key'));
        }
        if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/v1/chat/completions') {
          return send(res, 404, apiError(`Unknown request URL: ${req.method} ${req.url}`, 'invalid_request_error', null, 'unknown_url'));
        }
        if (body === undefined) return send(res, 400, apiError('We could not parse the JSON body of your request.', 'invalid_request_error'));
        const problem = validate(body);
        if (problem) return send(res, 400, apiError(problem, 'invalid_request_error'));
        const index = requests.length;
        requests.push(record);
        try {
          await reply(res, record, await current(record, index));
        } catch (e) {
          send(res, 500, apiError(`fake handler threw: ${(e as Error).message}`, 'server_error'));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    apiKey: FAKE_API_KEY,
    requests,
    allRequests,
    setHandler(h) {
      current = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A well-formed completion whose content is the given findings as JSON. */
export function answer(findings: unknown[]): FakeReply {
  return { kind: 'completion', content: JSON.stringify({ findings }) };
}

export interface PromptDiffLine {
  path: string;
  line: number;
  mark: '+' | ' ';
  text: string;
}

/** Lines with head line numbers in a request's user message (`<n> |+ text` under `diff of <path>:`). */
export function promptDiffLines(req: FakeRequest): PromptDiffLine[] {
  const user = req.body.messages.find((m) => m.role === 'user')?.content ?? '';
  const out: PromptDiffLine[] = [];
  let path = '';
  for (const row of user.split('\n')) {
    const header = /^diff of (.+):$/.exec(row);
    if (header) {
      path = header[1]!;
      continue;
    }
    const m = /^\s*(\d+) \|([+ ])(?: (.*))?$/.exec(row);
    if (m && path) out.push({ path, line: Number(m[1]), mark: m[2] as '+' | ' ', text: m[3] ?? '' });
  }
  return out;
}

/** The user message of a request. */
export function userMessage(req: FakeRequest): string {
  return req.body.messages.find((m) => m.role === 'user')?.content ?? '';
}
