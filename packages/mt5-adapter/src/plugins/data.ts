/** `@tradekit/mt5-adapter/data`: bars, quotes and specifications from an MT5 terminal. */
import { definePlugin, type PluginContext } from '@tradekit/core';
import { Mt5DataSource } from '../adapter/data.js';
import type { Mt5Session } from '../adapter/session.js';
import { sessionProperties, type SessionConfig } from './config.js';
import { openSession } from './sessions.js';
import { ADAPTER_VERSION } from '../version.js';
import { checkServerOffset } from './offset-check.js';

export default definePlugin<SessionConfig>({
  name: '@tradekit/mt5-adapter/data',
  version: ADAPTER_VERSION,
  description: 'MT5 DataSource over the bridge: closed bars, ticks and symbol specs, broker time converted to UTC',
  requires: { '@tradekit/core': '^0.1.0' },
  provides: ['data'],
  configSchema: { type: 'object', additionalProperties: false, required: ['bridge'], properties: sessionProperties },
  async setup(ctx, c) {
    await setupData(ctx, await openSession(ctx, c));
  },
});

/** Registers the terminal's DataSource (live: after checking the configured server-time offset). */
export async function setupData(ctx: PluginContext, session: Mt5Session): Promise<void> {
  const data = new Mt5DataSource(session.retain(), ctx.clock, { symbols: ctx.symbols });
  await data.prepare();
  if (ctx.clock.kind === 'live') await checkServerOffset(session, ctx.symbols, ctx.clock.now(), ctx.log);
  ctx.setDataSource(data);
}
