/**
 * Terminal sessions shared within a run: the data source and the broker on one terminal use one
 * connection. The registry lives in the run's DI container (no module-level state), keyed by the
 * bridge's host and port.
 */
import type { PluginContext } from '@tradekit/core';
import { mt5Error } from '../errors.js';
import { Mt5Session } from '../adapter/session.js';
import { RpcGateway } from '../transport/rpc-gateway.js';
import type { SessionConfig } from './config.js';

export class Mt5SessionRegistry {
  readonly sessions = new Map<string, Mt5Session>();
}

/** DI token of the registry (a symbol: works as a tsyringe InjectionToken). */
export const Mt5SessionsToken: symbol = Symbol.for('tradekit.mt5.sessions');

function registry(ctx: PluginContext): Mt5SessionRegistry {
  if (ctx.isRegistered(Mt5SessionsToken)) return ctx.resolve<Mt5SessionRegistry>(Mt5SessionsToken);
  const r = new Mt5SessionRegistry();
  ctx.register<Mt5SessionRegistry>(Mt5SessionsToken, r);
  return r;
}

function num(v: number | string | undefined): number | undefined {
  return v === undefined ? undefined : typeof v === 'number' ? v : Number(v);
}

/** The run's session for this bridge (created, connected and initialized on first use). */
export async function openSession(ctx: PluginContext, c: SessionConfig): Promise<Mt5Session> {
  const reg = registry(ctx);
  if (!c.bridge) {
    const only = [...reg.sessions.values()];
    if (only.length === 1) return only[0]!;
    throw mt5Error(
      'TK_ERR_MT5_CONFIG',
      only.length
        ? 'several MT5 terminals are open in this run: give this plugin its own `bridge:`'
        : 'no `bridge:` given and no other MT5 plugin in this run opened one: add bridge: { host, port, token: ${MT5_BRIDGE_TOKEN} }',
      {
        plugin: ctx.plugin.instance,
      },
    );
  }
  const port = num(c.bridge.port)!;
  const key = `${c.bridge.host}:${port}`;
  let s = reg.sessions.get(key);
  if (!s) {
    const log = ctx.log.child({ terminal: key });
    const gateway = new RpcGateway({
      host: c.bridge.host,
      port,
      token: c.bridge.token,
      callTimeoutMs: c.bridge.callTimeoutMs,
      connectTimeoutMs: c.bridge.connectTimeoutMs,
      heartbeatMs: c.bridge.heartbeatSeconds * 1000,
      log,
    });
    s = new Mt5Session(
      gateway,
      ctx.clock,
      {
        login: num(c.terminal.login),
        password: c.terminal.password,
        server: c.terminal.server,
        path: c.terminal.path,
        initTimeoutMs: c.terminal.initTimeoutMs,
        serverTime: c.serverTime,
        rateLimit: c.rateLimit,
        maxInFlight: c.maxInFlight,
        suffixes: c.symbols.suffixes,
        symbolMap: c.symbols.map,
      },
      log,
    );
    reg.sessions.set(key, s);
    const session = s;
    // Closes the connection on shutdown even when a component never gets its own close().
    ctx.onClose(() => session.gateway.close());
  }
  await s.open();
  return s;
}
