/** A bridge reply is untrusted data: a symbol description that would make prices or sizes meaningless is refused with a code. */
import assert from 'node:assert/strict';
import { TradekitError } from '@tradekit/core';
import { symbolInfoOf } from '../src/adapter/convert.js';
import type { Mt5SymbolInfo } from '../src/mt5/types.js';

const good = {
  name: 'EURUSD',
  description: 'Euro vs US Dollar',
  path: 'Forex\\EURUSD',
  visible: true,
  select: true,
  digits: 5,
  point: 0.00001,
  spread: 12,
  spread_float: true,
  trade_tick_value: 1,
  trade_tick_value_profit: 1,
  trade_tick_value_loss: 1,
  trade_tick_size: 0.00001,
  trade_contract_size: 100000,
  volume_min: 0.01,
  volume_max: 100,
  volume_step: 0.01,
  volume_limit: 0,
  trade_stops_level: 0,
  trade_freeze_level: 0,
  trade_mode: 4,
  trade_exemode: 2,
  trade_calc_mode: 0,
  filling_mode: 3,
  expiration_mode: 15,
  order_mode: 127,
  order_gtc_mode: 0,
  currency_base: 'EUR',
  currency_profit: 'USD',
  currency_margin: 'EUR',
} as unknown as Mt5SymbolInfo;

describe('symbol info from the terminal', () => {
  it('a sound description converts', () => {
    const s = symbolInfoOf(good, 'EURUSD');
    assert.equal(s.digits, 5);
    assert.equal(s.contractSize, 100000);
  });
  for (const [field, value] of [
    ['point', 0],
    ['digits', -1],
    ['digits', 2.5],
    ['trade_contract_size', 0],
    ['volume_step', Number.NaN],
    ['volume_min', 0],
    ['volume_max', 0.001],
  ] as const) {
    it(`${field} = ${value} is TK_ERR_MT5_BAD_DATA`, () => {
      assert.throws(
        () => symbolInfoOf({ ...good, [field]: value } as Mt5SymbolInfo, 'EURUSD'),
        (e: unknown) => e instanceof TradekitError && e.code === 'TK_ERR_MT5_BAD_DATA' && e.message.includes(field) && e.symbol === 'EURUSD',
      );
    });
  }
});
