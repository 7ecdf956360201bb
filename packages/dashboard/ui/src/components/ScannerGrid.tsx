import type { Scan } from '../types';
import { utc } from '../format';

const LABEL: Record<string, string> = {
  signal: 'SIGNAL',
  filled: 'FILLED',
  blocked: 'BLOCKED',
  news: 'NEWS',
  spread: 'SPREAD',
  session: 'OFF-SESSION',
  lowvol: 'LOW VOL',
  error: 'ERROR',
  skip: 'SKIP',
  idle: '—',
};

export function ScannerGrid({ scan, symbols, selected, onSelect }: { scan?: Scan; symbols: string[]; selected?: string; onSelect: (s: string) => void }) {
  const rows = scan?.rows ?? symbols.map((s) => ({ symbol: s, status: '', kind: 'idle' }));
  return (
    <section className="card scanner">
      <h4>
        Scanner{' '}
        <span className="muted small">
          cycle {scan?.cycle ?? 0} · {utc(scan?.time)}
        </span>
        {scan?.gated && <span className="badge warn">gated: {scan.gated}</span>}
      </h4>
      <div className="scan-grid" data-testid="scanner">
        {rows.map((r) => (
          <button
            type="button"
            key={r.symbol}
            className={`scan-cell k-${r.kind} ${selected === r.symbol ? 'sel' : ''}`}
            onClick={() => onSelect(r.symbol)}
            data-kind={r.kind}
            data-symbol={r.symbol}
          >
            <span className="sym">{r.symbol}</span>
            <span className="kind">{LABEL[r.kind] ?? r.kind}</span>
            <span className="status" title={r.status}>
              {r.status || 'waiting'}
            </span>
          </button>
        ))}
      </div>
    </section>
  );
}
