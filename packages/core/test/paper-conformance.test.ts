/** The broker conformance kit (`@tradekit/core/testkit`) against the paper broker. */
import { PaperBroker } from '../src/paper/paper-broker.js';
import { SimClock } from '../src/clock/sim-clock.js';
import { symbolInfoFor } from '../src/data/symbol-profiles.js';
import { defineBrokerConformance, ScriptedMarket, type BrokerHarness } from '../src/testkit/index.js';

async function paperHarness(): Promise<BrokerHarness> {
  // Wednesday 13 May 2026, 10:00 UTC: an ordinary trading hour.
  const clock = new SimClock(Date.UTC(2026, 4, 13, 10, 0, 0));
  const info = symbolInfoFor('EURUSD', 5, { stopsLevel: 0, spread: 10 });
  const market = new ScriptedMarket(clock, [info]);
  market.quote('EURUSD', 1.1, 1.1001);
  const broker = new PaperBroker(clock, market, { balance: 10_000, currency: 'USD', leverage: 100, commissionPerLot: 0, slippagePoints: 0 });
  return {
    broker,
    symbol: 'EURUSD',
    magic: 770_001,
    now: () => clock.now(),
    quote(bid, ask) {
      clock.advance(1000);
      market.quote('EURUSD', bid, ask);
    },
    advance(ms) {
      clock.advance(ms);
      market.refresh('EURUSD');
    },
    closeMarket() {
      // No quote for longer than the broker's max quote age: the market is closed.
      clock.advance(20 * 60_000);
    },
    close() {},
  };
}

describe('paper broker: broker conformance kit', () => {
  defineBrokerConformance(it, paperHarness, { closeMarket: true });
});
