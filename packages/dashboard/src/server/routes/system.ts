/** Health (no auth), who am I, metrics, audit log. */
import { Router } from 'express';
import { check, schemas } from '../request-schemas.js';
import { principalOf, type ApiContext } from './context.js';

export function systemRoutes(ctx: ApiContext, requireAuth: Router): { open: Router; authed: Router } {
  const open = Router();
  open.get('/health', (_req, res) => {
    res.json({ status: 'ok', service: 'tradekit-orchestrator', version: ctx.version });
  });

  const authed = requireAuth;
  authed.get('/me', (req, res) => {
    const p = principalOf(req);
    res.json({ name: p.name, scopes: p.scopes, canStart: ctx.orch.canStart });
  });

  authed.get('/metrics', (req, res) => {
    check(schemas.empty, req.query, 'query');
    const mem = process.memoryUsage();
    res.json({
      process: { rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, uptimeSeconds: Math.round(process.uptime()) },
      stream: ctx.hub?.stats(),
      runs: ctx.orch.active().map((h) => ({ id: h.id, status: h.status, cycles: h.cycles, lastSeq: h.lastSeq, ringSize: h.ring.length })),
    });
  });

  authed.get('/audit', async (req, res) => {
    const q = check<{ run?: string; limit: number; before?: number }>(schemas.audit, req.query, 'query');
    res.json({ items: (await ctx.db?.auditLog(q)) ?? [] });
  });
  return { open, authed };
}
