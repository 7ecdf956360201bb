import { useState } from 'react';
import { api, type ApiError, runPath } from '../api';
import type { RunView } from '../stream';
import { Confirm } from './Confirm';
import { utc } from '../format';

const ACTIONS = {
  pause: { label: 'Pause', title: 'Pause trading (HALTED)?', body: 'No new orders. Open positions keep being managed (stops, exits).', danger: false },
  reduce: { label: 'Reduce', title: 'Switch to REDUCING?', body: 'No new entries; closes and stop tightening continue.', danger: false },
  resume: { label: 'Resume', title: 'Resume trading (ACTIVE)?', body: 'New entries are allowed again.', danger: false },
  stop: {
    label: 'Stop run',
    title: 'Stop this run?',
    body: 'The run stops after the cycle in flight, flushes its journal and closes. Positions stay open at the broker.',
    danger: true,
  },
} as const;
type Act = keyof typeof ACTIONS;

export function StateControl({ runId, view, canTrade, onChanged }: { runId: string; view: RunView; canTrade: boolean; onChanged: () => void }) {
  const [ask, setAsk] = useState<Act | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const r = view.run;
  const st = r?.tradingState ?? 'ACTIVE';
  // A queued run (on a cluster) takes controls too: its next holder applies them.
  const running = r?.status === 'running' || r?.status === 'queued';
  const go = async (a: Act, reason: string) => {
    setAsk(null);
    setErr(null);
    try {
      await api(`${runPath(runId)}/${a}`, { method: 'POST', body: reason ? { reason } : {} });
      onChanged();
    } catch (e) {
      setErr(`${(e as ApiError).code}: ${(e as ApiError).message}`);
    }
  };
  const can = (a: Act) =>
    canTrade && running && (a === 'stop' ? !!r?.canStop : a === 'pause' ? st !== 'HALTED' : a === 'reduce' ? st !== 'REDUCING' : st !== 'ACTIVE');
  return (
    <section className="card control">
      <h4>Trading state</h4>
      <div className={`state-pill st-${st}`} data-testid="trading-state">
        {st}
      </div>
      <div className="muted small">
        {r?.mode} · {r?.status} · cycle {r?.cycles ?? 0} · pace {String(r?.pace ?? '')}
        <br />
        run clock {utc(r?.time)}
      </div>
      <div className="buttons">
        {(Object.keys(ACTIONS) as Act[]).map((a) => (
          <button
            type="button"
            key={a}
            className={ACTIONS[a].danger ? 'danger' : a === 'resume' ? 'primary' : ''}
            disabled={!can(a)}
            onClick={() => setAsk(a)}
            data-testid={`btn-${a}`}
            title={canTrade ? '' : 'needs a token with the trade scope'}
          >
            {ACTIONS[a].label}
          </button>
        ))}
      </div>
      {!canTrade && <div className="muted small">read-only token</div>}
      {err && <div className="error">{err}</div>}
      {ask && (
        <Confirm
          title={ACTIONS[ask].title}
          body={ACTIONS[ask].body}
          action={ACTIONS[ask].label}
          danger={ACTIONS[ask].danger}
          onCancel={() => setAsk(null)}
          onConfirm={(reason) => void go(ask, reason)}
        />
      )}
    </section>
  );
}
