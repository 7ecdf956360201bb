/**
 * The orchestrator's network surface: one HTTP server carrying the express API, the web UI and
 * socket.io (same port, same origin). Binds loopback unless `server.allowRemote` allows more; every
 * socket.io handshake must present a token (`auth: { token }`); handshakes from foreign origins or
 * with a Host that is not served are refused before that. A socket whose token is revoked (another
 * process deleted it from the server db) is disconnected: the stored tokens are re-checked every
 * couple of seconds while the server runs.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server as IoServer, type Socket } from 'socket.io';
import { isTradekitError, type Logger } from '@tradekit/core';
import { type TokenAuthority, bearerOf, sha256Hex, type Principal } from './auth.js';
import { allowedHostnames, checkBindAllowed, hostAllowed } from './host-check.js';
import { apiError } from '../errors.js';
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
  /** Prometheus exposition served at `/metrics` (bearer token required). */
  metrics?: ApiContext['metrics'];
}

/** How often stored tokens are re-checked for sockets that make no HTTP request (ms). */
const TOKEN_RECHECK_MS = 2000;

/** Default location of the built web UI (`vite build` output). */
export const DEFAULT_UI_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'ui');

export class ApiServer {
  readonly http: HttpServer;
  readonly io: IoServer;
  readonly hub: EventHub;
  private readonly ctx: ApiContext;
  private readonly tokenWatch: NodeJS.Timeout;
  private readonly unwatchRevoked: () => void;

  constructor(readonly o: ApiServerOptions) {
    const cfg = o.orch.config;
    const orch = o.orch;
    this.ctx = {
      orch,
      authority: o.authority,
      db: o.db,
      metrics: o.metrics,
      version: DASHBOARD_VERSION,
      audit: async (e: Omit<AuditEntry, 'time'>) => {
        const entry = { ...e, time: orch.clock.now() };
        o.log?.info(
          { audit: { actor: e.actor, action: e.action, run: e.run, outcome: e.outcome, code: e.code } },
          `audit: ${e.actor} ${e.action}${e.run ? ` ${e.run}` : ''} → ${e.outcome}`,
        );
        try {
          await o.db?.audit(entry);
        } catch (err) {
          o.log?.error({ err }, 'could not write the audit log');
        }
      },
    };
    const hosts = allowedHostnames(cfg);
    const app = createHttpApp({
      ctx: this.ctx,
      origins: cfg.server.origins,
      bodyLimitKb: cfg.server.bodyLimitKb,
      allowedHosts: hosts,
      uiDir: o.uiDir ?? DEFAULT_UI_DIR,
      log: o.log,
    });
    this.http = createServer(app);
    this.io = new IoServer(this.http, {
      serveClient: false,
      cors: { origin: (origin, cb) => cb(null, origin === undefined || cfg.server.origins.includes(origin)), credentials: false },
      allowRequest: (req, cb) => cb(null, hostAllowed(req.headers.host, hosts) && originAllowed(req.headers.origin, req.headers.host, cfg.server.origins)),
      maxHttpBufferSize: 64 * 1024,
    });
    this.hub = new EventHub(this.io, { clientBuffer: cfg.stream.clientBuffer, flushMs: cfg.stream.flushMs });
    this.ctx.hub = this.hub;
    orch.onEvent = (h, e) => this.hub.push(h.id, e);
    orch.onChange(() => {
      void orch
        .list()
        .then((items) => this.io.emit('runs', items))
        .catch(() => undefined);
    });

    this.io.use((socket, next) => {
      const a = socket.handshake.auth as { token?: unknown } | undefined;
      const token = typeof a?.token === 'string' ? a.token : bearerOf(socket.handshake.headers.authorization);
      o.authority.verify(token).then(
        (principal) => {
          socket.data.principal = principal;
          socket.data.tokenDigest = sha256Hex(token!);
          next();
        },
        (e: unknown) => {
          const err = new Error(isTradekitError(e) ? e.message : 'unauthorized') as Error & { data?: unknown };
          err.data = { code: isTradekitError(e) ? e.code : 'TK_ERR_AUTH_INVALID' };
          next(err);
        },
      );
    });
    this.io.on('connection', (socket) => this.onConnection(socket));
    this.unwatchRevoked = o.authority.onRevoked((digests) => {
      for (const socket of this.io.sockets.sockets.values()) {
        if (digests.has(socket.data.tokenDigest as string)) {
          o.log?.info({ client: (socket.data.principal as Principal | undefined)?.name }, 'stream client disconnected: its token was revoked');
          socket.disconnect(true);
        }
      }
    });
    // HTTP requests re-check on their own; this catches sockets that only listen.
    this.tokenWatch = setInterval(
      () => void o.authority.refresh().catch((e: unknown) => o.log?.warn({ err: (e as Error).message }, 'could not re-read the tokens')),
      TOKEN_RECHECK_MS,
    );
    this.tokenWatch.unref();
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

  /** Listens on the configured host and port (port 0: any free port); TK_ERR_API_BIND when it cannot or must not. */
  async listen(host = this.o.orch.config.server.host, port = this.o.orch.config.server.port): Promise<{ host: string; port: number; url: string }> {
    checkBindAllowed(host, this.o.orch.config.server.allowRemote);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw apiError('TK_ERR_API_BIND', `port ${String(port)} is not a port number: use 0 to 65535 (0 = any free port)`);
    await new Promise<void>((resolve, reject) => {
      const fail = (e: NodeJS.ErrnoException) => reject(bindError(e, host, port));
      this.http.once('error', fail);
      this.http.listen(port, host, () => {
        this.http.off('error', fail);
        resolve();
      });
    });
    const a = this.http.address() as AddressInfo;
    const shown = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return { host: a.address, port: a.port, url: `http://${shown}:${a.port}` };
  }

  async close(): Promise<void> {
    clearInterval(this.tokenWatch);
    this.unwatchRevoked();
    this.hub.close();
    await new Promise<void>((resolve) => {
      this.io.close(() => resolve());
    });
    await new Promise<void>((resolve) => (this.http.listening ? this.http.close(() => resolve()) : resolve()));
  }
}

function bindError(e: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host}:${port}`;
  if (e.code === 'EADDRINUSE')
    return apiError('TK_ERR_API_BIND', `${where} is already in use: stop the other server, or choose another port (--port, server.port; 0 = any free port)`, {
      cause: e,
    });
  if (e.code === 'EACCES') return apiError('TK_ERR_API_BIND', `not allowed to listen on ${where}: use a port above 1023`, { cause: e });
  if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND')
    return apiError('TK_ERR_API_BIND', `${host} is not an address of this machine: check --host / server.host`, { cause: e });
  return apiError('TK_ERR_API_BIND', `cannot listen on ${where}: ${e.code ?? e.message}`, { cause: e });
}
