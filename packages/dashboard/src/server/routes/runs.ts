/** Run lifecycle: list, start (path or uploaded YAML), inspect, pause / reduce / resume / stop / close. */
import { Router, type Request } from 'express';
import { isTradekitError, type RunOverrides } from '@tradekit/core';
import { TokenAuthority } from '../auth.js';
import { check, schemas } from '../request-schemas.js';
import type { ControlAction, StartRequest } from '../orchestrator.js';
import { principalOf, type ApiContext } from './context.js';

const ACTIONS: readonly ControlAction[] = ['pause', 'reduce', 'resume', 'stop', 'close'];

export function runRoutes(ctx: ApiContext): Router {
  const r = Router();
  const { orch } = ctx;

  r.get('/runs', async (req, res) => {
    check(schemas.empty, req.query, 'query');
    res.json({ items: await orch.list() });
  });

  r.post('/runs', async (req, res) => {
    const p = principalOf(req);
    TokenAuthority.require(p, 'trade');
    const body = check<StartRequest & { overrides?: RunOverrides }>(schemas.runsStart, req.body, 'body');
    const params = {
      config: body.config,
      uploaded: body.yaml !== undefined ? `${body.yaml.length} bytes` : undefined,
      baseDir: body.baseDir,
      overrides: body.overrides,
    };
    try {
      const h = await orch.start(body, { by: p.name });
      await ctx.audit({ actor: p.name, action: 'run.start', run: h.id, params, outcome: 'ok', ip: req.ip });
      res.status(201).json(h.summary());
    } catch (e) {
      await ctx.audit({ actor: p.name, action: 'run.start', params, outcome: 'error', code: isTradekitError(e) ? e.code : 'TK_ERR_API_INTERNAL', ip: req.ip });
      throw e;
    }
  });

  r.get('/runs/:id', (req, res) => {
    check(schemas.empty, req.query, 'query');
    const h = orch.get(req.params.id);
    res.json({ ...h.summary(), account: h.account ?? null, scan: h.scan ?? null });
  });

  r.post('/runs/:id/:action', async (req: Request<{ id: string; action: string }>, res, next) => {
    const action = req.params.action as ControlAction;
    if (!ACTIONS.includes(action)) return next();
    const p = principalOf(req);
    TokenAuthority.require(p, 'trade');
    const body = check<{ reason?: string }>(schemas.control, req.body ?? {}, 'body');
    try {
      const out = await orch.control(req.params.id, action, body.reason, p);
      await ctx.audit({
        actor: p.name,
        action: `run.${action}`,
        run: req.params.id,
        params: body.reason ? { reason: body.reason } : undefined,
        outcome: 'ok',
        ip: req.ip,
      });
      res.json(out);
    } catch (e) {
      await ctx.audit({
        actor: p.name,
        action: `run.${action}`,
        run: req.params.id,
        outcome: 'error',
        code: isTradekitError(e) ? e.code : 'TK_ERR_API_INTERNAL',
        ip: req.ip,
      });
      throw e;
    }
  });
  return r;
}
