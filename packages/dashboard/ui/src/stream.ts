/**
 * The live view of one run: a snapshot on join, then event batches in seq order. A jump in seq (the
 * server dropped events for a slow client, or we were disconnected) triggers a resync of the missing
 * range from REST; socket.io reconnects by itself and the join is repeated with a fresh snapshot.
 */
import { useEffect, useReducer, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { classifyStatus } from '../../src/shared/scan-status';
import { NEW_ACCOUNT_TRACK, nextAccount, trackOfView, type AccountTrack } from '../../src/shared/account-view';
import { api, getToken, runPath } from './api';
import type { Account, PendingOrder, Position, RunSummary, Scan, Snapshot, TkEvent, TradingState } from './types';

export type Conn = 'connecting' | 'live' | 'reconnecting' | 'unauthorized' | 'offline';

let shared: Socket | undefined;
const connListeners = new Set<(c: Conn, detail?: string) => void>();
let conn: Conn = 'connecting';
let connDetail: string | undefined;

function setConn(c: Conn, detail?: string) {
  conn = c;
  connDetail = detail;
  for (const l of connListeners) l(c, detail);
}

export function socket(): Socket {
  if (shared) return shared;
  const s = io({
    path: '/socket.io',
    auth: (cb) => cb({ token: getToken() ?? '' }),
    transports: ['websocket'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 5000,
  });
  s.on('connect', () => setConn('live'));
  s.on('disconnect', () => setConn('reconnecting'));
  s.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    if (err.data?.code?.startsWith('TK_ERR_AUTH')) {
      setConn('unauthorized', err.data.code);
      s.disconnect();
    } else setConn('reconnecting', err.message);
  });
  s.io.on('reconnect_attempt', () => setConn('reconnecting'));
  shared = s;
  return s;
}

export function resetSocket(): void {
  shared?.disconnect();
  shared = undefined;
  setConn('connecting');
}

export function useConn(): [Conn, string | undefined] {
  const [c, setC] = useState<[Conn, string | undefined]>([conn, connDetail]);
  useEffect(() => {
    const l = (x: Conn, d?: string) => setC([x, d]);
    connListeners.add(l);
    return () => void connListeners.delete(l);
  }, []);
  return c;
}

export interface RunView {
  ready: boolean;
  seq: number;
  run?: RunSummary;
  account?: Account;
  /** What the account figures continue from (the server's rules, see shared/account-view). */
  accountTrack?: AccountTrack;
  positions: Position[];
  orders: PendingOrder[];
  scan?: Scan;
  events: TkEvent[];
  /** Fills and closes, newest first. */
  feed: TkEvent[];
  resyncs: number;
  gaps: number;
  /** Bumped on fills/closes (chart markers and journal refetch). */
  tradeTick: number;
  /** Bumped on each scan summary (chart refresh). */
  cycleTick: number;
}

const EMPTY: RunView = { ready: false, seq: 0, positions: [], orders: [], events: [], feed: [], resyncs: 0, gaps: 0, tradeTick: 0, cycleTick: 0 };
const MAX_EVENTS = 300;

type Action = { t: 'snapshot'; s: Snapshot; missed: TkEvent[] } | { t: 'events'; list: TkEvent[] } | { t: 'reset' } | { t: 'gap' } | { t: 'resynced' };

/**
 * Whether `e` is the next event after `prev`: the next number, or a `stream.gap` announcing that the
 * numbers from `prev + 1` up to it will never come (a crashed process published them unpersisted).
 */
export function follows(prev: number, e: TkEvent): boolean {
  if (e.seq === prev + 1) return true;
  const gap = e.type === 'stream.gap' ? (e.data as { from?: number; to?: number }) : undefined;
  return gap !== undefined && (gap.from ?? Infinity) <= prev + 1 && e.seq === (gap.to ?? -1) + 1;
}

function apply(v: RunView, e: TkEvent): RunView {
  const out: RunView = { ...v, seq: e.seq, events: [e, ...v.events].slice(0, MAX_EVENTS) };
  if (out.run) out.run = { ...out.run, time: e.time, lastSeq: e.seq };
  switch (e.type) {
    case 'cycle.start':
      if (out.run) out.run.cycles = e.data.cycle;
      break;
    case 'account.update': {
      const next = nextAccount(v.accountTrack ?? NEW_ACCOUNT_TRACK, e.data.account, e.time);
      out.account = next.view;
      out.accountTrack = next.track;
      break;
    }
    case 'position.update':
      out.positions = e.data.positions;
      out.orders = e.data.orders;
      break;
    case 'scan.summary':
      out.scan = {
        cycle: e.data.seq,
        time: e.time,
        state: e.data.state,
        gated: e.data.gated,
        candidates: e.data.candidates,
        rows: Object.entries(e.data.symbols as Record<string, string>).map(([symbol, status]) => ({ symbol, status, kind: classifyStatus(status) })),
      };
      out.cycleTick = v.cycleTick + 1;
      break;
    case 'state.changed':
      if (out.run) out.run.tradingState = e.data.to as TradingState;
      break;
    case 'order.filled':
    case 'position.closed':
    case 'order.rejected':
      out.feed = [e, ...v.feed].slice(0, 100);
      out.tradeTick = v.tradeTick + 1;
      break;
  }
  return out;
}

function reducer(v: RunView, a: Action): RunView {
  switch (a.t) {
    case 'reset':
      return EMPTY;
    case 'gap':
      return { ...v, gaps: v.gaps + 1 };
    case 'resynced':
      return { ...v, resyncs: v.resyncs + 1 };
    case 'snapshot': {
      const s = a.s;
      const seen = new Set<number>();
      const history = [...a.missed, ...s.recent, ...v.events].filter((e) => (seen.has(e.seq) ? false : (seen.add(e.seq), true))).sort((x, y) => y.seq - x.seq);
      return {
        ...v,
        ready: true,
        seq: s.seq,
        run: s.run,
        account: s.account ?? undefined,
        accountTrack: s.account ? trackOfView(s.account) : undefined,
        positions: s.positions,
        orders: s.orders,
        scan: s.scan ?? undefined,
        events: history.slice(0, MAX_EVENTS),
        feed: history.filter((e) => e.type === 'order.filled' || e.type === 'position.closed' || e.type === 'order.rejected').slice(0, 100),
        tradeTick: v.tradeTick + 1,
        cycleTick: v.cycleTick + 1,
      };
    }
    case 'events': {
      let out = v;
      for (const e of a.list) if (follows(out.seq, e)) out = apply(out, e);
      return out;
    }
  }
}

/** Subscribes to a run; `onEvent` sees every applied event (notifications). */
export function useRun(runId: string | undefined, onEvent?: (e: TkEvent) => void): RunView {
  const [view, dispatch] = useReducer(reducer, EMPTY);
  const seqRef = useRef(0);
  const cb = useRef(onEvent);
  cb.current = onEvent;

  useEffect(() => {
    dispatch({ t: 'reset' });
    seqRef.current = 0;
    if (!runId) return;
    const s = socket();
    let alive = true;
    let resyncing: Promise<void> | null = null;
    let held: TkEvent[] = [];

    const deliver = (list: TkEvent[]) => {
      if (resyncing) {
        held.push(...list);
        return;
      }
      if (held.length) list = [...held.splice(0), ...list];
      const fresh = list.filter((e) => e.seq > seqRef.current).sort((a, b) => a.seq - b.seq);
      const ok: TkEvent[] = [];
      let rest: TkEvent[] = [];
      for (let i = 0; i < fresh.length; i++) {
        const e = fresh[i]!;
        if (!follows(seqRef.current, e)) {
          rest = fresh.slice(i);
          break;
        }
        seqRef.current = e.seq;
        ok.push(e);
      }
      if (ok.length) {
        dispatch({ t: 'events', list: ok });
        for (const e of ok) cb.current?.(e);
      }
      if (rest.length) gap(rest);
    };

    // Missing seq: fetch the hole from REST, then go on with what was held back meanwhile.
    const gap = (rest: TkEvent[]) => {
      held.push(...rest);
      dispatch({ t: 'gap' });
      resyncing = api<{ items: TkEvent[] }>(`${runPath(runId)}/events?since=${seqRef.current}&limit=1000`)
        .then((r) => {
          resyncing = null;
          if (!alive) return;
          dispatch({ t: 'resynced' });
          const pending = held;
          held = [];
          deliver([...r.items, ...pending]);
        })
        .catch(() => {
          resyncing = null;
          // The next batch (or the rejoin after a reconnect) retries.
        });
    };

    const join = () => {
      s.emit('join', { run: runId }, async (r: { ok: boolean; snapshot?: Snapshot; error?: { code: string } }) => {
        if (!alive || !r.ok || !r.snapshot) return;
        let missed: TkEvent[] = [];
        const before = seqRef.current;
        if (before > 0 && r.snapshot.seq > before) {
          // Rejoined after a disconnect: fill the log with what happened meanwhile.
          try {
            missed = (await api<{ items: TkEvent[] }>(`${runPath(runId)}/events?since=${before}&limit=1000`)).items.filter((e) => e.seq <= r.snapshot!.seq);
          } catch {
            missed = [];
          }
          dispatch({ t: 'resynced' });
        }
        seqRef.current = Math.max(seqRef.current, r.snapshot.seq);
        dispatch({ t: 'snapshot', s: r.snapshot, missed });
        deliver(held.splice(0));
      });
    };
    const onEvents = (list: TkEvent[]) => {
      const mine = list.filter((e) => e.run === runId);
      if (mine.length) deliver(mine);
    };
    s.on('events', onEvents);
    s.on('connect', join);
    if (s.connected) join();
    return () => {
      alive = false;
      s.off('events', onEvents);
      s.off('connect', join);
      s.emit('leave', { run: runId });
    };
  }, [runId]);
  return view;
}
