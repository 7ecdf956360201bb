/** What goes to a model and what comes back, independent of the provider. */

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

/** One provider call: messages plus the JSON schema the answer must match. */
export interface ProviderRequest {
  model: string;
  messages: ChatMessage[];
  /** The decision schema (a JSON schema object), sent to providers that can enforce it. */
  schema: Record<string, unknown>;
  schemaName: string;
  temperature: number;
  maxTokens: number;
}

export interface ProviderReply {
  /** The raw text of the answer (parsed and validated by the client, never by the provider). */
  text: string;
  promptTokens: number;
  completionTokens: number;
}

/**
 * A provider speaks one wire protocol. It throws a TradekitError classified `retryable` (429 with
 * `retryAfterMs` when the server said, 5xx, network) or `nonRetryable`; the client retries, times out
 * and validates.
 */
export interface LlmProvider {
  readonly name: string;
  complete(req: ProviderRequest, signal: AbortSignal): Promise<ProviderReply>;
}

/** What a plugin asks: the prompt, the schema, and the simulated time the decision belongs to. */
export interface LlmCall {
  /** `sentiment`, `researcher`, `critic`: which plugin's decision. */
  kind: string;
  /** What the decision is about: a symbol, a position id. */
  subject: string;
  system: string;
  user: string;
  schemaName: string;
  schema: Record<string, unknown>;
  /** Clock time (the bar's time in a backtest): part of the cache and record key. */
  time: number;
}

export type LlmFailure = 'timeout' | 'rate_limited' | 'provider' | 'invalid' | 'budget' | 'replay_missing' | 'store';

/** What the client answers: a validated value, or why there is none (never a half-parsed value). */
export type LlmOutcome<T> =
  | { ok: true; value: T; key: string; source: 'live' | 'cache' | 'replay' }
  | { ok: false; failure: LlmFailure; code: string; message: string; key: string };

/** One stored request/response: the LLM calls table row. */
export interface LlmCallRecord {
  key: string;
  run: string;
  plugin: string;
  kind: string;
  subject: string;
  /** Simulated (clock) time of the decision. */
  time: number;
  provider: string;
  model: string;
  request: { system: string; user: string; schemaName: string };
  /** Raw reply text (redacted), when there was one. */
  response?: string;
  /** The validated value (only when `outcome` is `ok`). */
  parsed?: unknown;
  outcome: 'ok' | LlmFailure;
  error?: string;
  promptTokens: number;
  completionTokens: number;
  cost: number;
  /** Wall-clock duration of the call, ms (0 for replays). */
  latencyMs: number;
}
