/**
 * The crash matrix's tools: a simulated MT5 terminal on the wall clock (always open, so the test runs
 * on any day), `tradekit run` children armed with failpoints, and the check that after each restart
 * the journal equals the broker: no duplicate order at the broker, no broker position or deal missing
 * from the journal, no journal trade the broker never had.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  type KnexStateStore,
  LiveClock,
  magicOf,
  openStateStore,
  PAPER_ACCOUNT_KEY,
  silentLogger,
  type Deal,
  type OrderRecord,
  type PaperAccountState,
  type PendingOrder,
  type Position,
  type TradeRecord,
} from '@tradekit/core';
import { Mt5Broker, Mt5Session, RpcGateway } from '@tradekit/mt5-adapter';
import { BIN } from './helpers.js';

export const CRASH_DIR = path.join(path.dirname(BIN), '..', 'test', 'fixtures', 'crash');
export const TOKEN = 'crash-matrix-token-0123456789';

export interface Sim {
  port: number;
  stop(): Promise<void>;
}

/** `tradekit mt5-sim` on the wall clock, random walks that never close, on a free port. */
export async function startSim(): Promise<Sim> {
  const p = spawn(
    process.execPath,
    [BIN, 'mt5-sim', '--clock', 'wall', '--always-open', '--tick-ms', '250', '--walk-history-hours', '2', '--symbols', 'EURUSD,GBPUSD', '--port', '0'],
    {
      env: { ...process.env, MT5_BRIDGE_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  p.stderr!.on('data', (d) => (err += d));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    p.stdout!.on('data', (d) => {
      out += d;
      const m = /LISTENING \S+ (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    p.once('exit', (code) => reject(new Error(`mt5-sim exited (${code}): ${err}`)));
  });
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (p.exitCode !== null) return resolve();
        p.once('exit', () => resolve());
        p.kill('SIGTERM');
      }),
  };
}

export interface CrashCase {
  kind: 'paper' | 'mt5';
  run: string;
  db: string;
  port: number;
}

export function childEnv(c: CrashCase, failpoints: string, log: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    MT5_BRIDGE_TOKEN: TOKEN,
    MT5_BRIDGE_PORT: String(c.port),
    CRASH_RUN: c.run,
    CRASH_DB: c.db,
    CRASH_BROKER: c.kind === 'paper' ? '@tradekit/core/paper' : '@tradekit/mt5-adapter/broker',
    TK_FAILPOINTS: failpoints,
    TK_FAILPOINTS_LOG: log,
  };
}

export interface Child {
  proc: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startChild(c: CrashCase, failpoints: string, log: string): Child {
  const proc = spawn(process.execPath, [BIN, 'run', path.join(CRASH_DIR, 'crash.yaml'), '--quiet', '--log-level', 'warn'], {
    cwd: CRASH_DIR,
    env: childEnv(c, failpoints, log),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { proc, output: () => out, exited };
}

/** Failpoints reached by a child, in order: name, count, wall time. */
export function failpointLog(file: string): { name: string; n: number; at: number }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name, n, at] = l.split(' ');
      return { name: name!, n: Number(n), at: Number(at) };
    });
}

/** Whether the process is stopped (SIGSTOP): Linux /proc state `T`. */
export function isStopped(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
  } catch {
    return false;
  }
}

export interface Truth {
  positions: Position[];
  orders: PendingOrder[];
  deals: Deal[];
}

/** What the broker holds for the run: the paper account as saved, or the simulated terminal's state. */
export async function brokerTruth(c: CrashCase): Promise<Truth> {
  const magic = magicOf(c.run);
  if (c.kind === 'paper') {
    const store = await openStateStore({ url: `sqlite://${c.db}`, baseDir: '/', run: c.run, now: () => 0 });
    try {
      const s = await store.get<PaperAccountState>(PAPER_ACCOUNT_KEY);
      if (!s) return { positions: [], orders: [], deals: [] };
      return {
        positions: s.positions.filter((p) => p.magic === magic),
        orders: s.pending.filter((o) => o.magic === magic),
        deals: s.deals.filter((d) => d.magic === magic),
      };
    } finally {
      await store.close();
    }
  }
  const clock = new LiveClock();
  const gw = new RpcGateway({ host: '127.0.0.1', port: c.port, token: TOKEN, reconnect: false, heartbeatMs: 0 });
  const session = new Mt5Session(gw, clock, {}, silentLogger());
  const broker = new Mt5Broker(session.retain(), clock, { magic }, silentLogger());
  try {
    await session.open();
    const positions = await broker.positions({ magic });
    const orders = await broker.orders({ magic });
    const deals = (await broker.history({ from: 0, to: clock.now() + 3_600_000 })).filter((d) => d.magic === magic);
    return { positions, orders, deals };
  } finally {
    await broker.shutdown();
  }
}

export interface JournalView {
  orders: OrderRecord[];
  trades: TradeRecord[];
  exits: { position_id: string; deal_id: string | null; reason: string; volume: number }[];
}

export async function journalOf(c: CrashCase): Promise<JournalView> {
  const store = await openStateStore({ url: `sqlite://${c.db}`, baseDir: '/', run: c.run, now: () => 0 });
  try {
    const exits = (await (store as KnexStateStore)
      .knex('tk_trade_exits')
      .where({ run: c.run })
      .select('position_id', 'deal_id', 'reason', 'volume')) as JournalView['exits'];
    return { orders: await store.journal.listOrders({}), trades: await store.journal.listTrades({}), exits };
  } finally {
    await store.close();
  }
}

/**
 * Journal == broker, as of `asOf` (the moment the restarted process finished reading the broker:
 * a venue that keeps trading on its own clock may have moved since). Returns the violations found.
 */
export function compare(t: Truth, j: JournalView, asOf: number): string[] {
  const bad: string[] = [];
  const ins = t.deals.filter((d) => d.entry === 'in');
  const outs = t.deals.filter((d) => d.entry === 'out');
  // 0 duplicate orders at the broker: one entry per client id, one working order per client id.
  const perClient = new Map<string, number>();
  for (const d of ins) if (d.clientId) perClient.set(d.clientId, (perClient.get(d.clientId) ?? 0) + 1);
  for (const o of t.orders) if (o.clientId) perClient.set(o.clientId, (perClient.get(o.clientId) ?? 0) + 1);
  for (const [id, n] of perClient) if (n > 1) bad.push(`duplicate order at the broker: ${n} for client id ${id}`);
  // Nothing left in doubt after recovery.
  for (const o of j.orders) if (o.status === 'pending' || o.status === 'unknown') bad.push(`order ${o.clientId} still ${o.status} after recovery`);
  const trades = new Map(j.trades.map((x) => [x.positionId, x]));
  const exitDeals = new Set(j.exits.map((x) => x.deal_id).filter(Boolean));
  // 0 broker positions or deals missing from the journal.
  for (const d of ins)
    if (d.time < asOf && !trades.has(d.positionId)) bad.push(`broker entry ${d.id} (position ${d.positionId}, ${d.clientId}) missing from the journal`);
  for (const d of outs)
    if (d.time < asOf && !exitDeals.has(d.id)) bad.push(`broker exit deal ${d.id} (position ${d.positionId}, ${d.reason}) missing from the journal`);
  for (const p of t.positions) {
    const tr = trades.get(p.id);
    if (p.openTime < asOf && tr?.status !== 'open') bad.push(`broker position ${p.id} not open in the journal (${tr?.status ?? 'absent'})`);
    else if (tr && Math.abs(tr.openVolume - p.volume) > 1e-9 && !outs.some((d) => d.positionId === p.id && d.time >= asOf))
      bad.push(`position ${p.id}: journal open volume ${tr.openVolume}, broker ${p.volume}`);
  }
  // The journal invents nothing: every trade and exit it has, the broker has.
  const known = new Set([...ins.map((d) => d.positionId), ...t.positions.map((p) => p.id)]);
  for (const tr of j.trades) {
    if (!known.has(tr.positionId)) bad.push(`journal trade ${tr.positionId} unknown to the broker`);
    if (tr.status === 'open' && !t.positions.some((p) => p.id === tr.positionId) && !outs.some((d) => d.positionId === tr.positionId && d.time >= asOf))
      bad.push(`journal trade ${tr.positionId} open, the broker closed it before the restart`);
  }
  const dealIds = new Set(outs.map((d) => d.id));
  for (const x of j.exits) {
    if (x.reason === 'missing') bad.push(`journal closed ${x.position_id} as missing: the broker lost it?`);
    else if (x.deal_id && !dealIds.has(x.deal_id)) bad.push(`journal exit deal ${x.deal_id} unknown to the broker`);
  }
  return bad;
}

/** A small seeded generator (mulberry32): the matrix's kill points are reproducible from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
