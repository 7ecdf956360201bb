import { useEffect, useState } from 'react';
import { api, runPath } from '../api';
import type { LlmJournalView, Trade } from '../types';
import { LlmDecisions } from './LlmDecisions';
import { price, signed, tone, utc } from '../format';
import { FactorTable, StatsCards, type Stats } from './StatsCards';

const PAGE = 50;

export function Journal({ runId, tick }: { runId: string; tick: number }) {
  const [stats, setStats] = useState<Stats | null>(null);
  const [trades, setTrades] = useState<Trade[]>([]);
  const [offset, setOffset] = useState(0);
  const [next, setNext] = useState<number | null>(null);
  const [status, setStatus] = useState('');
  const [symbol, setSymbol] = useState('');
  const [llm, setLlm] = useState<LlmJournalView | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` is the trigger: the model decisions reload when the journal changes
  useEffect(() => {
    let alive = true;
    void api<LlmJournalView>(`${runPath(runId)}/llm?limit=200`)
      .then((r) => alive && setLlm(r))
      .catch(() => alive && setLlm(null));
    return () => {
      alive = false;
    };
  }, [runId, tick]);
  const reviews = new Map((llm?.reviews ?? []).map((r) => [r.positionId, r]));
  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` is the trigger: the page reloads when the journal changes
  useEffect(() => {
    let alive = true;
    const q = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
    if (status) q.set('status', status);
    if (symbol) q.set('symbol', symbol);
    void api<Stats>(`${runPath(runId)}/stats${symbol ? `?symbol=${symbol}` : ''}`).then((s) => alive && setStats(s));
    void api<{ items: Trade[]; next: number | null }>(`${runPath(runId)}/trades?${q}`).then((r) => {
      if (!alive) return;
      setTrades(r.items);
      setNext(r.next);
    });
    return () => {
      alive = false;
    };
  }, [runId, tick, offset, status, symbol]);
  return (
    <div className="journal">
      {stats && (
        <section className="card">
          <h4>Statistics</h4>
          <StatsCards s={stats} />
        </section>
      )}
      {stats && (
        <section className="card">
          <h4>Edge by confluence factor</h4>
          <div className="table-wrap">
            <FactorTable s={stats} />
          </div>
        </section>
      )}
      <section className="card">
        <h4>
          Trade history
          <select value={status} onChange={(e) => (setOffset(0), setStatus(e.target.value))} aria-label="status">
            <option value="">all</option>
            <option value="open">open</option>
            <option value="closed">closed</option>
          </select>
          <input className="small-input" placeholder="symbol" value={symbol} onChange={(e) => (setOffset(0), setSymbol(e.target.value.toUpperCase()))} />
        </h4>
        <div className="table-wrap">
          <table data-testid="trade-history">
            <thead>
              <tr>
                <th>Entry (UTC)</th>
                <th>Symbol</th>
                <th>Side</th>
                <th className="r">Lots</th>
                <th className="r">Entry</th>
                <th className="r">Exit</th>
                <th>Reason</th>
                <th className="r">P&amp;L</th>
                <th>Agent</th>
                {reviews.size > 0 && <th>Critic</th>}
              </tr>
            </thead>
            <tbody>
              {trades.map((t) => (
                <tr key={t.positionId}>
                  <td>{utc(t.entryTime)}</td>
                  <td>{t.symbol}</td>
                  <td className={t.side === 'buy' ? 'pos' : 'neg'}>{t.side.toUpperCase()}</td>
                  <td className="r">{t.volume}</td>
                  <td className="r">{price(t.entryPrice)}</td>
                  <td className="r">{t.status === 'open' ? 'open' : price(t.exitPrice)}</td>
                  <td>{t.exitReason ?? ''}</td>
                  <td className={`r ${tone(t.profit)}`}>{signed(t.profit)}</td>
                  <td className="muted">{t.agent}</td>
                  {reviews.size > 0 && (
                    <td>
                      {reviews.has(t.positionId) ? (
                        <details>
                          <summary>
                            {reviews.get(t.positionId)!.grade}/10 · {reviews.get(t.positionId)!.lesson}
                          </summary>
                          <div className="small">{reviews.get(t.positionId)!.analysis}</div>
                        </details>
                      ) : (
                        ''
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="row end">
          <button type="button" className="ghost small" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            ← newer
          </button>
          <span className="muted small">
            {offset + 1}–{offset + trades.length}
          </span>
          <button type="button" className="ghost small" disabled={next === null} onClick={() => next !== null && setOffset(next)}>
            older →
          </button>
        </div>
      </section>
      {llm && llm.items.length > 0 && (
        <section className="card">
          <h4>Model decisions</h4>
          <LlmDecisions items={llm.items} />
        </section>
      )}
    </div>
  );
}
