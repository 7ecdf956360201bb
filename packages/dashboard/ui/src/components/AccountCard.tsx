import type { RunView } from '../stream';
import { money, signed, tone, num } from '../format';

export function AccountCard({ view }: { view: RunView }) {
  const a = view.account;
  const cur = a?.currency ?? '';
  const dd = a?.drawdownPct ?? 0;
  const eqPct = a && a.peakEquity > 0 ? Math.max(0, Math.min(100, (a.equity / a.peakEquity) * 100)) : 100;
  return (
    <section className="card account" data-testid="account">
      <h4>Account {cur && <span className="muted">{cur}</span>}</h4>
      <div className="kv big">
        <span className="label">Equity</span>
        <b data-testid="equity">{money(a?.equity)}</b>
      </div>
      <div className="bar" title={`equity vs peak ${num(a?.peakEquity)}`}>
        <div style={{ width: `${eqPct}%` }} className={dd > 5 ? 'neg-bg' : 'pos-bg'} />
      </div>
      <div className="kvs">
        <div className="kv">
          <span className="label">Balance</span>
          <b data-testid="balance">{money(a?.balance)}</b>
        </div>
        <div className="kv">
          <span className="label">Floating P&amp;L</span>
          <b className={tone(a?.profit)}>{signed(a?.profit)}</b>
        </div>
        <div className="kv">
          <span className="label">Day P&amp;L</span>
          <b className={tone(a?.dayProfit)} data-testid="day-pl">
            {signed(a?.dayProfit)}
          </b>
        </div>
        <div className="kv">
          <span className="label">Drawdown</span>
          <b className={dd > 5 ? 'neg' : ''} title={`max ${num(a?.maxDrawdownPct)} %`}>
            {num(dd)} %
          </b>
        </div>
        <div className="kv">
          <span className="label">Free margin</span>
          <b>{money(a?.freeMargin)}</b>
        </div>
        <div className="kv">
          <span className="label">Margin level</span>
          <b>{a?.marginLevel ? `${num(a.marginLevel, 0)} %` : '—'}</b>
        </div>
      </div>
    </section>
  );
}
