/** The LLM stage's public surface (the pipeline, CLI and GitHub app import from here). */
export { createLlmStage, llmStageFromEnv, planLlmReview, priceOf, DEFAULT_PRICES, ANSWER_JSON_SCHEMA, DEFAULT_REQUEST_TOKEN_LIMIT, MAX_LLM_FINDINGS } from './stage.js';
export type { CreateLlmStageOptions, LlmStageFromEnvOptions, LlmConfig, LlmPlan } from './stage.js';
export { MemoryLlmCache, FileLlmCache, sharedMemoryCache, requestCacheKey } from './cache.js';
export type { LlmCache, CachedAnswer } from './cache.js';
export { createOpenAiClient, LlmCallError } from './client.js';
export type { ChatClient, ChatRequest, ChatResult } from './client.js';
export { selectResidual } from './residual.js';
export type { ResidualItem, ResidualSelection } from './residual.js';
export { redactText, redactLines } from './redact.js';
export { tokenCounter, countChatTokens } from './tokens.js';
export { LLM_RULES, AI_PREFIX } from './validate.js';
export { loadPromptTemplate, findPromptsDir } from './prompt-loader.js';
