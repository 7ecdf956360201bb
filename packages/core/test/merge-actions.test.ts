/** mergeActions: what the engine sends when several plugins act on one position in one pass. */
import assert from 'node:assert/strict';
import { mergeActions } from '../src/engine/actions.js';
import type { Action, Position } from '../src/index.js';

const pos = (id: string, side: 'buy' | 'sell', volume = 1): Position =>
  ({ id, symbol: 'EURUSD', side, volume, openPrice: 1.1, currentPrice: 1.101, openTime: 0, profit: 0, swap: 0, commission: 0, magic: 1 }) as Position;

describe('mergeActions', () => {
  it('a full close beats partial closes and modifies; positions that are gone are dropped', () => {
    const acts: Action[] = [
      { type: 'modify', positionId: 'a', sl: 1.1, reason: 'be' },
      { type: 'close', positionId: 'a', volume: 0.3, reason: 'partial' },
      { type: 'close', positionId: 'a', reason: 'early cut' },
      { type: 'close', positionId: 'gone', reason: 'x' },
    ];
    assert.deepEqual(mergeActions(acts, [pos('a', 'buy')]), [{ type: 'close', positionId: 'a', reason: 'early cut' }]);
    // A "partial" of the whole volume is a full close.
    assert.deepEqual(mergeActions([{ type: 'close', positionId: 'a', volume: 1, reason: 'all' }, { type: 'modify', positionId: 'a', sl: 1.1, reason: 'be' }], [pos('a', 'buy')]), [
      { type: 'close', positionId: 'a', reason: 'all' },
    ]);
  });

  it('a partial close and a stop change on one position both go out in one pass: the modify, then the largest partial', () => {
    const acts: Action[] = [
      { type: 'close', positionId: 'a', volume: 0.2, reason: 'small partial' },
      { type: 'modify', positionId: 'a', sl: 1.1005, reason: 'break-even' },
      { type: 'close', positionId: 'a', volume: 0.3, reason: 'partial 30% at break-even' },
    ];
    assert.deepEqual(mergeActions(acts, [pos('a', 'buy')]), [
      { type: 'modify', positionId: 'a', sl: 1.1005, tp: undefined, reason: 'break-even' },
      { type: 'close', positionId: 'a', volume: 0.3, reason: 'partial 30% at break-even' },
    ]);
    // Only a partial: only the partial.
    assert.deepEqual(mergeActions([{ type: 'close', positionId: 'a', volume: 0.3, reason: 'p' }, { type: 'close', positionId: 'b', volume: 0.1, reason: 'q' }], [pos('a', 'buy'), pos('b', 'sell')]), [
      { type: 'close', positionId: 'a', volume: 0.3, reason: 'p' },
      { type: 'close', positionId: 'b', volume: 0.1, reason: 'q' },
    ]);
  });

  it('modifies merge to the most protective stop per side and the last TP; cancels are de-duplicated', () => {
    const acts: Action[] = [
      { type: 'modify', positionId: 'b', sl: 1.2, reason: 'trail' },
      { type: 'modify', positionId: 'b', sl: 1.15, tp: 1.0, reason: 'be' },
      { type: 'modify', positionId: 'a', sl: 1.09, reason: 'trail' },
      { type: 'modify', positionId: 'a', sl: 1.095, reason: 'be' },
      { type: 'modify', positionId: 'a', tp: 1.2, reason: 'be' },
      { type: 'cancel', orderId: 'o1', reason: 'stale' },
      { type: 'cancel', orderId: 'o1', reason: 'again' },
    ];
    assert.deepEqual(mergeActions(acts, [pos('a', 'buy'), pos('b', 'sell')]), [
      { type: 'cancel', orderId: 'o1', reason: 'stale' },
      { type: 'modify', positionId: 'b', sl: 1.15, tp: 1.0, reason: 'trail, be' },
      { type: 'modify', positionId: 'a', sl: 1.095, tp: 1.2, reason: 'trail, be' },
    ]);
  });
});
