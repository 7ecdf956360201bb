/**
 * A real HTTP server speaking the OpenAI chat-completions protocol (and Ollama's /api/chat) with
 * scripted answers. It counts requests, remembers their bodies and auth headers, and tracks how many
 * were in flight at once.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Script = { content: string; delayMs?: number; tokens?: [number, number] } | { status: number; headers?: Record<string, string>; body?: unknown };

export interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
  response_format?: unknown;
  format?: unknown;
}

export class FakeLlmServer {
  requests = 0;
  inFlight = 0;
  maxInFlight = 0;
  readonly bodies: ChatBody[] = [];
  readonly auth: (string | undefined)[] = [];
  private server?: http.Server;
  /** The answer for a request: a fixed script, a queue (last one repeats), or a function of the body. */
  script: Script | Script[] | ((body: ChatBody, n: number) => Script) = { content: '{}' };

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private next(body: ChatBody, n: number): Script {
    const s = this.script;
    if (typeof s === 'function') return s(body, n);
    if (Array.isArray(s)) return s[Math.min(n, s.length - 1)]!;
    return s;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const n = this.requests++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatBody;
      this.bodies.push(body);
      this.auth.push(req.headers.authorization);
      const s = this.next(body, n);
      if ('status' in s) {
        res.writeHead(s.status, { 'content-type': 'application/json', ...(s.headers ?? {}) });
        res.end(JSON.stringify(s.body ?? { error: { message: `scripted ${s.status}`, type: 'server_error' } }));
        return;
      }
      if (s.delayMs) {
        const closed = new Promise<void>((r) => res.once('close', () => r()));
        await Promise.race([new Promise((r) => setTimeout(r, s.delayMs)), closed]);
        if (res.destroyed || res.writableEnded) return;
      }
      const [p, c] = s.tokens ?? [20, 10];
      const ollama = req.url?.startsWith('/api/chat');
      const out = ollama
        ? { model: body.model, message: { role: 'assistant', content: s.content }, done: true, prompt_eval_count: p, eval_count: c }
        : {
            id: `chatcmpl-${n}`,
            object: 'chat.completion',
            created: 0,
            model: body.model,
            choices: [{ index: 0, message: { role: 'assistant', content: s.content }, finish_reason: 'stop' }],
            usage: { prompt_tokens: p, completion_tokens: c, total_tokens: p + c },
          };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    } catch (e) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: (e as Error).message } }));
    } finally {
      this.inFlight--;
    }
  }
}
