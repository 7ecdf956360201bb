/**
 * The same strategy on Grademark (with Data-Forge, its data layer), written the way its README does:
 * indicators as Data-Forge columns (rolling-window averages), an entry rule and an exit rule.
 *
 * Grademark's own model, which the comparison has to live with: a rule fires at a bar's close and
 * the order fills at the next bar's open (as in tradekit), but it cannot exit and enter on the same
 * bar, and it does not call the rules on the bar where it enters or exits. So where tradekit reverses
 * at one open, Grademark exits at that open and re-enters (in the trend's direction) at the open two
 * bars later. Exits line up; re-entries are two bars late; an open position at the end is closed at
 * the last close ("finalize").
 */
import * as dataForge from 'data-forge';
import { backtest, type IBar, type IStrategy } from 'grademark';
import type { ParsedBars } from '@tradekit/core';
import type { SimpleTrade } from './bars.js';

interface SmaBar extends IBar {
  fast: number;
  slow: number;
  armed: boolean;
}

export function grademarkTrades(b: ParsedBars, fast: number, slow: number): { trades: SimpleTrade[]; finalized?: SimpleTrade; prepMs: number; runMs: number } {
  const t0 = performance.now();
  const rows: IBar[] = [];
  for (let i = 0; i < b.length; i++)
    rows.push({ time: new Date(b.time[i]!), open: b.open[i]!, high: b.high[i]!, low: b.low[i]!, close: b.close[i]!, volume: b.volume[i]! });
  const input = new dataForge.DataFrame<number, IBar>(rows);
  const avg = (n: number) =>
    input
      .deflate((bar) => bar.close)
      .rollingWindow(n)
      .select<[number, number]>((w) => [w.getIndex().last(), w.sum() / n])
      .withIndex((pair) => pair[0])
      .select((pair) => pair[1]);
  let series = input
    .withSeries('fast', avg(fast))
    .withSeries('slow', avg(slow))
    .skip(slow - 1) as unknown as dataForge.IDataFrame<number, SmaBar>;
  // "Always in the market from the first cross on": the first cross opens the first position.
  const arr = series.toArray();
  let armed = false;
  for (let i = 0; i < arr.length; i++) {
    if (i > 0 && !armed) {
      const p = arr[i - 1]!;
      const c = arr[i]!;
      if ((p.fast <= p.slow && c.fast > c.slow) || (p.fast >= p.slow && c.fast < c.slow)) armed = true;
    }
    arr[i] = { ...arr[i]!, armed };
  }
  series = new dataForge.DataFrame<number, SmaBar>(arr);
  const t1 = performance.now();

  const strategy: IStrategy<SmaBar> = {
    entryRule(enter, args) {
      const { bar } = args;
      if (!bar.armed) return;
      if (bar.fast > bar.slow) enter({ direction: 'long' as never });
      else if (bar.fast < bar.slow) enter({ direction: 'short' as never });
    },
    exitRule(exit, args) {
      const { bar, position } = args;
      if ((position.direction === ('long' as never) && bar.fast < bar.slow) || (position.direction === ('short' as never) && bar.fast > bar.slow)) exit();
    },
  };
  const raw = backtest(strategy, series);
  const t2 = performance.now();
  const all: (SimpleTrade & { reason: string })[] = raw.map((t) => ({
    side: t.direction === ('long' as never) ? 'buy' : 'sell',
    entryTime: t.entryTime.getTime(),
    entryPrice: t.entryPrice,
    exitTime: t.exitTime.getTime(),
    exitPrice: t.exitPrice,
    points: t.profit,
    reason: t.exitReason ?? '',
  }));
  const finalized = all.find((t) => t.reason === 'finalize');
  return { trades: all.filter((t) => t.reason !== 'finalize'), finalized, prepMs: t1 - t0, runMs: t2 - t1 };
}
