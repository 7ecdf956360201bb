/** `@tradekit/core/paper`: the built-in simulated hedging account (see paper/paper-broker.ts). */
import { definePlugin } from '../plugin.js';
import { PaperBroker } from '../paper/paper-broker.js';
import { PersistentPaperBroker } from '../paper/persistent-paper.js';
import { PaperBrokerOptionsToken } from '../tokens.js';
import { CORE_VERSION } from '../version.js';

export interface PaperPluginConfig {
  balance: number;
  currency: string;
  leverage: number;
  leverageBy: Record<string, number>;
  commissionPerLot: number;
  slippagePoints: number;
  stopOutLevel: number;
  maxQuoteAgeMinutes: number;
  marketClosed: 'auto' | 'reject' | 'queue';
  persist: 'auto' | boolean;
}

export default definePlugin<PaperPluginConfig>({
  name: '@tradekit/core/paper',
  version: CORE_VERSION,
  description: 'Paper broker: hedging account, market/limit/stop orders, SL/TP on bars with gap fills, margin, commission',
  provides: ['broker'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      balance: { type: 'number', exclusiveMinimum: 0, default: 10000 },
      currency: { type: 'string', pattern: '^[A-Z]{3}$', default: 'USD' },
      leverage: { type: 'number', minimum: 1, default: 100 },
      leverageBy: {
        type: 'object',
        default: {},
        additionalProperties: { type: 'number', minimum: 1 },
        description: 'per symbol or asset class, e.g. { index: 20 }',
      },
      commissionPerLot: { type: 'number', minimum: 0, default: 0, description: 'per lot per side, account currency' },
      slippagePoints: { type: 'number', minimum: 0, default: 0 },
      stopOutLevel: { type: 'number', minimum: 0, default: 50, description: 'margin level % that triggers stop-out' },
      maxQuoteAgeMinutes: { type: 'number', exclusiveMinimum: 0, default: 15, description: 'older quotes mean the market is closed' },
      marketClosed: {
        enum: ['auto', 'reject', 'queue'],
        default: 'auto',
        description:
          'market orders and closes while the market is closed: reject (retryable, like a live broker) or queue for the next open; auto = queue under a simulated clock, reject under the wall clock',
      },
      persist: {
        anyOf: [{ const: 'auto' }, { type: 'boolean' }],
        default: 'auto',
        description:
          'save the account in the state store after every change and restore it at start; auto = under the wall clock with a persistent store (forward-testing restarts like live)',
      },
    },
  },
  async setup(ctx, c) {
    // The broker is built by the plugin's child container: clock and data source come from the run.
    ctx.container.register(PaperBrokerOptionsToken, {
      useValue: {
        balance: c.balance,
        currency: c.currency,
        leverage: c.leverage,
        leverageBy: c.leverageBy,
        commissionPerLot: c.commissionPerLot,
        slippagePoints: c.slippagePoints,
        stopOutLevel: c.stopOutLevel,
        maxQuoteAgeMs: c.maxQuoteAgeMinutes * 60_000,
        whenClosed: c.marketClosed === 'auto' ? (ctx.clock.kind === 'sim' ? 'queue' : 'reject') : c.marketClosed,
      },
    });
    const broker = ctx.container.resolve(PaperBroker);
    const persist = c.persist === 'auto' ? ctx.clock.kind === 'live' && !/^memory/.test(ctx.state.url) : c.persist;
    if (!persist) return void ctx.setBroker(broker);
    const saved = new PersistentPaperBroker(broker, ctx.state, ctx.log);
    await saved.restore();
    ctx.setBroker(saved);
  },
});
