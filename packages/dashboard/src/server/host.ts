/**
 * Everything `tradekit serve` needs in one call: the server database, tokens, the orchestrator and
 * its API server, listening. A refused address (not loopback without `server.allowRemote`) fails
 * before anything is opened; the first token is generated only once the server listens, so a start
 * that fails (port in use) leaves no token that was never shown. Returns that token (first start
 * only) for the caller to print once; it is never logged.
 */
import { LiveClock } from '@tradekit/core';
import { TokenAuthority, type IssuedToken } from './auth.js';
import { ApiServer } from './api-server.js';
import { checkBindAllowed } from './host-check.js';
import { Orchestrator, type OrchestratorOptions } from './orchestrator.js';
import { ServerDb } from './server-db.js';

/** The orchestrator's options (the host opens the database itself) and the API server's. */
export interface HostOptions extends Omit<OrchestratorOptions, 'db' | 'metrics'> {
  uiDir?: string;
  /** Start `runs.autostart` (default true). */
  autostart?: boolean;
  /** Prometheus metrics at `/metrics` (token-protected like the API; default true). */
  metrics?: boolean;
}

export interface OrchestratorHost {
  orch: Orchestrator;
  server: ApiServer;
  authority: TokenAuthority;
  db: ServerDb;
  url: string;
  port: number;
  /** Present only when this start generated the first token. */
  generated?: IssuedToken;
  close(): Promise<void>;
}

export async function startOrchestrator(o: HostOptions): Promise<OrchestratorHost> {
  checkBindAllowed(o.config.server.host, o.config.server.allowRemote);
  const clock = o.clock ?? new LiveClock();
  const db = await ServerDb.open(o.config.server, o.log);
  let server: ApiServer | undefined;
  try {
    const authority = await TokenAuthority.open({ db, tokens: o.config.auth.tokens });
    const { uiDir: _ui, autostart: _auto, metrics: wantMetrics, ...orchOptions } = o;
    // prom-client is loaded only here (not by a plain import of the dashboard).
    const metrics = (wantMetrics ?? true) ? new (await import('@tradekit/core/metrics')).TradekitMetrics() : undefined;
    const orch = new Orchestrator({ ...orchOptions, db, clock, metrics });
    metrics?.trackRuns(() => orch.active().length);
    // On a cluster: show the runs already queued or running on workers.
    await orch.attachRemote();
    server = new ApiServer({ orch, authority, db, log: o.log, uiDir: o.uiDir, metrics });
    const { url, port } = await server.listen();
    const generated = o.config.auth.generate ? await authority.ensureFirstToken(clock.now()) : undefined;
    let closed = false;
    const api = server;
    const host: OrchestratorHost = {
      orch,
      server: api,
      authority,
      db,
      url,
      port,
      generated,
      async close() {
        if (closed) return;
        closed = true;
        await orch.shutdown();
        await api.close();
        await db.close();
      },
    };
    if (o.autostart ?? true) {
      for (const a of o.config.runs.autostart) {
        try {
          // The admin's own entry, but its config file is one anybody with access to the roots may edit: the hosted policy applies, plus the entry's `env:`.
          const h = await orch.start({ config: a.config, overrides: { pace: a.pace, cycles: a.cycles } }, { env: a.env });
          o.log?.info({ run: h.id }, `autostarted ${a.config}`);
        } catch (e) {
          o.log?.error({ code: (e as { code?: string }).code }, `could not autostart ${a.config}: ${(e as Error).message}`);
        }
      }
    }
    return host;
  } catch (e) {
    await server?.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    throw e;
  }
}
