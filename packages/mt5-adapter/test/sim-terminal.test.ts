/**
 * Simulator behaviours, terminal side (docs/reference/mt5-notes.md §4.3 items 1–8, 32): the initialize state machine and
 * per-call last_error, broker symbol suffixes and Market Watch selection, rates built from ticks and
 * ordered oldest → newest with the forming bar at index 0, broker server time with DST, ticks,
 * determinism.
 */
import assert from 'node:assert/strict';
import { Simulator } from '../src/sim/simulator.js';
import { TIMEFRAME } from '../src/mt5/constants.js';
import { tableRows, type Mt5SymbolInfo, type Mt5Tick } from '../src/mt5/types.js';
import { manualSim, WED } from './helpers.js';
import { deal, term, zigzagBars } from './sim-kit.js';
import { SimTerminal } from '../src/sim/terminal-api.js';

type Rate = { time: number; open: number; high: number; low: number; close: number; tick_volume: number; spread: number; real_volume: number };
const iso = (serverSec: number) => new Date(serverSec * 1000).toISOString().slice(0, 16);

describe('simulator: session state machine and last_error', () => {
  it('every call before initialize returns None with (-10004, "No IPC connection")', () => {
    const t = new SimTerminal(manualSim());
    assert.equal(t.call('account_info').value, null);
    assert.deepEqual(t.call('last_error').value, [-10004, 'No IPC connection']);
    assert.equal(t.call('symbol_info_tick', ['EURUSD']).value, null);
  });

  it('initialize succeeds; last_error is per call: a failure sets it, the next success resets it to (1, "Success")', () => {
    const { call, lastError } = term(manualSim());
    assert.deepEqual(lastError(), [1, 'Success']);
    assert.equal(call('symbol_info', ['NOPE']).value, null);
    assert.deepEqual(lastError(), [-4, 'Terminal: Not found']);
    assert.ok(call('symbol_info', ['EURUSD']).value);
    assert.deepEqual(lastError(), [1, 'Success']);
  });

  it('initialize: IPC timeout (-10005), terminal not found (-10003), bad credentials (-6); shutdown makes later calls fail', () => {
    const sim = manualSim({ requireCredentials: true });
    const t = new SimTerminal(sim);
    sim.initFailure = 'timeout';
    assert.equal(t.call('initialize').value, false);
    assert.deepEqual(t.call('last_error').value, [-10005, 'IPC timeout']);
    sim.initFailure = 'ipc';
    assert.equal(t.call('initialize').value, false);
    assert.equal((t.call('last_error').value as number[])[0], -10003);
    assert.equal(t.call('initialize', [], { login: 5_001_234, password: 'wrong', server: 'TradekitSim-Demo' }).value, false);
    assert.deepEqual(t.call('last_error').value, [-6, 'Terminal: Authorization failed']);
    assert.equal(t.call('initialize', [], { login: 5_001_234, password: 'sim-password', server: 'TradekitSim-Demo' }).value, true);
    assert.ok(t.call('account_info').value);
    t.call('shutdown');
    assert.equal(t.call('account_info').value, null);
    assert.deepEqual(t.call('last_error').value, [-10004, 'No IPC connection']);
  });

  it('positions_get/orders_get take filters as keywords only: a positional filter returns None (-2)', () => {
    const { call, lastError } = term(manualSim());
    assert.equal(call('positions_get', ['EURUSD']).value, null);
    assert.equal(lastError()[0], -2);
    assert.deepEqual(call('positions_get', [], { symbol: 'EURUSD' }).value, []);
  });
});

describe('simulator: broker symbol names and Market Watch selection', () => {
  const sim = () =>
    new Simulator({
      seed: 1,
      start: WED,
      suffix: 'm',
      hidden: ['GBPUSD'],
      symbols: ['EURUSD', 'GBPUSD', 'USDJPY', 'EURJPY'].map((name) => ({ name, feed: { kind: 'walk' as const, meanTickMs: 60_000 } })),
      historyMs: 3_600_000,
    });

  it('a suffix profile names every symbol with the suffix; the bare name is not found (RES_E_NOT_FOUND)', () => {
    const { call, lastError } = term(sim());
    assert.equal(call('symbol_info', ['EURUSD']).value, null);
    assert.equal(lastError()[0], -4);
    assert.equal((call('symbol_info', ['EURUSDm']).value as Mt5SymbolInfo).name, 'EURUSDm');
  });

  it('symbols_get(group=) follows include/exclude patterns', () => {
    const { call } = term(sim());
    const names = (call('symbols_get', [], { group: '*USD*,!EUR*' }).value as Mt5SymbolInfo[]).map((s) => s.name).sort();
    assert.deepEqual(names, ['GBPUSDm', 'USDJPYm']);
  });

  it('a hidden symbol has no tick and no rates, and trades on it get 10021, until symbol_select(sym, True)', () => {
    const { call, send } = term(sim());
    assert.equal((call('symbol_info', ['GBPUSDm']).value as Mt5SymbolInfo).visible, false);
    assert.equal(call('symbol_info_tick', ['GBPUSDm']).value, null);
    assert.equal(call('copy_rates_from_pos', ['GBPUSDm', TIMEFRAME.M1, 0, 10]).value, null);
    assert.equal(send(deal({ symbol: 'GBPUSDm' })).retcode, 10021);
    assert.equal(call('symbol_select', ['GBPUSDm', true]).value, true);
    assert.ok((call('symbol_info_tick', ['GBPUSDm']).value as Mt5Tick).bid > 0);
    assert.equal(send(deal({ symbol: 'GBPUSDm' })).retcode, 10009);
  });
});

describe('simulator: rates', () => {
  // 41 M5 bars, the last opening at WED 10:00 UTC; the clock 2 minutes into it.
  const bars = zigzagBars(WED + 300_000, 41);
  const sim = () =>
    new Simulator({ seed: 3, start: WED + 120_000, symbols: [{ name: 'EURUSD', feed: { kind: 'bars', bars: { ...bars, tfMs: 300_000 } } }], maxBars: 30 });

  it('are ordered oldest → newest; index 0 of copy_rates_from_pos is the forming bar', () => {
    const { rates } = term(
      new Simulator({ seed: 3, start: WED + 120_000, symbols: [{ name: 'EURUSD', feed: { kind: 'bars', bars: { ...bars, tfMs: 300_000 } } }] }),
    );
    const r = tableRows<Rate>(rates('copy_rates_from_pos', ['EURUSD', TIMEFRAME.M5, 0, 5])!);
    assert.equal(r.length, 5);
    for (let i = 1; i < r.length; i++) assert.ok(r[i]!.time > r[i - 1]!.time, 'ascending');
    // Server time is GMT+3 in May: the forming bar opened 10:00 UTC = 13:00 server.
    assert.equal(iso(r[4]!.time), '2026-05-13T13:00');
    assert.equal(r[4]!.open, bars.open[40]);
    assert.ok(r[4]!.tick_volume < bars.volume[40]!, 'still forming: only some of its ticks so far');
  });

  it('are built from the ticks and reproduce the source bars (OHLC, tick volume), with spread in points and real_volume 0', () => {
    const { rates } = term(
      new Simulator({ seed: 3, start: WED + 120_000, symbols: [{ name: 'EURUSD', feed: { kind: 'bars', bars: { ...bars, tfMs: 300_000 } } }] }),
    );
    const r = tableRows<Rate>(rates('copy_rates_from_pos', ['EURUSD', TIMEFRAME.M5, 1, 10])!);
    for (let k = 0; k < 10; k++) {
      const i = 30 + k;
      assert.deepEqual([r[k]!.open, r[k]!.high, r[k]!.low, r[k]!.close], [bars.open[i], bars.high[i], bars.low[i], bars.close[i]]);
      assert.equal(r[k]!.tick_volume, bars.volume[i]);
      assert.ok(Number.isInteger(r[k]!.spread) && r[k]!.spread >= 1);
      assert.equal(r[k]!.real_volume, 0);
    }
  });

  it('copy_rates_range is inclusive at both ends; copy_rates_from returns bars opened at or before the date', () => {
    const { rates } = term(sim());
    const all = tableRows<Rate>(rates('copy_rates_from_pos', ['EURUSD', TIMEFRAME.M5, 0, 10])!);
    const range = tableRows<Rate>(rates('copy_rates_range', ['EURUSD', TIMEFRAME.M5, all[2]!.time, all[5]!.time])!);
    assert.deepEqual(
      range.map((x) => x.time),
      all.slice(2, 6).map((x) => x.time),
    );
    const from = tableRows<Rate>(rates('copy_rates_from', ['EURUSD', TIMEFRAME.M5, all[5]!.time + 60, 3])!);
    assert.deepEqual(
      from.map((x) => x.time),
      all.slice(3, 6).map((x) => x.time),
    );
  });

  it('are capped at the terminal’s max bars', () => {
    const { rates } = term(sim());
    assert.equal(rates('copy_rates_from_pos', ['EURUSD', TIMEFRAME.M5, 0, 1000])!.rows.length, 30);
  });

  it('validate the timeframe enum (H1 = 16385, not 60): an invalid value returns None with -2', () => {
    const { rates, lastError } = term(sim());
    assert.equal(rates('copy_rates_from_pos', ['EURUSD', 60, 0, 10]), null);
    assert.equal(lastError()[0], -2);
    const h1 = tableRows<Rate>(rates('copy_rates_from_pos', ['EURUSD', TIMEFRAME.H1, 0, 5])!);
    for (const b of h1) assert.equal(b.time % 3600, 0, 'H1 bars open on the server hour');
  });
});

describe('simulator: broker server clock', () => {
  it('stamps times in server time: GMT+3 while New York is on daylight time, GMT+2 otherwise', () => {
    const summer = term(manualSim());
    assert.equal((summer.call('symbol_info_tick', ['EURUSD']).value as Mt5Tick).time * 1000 - WED, 3 * 3_600_000);
    const jan = Date.UTC(2026, 0, 14, 10, 0, 0);
    const winter = term(manualSim({ start: jan }));
    assert.equal((winter.call('symbol_info_tick', ['EURUSD']).value as Mt5Tick).time * 1000 - jan, 2 * 3_600_000);
  });

  it('switches offset on the US DST day and aligns D1 bars on server midnight', () => {
    // 2026-03-08 is the second Sunday of March: DST starts 07:00 UTC.
    const before = Date.UTC(2026, 2, 6, 12, 0, 0);
    const sim = new Simulator({
      seed: 1,
      start: before,
      symbols: [{ name: 'EURUSD', feed: { kind: 'walk', meanTickMs: 600_000 } }],
      historyMs: 3 * 86_400_000,
    });
    const t = term(sim);
    const tick1 = t.call('symbol_info_tick', ['EURUSD']).value as Mt5Tick;
    sim.advanceTo(Date.UTC(2026, 2, 10, 12, 0, 0));
    const tick2 = t.call('symbol_info_tick', ['EURUSD']).value as Mt5Tick;
    assert.equal(Math.round((tick1.time_msc - sim.clock.fromServerMs(tick1.time_msc)) / 3_600_000), 2);
    assert.equal(Math.round((tick2.time_msc - sim.clock.fromServerMs(tick2.time_msc)) / 3_600_000), 3);
    const d1 = tableRows<Rate>(t.rates('copy_rates_from_pos', ['EURUSD', TIMEFRAME.D1, 0, 4])!);
    for (const b of d1) assert.equal(b.time % 86_400, 0, 'D1 opens at server midnight');
  });

  it('closes the market from Friday 23:59 server time to Monday: trades get 10018', () => {
    const fri = Date.UTC(2026, 4, 15, 20, 58, 0); // 23:58 server (GMT+3)
    const sim = manualSim({ start: fri });
    const { send } = term(sim);
    assert.equal(send(deal()).retcode, 10009);
    sim.advance(90_000); // 23:59:30 server
    assert.equal(send(deal()).retcode, 10018);
    sim.advanceTo(Date.UTC(2026, 4, 17, 21, 1, 0)); // Monday 00:01 server
    sim.setPrice('EURUSD', 1.1, 1.1001);
    assert.equal(send(deal()).retcode, 10009);
  });
});

describe('simulator: ticks and determinism', () => {
  const walk = (seed: number) =>
    new Simulator({ seed, start: WED, symbols: [{ name: 'EURUSD', feed: { kind: 'walk', meanTickMs: 5_000 } }], historyMs: 3_600_000 });

  it('the same seed gives the same tick stream; another seed does not', () => {
    const a = term(walk(11)).call('copy_ticks_range', ['EURUSD', 0, 4_102_444_800, -1]).value;
    const b = term(walk(11)).call('copy_ticks_range', ['EURUSD', 0, 4_102_444_800, -1]).value;
    const c = term(walk(12)).call('copy_ticks_range', ['EURUSD', 0, 4_102_444_800, -1]).value;
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('copy_ticks honours flags (TRADE finds no FX ticks) and time_msc is server time in ms', () => {
    const t = term(walk(11));
    const info = tableRows<{ time: number; time_msc: number; bid: number; ask: number; flags: number }>(
      t.call('copy_ticks_from', ['EURUSD', 0, 50, 1]).value as never,
    );
    assert.equal(info.length, 50);
    for (const k of info) {
      assert.equal(Math.floor(k.time_msc / 1000), k.time);
      assert.ok(k.ask > k.bid);
      assert.ok(k.flags & 6);
    }
    assert.equal((t.call('copy_ticks_from', ['EURUSD', 0, 50, 2]).value as { rows: unknown[] }).rows.length, 0);
  });

  it('spreads vary around the typical spread and widen right after the daily open', () => {
    const sim = new Simulator({
      seed: 5,
      start: Date.UTC(2026, 4, 14, 3, 0, 0),
      symbols: [{ name: 'EURUSD', feed: { kind: 'walk', meanTickMs: 20_000 } }],
      historyMs: 86_400_000,
    });
    const rows = tableRows<{ time_msc: number; bid: number; ask: number }>(term(sim).call('copy_ticks_range', ['EURUSD', 0, 4_102_444_800, -1]).value as never);
    const pts = (k: { bid: number; ask: number }) => Math.round((k.ask - k.bid) / 0.00001);
    const atOpen = rows.filter((k) => k.time_msc % 86_400_000 < 300_000).map(pts);
    const normal = rows.filter((k) => k.time_msc % 86_400_000 > 3_600_000).map(pts);
    const avg = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
    assert.ok(atOpen.length > 3 && normal.length > 100);
    assert.ok(new Set(normal).size > 3, 'variable spread');
    assert.ok(avg(atOpen) > 2 * avg(normal), `open spike ${avg(atOpen)} vs ${avg(normal)}`);
  });
});

describe('simulator: ticks from the MT5 sample bars', () => {
  it('replays examples/data: the M5 bars it serves are the sample bars (server time in, server time out)', async () => {
    const { buildSimulator } = await import('../src/sim/build.js');
    const { readFileSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const path = await import('node:path');
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
    const sim = await buildSimulator({ dataDir: path.join(root, 'examples', 'data'), symbols: ['EURUSD'], historyBars: 500 });
    const r = tableRows<Rate>(term(sim).rates('copy_rates_from_pos', ['EURUSD', TIMEFRAME.M5, 1, 50])!);
    const lines = readFileSync(path.join(root, 'examples', 'data', 'EURUSD_M5.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1);
    const byTime = new Map(lines.map((l) => [l.split(',')[0]!.replace(' ', 'T').slice(0, 16), l.split(',').slice(1, 5).map(Number)]));
    for (const b of r) assert.deepEqual([b.open, b.high, b.low, b.close], byTime.get(iso(b.time)), `bar ${iso(b.time)}`);
  });

  it('a wall-clock replay moves the bars by whole weeks so the terminal starts in the week before now', async () => {
    const { buildSimulator } = await import('../src/sim/build.js');
    const { fileURLToPath } = await import('node:url');
    const path = await import('node:path');
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
    const now = Date.UTC(2026, 10, 25, 12, 0, 0);
    const plain = await buildSimulator({ dataDir: path.join(root, 'examples', 'data'), symbols: ['EURUSD'], historyBars: 500 });
    const sim = await buildSimulator({ dataDir: path.join(root, 'examples', 'data'), symbols: ['EURUSD'], historyBars: 500, alignStartTo: now });
    assert.ok(sim.now() <= now && sim.now() > now - 7 * 86_400_000);
    assert.equal((sim.now() - plain.now()) % (7 * 86_400_000), 0);
  });
});
