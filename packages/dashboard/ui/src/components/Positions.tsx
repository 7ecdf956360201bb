import type { PendingOrder, Position } from '../types';
import { price, signed, tone, utc } from '../format';

export function Positions({ positions, orders }: { positions: Position[]; orders: PendingOrder[] }) {
  return (
    <section className="card positions">
      <h4>
        Positions{' '}
        <span className="muted small">
          {positions.length} open{orders.length ? ` · ${orders.length} pending` : ''}
        </span>
      </h4>
      <div className="table-wrap">
        <table data-testid="positions">
          <thead>
            <tr>
              <th>Symbol</th>
              <th>Side</th>
              <th className="r">Lots</th>
              <th className="r">Entry</th>
              <th className="r">Price</th>
              <th className="r">SL</th>
              <th className="r">TP</th>
              <th className="r">P&amp;L</th>
              <th>To TP</th>
              <th>Opened</th>
            </tr>
          </thead>
          <tbody>
            {positions.map((p) => {
              const dir = p.side === 'buy' ? 1 : -1;
              const prog =
                p.tp !== undefined ? Math.max(0, Math.min(100, (((p.currentPrice - p.openPrice) * dir) / ((p.tp - p.openPrice) * dir)) * 100)) : undefined;
              return (
                <tr key={p.id}>
                  <td>{p.symbol}</td>
                  <td className={p.side === 'buy' ? 'pos' : 'neg'}>{p.side.toUpperCase()}</td>
                  <td className="r">{p.volume}</td>
                  <td className="r">{price(p.openPrice)}</td>
                  <td className="r">{price(p.currentPrice)}</td>
                  <td className="r">{price(p.sl)}</td>
                  <td className="r">{price(p.tp)}</td>
                  <td className={`r ${tone(p.profit)}`}>{signed(p.profit)}</td>
                  <td>
                    {prog === undefined ? (
                      '—'
                    ) : (
                      <div className="mini-bar">
                        <div style={{ width: `${prog}%` }} />
                      </div>
                    )}
                  </td>
                  <td className="muted">{utc(p.openTime)}</td>
                </tr>
              );
            })}
            {orders.map((o) => (
              <tr key={`o${o.id}`} className="muted">
                <td>{o.symbol}</td>
                <td>
                  {o.side.toUpperCase()} {o.type.toUpperCase()}
                </td>
                <td className="r">{o.volume}</td>
                <td className="r">{price(o.price)}</td>
                <td className="r">—</td>
                <td className="r">{price(o.sl)}</td>
                <td className="r">{price(o.tp)}</td>
                <td className="r">pending</td>
                <td />
                <td>{utc(o.placedAt)}</td>
              </tr>
            ))}
            {positions.length + orders.length === 0 && (
              <tr>
                <td colSpan={10} className="muted center">
                  flat
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}
