/**
 * The orchestrator's network surface: one HTTP server carrying the express API, the web UI and
 * socket.io (same port, same origin). Binds 127.0.0.1 unless the config says otherwise; every
 * socket.io handshake must present a token (`auth: { token }`), and browsers from foreign origins are
 * refused before the handshake.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server as IoServer, type Socket } from 'socket.io';
import { isTradekitError, type Logger } from '@tradekit/core';
import { TokenAuthority, bearerOf, type Principal } from './auth.js';
import { EventHub, roomOf } from './event-hub.js';
import { createHttpApp, originAllowed } from './http-app.js';
import type { Orchestrator } from './orchestrator.js';
import type { ServerDb, AuditEntry } from './server-db.js';
import type { ApiContext } from './routes/context.js';
import { DASHBOARD_VERSION } from '../version.js';

export interface ApiServerOptions {
  orch: Orchestrator;
  authority: TokenAuthority;
  db?: ServerDb;
  log?: Logger;
  /** Built UI directory (default: this package's dist/ui). */
  uiDir?: string;
}

/** Default location of the built web UI (`vite build` output). */
export const DEFAULT_UI_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'ui');

export class ApiServer {
  readonly http: HttpServer;
  readonly io: IoServer;
  readonly hub: EventHub;
  private readonly ctx: ApiContext;

  constructor(readonly o: ApiServerOptions) {
    const cfg = o.orch.config;
    const orch = o.orch;
    this.ctx = {
      orch,
      authority: o.authority,
      db: o.db,
      version: DASHBOARD_VERSION,
      audit: async (e: Omit<AuditEntry, 'time'>) => {
        const entry = { ...e, time: orch.clock.now() };
        o.log?.info({ audit: { actor: e.actor, action: e.action, run: e.run, outcome: e.outcome, code: e.code } }, `audit: ${e.actor} ${e.action}${e.run ? ` ${e.run}` : ''} → ${e.outcome}`);
        try {
          await o.db?.audit(entry);
        } catch (err) {
          o.log?.error({ err }, 'could not write the audit log');
        }
      },
    };
    const app = createHttpApp({ ctx: this.ctx, origins: cfg.server.origins, bodyLimitKb: cfg.server.bodyLimitKb, uiDir: o.uiDir ?? DEFAULT_UI_DIR, log: o.log });
    this.http = createServer(app);
    this.io = new IoServer(this.http, {
      serveClient: false,
      cors: { origin: (origin, cb) => cb(null, origin === undefined || cfg.server.origins.includes(origin)), credentials: false },
      allowRequest: (req, cb) => cb(null, originAllowed(req.headers.origin, req.headers.host, cfg.server.origins)),
      maxHttpBufferSize: 64 * 1024,
    });
    this.hub = new EventHub(this.io, { clientBuffer: cfg.stream.clientBuffer, flushMs: cfg.stream.flushMs });
    this.ctx.hub = this.hub;
    orch.onEvent = (h, e) => this.hub.push(h.id, e);
    orch.onChange(() => {
      void orch.list().then((items) => this.io.emit('runs', items)).catch(() => undefined);
    });

    this.io.use((socket, next) => {
      const a = socket.handshake.auth as { token?: unknown } | undefined;
      const token = typeof a?.token === 'string' ? a.token : bearerOf(socket.handshake.headers.authorization);
      try {
        socket.data.principal = o.authority.verify(token);
        next();
      } catch (e) {
        const err = new Error(isTradekitError(e) ? e.message : 'unauthorized') as Error & { data?: unknown };
        err.data = { code: isTradekitError(e) ? e.code : 'TK_ERR_AUTH_INVALID' };
        next(err);
      }
    });
    this.io.on('connection', (socket) => this.onConnection(socket));
  }

  private onConnection(socket: Socket): void {
    this.hub.addClient(socket);
    const orch = this.o.orch;
    socket.on('join', (msg: unknown, ack?: (r: unknown) => void) => {
      const reply = typeof ack === 'function' ? ack : () => undefined;
      const run = (msg as { run?: unknown } | undefined)?.run;
      if (typeof run !== 'string' || !orch.has(run)) {
        reply({ ok: false, error: { code: 'TK_ERR_API_RUN_NOT_FOUND', message: `no run "${String(run)}" is hosted here` } });
        return;
      }
      const h = orch.get(run);
      // Snapshot and join in the same tick: every later event has seq > snapshot.seq.
      void socket.join(roomOf(run));
      reply({ ok: true, snapshot: h.snapshot() });
    });
    socket.on('leave', (msg: unknown, ack?: (r: unknown) => void) => {
      const run = (msg as { run?: unknown } | undefined)?.run;
      if (typeof run === 'string') void socket.leave(roomOf(run));
      if (typeof ack === 'function') ack({ ok: true });
    });
    const p = socket.data.principal as Principal;
    this.o.log?.debug({ client: p.name }, 'stream client connected');
  }

  /** Listens on the configured host and port (port 0: any free port). */
  async listen(host = this.o.orch.config.server.host, port = this.o.orch.config.server.port): Promise<{ host: string; port: number; url: string }> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    const a = this.http.address() as AddressInfo;
    const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return { host: a.address, port: a.port, url: `http://${shown}:${a.port}` };
  }

  async close(): Promise<void> {
    this.hub.close();
    await new Promise<void>((resolve) => {
      this.io.close(() => resolve());
    });
    await new Promise<void>((resolve) => (this.http.listening ? this.http.close(() => resolve()) : resolve()));
  }
}
