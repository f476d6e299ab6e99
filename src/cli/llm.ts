/**
 * Whether the LLM stage runs, and the stage itself. It runs when OPENAI_API_KEY is set (endpoint
 * OPENAI_BASE_URL), unless `--no-llm` or the config's `llm.enabled: false` turns it off.
 */
import type { ReviewerConfig } from '../config.js';
import type { ReviewPorts } from '../ports.js';

export type LlmPorts = Pick<ReviewPorts, 'llm' | 'llmAbsentReason'>;

export async function resolveLlm(env: Record<string, string | undefined>, config: ReviewerConfig, noLlm: boolean): Promise<LlmPorts> {
  if (noLlm) return { llmAbsentReason: { status: 'disabled', detail: 'LLM review turned off with --no-llm' } };
  // Loaded on demand: the OpenAI client is only needed when the stage can run.
  const { llmStageFromEnv } = await import('../llm/stage.js');
  const { stage, absent } = llmStageFromEnv(env, config);
  if (stage) return { llm: stage };
  return { llmAbsentReason: absent ?? { status: 'skipped', detail: 'no LLM stage' } };
}
