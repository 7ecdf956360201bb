/**
 * The express app: a Host check (DNS rebinding), security headers, CORS limited to the dashboard's
 * origin(s), bearer auth on everything but health, JSON errors with codes, and the built web UI at `/`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { ConfigErrors, isTradekitError, type Logger } from '@tradekit/core';
import { apiError, statusOf } from '../errors.js';
import { bearerOf } from './auth.js';
import { hostAllowed, hostRefused } from './host-check.js';
import type { ApiContext } from './routes/context.js';
import { runRoutes } from './routes/runs.js';
import { runDataRoutes } from './routes/run-data.js';
import { systemRoutes } from './routes/system.js';

export interface HttpAppOptions {
  ctx: ApiContext;
  /** Origins allowed besides the server's own. */
  origins: readonly string[];
  bodyLimitKb: number;
  /** Host names served besides loopback ones (host-check.ts). */
  allowedHosts: ReadonlySet<string>;
  uiDir?: string;
  log?: Logger;
}

/** Same-origin (the dashboard served by this server) or one of the configured origins. */
export function originAllowed(origin: string | undefined, host: string | undefined, extra: readonly string[]): boolean {
  if (!origin) return true;
  if (extra.includes(origin)) return true;
  return host !== undefined && (origin === `http://${host}` || origin === `https://${host}`);
}

export function createHttpApp(o: HttpAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req, _res, next) => next(hostAllowed(req.headers.host, o.allowedHosts) ? undefined : hostRefused(req.headers.host)));
  app.use((req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Referrer-Policy', 'no-referrer');
    res.set('X-Frame-Options', 'DENY');
    const origin = req.headers.origin;
    if (origin) {
      if (!originAllowed(origin, req.headers.host, o.origins)) {
        // No CORS headers: the browser blocks reads. Writes from a foreign page are refused outright.
        if (req.method !== 'GET' && req.method !== 'HEAD')
          return next(apiError('TK_ERR_API_ORIGIN', `origin ${origin} is not allowed (server.origins in the server config)`));
      } else {
        res.set('Access-Control-Allow-Origin', origin);
        res.set('Vary', 'Origin');
        res.set('Access-Control-Allow-Headers', 'Authorization, Content-Type');
        res.set('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
        res.set('Access-Control-Max-Age', '600');
        if (req.method === 'OPTIONS') return void res.status(204).end();
      }
    }
    next();
  });
  app.use(express.json({ limit: `${o.bodyLimitKb}kb` }));

  const authed = Router();
  authed.use(async (req, _res, next) => {
    (req as Request & { principal: unknown }).principal = await o.ctx.authority.verify(bearerOf(req.headers.authorization));
    next();
  });
  const sys = systemRoutes(o.ctx, authed);
  authed.use(runRoutes(o.ctx));
  authed.use(runDataRoutes(o.ctx));
  const api = Router();
  api.use(sys.open);
  api.use(sys.authed);
  api.use((req, _res, next) => next(apiError('TK_ERR_API_NOT_FOUND', `no endpoint ${req.method} /api${req.path}`)));
  app.use('/api', api);

  // Prometheus: the same bearer tokens as the API (any scope); Prometheus sends one with `authorization`.
  const metrics = o.ctx.metrics;
  if (metrics) {
    app.get('/metrics', async (req, res) => {
      await o.ctx.authority.verify(bearerOf(req.headers.authorization));
      res.set('Content-Type', metrics.contentType);
      res.set('Cache-Control', 'no-store');
      res.send(await metrics.text());
    });
  }

  const ui = o.uiDir;
  if (ui && existsSync(path.join(ui, 'index.html'))) {
    app.use(
      express.static(ui, {
        index: false,
        setHeaders: (res, file) => res.set('Cache-Control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache'),
      }),
    );
    app.get(/^\/(?!api\/|socket\.io\/).*/, (_req, res) => {
      res.set(
        'Content-Security-Policy',
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'",
      );
      res.set('Cache-Control', 'no-cache');
      res.sendFile(path.join(ui, 'index.html'));
    });
  } else {
    app.get('/', (_req, res) => {
      res.type('text/plain').send('tradekit orchestrator: the web UI is not built (run `node scripts/setup.mjs`). The API is at /api.\n');
    });
  }

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    void _next;
    const body = toErrorBody(err);
    const status = body.status;
    if (status >= 500)
      o.log?.error(
        { code: body.error.code, method: req.method, path: req.path, err: isTradekitError(err) ? undefined : (err as Error)?.message },
        String(body.error.message),
      );
    res.status(status).json({ error: body.error });
  });
  return app;
}

/** Any thrown thing → `{ status, error: { code, message, … } }`; internals never leak (no stack, no cause text). */
export function toErrorBody(err: unknown): { status: number; error: Record<string, unknown> } {
  const e = err as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.too.large')
    return { status: 413, error: { code: 'TK_ERR_API_BODY_TOO_LARGE', message: 'request body too large (server.bodyLimitKb)' } };
  if (e?.type === 'entity.parse.failed') return { status: 400, error: { code: 'TK_ERR_API_BAD_REQUEST', message: 'the body is not valid JSON' } };
  if (err instanceof ConfigErrors) {
    return {
      status: 422,
      error: { code: err.code, message: `${err.errors.length} config error${err.errors.length > 1 ? 's' : ''}`, errors: err.errors.map(publicError) },
    };
  }
  if (isTradekitError(err)) return { status: statusOf(err.code), error: publicError(err) };
  return { status: 500, error: { code: 'TK_ERR_API_INTERNAL', message: 'internal error (see the server log)' } };
}

function publicError(e: import('@tradekit/core').TradekitError): Record<string, unknown> {
  const out: Record<string, unknown> = { code: e.code, message: e.message };
  for (const k of ['file', 'line', 'column', 'path', 'plugin', 'hook', 'symbol'] as const) if (e[k] !== undefined) out[k] = e[k];
  if (e.code === 'TK_ERR_API_BAD_REQUEST' && e.details) out.details = e.details;
  return out;
}
