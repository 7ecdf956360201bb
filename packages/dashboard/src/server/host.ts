/**
 * Everything `tradekit serve` needs in one call: the server database, tokens, the orchestrator and
 * its API server, listening. Returns the generated token (first start only) for the caller to print
 * once; it is never logged.
 */
import { LiveClock } from '@tradekit/core';
import { TokenAuthority } from './auth.js';
import { ApiServer } from './api-server.js';
import type { Scope } from './config.js';
import { Orchestrator, type OrchestratorOptions } from './orchestrator.js';
import { ServerDb } from './server-db.js';

/** The orchestrator's options (the host opens the database itself) and the API server's. */
export interface HostOptions extends Omit<OrchestratorOptions, 'db'> {
  uiDir?: string;
  /** Start `runs.autostart` (default true). */
  autostart?: boolean;
}

export interface OrchestratorHost {
  orch: Orchestrator;
  server: ApiServer;
  authority: TokenAuthority;
  db: ServerDb;
  url: string;
  port: number;
  /** Present only when this start generated the first token. */
  generated?: { name: string; token: string; scopes: Scope[] };
  close(): Promise<void>;
}

export async function startOrchestrator(o: HostOptions): Promise<OrchestratorHost> {
  const clock = o.clock ?? new LiveClock();
  const db = await ServerDb.open(o.config.server.dataDir);
  try {
    const { authority, generated } = await TokenAuthority.open({ db, tokens: o.config.auth.tokens, generate: o.config.auth.generate, clock });
    const { uiDir: _ui, autostart: _auto, ...orchOptions } = o;
    const orch = new Orchestrator({ ...orchOptions, db, clock });
    const server = new ApiServer({ orch, authority, db, log: o.log, uiDir: o.uiDir });
    const { url, port } = await server.listen();
    let closed = false;
    const host: OrchestratorHost = {
      orch,
      server,
      authority,
      db,
      url,
      port,
      generated,
      async close() {
        if (closed) return;
        closed = true;
        await orch.shutdown();
        await server.close();
        await db.close();
      },
    };
    if (o.autostart ?? true) {
      for (const a of o.config.runs.autostart) {
        try {
          const h = await orch.start({ config: a.config, overrides: { pace: a.pace, cycles: a.cycles } });
          o.log?.info({ run: h.id }, `autostarted ${a.config}`);
        } catch (e) {
          o.log?.error({ code: (e as { code?: string }).code }, `could not autostart ${a.config}: ${(e as Error).message}`);
        }
      }
    }
    return host;
  } catch (e) {
    await db.close().catch(() => undefined);
    throw e;
  }
}
