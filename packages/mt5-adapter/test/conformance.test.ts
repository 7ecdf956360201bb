/**
 * The same broker conformance kit the paper broker passes (`@tradekit/core/testkit`), run against the
 * MT5 adapter on the simulator: over the real wire protocol (TCP, port 0) and in-process.
 */
import { defineBrokerConformance, type BrokerHarness } from '@tradekit/core/testkit';
import { manualSim, rig } from './helpers.js';

function harness(transport: 'tcp' | 'inproc') {
  return async (): Promise<BrokerHarness> => {
    const r = await rig(manualSim(), { transport });
    return {
      broker: r.broker,
      symbol: 'EURUSD',
      magic: 770_001,
      now: () => r.clock.now(),
      quote(bid, ask) {
        r.clock.advance(1000);
        r.sim.advanceTo(r.clock.now());
        r.sim.setPrice('EURUSD', bid, ask);
      },
      advance(ms) {
        r.clock.advance(ms);
      },
      loseNextResponse() {
        r.sim.faults.inject({ method: 'order_send', kind: 'drop_after_execute' });
      },
      closeMarket() {
        r.sim.closeMarket();
      },
      close: () => r.close(),
    };
  };
}

describe('MT5 adapter on the simulator over TCP: broker conformance kit', () => {
  defineBrokerConformance(it, harness('tcp'), { loseNextResponse: true, closeMarket: true });
});

describe('MT5 adapter on the simulator in-process: broker conformance kit', () => {
  defineBrokerConformance(it, harness('inproc'), { loseNextResponse: true, closeMarket: true });
});
