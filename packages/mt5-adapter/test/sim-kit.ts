/** Calling the simulated terminal the way Python would (tests only). */
import { SimTerminal } from '../src/sim/terminal-api.js';
import type { Simulator } from '../src/sim/simulator.js';
import type { Mt5Deal, Mt5Order, Mt5OrderCheckResult, Mt5OrderSendResult, Mt5Position, Mt5Table } from '../src/mt5/types.js';

export function term(sim: Simulator) {
  const t = new SimTerminal(sim);
  t.call('initialize');
  const call = (m: string, args: unknown[] = [], kw: Record<string, unknown> = {}) => t.call(m, args, kw);
  return {
    t,
    call,
    send: (req: Record<string, unknown>) => call('order_send', [req]).value as Mt5OrderSendResult,
    check: (req: Record<string, unknown>) => call('order_check', [req]).value as Mt5OrderCheckResult,
    lastError: () => call('last_error').value as [number, string],
    positions: (kw: Record<string, unknown> = {}) => call('positions_get', [], kw).value as Mt5Position[],
    orders: (kw: Record<string, unknown> = {}) => call('orders_get', [], kw).value as Mt5Order[],
    deals: (args: unknown[] = [0, 4_102_444_800], kw: Record<string, unknown> = {}) => call('history_deals_get', args, kw).value as Mt5Deal[],
    historyOrders: (args: unknown[] = [0, 4_102_444_800], kw: Record<string, unknown> = {}) => call('history_orders_get', args, kw).value as Mt5Order[],
    rates: (m: string, args: unknown[]) => call(m, args).value as Mt5Table | null,
  };
}

/** A TRADE_ACTION_DEAL buy of 0.1 EURUSD (FOK), overridable. */
export function deal(o: Record<string, unknown> = {}): Record<string, unknown> {
  return { action: 1, symbol: 'EURUSD', volume: 0.1, type: 0, type_filling: 0, type_time: 0, deviation: 20, magic: 42, comment: 'test', ...o };
}

/** Synthetic M5 bars (UTC ms) ending just before `end`: a gentle zig-zag around 1.1. */
export function zigzagBars(end: number, n: number, tfMs = 300_000) {
  const time: number[] = [];
  const open: number[] = [];
  const high: number[] = [];
  const low: number[] = [];
  const close: number[] = [];
  const volume: number[] = [];
  let p = 1.1;
  for (let i = 0; i < n; i++) {
    const t = end - (n - i) * tfMs;
    const c = Number((p + (i % 7 < 4 ? 0.0003 : -0.0004)).toFixed(5));
    time.push(t);
    open.push(p);
    high.push(Number((Math.max(p, c) + 0.0002).toFixed(5)));
    low.push(Number((Math.min(p, c) - 0.0002).toFixed(5)));
    close.push(c);
    volume.push(100 + i);
    p = c;
  }
  return { time, open, high, low, close, volume, tfMs };
}
