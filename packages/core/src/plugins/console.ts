/** `@tradekit/core/console`: a sink that prints each cycle in a readable form (the CLI adds it by default). */
import { definePlugin } from '../plugin.js';
import { ConsoleReporter } from '../events/console-reporter.js';
import { CORE_VERSION } from '../version.js';

export default definePlugin<{ symbols: boolean; color: boolean | 'auto' }>({
  name: '@tradekit/core/console',
  version: CORE_VERSION,
  description: 'Prints each cycle: symbols scanned, candidates, orders, account',
  provides: ['sink'],
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      symbols: { type: 'boolean', default: true, description: 'print every symbol status' },
      color: { anyOf: [{ type: 'boolean' }, { const: 'auto' }], default: 'auto' },
    },
  },
  setup(ctx, c) {
    ctx.addSink(new ConsoleReporter({ symbols: c.symbols, color: c.color === 'auto' ? process.stdout.isTTY : c.color }));
  },
});
