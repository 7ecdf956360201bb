import type { JournalStats } from '../../../src/shared/api-types';
import { money, num, pct, signed, tone } from '../format';

export type Stats = JournalStats;

export function StatsCards({ s }: { s: Stats }) {
  const items: [string, string, string?][] = [
    ['Trades', `${s.trades}${s.open ? ` (+${s.open} open)` : ''}`],
    ['Win rate', pct(s.winRate)],
    ['Net P&L', signed(s.netProfit), tone(s.netProfit)],
    ['Profit factor', num(s.profitFactor)],
    ['Expectancy', signed(s.expectancy), tone(s.expectancy ?? 0)],
    ['Avg win / loss', `${money(s.avgWin)} / ${money(s.avgLoss)}`],
    ['Avg R:R planned', num(s.avgPlannedRR)],
    ['Avg R realized', num(s.avgRealizedR)],
    ['Max DD (realized)', money(s.maxDrawdown)],
    ['Max losing streak', String(s.maxConsecutiveLosses)],
  ];
  return (
    <div className="stat-cards" data-testid="stats">
      {items.map(([k, v, c]) => (
        <div key={k} className="stat">
          <span className="label">{k}</span>
          <b className={c ?? ''}>{v}</b>
        </div>
      ))}
    </div>
  );
}

export function FactorTable({ s }: { s: Stats }) {
  return (
    <table>
      <thead>
        <tr>
          <th>Factor</th>
          <th className="r">With: n / win %</th>
          <th className="r">Without: n / win %</th>
          <th className="r">Win-rate edge</th>
          <th className="r">Expectancy edge</th>
        </tr>
      </thead>
      <tbody>
        {s.factors.map((f) => (
          <tr key={f.factor} className={f.significant ? '' : 'muted'}>
            <td>{f.factor}</td>
            <td className="r">
              {f.with.trades} / {pct(f.with.winRate, 0)}
            </td>
            <td className="r">
              {f.without.trades} / {pct(f.without.winRate, 0)}
            </td>
            <td className={`r ${tone(f.winRateEdge ?? 0)}`}>
              {f.winRateEdge === null ? '—' : `${f.winRateEdge > 0 ? '+' : ''}${f.winRateEdge.toFixed(1)} pp`}
            </td>
            <td className={`r ${tone(f.expectancyEdge ?? 0)}`}>{signed(f.expectancyEdge)}</td>
          </tr>
        ))}
        {s.factors.length === 0 && (
          <tr>
            <td colSpan={5} className="muted center">
              no confluence factors in the journal (agents put them in candidate.details.factors)
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
