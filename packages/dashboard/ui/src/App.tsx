import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, getToken, setToken, takeTokenFromUrl, type ApiError } from './api';
import { resetSocket, socket, useConn, useRun } from './stream';
import type { Me, RunSummary, TkEvent } from './types';
import { Login } from './components/Login';
import { RunList } from './components/RunList';
import { SessionClocks } from './components/SessionClocks';
import { LiveView } from './components/LiveView';
import { Journal } from './components/Journal';
import { Backtests } from './components/Backtests';
import { StartRun } from './components/StartRun';
import { notify, useNotifications } from './notifications';

type Tab = 'live' | 'journal' | 'results';

function parseHash(): { run?: string; tab: Tab } {
  const m = /^#\/runs\/([^/]+)(?:\/(live|journal|results))?/.exec(location.hash);
  return m ? { run: decodeURIComponent(m[1]!), tab: (m[2] as Tab) ?? 'live' } : { tab: 'live' };
}

export function App() {
  const [token, setTok] = useState(() => (takeTokenFromUrl(), getToken()));
  const [me, setMe] = useState<Me | null>(null);
  const [authError, setAuthError] = useState<string | null>(null);
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [route, setRoute] = useState(parseHash());
  const [starting, setStarting] = useState(false);
  const [conn, connDetail] = useConn();
  const notes = useNotifications();

  useEffect(() => {
    const f = () => {
      const t = takeTokenFromUrl();
      if (t) {
        resetSocket();
        setMe(null);
        setTok(t);
      }
      setRoute(parseHash());
    };
    window.addEventListener('hashchange', f);
    return () => window.removeEventListener('hashchange', f);
  }, []);

  const refreshRuns = useCallback(async () => {
    const r = await api<{ items: RunSummary[] }>('/runs');
    setRuns(r.items);
  }, []);

  useEffect(() => {
    if (!token) return;
    let alive = true;
    api<Me>('/me')
      .then((m) => {
        if (!alive) return;
        setMe(m);
        setAuthError(null);
        return refreshRuns();
      })
      .catch((e: ApiError) => {
        if (!alive) return;
        setAuthError(`${e.code}: ${e.message}`);
        setMe(null);
      });
    const s = socket();
    const onRuns = (items: RunSummary[]) => setRuns(items);
    s.on('runs', onRuns);
    // The runs list is pushed on lifecycle changes; this slow poll only refreshes cycle counters.
    const t = setInterval(() => void refreshRuns().catch(() => undefined), 5000);
    return () => {
      alive = false;
      s.off('runs', onRuns);
      clearInterval(t);
    };
  }, [token, refreshRuns]);

  const hosted = useMemo(() => runs.filter((r) => r.hosted !== false), [runs]);
  const [liveRun, setLiveRun] = useState<RunSummary | undefined>(undefined);
  // The selected run's row follows its live stream; the others refresh from pushes and a slow poll.
  const listed = useMemo(() => runs.map((r) => (liveRun && r.id === liveRun.id ? { ...r, ...liveRun } : r)), [runs, liveRun]);
  const selected = route.run ?? hosted[0]?.id;
  const select = (id: string, tab: Tab = route.tab) => {
    location.hash = `#/runs/${encodeURIComponent(id)}/${tab}`;
  };

  const onEvent = useCallback(
    (e: TkEvent) => {
      if (!notes.enabled) return;
      if (e.type === 'order.filled')
        notify(`Filled ${e.data.result.side.toUpperCase()} ${e.data.result.volume} ${e.data.result.symbol}`, `@ ${e.data.result.price} · ${e.run}`);
      else if (e.type === 'position.closed')
        notify(`Closed ${e.data.trade.symbol} ${e.data.trade.profit >= 0 ? '+' : ''}${e.data.trade.profit.toFixed(2)}`, `${e.data.trade.reason} · ${e.run}`);
      else if (e.type === 'state.changed' && e.data.to !== 'ACTIVE') notify(`${e.run}: ${e.data.to}`, e.data.reason ?? '');
    },
    [notes.enabled],
  );
  const view = useRun(me ? selected : undefined, onEvent);
  useEffect(
    () => setLiveRun(view.run ? { ...view.run, equity: view.account?.equity ?? view.run.equity, positions: view.positions.length } : undefined),
    [view.run, view.account, view.positions],
  );

  if (!token || !me) {
    return (
      <Login
        error={authError ?? (conn === 'unauthorized' ? (connDetail ?? 'unauthorized') : null)}
        onToken={(t) => {
          setToken(t);
          resetSocket();
          setMe(null);
          setTok(t);
        }}
      />
    );
  }
  const canTrade = me.scopes.includes('trade');
  const run = view.run ?? hosted.find((r) => r.id === selected);

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <span className="logo">◆</span> tradekit
        </div>
        <select className="run-select" aria-label="run" value={selected ?? ''} onChange={(e) => select(e.target.value)}>
          {hosted.map((r) => (
            <option key={r.id} value={r.id}>
              {r.id}
            </option>
          ))}
        </select>
        <SessionClocks runTime={run?.time} />
        <div className="top-right">
          <span className={`conn conn-${conn}`} data-testid="conn" title={connDetail}>
            ● {conn === 'live' ? 'live' : conn}
          </span>
          <button
            type="button"
            className="ghost"
            onClick={notes.toggle}
            title="browser notifications on fills, closes and state changes"
            aria-pressed={notes.enabled}
          >
            {notes.enabled ? '● alerts' : '○ alerts'}
          </button>
          <span className="who" title={me.scopes.join(', ')}>
            {me.name}
          </span>
          <button
            type="button"
            className="ghost"
            onClick={() => {
              setToken(null);
              resetSocket();
              setTok(null);
              setMe(null);
            }}
          >
            sign out
          </button>
        </div>
      </header>
      <div className="body">
        <RunList runs={listed} selected={selected} onSelect={(id) => select(id)} canStart={canTrade && me.canStart} onStart={() => setStarting(true)} />
        <main className="main">
          {!selected ? (
            <div className="empty">
              <h2>No runs yet</h2>
              <p>
                Start one from a config with “+ new run”, or with <code>tradekit run config.yaml --serve</code>.
              </p>
            </div>
          ) : (
            <>
              <nav className="tabs">
                {(['live', 'journal', 'results'] as Tab[]).map((t) => (
                  <a key={t} className={route.tab === t ? 'active' : ''} href={`#/runs/${encodeURIComponent(selected)}/${t}`}>
                    {t === 'live' ? 'Live' : t === 'journal' ? 'Journal' : 'Results'}
                  </a>
                ))}
                {view.gaps > 0 && (
                  <span className="muted small" title="seq gaps detected / resyncs from REST">
                    resynced {view.resyncs}×
                  </span>
                )}
              </nav>
              {route.tab === 'live' && <LiveView runId={selected} view={view} canTrade={canTrade} onChanged={refreshRuns} />}
              {route.tab === 'journal' && <Journal runId={selected} tick={view.tradeTick} />}
              {route.tab === 'results' && <Backtests runs={runs} first={selected} />}
            </>
          )}
        </main>
      </div>
      {starting && (
        <StartRun
          onClose={() => setStarting(false)}
          onStarted={(id) => {
            setStarting(false);
            void refreshRuns();
            select(id, 'live');
          }}
        />
      )}
    </div>
  );
}
