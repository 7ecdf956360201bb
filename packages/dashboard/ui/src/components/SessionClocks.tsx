import { useEffect, useState } from 'react';
import { utc } from '../format';

// Forex sessions in UTC hours [open, close); Sydney wraps midnight.
const SESSIONS = [
  { name: 'Sydney', open: 21, close: 6 },
  { name: 'Tokyo', open: 0, close: 9 },
  { name: 'London', open: 7, close: 16 },
  { name: 'New York', open: 12, close: 21 },
];

function state(now: Date, open: number, close: number): { label: 'OPEN' | 'PRE' | 'CLOSED'; mins: number } {
  const m = now.getUTCHours() * 60 + now.getUTCMinutes();
  const o = open * 60;
  const c = close * 60;
  const inside = o < c ? m >= o && m < c : m >= o || m < c;
  const until = (t: number) => (t - m + 1440) % 1440;
  if (inside) return { label: 'OPEN', mins: until(c) };
  const toOpen = until(o);
  return { label: toOpen <= 30 ? 'PRE' : 'CLOSED', mins: toOpen };
}

/** Session clocks on wall time (UTC), plus the run's own clock (simulated in replays). */
export function SessionClocks({ runTime }: { runTime?: number }) {
  const [now, setNow] = useState(new Date());
  useEffect(() => {
    const t = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(t);
  }, []);
  return (
    <div className="clocks">
      <div className="clock utc" title="wall clock, UTC">
        <b>{now.toISOString().slice(11, 19)}</b> UTC
      </div>
      {SESSIONS.map((s) => {
        const st = state(now, s.open, s.close);
        return (
          <div key={s.name} className={`clock sess-${st.label}`} title={`${s.name} ${s.open}:00–${s.close}:00 UTC`}>
            <span>{s.name}</span>
            <b>{st.label}</b>
            <small>
              {st.label === 'OPEN' ? 'closes' : 'opens'} {Math.floor(st.mins / 60)}h{String(st.mins % 60).padStart(2, '0')}
            </small>
          </div>
        );
      })}
      {runTime !== undefined && (
        <div className="clock run" title="the run's clock (simulated time in a replay)">
          <span>run</span>
          <b data-testid="run-clock">{utc(runTime)}</b>
        </div>
      )}
    </div>
  );
}
