import type { TkEvent } from '../types';
import { price, signed, tone, utc } from '../format';

export function TradeFeed({ feed }: { feed: TkEvent[] }) {
  return (
    <section className="card feed">
      <h4>Trade feed</h4>
      <ul className="lines" data-testid="trade-feed">
        {feed.slice(0, 40).map((e) => {
          if (e.type === 'order.filled') {
            const r = e.data.result;
            return (
              <li key={e.seq}>
                <span className="t">{utc(e.time, false)}</span> <b className={r.side === 'buy' ? 'pos' : 'neg'}>{r.side.toUpperCase()}</b> {r.symbol} {r.volume}{' '}
                @ {price(r.price)}
              </li>
            );
          }
          if (e.type === 'position.closed') {
            const t = e.data.trade;
            return (
              <li key={e.seq}>
                <span className="t">{utc(e.time, false)}</span> <b>CLOSE</b> {t.symbol} {t.volume} @ {price(t.closePrice)}{' '}
                <span className={tone(t.profit)}>{signed(t.profit)}</span> <span className="muted">{t.reason}</span>
              </li>
            );
          }
          return (
            <li key={e.seq}>
              <span className="t">{utc(e.time, false)}</span> <b className="neg">REJECTED</b> {e.data.intent?.symbol}{' '}
              <span className="muted">{e.data.result?.reason}</span>
            </li>
          );
        })}
        {feed.length === 0 && <li className="muted">no trades yet</li>}
      </ul>
    </section>
  );
}
