import { useEffect, useRef, useState } from 'react';
import {
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  LineStyle,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import { api, runPath } from '../api';
import { priceFormatOf } from '../format';
import type { Position, Trade } from '../types';

interface Bar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
}

const sec = (ms: number) => Math.floor(ms / 1000) as UTCTimestamp;

/** The bar whose open time is the latest one ≤ t (markers must sit on a bar of the series). */
function barAt(bars: Bar[], t: number): number | undefined {
  let lo = 0;
  let hi = bars.length - 1;
  if (hi < 0 || t < bars[0]!.time) return undefined;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (bars[mid]!.time <= t) lo = mid;
    else hi = mid - 1;
  }
  return bars[lo]!.time;
}

export function PriceChart({
  runId,
  symbol,
  symbols,
  onSymbol,
  positions,
  cycleTick,
  tradeTick,
}: {
  runId: string;
  symbol: string;
  symbols: string[];
  onSymbol: (s: string) => void;
  positions: Position[];
  cycleTick: number;
  tradeTick: number;
}) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | undefined>(undefined);
  const series = useRef<ISeriesApi<'Candlestick'> | undefined>(undefined);
  const markers = useRef<ISeriesMarkersPluginApi<Time> | undefined>(undefined);
  const lines = useRef<IPriceLine[]>([]);
  const [bars, setBars] = useState<Bar[]>([]);
  const [trades, setTrades] = useState<Trade[]>([]);
  const [tf, setTf] = useState<string | undefined>(undefined);
  const [tfs, setTfs] = useState<string[]>([]);
  const [digits, setDigits] = useState<number | undefined>(undefined);
  const [err, setErr] = useState<string | null>(null);
  const [markerCount, setMarkerCount] = useState(0);
  const last = useRef(0);

  useEffect(() => {
    const el = box.current!;
    const c = createChart(el, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: '#0f141b' }, textColor: '#9aa7b5', fontSize: 11 },
      grid: { vertLines: { color: '#1a222c' }, horzLines: { color: '#1a222c' } },
      timeScale: { timeVisible: true, secondsVisible: false, borderColor: '#253040' },
      rightPriceScale: { borderColor: '#253040' },
      crosshair: { mode: 0 },
    });
    const s = c.addSeries(CandlestickSeries, {
      upColor: '#26a69a',
      downColor: '#ef5350',
      borderVisible: false,
      wickUpColor: '#26a69a',
      wickDownColor: '#ef5350',
    });
    chart.current = c;
    series.current = s;
    markers.current = createSeriesMarkers(s, []);
    return () => {
      c.remove();
      chart.current = undefined;
      series.current = undefined;
    };
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: the chart empties when the symbol or the run changes
  useEffect(() => {
    setBars([]);
    setTf(undefined);
    setDigits(undefined);
    last.current = 0;
  }, [symbol, runId]);

  // Bars: on symbol change, then at most once a second as cycles arrive.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `cycleTick` is the trigger; `bars.length` is read for throttling only, a change of it must not refetch
  useEffect(() => {
    const now = performance.now();
    if (now - last.current < 1000 && bars.length) return;
    last.current = now;
    let alive = true;
    api<{ bars: Bar[]; timeframe: string; timeframes: string[]; digits?: number }>(
      `${runPath(runId)}/bars?symbol=${encodeURIComponent(symbol)}&count=300${tf ? `&timeframe=${tf}` : ''}`,
    )
      .then((r) => {
        if (!alive) return;
        setErr(null);
        setBars(r.bars);
        setTfs(r.timeframes);
        if (r.digits !== undefined) setDigits(r.digits);
        if (!tf) setTf(r.timeframe);
      })
      .catch((e: Error) => alive && setErr(e.message));
    return () => {
      alive = false;
    };
  }, [runId, symbol, tf, cycleTick]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `tradeTick` is the trigger: the markers reload when a trade opens or closes
  useEffect(() => {
    let alive = true;
    api<{ items: Trade[] }>(`${runPath(runId)}/trades?symbol=${encodeURIComponent(symbol)}&limit=200`)
      .then((r) => alive && setTrades(r.items))
      .catch(() => undefined);
    return () => {
      alive = false;
    };
  }, [runId, symbol, tradeTick]);

  // Axis, last-price label and price lines in the symbol's digits (set before the bars are drawn).
  useEffect(() => {
    if (digits !== undefined) series.current?.applyOptions({ priceFormat: priceFormatOf(digits) });
  }, [digits]);

  useEffect(() => {
    const s = series.current;
    if (!s) return;
    s.setData(bars.map((b) => ({ time: sec(b.time), open: b.open, high: b.high, low: b.low, close: b.close })));
    const ms: SeriesMarker<Time>[] = [];
    for (const t of trades) {
      const at = barAt(bars, t.entryTime);
      if (at !== undefined)
        ms.push({
          time: sec(at),
          position: t.side === 'buy' ? 'belowBar' : 'aboveBar',
          shape: t.side === 'buy' ? 'arrowUp' : 'arrowDown',
          color: t.side === 'buy' ? '#26a69a' : '#ef5350',
          text: `${t.side === 'buy' ? 'B' : 'S'} ${t.volume}`,
        });
      if (t.exitTime !== undefined) {
        const ex = barAt(bars, t.exitTime);
        if (ex !== undefined)
          ms.push({
            time: sec(ex),
            position: t.side === 'buy' ? 'aboveBar' : 'belowBar',
            shape: 'circle',
            color: t.profit >= 0 ? '#4fc3f7' : '#ffb74d',
            text: `${t.profit >= 0 ? '+' : ''}${t.profit.toFixed(0)}`,
          });
      }
    }
    ms.sort((a, b) => (a.time as number) - (b.time as number));
    markers.current?.setMarkers(ms);
    setMarkerCount(ms.length);
    for (const l of lines.current) s.removePriceLine(l);
    lines.current = [];
    for (const p of positions.filter((x) => x.symbol === symbol)) {
      lines.current.push(
        s.createPriceLine({ price: p.openPrice, color: '#8ea4bd', lineStyle: LineStyle.Dotted, lineWidth: 1, title: `${p.side} ${p.volume}` }),
      );
      if (p.sl !== undefined) lines.current.push(s.createPriceLine({ price: p.sl, color: '#ef5350', lineStyle: LineStyle.Dashed, lineWidth: 1, title: 'SL' }));
      if (p.tp !== undefined) lines.current.push(s.createPriceLine({ price: p.tp, color: '#26a69a', lineStyle: LineStyle.Dashed, lineWidth: 1, title: 'TP' }));
    }
  }, [bars, trades, positions, symbol]);

  return (
    <section className="card chart">
      <h4>
        <select value={symbol} onChange={(e) => onSymbol(e.target.value)} aria-label="symbol">
          {symbols.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <span className="tfs">
          {tfs.map((x) => (
            <button type="button" key={x} className={`small ${x === tf ? 'primary' : 'ghost'}`} onClick={() => setTf(x)}>
              {x}
            </button>
          ))}
        </span>
        <span className="muted small" data-testid="chart-info" data-bars={bars.length} data-markers={markerCount} data-digits={digits}>
          {bars.length} bars · {trades.length} trades
        </span>
        {err && <span className="error small">{err}</span>}
      </h4>
      <div className="chart-box" ref={box} data-testid="chart" />
    </section>
  );
}
