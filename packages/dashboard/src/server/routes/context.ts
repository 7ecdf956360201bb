import type { Request } from 'express';
import type { Orchestrator } from '../orchestrator.js';
import type { TokenAuthority, Principal } from '../auth.js';
import type { ServerDb, AuditEntry } from '../server-db.js';
import type { EventHub } from '../event-hub.js';

/** What every route handler may use. */
export interface ApiContext {
  orch: Orchestrator;
  authority: TokenAuthority;
  db?: ServerDb;
  hub?: EventHub;
  /** Prometheus exposition (`GET /metrics`), when the host collects metrics. */
  metrics?: { text(): Promise<string>; readonly contentType: string };
  version: string;
  /** Writes an audit entry (also to the log); never throws. */
  audit(e: Omit<AuditEntry, 'time'>): Promise<void>;
}

export function principalOf(req: Request): Principal {
  return (req as Request & { principal: Principal }).principal;
}
