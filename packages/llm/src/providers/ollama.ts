/**
 * Ollama's native chat API (POST {baseURL}/api/chat, `stream: false`) over fetch. `format` carries the
 * decision schema, which Ollama enforces while decoding (structured outputs); the client validates the
 * reply again all the same.
 */
import type { LlmProvider, ProviderReply, ProviderRequest } from '../types.js';
import { httpError, networkError } from './http-errors.js';
import { llmError } from '../errors.js';

export interface OllamaProviderOptions {
  /** Default http://127.0.0.1:11434. */
  baseURL?: string;
  /** Sent as a bearer token when set (Ollama behind a proxy). */
  apiKey?: string;
}

interface OllamaChatResponse {
  message?: { content?: unknown };
  prompt_eval_count?: number;
  eval_count?: number;
}

export class OllamaProvider implements LlmProvider {
  readonly name = 'ollama';
  private readonly url: string;

  constructor(private readonly o: OllamaProviderOptions) {
    this.url = `${(o.baseURL ?? 'http://127.0.0.1:11434').replace(/\/+$/, '')}/api/chat`;
  }

  async complete(req: ProviderRequest, signal: AbortSignal): Promise<ProviderReply> {
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        signal,
        headers: { 'content-type': 'application/json', ...(this.o.apiKey ? { authorization: `Bearer ${this.o.apiKey}` } : {}) },
        body: JSON.stringify({
          model: req.model,
          messages: req.messages,
          stream: false,
          format: req.schema,
          options: { temperature: req.temperature, num_predict: req.maxTokens },
        }),
      });
    } catch (e) {
      if (signal.aborted) throw e;
      throw networkError(this.name, e);
    }
    if (!res.ok) {
      const body = await res.text().catch(() => '');
      throw httpError(this.name, res.status, body, (n) => res.headers.get(n));
    }
    let body: OllamaChatResponse;
    try {
      body = (await res.json()) as OllamaChatResponse;
    } catch (e) {
      if (signal.aborted) throw e;
      throw llmError('TK_ERR_LLM_REPLY_INVALID', `${this.name}: the response body is not JSON`);
    }
    const text = body.message?.content;
    if (typeof text !== 'string') throw llmError('TK_ERR_LLM_REPLY_INVALID', `${this.name}: the reply has no message content`);
    return { text, promptTokens: body.prompt_eval_count ?? 0, completionTokens: body.eval_count ?? 0 };
  }
}
