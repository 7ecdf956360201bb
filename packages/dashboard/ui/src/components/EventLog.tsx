import type { TkEvent } from '../types';
import { money, utc } from '../format';

const ICON: Record<string, string> = {
  'cycle.start': '⟳',
  'scan.summary': '▦',
  signal: '✦',
  'order.placed': '⧗',
  'order.filled': '✔',
  'order.rejected': '✖',
  'order.cancelled': '⊘',
  'position.update': '≡',
  'position.closed': '◼',
  'account.update': '$',
  'state.changed': '⚑',
  error: '⚠',
};

function line(e: TkEvent): string {
  const d = e.data;
  switch (e.type) {
    case 'cycle.start':
      return `cycle ${d.cycle} · ${d.symbols} symbols`;
    case 'scan.summary':
      return `scan ${d.seq}: ${d.candidates} candidate(s), ${d.positions} position(s)${d.gated ? `, gated: ${d.gated}` : ''}`;
    case 'signal':
      return `${d.candidate.side.toUpperCase()} ${d.candidate.symbol} score ${d.candidate.score} — ${d.candidate.reason ?? ''}`;
    case 'order.filled':
      return `filled ${d.result.side} ${d.result.volume} ${d.result.symbol} @ ${d.result.price}`;
    case 'order.placed':
      return `placed ${d.result.side} ${d.result.type} ${d.result.volume} ${d.result.symbol} @ ${d.result.price}`;
    case 'order.rejected':
      return `rejected ${d.intent.symbol}: ${d.result.reason}`;
    case 'order.cancelled':
      return `${d.reason} ${d.order.symbol} order`;
    case 'position.update':
      return `${d.positions.length} position(s), ${d.orders.length} pending`;
    case 'position.closed':
      return `closed ${d.trade.symbol} (${d.trade.reason}) ${d.trade.profit >= 0 ? '+' : ''}${d.trade.profit.toFixed(2)}`;
    case 'account.update':
      return `equity ${money(d.account.equity)} balance ${money(d.account.balance)}`;
    case 'state.changed':
      return `${d.from} → ${d.to}${d.reason ? ` (${d.reason})` : ''}${d.by ? ` by ${d.by}` : ''}`;
    case 'error':
      return `${d.code}: ${d.message}`;
    default:
      return JSON.stringify(d).slice(0, 120);
  }
}

export function EventLog({ events }: { events: TkEvent[] }) {
  const shown = events.filter((e) => e.type !== 'position.update' && e.type !== 'account.update').slice(0, 100);
  return (
    <section className="card events">
      <h4>
        Events <span className="muted small">seq {events[0]?.seq ?? 0}</span>
      </h4>
      <ul className="lines mono" data-testid="event-log">
        {shown.map((e) => (
          <li key={e.seq} className={`ev-${e.type.replace('.', '-')}`}>
            <span className="t">{utc(e.time, false)}</span> <span className="seq">#{e.seq}</span> <span className="icon">{ICON[e.type] ?? '·'}</span> {line(e)}
          </li>
        ))}
      </ul>
    </section>
  );
}
