import { useEffect, useRef, useState } from 'react';
import { AreaSeries, ColorType, createChart, LineSeries, type UTCTimestamp } from 'lightweight-charts';
import { api, runPath } from '../api';
import type { RunSummary } from '../types';
import { StatsCards, type Stats } from './StatsCards';

interface Equity {
  points: { time: number; equity: number; balance: number }[];
}

function EquityChart({ eq }: { eq: Equity }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const c = createChart(box.current!, {
      autoSize: true,
      layout: { background: { type: ColorType.Solid, color: '#0f141b' }, textColor: '#9aa7b5', fontSize: 11 },
      grid: { vertLines: { color: '#1a222c' }, horzLines: { color: '#1a222c' } },
      timeScale: { timeVisible: true, borderColor: '#253040' },
      rightPriceScale: { borderColor: '#253040', scaleMargins: { top: 0.05, bottom: 0.32 } },
    });
    const seen = new Set<number>();
    const pts = eq.points.filter((p) => {
      const s = Math.floor(p.time / 1000);
      if (seen.has(s)) return false;
      seen.add(s);
      return true;
    });
    c.addSeries(LineSeries, { color: '#4fc3f7', lineWidth: 2, title: 'equity' }).setData(
      pts.map((p) => ({ time: Math.floor(p.time / 1000) as UTCTimestamp, value: p.equity })),
    );
    c.addSeries(LineSeries, { color: '#8ea4bd', lineWidth: 1, title: 'balance' }).setData(
      pts.map((p) => ({ time: Math.floor(p.time / 1000) as UTCTimestamp, value: p.balance })),
    );
    let peak = -Infinity;
    const dd = c.addSeries(AreaSeries, {
      lineColor: '#ef5350',
      topColor: 'rgba(239,83,80,0.05)',
      bottomColor: 'rgba(239,83,80,0.35)',
      lineWidth: 1,
      priceScaleId: 'dd',
      title: 'drawdown %',
    });
    dd.setData(
      pts.map((p) => {
        peak = Math.max(peak, p.equity);
        return { time: Math.floor(p.time / 1000) as UTCTimestamp, value: -((peak - p.equity) / peak) * 100 };
      }),
    );
    c.priceScale('dd').applyOptions({ scaleMargins: { top: 0.75, bottom: 0 } });
    c.timeScale().fitContent();
    return () => c.remove();
  }, [eq]);
  return <div className="chart-box short" ref={box} />;
}

function Result({ id }: { id: string }) {
  const [s, setS] = useState<Stats | null>(null);
  const [eq, setEq] = useState<Equity | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    setS(null);
    setEq(null);
    api<Stats>(`${runPath(id)}/stats`).then(setS, (e: Error) => setErr(e.message));
    api<Equity>(`${runPath(id)}/equity`).then(setEq, () => setEq({ points: [] }));
  }, [id]);
  return (
    <section className="card result">
      <h4>{id}</h4>
      {err && <div className="error">{err}</div>}
      {eq && eq.points.length > 1 ? (
        <EquityChart eq={eq} />
      ) : (
        <div className="muted small">equity curve available for runs hosted since this server started</div>
      )}
      {s && <StatsCards s={s} />}
    </section>
  );
}

/** Two runs' results side by side: equity and drawdown, statistics. */
export function Backtests({ runs, first }: { runs: RunSummary[]; first: string }) {
  const ids = runs.map((r) => r.id);
  const [a, setA] = useState(first);
  const [b, setB] = useState<string>('');
  useEffect(() => setA(first), [first]);
  return (
    <div>
      <div className="row compare-pick">
        <select value={a} onChange={(e) => setA(e.target.value)} aria-label="first run">
          {ids.map((x) => (
            <option key={x}>{x}</option>
          ))}
        </select>
        <span className="muted">vs</span>
        <select value={b} onChange={(e) => setB(e.target.value)} aria-label="second run">
          <option value="">(none)</option>
          {ids
            .filter((x) => x !== a)
            .map((x) => (
              <option key={x}>{x}</option>
            ))}
        </select>
      </div>
      <div className={`compare ${b ? 'two' : ''}`}>
        <Result id={a} />
        {b && <Result id={b} />}
      </div>
    </div>
  );
}
