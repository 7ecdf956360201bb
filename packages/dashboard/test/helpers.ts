/** Test fixtures: a real orchestrator on port 0 with known tokens, real HTTP, real socket.io clients. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { io as ioClient, type Socket } from 'socket.io-client';
import { createLogger, type Logger } from '@tradekit/core';
import { serverConfig, startOrchestrator, type OrchestratorHost } from '../src/index.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const QUICKSTART = path.join(ROOT, 'examples', 'quickstart.yaml');
export const ADMIN = 'tk_test_admin_0123456789abcdefghijklmnopqrstuvwxyz';
export const VIEWER = 'tk_test_viewer_0123456789abcdefghijklmnopqrstuvwxyz';

export interface TestHost extends OrchestratorHost {
  dir: string;
  logText(): string;
  get<T = any>(p: string, token?: string | null, headers?: Record<string, string>): Promise<{ status: number; body: T; headers: Headers }>;
  post<T = any>(p: string, body: unknown, token?: string | null, headers?: Record<string, string>): Promise<{ status: number; body: T; headers: Headers }>;
  client(token?: string | null, opts?: Record<string, unknown>): Socket;
  dispose(): Promise<void>;
}

export async function testHost(o: { clientBuffer?: number; generate?: boolean; uiDir?: string } = {}): Promise<TestHost> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tk-dash-'));
  const chunks: string[] = [];
  const log: Logger = createLogger({
    level: 'debug',
    format: 'json',
    destination: new Writable({ write: (c, _e, cb) => (chunks.push(String(c)), cb()) }) as never,
    redact: (s) => s,
  });
  const config = serverConfig(
    {
      server: { port: 0, dataDir: path.join(dir, 'server') },
      auth: o.generate
        ? { tokens: [], generate: true }
        : {
            tokens: [
              { name: 'admin', scopes: ['read', 'trade'], token: ADMIN },
              { name: 'viewer', scopes: ['read'], token: VIEWER },
            ],
            generate: false,
          },
      runs: { roots: [ROOT, dir], keepFinished: 8 },
      stream: { clientBuffer: o.clientBuffer ?? 2000 },
    },
    dir,
  );
  const host = await startOrchestrator({ config, log, searchPaths: [pathToFileURL(path.join(ROOT, 'package.json')).href], uiDir: o.uiDir });
  const sockets: Socket[] = [];
  const call = async (method: string, p: string, body: unknown, token: string | null | undefined, headers: Record<string, string> = {}) => {
    const h: Record<string, string> = { ...headers };
    if (token !== null) h.authorization = `Bearer ${token ?? ADMIN}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(`${host.url}/api${p}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  return Object.assign(host, {
    dir,
    logText: () => chunks.join(''),
    get: (p: string, token?: string | null, headers?: Record<string, string>) => call('GET', p, undefined, token, headers),
    post: (p: string, body: unknown, token?: string | null, headers?: Record<string, string>) => call('POST', p, body, token, headers),
    client(token?: string | null, opts: Record<string, unknown> = {}) {
      const s = ioClient(host.url, {
        transports: ['websocket'],
        forceNew: true,
        reconnectionDelay: 50,
        reconnectionDelayMax: 200,
        auth: token === null ? {} : { token: token ?? ADMIN },
        ...opts,
      });
      sockets.push(s);
      return s;
    },
    async dispose() {
      for (const s of sockets) s.disconnect();
      await host.close();
      rmSync(dir, { recursive: true, force: true });
    },
  }) as TestHost;
}

/** Polls until `fn` returns a truthy value (bounded: tests never hang). */
export async function until<T>(fn: () => T | Promise<T>, what: string, ms = 15000): Promise<NonNullable<T>> {
  const end = performance.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function ack<T = any>(s: Socket, event: string, payload: unknown): Promise<T> {
  return new Promise((resolve) => s.emit(event, payload, (r: T) => resolve(r)));
}
