/** mergeActions: several plugins act on one position in one pass; the engine applies one coherent set per position (a full close alone, or a merged modify plus the largest partial close). */
import assert from 'node:assert/strict';
import { mergeActions } from '../src/engine/actions.js';
import type { Action, Position } from '../src/index.js';

function position(id: string, side: 'buy' | 'sell', volume = 1): Position {
  return { id, symbol: 'EURUSD', side, volume, openPrice: 1.1, openTime: 0, currentPrice: 1.1, profit: 0, commission: 0, swap: 0 };
}

const BUY = position('p-buy', 'buy');
const SELL = position('p-sell', 'sell');

describe('mergeActions', () => {
  it('returns nothing for no actions', () => {
    assert.deepEqual(mergeActions([], [BUY]), []);
  });

  it('keeps a lone full close of an open position, as a plain close with its reason', () => {
    assert.deepEqual(mergeActions([{ type: 'close', positionId: 'p-buy', reason: 'exit signal' }], [BUY, SELL]), [
      { type: 'close', positionId: 'p-buy', reason: 'exit signal' },
    ]);
  });

  it('drops actions on positions that are not open (a lone close, a modify, a partial close)', () => {
    assert.deepEqual(mergeActions([{ type: 'close', positionId: 'gone', reason: 'exit' }], [BUY]), []);
    assert.deepEqual(
      mergeActions(
        [
          { type: 'modify', positionId: 'gone', sl: 1, reason: 'trail' },
          { type: 'close', positionId: 'gone', volume: 0.5, reason: 'partial' },
        ],
        [BUY],
      ),
      [],
    );
  });

  it('cancels each order once, whoever asked, ahead of the position actions', () => {
    const out = mergeActions(
      [
        { type: 'modify', positionId: 'p-buy', sl: 1.09, reason: 'trail' },
        { type: 'cancel', orderId: 'o1', reason: 'stale' },
        { type: 'cancel', orderId: 'o2', reason: 'stale' },
        { type: 'cancel', orderId: 'o1', reason: 'news' },
      ],
      [BUY],
    );
    assert.deepEqual(out, [
      { type: 'cancel', orderId: 'o1', reason: 'stale' },
      { type: 'cancel', orderId: 'o2', reason: 'stale' },
      { type: 'modify', positionId: 'p-buy', sl: 1.09, tp: undefined, reason: 'trail' },
    ]);
  });

  it("lets a full close beat partial closes and modifies of the same position, with the full close's reason", () => {
    const out = mergeActions(
      [
        { type: 'modify', positionId: 'p-buy', sl: 1.09, reason: 'break-even' },
        { type: 'close', positionId: 'p-buy', volume: 0.3, reason: 'partial' },
        { type: 'close', positionId: 'p-buy', reason: 'risk: daily loss' },
      ],
      [BUY],
    );
    assert.deepEqual(out, [{ type: 'close', positionId: 'p-buy', reason: 'risk: daily loss' }]);
  });

  it('counts a close of the whole volume (or more) as a full close', () => {
    const out = mergeActions(
      [
        { type: 'close', positionId: 'p-buy', volume: 0.3, reason: 'partial' },
        { type: 'close', positionId: 'p-buy', volume: 1, reason: 'all of it' },
      ],
      [BUY],
    );
    assert.deepEqual(out, [{ type: 'close', positionId: 'p-buy', reason: 'all of it' }]);
    assert.deepEqual(
      mergeActions(
        [
          { type: 'close', positionId: 'p-buy', volume: 2, reason: 'more than open' },
          { type: 'cancel', orderId: 'o', reason: 'x' },
        ],
        [BUY],
      ).at(-1),
      {
        type: 'close',
        positionId: 'p-buy',
        reason: 'more than open',
      },
    );
  });

  it('keeps the largest partial close when several plugins ask for one', () => {
    const out = mergeActions(
      [
        { type: 'close', positionId: 'p-buy', volume: 0.2, reason: 'a' },
        { type: 'close', positionId: 'p-buy', volume: 0.5, reason: 'b' },
        { type: 'close', positionId: 'p-buy', volume: 0.3, reason: 'c' },
      ],
      [BUY],
    );
    assert.deepEqual(out, [{ type: 'close', positionId: 'p-buy', volume: 0.5, reason: 'b' }]);
  });

  it('sends a partial close and a stop change of one position in the same pass: the merged modify, then the largest partial', () => {
    const out = mergeActions(
      [
        { type: 'close', positionId: 'p-buy', volume: 0.2, reason: 'small partial' },
        { type: 'modify', positionId: 'p-buy', sl: 1.1, reason: 'break-even' },
        { type: 'close', positionId: 'p-buy', volume: 0.3, reason: 'partial' },
      ],
      [BUY],
    );
    assert.deepEqual(out, [
      { type: 'modify', positionId: 'p-buy', sl: 1.1, tp: undefined, reason: 'break-even' },
      { type: 'close', positionId: 'p-buy', volume: 0.3, reason: 'partial' },
    ]);
  });

  it('merges modifies into the most protective stop: the highest SL for a buy, the lowest for a sell', () => {
    const mods = (id: string): Action[] => [
      { type: 'modify', positionId: id, sl: 1.095, reason: 'trail' },
      { type: 'modify', positionId: id, sl: 1.098, reason: 'break-even' },
      { type: 'modify', positionId: id, sl: 1.091, reason: 'structure' },
    ];
    assert.deepEqual(mergeActions(mods('p-buy'), [BUY]), [
      { type: 'modify', positionId: 'p-buy', sl: 1.098, tp: undefined, reason: 'trail, break-even, structure' },
    ]);
    assert.deepEqual(mergeActions(mods('p-sell'), [SELL]), [
      { type: 'modify', positionId: 'p-sell', sl: 1.091, tp: undefined, reason: 'trail, break-even, structure' },
    ]);
  });

  it('takes the last TP given, keeps an SL given by only one plugin, and lists each reason once', () => {
    const out = mergeActions(
      [
        { type: 'modify', positionId: 'p-buy', tp: 1.12, reason: 'target' },
        { type: 'modify', positionId: 'p-buy', sl: 1.09, reason: 'trail' },
        { type: 'modify', positionId: 'p-buy', tp: 1.115, reason: 'target' },
      ],
      [BUY],
    );
    assert.deepEqual(out, [{ type: 'modify', positionId: 'p-buy', sl: 1.09, tp: 1.115, reason: 'target, trail' }]);
  });

  it('drops a modify that changes neither SL nor TP', () => {
    assert.deepEqual(
      mergeActions(
        [
          { type: 'modify', positionId: 'p-buy', reason: 'nothing' },
          { type: 'modify', positionId: 'p-buy', reason: 'still nothing' },
        ],
        [BUY],
      ),
      [],
    );
  });

  it('merges each position on its own', () => {
    const out = mergeActions(
      [
        { type: 'modify', positionId: 'p-buy', sl: 1.09, reason: 'trail' },
        { type: 'close', positionId: 'p-sell', reason: 'exit' },
        { type: 'modify', positionId: 'p-sell', sl: 1.2, reason: 'trail' },
      ],
      [BUY, SELL],
    );
    assert.deepEqual(out, [
      { type: 'modify', positionId: 'p-buy', sl: 1.09, tp: undefined, reason: 'trail' },
      { type: 'close', positionId: 'p-sell', reason: 'exit' },
    ]);
  });
});
