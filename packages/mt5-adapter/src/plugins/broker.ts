/** `@tradekit/mt5-adapter/broker`: trading on an MT5 terminal. Without `bridge:` it shares the data plugin's terminal. */
import { definePlugin } from '@tradekit/core';
import { Mt5Broker } from '../adapter/broker.js';
import { brokerProperties, sessionProperties, type BrokerConfig, type SessionConfig } from './config.js';
import { openSession } from './sessions.js';
import { ADAPTER_VERSION } from '../version.js';
import type { PluginContext } from '@tradekit/core';

export async function setupBroker(ctx: PluginContext, c: SessionConfig & BrokerConfig): Promise<Mt5Broker> {
  const session = await openSession(ctx, c);
  if (c.requireTrading) await session.ensureTrading();
  for (const s of ctx.symbols) await session.brokerSymbol(s);
  return new Mt5Broker(session.retain(), ctx.clock, {
    magic: ctx.run.magic,
    deviationPoints: c.deviationPoints,
    fillingModes: c.fillingModes,
    maxRequotes: c.maxRequotes,
    maxBackoffs: c.maxBackoffs,
    backoffMs: c.backoffMs,
    preflight: c.preflight,
    commentLength: c.commentLength,
    lookupDays: c.lookupDays,
    historyLagMs: c.historyLagMinutes * 60_000,
    sendTimeoutMs: c.sendTimeoutMs,
  });
}

export default definePlugin<SessionConfig & BrokerConfig>({
  name: '@tradekit/mt5-adapter/broker',
  version: ADAPTER_VERSION,
  description: 'MT5 Broker over the bridge: normalized orders, retcode classification, reconciliation by client id',
  requires: { '@tradekit/core': '^0.1.0' },
  provides: ['broker'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...sessionProperties,
      bridge: { ...sessionProperties.bridge, description: 'omit to share the MT5 data plugin’s terminal' },
      ...brokerProperties,
    },
  },
  async setup(ctx, c) {
    ctx.setBroker(await setupBroker(ctx, c));
  },
});
