/**
 * Token counting with a real BPE tokenizer (js-tiktoken with the ranks it ships; nothing is downloaded).
 * `o200k_base` for current OpenAI models (gpt-4o, gpt-4.1, gpt-5, o-series), `cl100k_base` for gpt-4/gpt-3.5.
 * Other OpenAI-compatible models (Llama, Mistral, Qwen...) use other tokenizers; o200k is used as the estimate.
 */
import { Tiktoken } from 'js-tiktoken/lite';
import o200k_base from 'js-tiktoken/ranks/o200k_base';
import cl100k_base from 'js-tiktoken/ranks/cl100k_base';

export type EncodingName = 'o200k_base' | 'cl100k_base';

export interface TokenCounter {
  readonly encoding: EncodingName;
  count(text: string): number;
}

/** Per-message overhead of the chat format (`<|start|>role<|message|>...<|end|>`), and the reply priming. */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_REPLY_PRIMING = 3;

const encoders = new Map<EncodingName, Tiktoken>();

function encoder(name: EncodingName): Tiktoken {
  let enc = encoders.get(name);
  if (!enc) {
    enc = new Tiktoken(name === 'o200k_base' ? o200k_base : cl100k_base);
    encoders.set(name, enc);
  }
  return enc;
}

export function encodingForModel(model: string): EncodingName {
  const m = model.toLowerCase().replace(/^.*\//, ''); // `openai/gpt-4o` (routers) -> `gpt-4o`
  if (/^(gpt-4(?![.o])|gpt-4-|gpt-3\.5|gpt-35|text-embedding-(ada|3))/.test(m)) return 'cl100k_base';
  return 'o200k_base';
}

export function tokenCounter(modelOrEncoding: string): TokenCounter {
  const encoding: EncodingName =
    modelOrEncoding === 'o200k_base' || modelOrEncoding === 'cl100k_base' ? modelOrEncoding : encodingForModel(modelOrEncoding);
  const enc = encoder(encoding);
  return {
    encoding,
    // Special-token text in untrusted content is counted as ordinary text (never as control tokens).
    count: (text: string) => (text === '' ? 0 : enc.encode(text, [], []).length),
  };
}

export interface ChatMessageLike {
  role: string;
  content: string;
}

/** Prompt tokens of a chat request, as the API bills them (content + per-message framing + reply priming). */
export function countChatTokens(counter: TokenCounter, messages: readonly ChatMessageLike[]): number {
  let total = TOKENS_REPLY_PRIMING;
  for (const m of messages) total += TOKENS_PER_MESSAGE + counter.count(m.role) + counter.count(m.content);
  return total;
}
