/**
 * OpenAI-compatible chat completions through the official `openai` package: hosted APIs and local
 * servers (Ollama's /v1, llama.cpp's server, vLLM, LM Studio) by `baseURL`. The SDK's own retries and
 * timeout are off: the client owns both, so every attempt is counted, bounded and recorded.
 */
import OpenAI from 'openai';
import type { LlmProvider, ProviderReply, ProviderRequest } from '../types.js';
import { httpError, networkError } from './http-errors.js';
import { llmError } from '../errors.js';

export interface OpenAiProviderOptions {
  baseURL?: string;
  apiKey: string;
  /** `json_schema` (strict structured output), `json_object` (JSON mode: most local servers), `none`. */
  responseFormat: 'json_schema' | 'json_object' | 'none';
}

export class OpenAiCompatibleProvider implements LlmProvider {
  readonly name = 'openai';
  private readonly client: OpenAI;

  constructor(private readonly o: OpenAiProviderOptions) {
    // A local server needs no key; the SDK insists on a non-empty one.
    this.client = new OpenAI({ apiKey: o.apiKey || 'none', baseURL: o.baseURL, maxRetries: 0, timeout: 24 * 3_600_000 });
  }

  async complete(req: ProviderRequest, signal: AbortSignal): Promise<ProviderReply> {
    const response_format =
      this.o.responseFormat === 'json_schema'
        ? ({ type: 'json_schema', json_schema: { name: req.schemaName, schema: req.schema, strict: false } } as const)
        : this.o.responseFormat === 'json_object'
          ? ({ type: 'json_object' } as const)
          : undefined;
    let res: OpenAI.Chat.Completions.ChatCompletion;
    try {
      res = await this.client.chat.completions.create(
        { model: req.model, messages: req.messages, temperature: req.temperature, max_tokens: req.maxTokens, ...(response_format ? { response_format } : {}) },
        { signal, maxRetries: 0 },
      );
    } catch (e) {
      if (signal.aborted) throw e; // the client's timeout: it reports it
      if (e instanceof OpenAI.APIConnectionError) throw networkError(this.name, e);
      if (e instanceof OpenAI.APIError && typeof e.status === 'number') {
        const headers = e.headers;
        throw httpError(this.name, e.status, JSON.stringify(e.error ?? '') ?? '', (n) => headers?.get(n));
      }
      throw networkError(this.name, e);
    }
    const text = res.choices?.[0]?.message?.content;
    if (typeof text !== 'string') throw llmError('TK_ERR_LLM_REPLY_INVALID', `${this.name}: the reply has no message content`);
    return { text, promptTokens: res.usage?.prompt_tokens ?? 0, completionTokens: res.usage?.completion_tokens ?? 0 };
  }
}
