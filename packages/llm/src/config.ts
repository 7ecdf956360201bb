/**
 * The `llm:` section every LLM plugin takes (provider, model, key variable, limits, mode, store) and
 * the client it builds. Keys come from the environment only: the config names the variable.
 */
import type { PluginContext } from '@tradekit/core';
import { LlmClient, type LlmMode } from './client.js';
import { llmError } from './errors.js';
import { OllamaProvider } from './providers/ollama.js';
import { OpenAiCompatibleProvider } from './providers/openai.js';
import { openSharedStore } from './record/shared.js';
import { LLM_CALLS_TOKEN, type LlmCallsView } from './record/store.js';
import type { LlmProvider } from './types.js';

/** Set by `tradekit backtest --llm <mode>`: overrides every LLM plugin's `llm.mode`. */
export const LLM_MODE_ENV = 'TRADEKIT_LLM_MODE';

export interface LlmSection {
  provider: 'openai' | 'ollama';
  model: string;
  baseURL?: string;
  apiKeyEnv?: string;
  apiKeySecret?: string;
  responseFormat: 'json_schema' | 'json_object' | 'none';
  temperature: number;
  maxTokens: number;
  timeoutMs: number;
  totalTimeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  maxRetryDelayMs: number;
  concurrency: number;
  budget: { maxTokens: number; maxCost: number; inputPricePerMTok: number; outputPricePerMTok: number };
  cacheEntries: number;
  mode: LlmMode;
  onMissing: 'error' | 'fallback';
  store: string;
}

export const LLM_SECTION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['model'],
  not: { required: ['apiKeyEnv', 'apiKeySecret'] },
  properties: {
    provider: {
      enum: ['openai', 'ollama'],
      default: 'openai',
      description: 'openai: any OpenAI-compatible chat-completions endpoint (hosted, or a local server by baseURL); ollama: Ollama native /api/chat',
    },
    model: { type: 'string', minLength: 1, description: 'model name as the endpoint knows it' },
    baseURL: {
      type: 'string',
      pattern: '^https?://',
      description: "endpoint root, e.g. http://127.0.0.1:11434/v1 (Ollama, OpenAI protocol), http://127.0.0.1:8080/v1 (llama.cpp); default: the provider's own",
    },
    apiKeyEnv: {
      type: 'string',
      pattern: '^[A-Z][A-Z0-9_]{0,63}$',
      description:
        'NAME of the environment variable holding the key (never the key itself); omit for a local server. Refused under tradekit serve: use apiKeySecret',
    },
    apiKeySecret: {
      type: 'string',
      minLength: 1,
      description: "name of an entry of the config's secrets: (e.g. secrets: { openai: ${OPENAI_API_KEY} }), which tradekit serve limits to env.allow",
    },
    responseFormat: {
      enum: ['json_schema', 'json_object', 'none'],
      default: 'json_object',
      description: 'openai provider: how JSON is asked for (json_schema where supported, json_object for most local servers)',
    },
    temperature: { type: 'number', minimum: 0, maximum: 2, default: 0.1 },
    maxTokens: { type: 'integer', minimum: 16, maximum: 32000, default: 400 },
    timeoutMs: { type: 'integer', minimum: 100, maximum: 120000, default: 10000, description: 'per attempt, wall clock' },
    totalTimeoutMs: {
      type: 'integer',
      minimum: 100,
      maximum: 600000,
      default: 25000,
      description: 'all attempts and retry waits of one call; keep it under engine.tapTimeoutMs (30 s by default)',
    },
    maxRetries: { type: 'integer', minimum: 0, maximum: 5, default: 2, description: 'retries on 429 / 5xx / network only' },
    retryBaseMs: { type: 'integer', minimum: 0, default: 500 },
    maxRetryDelayMs: { type: 'integer', minimum: 0, default: 5000, description: 'a retry-after above this ends the call instead of waiting' },
    concurrency: { type: 'integer', minimum: 1, maximum: 64, default: 2 },
    budget: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        maxTokens: { type: 'integer', minimum: 0, default: 0, description: 'per run; 0 = no limit' },
        maxCost: { type: 'number', minimum: 0, default: 0, description: 'per run, in the currency of the prices; 0 = no limit' },
        inputPricePerMTok: { type: 'number', minimum: 0, default: 0 },
        outputPricePerMTok: { type: 'number', minimum: 0, default: 0 },
      },
    },
    cacheEntries: { type: 'integer', minimum: 1, default: 2000 },
    mode: {
      enum: ['live', 'record', 'replay'],
      default: 'live',
      description: `live/record call the model and store every call; replay answers from the store and never calls; ${LLM_MODE_ENV} (tradekit backtest --llm) overrides`,
    },
    onMissing: {
      enum: ['error', 'fallback'],
      default: 'error',
      description: "replay without a recorded answer: TK_ERR_LLM_REPLAY_MISSING (the candidate is vetoed and the error reported) or the plugin's fallback",
    },
    store: {
      type: 'string',
      minLength: 1,
      default: 'sqlite://./llm-calls.db',
      description: 'the LLM calls table: sqlite://file (relative to the config), postgres://…, or memory:',
    },
  },
} as const;

/** The failure policy every LLM plugin takes. */
export const ON_FAILURE_SCHEMA = {
  enum: ['skip', 'block'],
  default: 'skip',
  description: 'an invalid, late, failed or over-budget answer: skip (decide without the model) or block (veto the entry)',
} as const;

export function effectiveMode(section: LlmSection, env: NodeJS.ProcessEnv = process.env): LlmMode {
  const m = env[LLM_MODE_ENV];
  if (m === undefined || m === '') return section.mode;
  if (m !== 'live' && m !== 'record' && m !== 'replay') throw llmError('TK_ERR_LLM_CONFIG', `${LLM_MODE_ENV}=${JSON.stringify(m)}: use live, record or replay`);
  return m;
}

export function providerFor(s: LlmSection, apiKey: string | undefined): LlmProvider {
  if (s.provider === 'ollama') return new OllamaProvider({ baseURL: s.baseURL, apiKey });
  return new OpenAiCompatibleProvider({ baseURL: s.baseURL, apiKey: apiKey ?? '', responseFormat: s.responseFormat });
}

/** Builds the plugin's client; the store is shared by every plugin of the process that names it, and closed with the run. */
export async function clientFor(ctx: PluginContext, s: LlmSection, kind: string): Promise<LlmClient> {
  const mode = effectiveMode(s);
  let key: string | undefined;
  if (s.apiKeyEnv) {
    // Reading the process environment by a name the config chooses is what `env.allow` forbids to
    // configs uploaded to `tradekit serve` (the name could be any server secret, sent to any baseURL).
    // Such a run's paths are confined to the server's roots: a context that refuses "/" is one.
    if (confined(ctx))
      throw llmError(
        'TK_ERR_LLM_CONFIG',
        `${kind}: llm.apiKeyEnv is not available in a config started through tradekit serve: write secrets: { llm: \${${s.apiKeyEnv}} } (the admin lists ${s.apiKeyEnv} in env.allow) and set llm.apiKeySecret: llm`,
      );
    key = process.env[s.apiKeyEnv];
    if (!key && mode !== 'replay')
      throw llmError(
        'TK_ERR_LLM_KEY_MISSING',
        `${kind}: the environment variable ${s.apiKeyEnv} (llm.apiKeyEnv) is not set: export it, or remove apiKeyEnv for a local server`,
      );
  } else if (s.apiKeySecret) {
    key = ctx.secret(s.apiKeySecret);
    if (!key && mode !== 'replay')
      throw llmError(
        'TK_ERR_LLM_KEY_MISSING',
        `${kind}: secrets.${s.apiKeySecret} (llm.apiKeySecret) is empty or missing: add it to the config's secrets:, from the environment`,
      );
  }
  if (mode === 'record' && /^memory:?$/.test(s.store.trim()))
    throw llmError('TK_ERR_LLM_CONFIG', `${kind}: llm.mode record with store ${s.store} keeps nothing to replay: set llm.store to sqlite://… or postgres://…`);
  const open = () => openSharedStore(s.store, ctx.configDir, (p) => ctx.resolvePath(p, 'llm.store'));
  const store = await open();
  let closed = false;
  ctx.onClose(() => {
    closed = true;
    return store.close();
  });
  // The journal view reads a finished run's calls too: a database store is opened again for the read.
  const persistent = !/^memory:?$/.test(s.store.trim()) && !s.store.trim().endsWith(':memory:');
  const view: LlmCallsView = {
    plugin: ctx.plugin.instance,
    list: async (q = {}) => {
      const query = { ...q, run: ctx.run.id, plugin: ctx.plugin.instance };
      if (!closed || !persistent) return store.list(query);
      const again = await open();
      try {
        return await again.list(query);
      } finally {
        await again.close();
      }
    },
  };
  ctx.register(LLM_CALLS_TOKEN, view);
  const client = new LlmClient({
    provider: providerFor(s, key),
    model: s.model,
    temperature: s.temperature,
    maxTokens: s.maxTokens,
    timeoutMs: s.timeoutMs,
    totalTimeoutMs: s.totalTimeoutMs,
    maxRetries: s.maxRetries,
    retryBaseMs: s.retryBaseMs,
    maxRetryDelayMs: s.maxRetryDelayMs,
    concurrency: s.concurrency,
    budget: s.budget,
    cacheEntries: s.cacheEntries,
    mode,
    onMissing: s.onMissing,
    store,
    clock: ctx.clock,
    run: ctx.run.id,
    plugin: ctx.plugin.instance,
    log: ctx.log,
    secrets: key ? [key] : undefined,
  });
  ctx.onClose(() => {
    ctx.log.info({ mode, ...client.stats }, `${kind}: LLM calls`);
  });
  return client;
}

/** True when the plugin's file access is confined to roots (a config run by `tradekit serve`). */
function confined(ctx: PluginContext): boolean {
  try {
    ctx.resolvePath('/', 'llm key check');
    return false;
  } catch {
    return true;
  }
}
