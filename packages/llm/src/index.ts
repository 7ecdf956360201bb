/** @tradekit/llm public API. The plugins are the subpath exports `./sentiment`, `./researcher`, `./critic`. */
export { LlmErrorCodes, llmError, type LlmErrorCode } from './errors.js';
export type { ChatMessage, LlmCall, LlmCallRecord, LlmFailure, LlmOutcome, LlmProvider, ProviderReply, ProviderRequest } from './types.js';
export { LlmClient, type LlmClientOptions, type LlmMode, type LlmStats } from './client.js';
export { Budget, type BudgetLimits } from './budget.js';
export { canonicalJson, inputsKey } from './hash.js';
export { parseReply } from './validate.js';
export { OpenAiCompatibleProvider, type OpenAiProviderOptions } from './providers/openai.js';
export { OllamaProvider, type OllamaProviderOptions } from './providers/ollama.js';
export { MemoryLlmStore, LLM_CALLS_TOKEN, type LlmRecordStore, type LlmCallQuery, type LlmCallsView } from './record/store.js';
export { KnexLlmStore, LLM_CALLS_TABLE, openLlmStore } from './record/knex-store.js';
export { LLM_MODE_ENV, LLM_SECTION_SCHEMA, ON_FAILURE_SCHEMA, effectiveMode, type LlmSection } from './config.js';
export { SizeOverlay, OVERLAY_STAGE } from './overlay.js';
export { FileHeadlines, HttpHeadlines, parseHeadlines, type Headline, type HeadlineSource } from './sentiment/feed.js';
export {
  SentimentAnalyzer,
  SENTIMENT_SCHEMA,
  EMOTIONS,
  emotionFactor,
  sentimentVeto,
  type Emotion,
  type Sentiment,
  type GateRules,
} from './sentiment/analyzer.js';
export { RESEARCH_SCHEMA, type ResearchVerdict } from './plugins/researcher.js';
export { CRITIC_SCHEMA, CRITIC_KEY_PREFIX, type CriticReview, type StoredReview } from './plugins/critic.js';
export { LLM_VERSION } from './version.js';
