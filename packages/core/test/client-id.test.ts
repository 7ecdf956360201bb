/** Client order ids: stable (they are in journals and at brokers), 16 characters, one per intent. */
import assert from 'node:assert/strict';
import { clientOrderId, makeClientOrderId } from '../src/engine/client-id.js';

describe('client order ids', () => {
  it('are the ids earlier versions made for the same parts (journals and brokers hold them)', () => {
    // Written by the implementation before the id was built without toString(36) (tk + 2 × 7 base-36 digits).
    const cases: [Parameters<typeof makeClientOrderId>[0], string][] = [
      [{ run: 'run-1', cycleTime: 1767225600000, cycle: 1, symbol: 'EURUSD', side: 'buy', agent: 'sma-crossover' }, 'tk1e0gxrn0lu15jp'],
      [{ run: 'run-1', cycleTime: 1767225600000, cycle: 1, symbol: 'EURUSD', side: 'sell', agent: 'sma-crossover' }, 'tk0pmfzwb0ienecn'],
      [{ run: 'r', cycleTime: 0, cycle: 0, symbol: 'E', side: 'buy' }, 'tk1c117f30a2hsy5'],
      [{ run: 'bt', cycleTime: 5e15, cycle: 4294967295, symbol: 'GBPUSD', side: 'sell', agent: 'x', n: 3 }, 'tk196v8kh0y5i2h7'],
    ];
    for (const [parts, id] of cases) {
      assert.equal(makeClientOrderId(parts), id);
      assert.equal(clientOrderId(parts.run, parts.cycleTime, parts.cycle, parts.symbol, parts.side, parts.agent, parts.n), id);
    }
  });

  it('are tk + 14 base-36 digits, the same for the same parts and different when a part differs', () => {
    const seen = new Set<string>();
    for (let cycle = 0; cycle < 2000; cycle++) {
      for (const side of ['buy', 'sell']) {
        const id = clientOrderId('run', 1_700_000_000_000 + cycle * 3_600_000, cycle, 'EURUSD', side, 'agent');
        assert.match(id, /^tk[0-9a-z]{14}$/);
        assert.equal(clientOrderId('run', 1_700_000_000_000 + cycle * 3_600_000, cycle, 'EURUSD', side, 'agent'), id);
        seen.add(id);
      }
    }
    assert.equal(seen.size, 4000);
    assert.notEqual(clientOrderId('run', 0, 1, 'EURUSD', 'buy'), clientOrderId('run', 0, 1, 'EURUSD', 'buy', undefined, 1));
  });
});
