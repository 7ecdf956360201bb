/**
 * DealStats keeps its figures up to date from the changes between history reads (deals entering and
 * leaving the window, positions opening and closing, the UTC day): after every refresh they must be
 * the figures a full fold of the window in time order gives, bit for bit. The reference below is that
 * full fold (the statistics as they were computed before the window was kept incrementally).
 */
import assert from 'node:assert/strict';
import { roundMoney, type CycleContext, type Deal, type Position } from '@tradekit/core';
import { DealStats, type TradeStats } from '@tradekit/agents';
import { rng } from './helpers.js';

const DAY = 86_400_000;
const MAGIC = 7;

interface Figures {
  nets: Record<string, number[]>;
  dayNet: number;
  trades: TradeStats;
}

/** The whole window folded in time order (a stable sort of the read). */
function reference(deals: readonly Deal[], positions: readonly Position[], now: number, o: { dailyScope: 'account' | 'run'; kellyTrades?: number }): Figures {
  const dayStart = Math.floor(now / DAY) * DAY;
  const nets: Record<string, number[]> = {};
  const byPosition = new Map<string, number>();
  const closedAt = new Map<string, number>();
  let dayNet = 0;
  for (const d of [...deals].sort((a, b) => a.time - b.time)) {
    const counted = o.dailyScope === 'account' || d.magic === MAGIC;
    if (d.entry !== 'out') {
      if (d.time >= dayStart && counted) dayNet += d.commission + d.swap;
      continue;
    }
    const net = d.profit + d.commission + d.swap;
    if (d.time >= dayStart && counted) dayNet += net;
    if (d.magic !== MAGIC) continue;
    (nets[d.symbol] ??= []).push(net);
    byPosition.set(d.positionId, (byPosition.get(d.positionId) ?? 0) + net);
    closedAt.set(d.positionId, d.time);
  }
  const open = new Set(positions.map((p) => p.id));
  let closed = [...byPosition.keys()].filter((id) => !open.has(id));
  const last = o.kellyTrades ?? 0;
  if (last > 0 && closed.length > last) closed = closed.sort((a, b) => closedAt.get(a)! - closedAt.get(b)!).slice(-last);
  let wins = 0;
  let sumW = 0;
  let sumL = 0;
  for (const id of closed) {
    const net = byPosition.get(id)!;
    if (net > 0) {
      wins++;
      sumW += net;
    } else sumL += -net;
  }
  const trades = closed.length;
  return {
    nets,
    dayNet: roundMoney(dayNet),
    trades: { trades, wins, avgWin: wins ? sumW / wins : 0, avgLoss: trades - wins ? sumL / (trades - wins) : 0 },
  };
}

function figuresOf(s: DealStats): Figures {
  const nets: Record<string, number[]> = {};
  for (const [sym, v] of s.bySymbol) if (v.nets.length) nets[sym] = [...v.nets];
  return { nets, dayNet: s.dayNet, trades: { ...s.trades } };
}

function sameFigures(a: Figures, b: Figures, what: string): void {
  assert.deepEqual(Object.keys(a.nets).sort(), Object.keys(b.nets).sort(), `${what}: symbols`);
  for (const k of Object.keys(b.nets)) {
    assert.equal(a.nets[k]!.length, b.nets[k]!.length, `${what}: ${k} nets`);
    for (let i = 0; i < b.nets[k]!.length; i++) assert.ok(Object.is(a.nets[k]![i], b.nets[k]![i]), `${what}: ${k} net ${i}`);
  }
  assert.ok(Object.is(a.dayNet, b.dayNet), `${what}: dayNet ${a.dayNet} ≠ ${b.dayNet}`);
  for (const k of ['trades', 'wins', 'avgWin', 'avgLoss'] as const)
    assert.ok(Object.is(a.trades[k], b.trades[k]), `${what}: ${k} ${a.trades[k]} ≠ ${b.trades[k]}`);
}

type Order = 'time' | 'shuffled' | 'late';

/**
 * A random account: positions of this run and of another that open, close in one or more parts
 * (several deals at the same millisecond now and then), read back through a history in time order,
 * shuffled, or with now and then a deal that arrives after newer ones (a late report).
 */
async function scenario(
  seed: number,
  order: Order,
  o: { windowMs: number; dailyScope: 'account' | 'run'; kellyTrades?: number },
  copies: boolean,
  asynchronous = false,
  frozen = false,
): Promise<void> {
  const r = rng(seed);
  const all: Deal[] = [];
  const open = new Map<string, Position>();
  let now = 5 * DAY + Math.floor(r() * DAY);
  let id = 0;
  const symbols = ['EURUSD', 'GBPUSD', 'XAUUSD'];
  const money = () => Math.round((r() - 0.55) * 4000) / 100;
  const dealAt = (p: Position, time: number, entry: Deal['entry'], profit: number): Deal => ({
    id: `d${++id}`,
    orderId: `o${id}`,
    positionId: p.id,
    symbol: p.symbol,
    side: p.side,
    entry,
    volume: 0.1,
    price: 1,
    time,
    profit,
    commission: -Math.round(r() * 70) / 100,
    swap: r() < 0.2 ? money() / 10 : 0,
    reason: 'client',
    magic: p.magic,
  });
  let lastRead: Deal[] = [];
  const history = (q: { from: number; to: number }): Deal[] => {
    const inWindow = all.filter((d) => d.time >= q.from && d.time <= q.to);
    if (order === 'shuffled') {
      for (let i = inWindow.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [inWindow[i], inWindow[j]] = [inWindow[j]!, inWindow[i]!];
      }
    }
    // A broker that hands out the same frozen array while the window's deals are the same ones.
    if (frozen && lastRead.length === inWindow.length && lastRead.every((d, i) => d === inWindow[i])) return lastRead;
    lastRead = copies ? inWindow.map((d) => ({ ...d })) : inWindow;
    if (frozen) Object.freeze(lastRead);
    return lastRead;
  };
  const cycle = {
    clock: { now: () => now },
    run: { magic: MAGIC },
    broker: {
      history: asynchronous ? (q: { from: number; to: number }) => Promise.resolve(history(q)) : history,
      positions: (f?: { magic?: number }) => {
        const list = [...open.values()].filter((p) => f?.magic === undefined || p.magic === f.magic);
        return asynchronous ? Promise.resolve(list) : list;
      },
    },
  } as unknown as CycleContext;
  const stats = new DealStats({ windowMs: o.windowMs, refreshMs: 0, dailyScope: o.dailyScope, kellyTrades: o.kellyTrades });
  for (let step = 0; step < 1500; step++) {
    now += r() < 0.1 ? Math.floor(r() * DAY) : Math.floor(r() * 3_600_000);
    const events = Math.floor(r() * 4);
    for (let e = 0; e < events; e++) {
      const x = r();
      const time = order === 'late' && r() < 0.1 ? now - Math.floor(r() * 7_200_000) : now;
      if (x < 0.35 || open.size === 0) {
        const p: Position = {
          id: `p${++id}`,
          symbol: symbols[Math.floor(r() * symbols.length)]!,
          side: r() < 0.5 ? 'buy' : 'sell',
          volume: 0.1,
          openPrice: 1,
          openTime: time,
          currentPrice: 1,
          profit: 0,
          commission: 0,
          swap: 0,
          magic: r() < 0.8 ? MAGIC : 8,
        };
        open.set(p.id, p);
        all.push(dealAt(p, time, 'in', 0));
      } else {
        const ps = [...open.values()];
        const p = ps[Math.floor(r() * ps.length)]!;
        const partial = r() < 0.3;
        all.push(dealAt(p, time, 'out', money()));
        if (!partial) open.delete(p.id);
      }
    }
    if (order !== 'late') all.sort((a, b) => a.time - b.time);
    const refreshed = stats.refresh(cycle);
    assert.equal(refreshed instanceof Promise, asynchronous, 'sync while the broker answers sync');
    await refreshed;
    const want = reference(lastRead, await cycle.broker.positions({ magic: MAGIC }), now, o);
    sameFigures(figuresOf(stats), want, `seed ${seed} ${order} step ${step}`);
  }
}

describe('deal statistics kept incrementally', () => {
  for (const [order, kelly, scope, windowDays] of [
    ['time', 0, 'account', 2],
    ['time', 5, 'run', 2],
    ['time', 3, 'account', 0.5],
    ['late', 0, 'run', 1],
    ['late', 4, 'account', 2],
    ['shuffled', 4, 'account', 1],
  ] as const) {
    it(`equal a full fold of the window after every refresh (history ${order}, Kelly last ${kelly || 'all'}, ${scope} daily net, ${windowDays}-day window)`, async () => {
      for (const seed of [1, 2, 3])
        await scenario(seed * 7919 + windowDays, order, { windowMs: windowDays * DAY, dailyScope: scope, kellyTrades: kelly || undefined }, seed === 2);
    });
  }

  it('equal a full fold of the window with a broker that hands out the same frozen read while nothing changed', async () => {
    for (const seed of [6, 7]) await scenario(seed, 'time', { windowMs: 1 * DAY, dailyScope: 'run', kellyTrades: 4 }, false, false, true);
  });

  it('equal a full fold of the window with a broker that answers asynchronously', async () => {
    for (const seed of [4, 5]) await scenario(seed, 'time', { windowMs: 2 * DAY, dailyScope: 'account', kellyTrades: 3 }, false, true);
  });
});
