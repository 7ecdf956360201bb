/**
 * `@tradekit/mt5-adapter`: one terminal as both DataSource and Broker. In the `data:` slot it
 * registers both; in the `broker:` slot (after another data plugin) only the broker, so
 * `data: '@tradekit/core/csv'` + `broker: '@tradekit/mt5-adapter'` keeps the CSV data.
 */
import { DataSourceToken, definePlugin } from '@tradekit/core';
import { brokerProperties, sessionProperties, type BrokerConfig, type SessionConfig } from './config.js';
import { openSession } from './sessions.js';
import { setupBroker } from './broker.js';
import { setupData } from './data.js';
import { ADAPTER_VERSION } from '../version.js';

export default definePlugin<SessionConfig & BrokerConfig>({
  name: '@tradekit/mt5-adapter',
  version: ADAPTER_VERSION,
  description: 'MetaTrader 5 terminal (DataSource + Broker) over the bridge',
  requires: { '@tradekit/core': '^0.1.0' },
  provides: ['data', 'broker'],
  configSchema: { type: 'object', additionalProperties: false, required: ['bridge'], properties: { ...sessionProperties, ...brokerProperties } },
  async setup(ctx, c) {
    const session = await openSession(ctx, c);
    if (!ctx.isRegistered(DataSourceToken)) await setupData(ctx, session);
    ctx.setBroker(await setupBroker(ctx, c));
  },
});
