import type { RunSummary } from '../types';
import { money, utc } from '../format';

export function RunList({
  runs,
  selected,
  onSelect,
  canStart,
  onStart,
}: {
  runs: RunSummary[];
  selected?: string;
  onSelect: (id: string) => void;
  canStart: boolean;
  onStart: () => void;
}) {
  const hosted = runs.filter((r) => r.hosted !== false);
  const past = runs.filter((r) => r.hosted === false).slice(0, 20);
  return (
    <aside className="sidebar">
      <div className="side-head">
        <span>Runs</span>
        {canStart && (
          <button type="button" className="small primary" onClick={onStart}>
            + new run
          </button>
        )}
      </div>
      <ul className="runs" data-testid="run-list">
        {hosted.map((r) => (
          <li
            key={r.id}
            className={r.id === selected ? 'sel' : ''}
            onClick={() => onSelect(r.id)}
            onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && onSelect(r.id)}
          >
            <div className="run-name">
              <span className={`dot st-${r.tradingState}`} title={r.tradingState} /> {r.name}
              <span className={`badge mode-${r.mode}`}>{r.mode}</span>
            </div>
            <div className="run-meta">
              <span className={`status s-${r.status}`}>{r.status}</span>
              <span>{r.cycles} cyc</span>
              <span>{money(r.equity)}</span>
            </div>
          </li>
        ))}
        {hosted.length === 0 && <li className="muted">no hosted runs</li>}
      </ul>
      {past.length > 0 && (
        <>
          <div className="side-head muted">History</div>
          <ul className="runs past">
            {past.map((r) => (
              <li key={r.id} title={r.id}>
                <div className="run-name">{r.name}</div>
                <div className="run-meta">
                  <span>{r.status}</span>
                  <span>{utc(r.startedAt)}</span>
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
    </aside>
  );
}
