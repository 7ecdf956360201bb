/**
 * The simulator served over the bridge's wire protocol on TCP (127.0.0.1 by default): a client cannot
 * tell it from `bridge/mt5_bridge.py` except by `hello.server`. Like the bridge, it runs every call
 * of every connection one at a time (one FIFO per terminal), honours per-call deadlines (a call still
 * queued at its deadline is answered `not_sent` and never runs; one that started is answered
 * `unknown`), drops the queued calls of a closed connection, and injects the simulator's transport
 * faults. `ping` and `tk_fence` are answered at once, never queued behind a long call (a ping reports
 * `busy` and the method in flight). Writes carrying `meta.fence` are checked against the fence table
 * when they reach the terminal; a stale one is refused with FENCED and never runs. With `control`,
 * the `sim_*` methods let a replay drive the simulator's clock.
 */
import net from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Logger } from '@tradekit/core';
import { mt5Error } from '../errors.js';
import { ADAPTER_VERSION } from '../version.js';
import { LineReader } from './lines.js';
import {
  FENCE_METHOD,
  MAX_LINE_BYTES,
  PROTOCOL_VERSION,
  RPC_ERROR,
  WRITE_METHODS,
  type BridgeHello,
  type FenceValue,
  type PingValue,
  type RpcRequest,
  type RpcResponse,
  type SimStatus,
} from './protocol.js';
import { FenceTable, fencedBody, parseFence } from './fence-table.js';
import { IPC_TIMEOUT } from '../sim/faults.js';
import { MT5_METHODS, type SimTerminal } from '../sim/terminal-api.js';
import { systemTimer, type WallTimer } from '../transport/wall-clock.js';

export interface SimServerOptions {
  terminal: SimTerminal;
  /** Shared secret the client must present in `auth`. */
  token: string;
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** Serve `sim_*` control methods (replays drive the clock through them). */
  control?: boolean;
  /** `driven`: the clock moves only through `sim_advance_to` / the owner; `wall`: it follows real time. */
  clock?: 'driven' | 'wall';
  /** Wall mode: sim time = wall time + this offset (e.g. to replay past bars "live"). */
  wallOffsetMs?: number;
  /** Default per-call deadline when the client sends none. */
  defaultDeadlineMs?: number;
  maxLineBytes?: number;
  timer?: WallTimer;
  log?: Logger;
}

interface Conn {
  socket: net.Socket;
  authed: boolean;
  closed: boolean;
}

export class SimServer {
  private server?: net.Server;
  private readonly conns = new Set<Conn>();
  private queue: Promise<void> = Promise.resolve();
  private readonly timer: WallTimer;
  private wallTick?: NodeJS.Timeout;
  private readonly token: Buffer;
  /** Calls waiting in the terminal's FIFO, and the MT5 function running now. */
  private queued = 0;
  private running?: string;
  private silenced = false;
  /** Highest fencing token seen per run (in memory, like the bridge's). */
  readonly fences = new FenceTable();
  /** Calls served (tests and benches read it). */
  calls = 0;

  constructor(private readonly o: SimServerOptions) {
    if (!o.token || o.token.length < 8) throw mt5Error('TK_ERR_MT5_CONFIG', 'the simulator server needs a token of at least 8 characters');
    this.token = Buffer.from(o.token);
    this.timer = o.timer ?? systemTimer;
  }

  get address(): { host: string; port: number } {
    const a = this.server?.address();
    if (!a || typeof a === 'string') throw mt5Error('TK_ERR_MT5_SIM', 'the simulator server is not listening');
    return { host: a.address, port: a.port };
  }

  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((s) => this.accept(s));
      server.once('error', reject);
      server.listen(this.o.port ?? 0, this.o.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        this.server = server;
        if (this.o.clock === 'wall') {
          this.syncWall();
          this.wallTick = setInterval(() => this.syncWall(), 250);
          this.wallTick.unref();
        }
        resolve(this.address);
      });
    });
  }

  private syncWall(): void {
    const sim = this.o.terminal.sim;
    const t = Math.floor(this.timer.utc() + (this.o.wallOffsetMs ?? 0));
    if (t > sim.now()) sim.advanceTo(t);
  }

  async close(): Promise<void> {
    if (this.wallTick) clearInterval(this.wallTick);
    for (const c of this.conns) {
      c.closed = true;
      c.socket.destroy();
    }
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** The MT5 function running now (undefined when idle). */
  get inFlight(): string | undefined {
    return this.running;
  }

  /**
   * A hung bridge: while on, every message is read and ignored (nothing is answered, the sockets stay
   * open). Tests of the heartbeat use it.
   */
  silence(on: boolean): void {
    this.silenced = on;
  }

  /** Breaks every client connection (a "terminal restart" seen from the client). */
  dropConnections(): void {
    for (const c of this.conns) {
      c.closed = true;
      c.socket.destroy();
    }
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    const conn: Conn = { socket, authed: false, closed: false };
    this.conns.add(conn);
    const reader = new LineReader(
      (line) => this.onLine(conn, line),
      () => {
        this.send(conn, { jsonrpc: '2.0', id: null, error: { code: RPC_ERROR.INVALID_REQUEST, message: 'message too long' } });
        socket.destroy();
      },
      this.o.maxLineBytes ?? MAX_LINE_BYTES,
    );
    socket.on('data', (d) => reader.push(d));
    socket.on('close', () => {
      conn.closed = true;
      this.conns.delete(conn);
    });
    socket.on('error', () => undefined);
  }

  private send(conn: Conn, msg: RpcResponse): void {
    if (conn.closed) return;
    conn.socket.write(`${JSON.stringify(msg)}\n`);
  }

  private onLine(conn: Conn, line: string): void {
    if (this.silenced) return;
    let req: RpcRequest;
    try {
      req = JSON.parse(line) as RpcRequest;
    } catch {
      return void this.send(conn, { jsonrpc: '2.0', id: null, error: { code: RPC_ERROR.PARSE, message: 'parse error' } });
    }
    if (req?.jsonrpc !== '2.0' || typeof req.method !== 'string' || (typeof req.id !== 'string' && typeof req.id !== 'number')) {
      return void this.send(conn, {
        jsonrpc: '2.0',
        id: (req as RpcRequest | null)?.id ?? null,
        error: { code: RPC_ERROR.INVALID_REQUEST, message: 'invalid request' },
      });
    }
    if (req.method === 'auth') return void this.auth(conn, req);
    if (!conn.authed) {
      this.send(conn, { jsonrpc: '2.0', id: req.id, error: { code: RPC_ERROR.UNAUTHORIZED, message: 'UNAUTHORIZED', data: { outcome: 'not_sent' } } });
      conn.socket.end();
      return;
    }
    const args = req.params?.args ?? [];
    const kwargs = req.params?.kwargs ?? {};
    if (!Array.isArray(args) || typeof kwargs !== 'object' || kwargs === null) {
      return void this.send(conn, {
        jsonrpc: '2.0',
        id: req.id,
        error: { code: RPC_ERROR.INVALID_PARAMS, message: 'params must be { args: [], kwargs: {} }', data: { outcome: 'not_sent' } },
      });
    }
    const known =
      (MT5_METHODS as readonly string[]).includes(req.method) ||
      req.method === 'ping' ||
      req.method === FENCE_METHOD ||
      (this.o.control && req.method.startsWith('sim_'));
    if (!known)
      return void this.send(conn, {
        jsonrpc: '2.0',
        id: req.id,
        error: { code: RPC_ERROR.METHOD_NOT_FOUND, message: `unknown method ${req.method}`, data: { outcome: 'not_sent' } },
      });
    if (req.method === 'ping') return void this.ping(conn, req);
    if (req.method === FENCE_METHOD) return void this.fence(conn, req, kwargs as Record<string, unknown>);
    const received = this.timer.now();
    const deadline = req.meta?.deadline_ms ?? this.o.defaultDeadlineMs ?? 10_000;
    // One FIFO per terminal: calls run one at a time, in arrival order.
    this.queued++;
    this.queue = this.queue
      .then(() => {
        this.queued--;
        return this.run(conn, req, args, kwargs as Record<string, unknown>, received, deadline);
      })
      .catch(() => undefined)
      .finally(() => (this.running = undefined));
  }

  /** Answered at once, never behind the terminal's FIFO: a long call must not look like a dead link. */
  private ping(conn: Conn, req: RpcRequest): void {
    const sim = this.o.terminal.sim;
    const value: PingValue = {
      connected: sim.connected,
      trade_allowed: sim.autoTrading,
      utc_ms: Math.floor(this.timer.utc()),
      busy: this.running !== undefined || this.queued > 0,
      method: this.running ?? null,
    };
    const fault = sim.faults.take('ping');
    if (fault?.kind === 'not_sent')
      return void this.send(conn, { jsonrpc: '2.0', id: req.id, error: { code: RPC_ERROR.TIMEOUT, message: 'BRIDGE_TIMEOUT', data: { outcome: 'not_sent' } } });
    if (fault?.kind === 'drop_before_execute' || fault?.kind === 'drop_after_execute') {
      conn.closed = true;
      conn.socket.destroy();
      return;
    }
    const answer = () => this.send(conn, { jsonrpc: '2.0', id: req.id, result: { value, last_error: [1, 'Success'], utc_ms: value.utc_ms } });
    if (fault?.kind === 'slow') this.timer.setTimeout(answer, fault.delayMs ?? 1000);
    else answer();
  }

  /** `tk_fence { run, token }`: records the run's highest token, or FENCED. Answered at once. */
  private fence(conn: Conn, req: RpcRequest, kwargs: Record<string, unknown>): void {
    const f = parseFence(kwargs);
    if (!f)
      return void this.send(conn, {
        jsonrpc: '2.0',
        id: req.id,
        error: {
          code: RPC_ERROR.INVALID_PARAMS,
          message: 'tk_fence needs kwargs { run: non-empty string, token: integer >= 0 }',
          data: { outcome: 'not_sent' },
        },
      });
    const r = this.fences.raise(f);
    if (!r.ok) return void this.send(conn, { jsonrpc: '2.0', id: req.id, error: fencedBody(f, r.highest) });
    const value: FenceValue = { run: f.run, highest: r.highest };
    this.send(conn, { jsonrpc: '2.0', id: req.id, result: { value, last_error: [1, 'Success'] } });
  }

  private auth(conn: Conn, req: RpcRequest): void {
    const tok = Buffer.from(String(req.params?.token ?? ''));
    const ok = tok.length === this.token.length && timingSafeEqual(tok, this.token);
    if (!ok) {
      this.send(conn, { jsonrpc: '2.0', id: req.id, error: { code: RPC_ERROR.UNAUTHORIZED, message: 'UNAUTHORIZED', data: { outcome: 'not_sent' } } });
      conn.socket.end();
      return;
    }
    conn.authed = true;
    const hello: BridgeHello = {
      server: 'mt5-sim',
      version: ADAPTER_VERSION,
      protocol: PROTOCOL_VERSION,
      methods: [...MT5_METHODS, 'ping', FENCE_METHOD],
      control: !!this.o.control,
    };
    this.send(conn, { jsonrpc: '2.0', id: req.id, result: { value: hello, last_error: [1, 'Success'] } });
  }

  private async run(conn: Conn, req: RpcRequest, args: unknown[], kwargs: Record<string, unknown>, received: number, deadline: number): Promise<void> {
    if (conn.closed) return; // the bridge drops a closed connection's queued calls
    const id = req.id;
    if (this.timer.now() - received > deadline) {
      return this.send(conn, { jsonrpc: '2.0', id, error: { code: RPC_ERROR.TIMEOUT, message: 'BRIDGE_TIMEOUT', data: { outcome: 'not_sent' } } });
    }
    const sim = this.o.terminal.sim;
    this.running = req.method;
    if (WRITE_METHODS.has(req.method) && req.meta?.fence !== undefined) {
      // Checked when the write reaches the terminal: a stale writer's call never runs.
      const f = parseFence(req.meta.fence);
      if (!f)
        return this.send(conn, {
          jsonrpc: '2.0',
          id,
          error: { code: RPC_ERROR.INVALID_PARAMS, message: 'meta.fence must be { run, token }', data: { outcome: 'not_sent' } },
        });
      const r = this.fences.raise(f);
      if (!r.ok) return this.send(conn, { jsonrpc: '2.0', id, error: fencedBody(f, r.highest) });
    }
    const fault = sim.faults.take(req.method);
    if (fault?.kind === 'not_sent') {
      return this.send(conn, { jsonrpc: '2.0', id, error: { code: RPC_ERROR.TIMEOUT, message: 'BRIDGE_TIMEOUT', data: { outcome: 'not_sent' } } });
    }
    if (fault?.kind === 'drop_before_execute') {
      conn.closed = true;
      conn.socket.destroy();
      return;
    }
    let answered = false;
    const left = deadline - (this.timer.now() - received);
    const t = this.timer.setTimeout(() => {
      answered = true;
      this.send(conn, { jsonrpc: '2.0', id, error: { code: RPC_ERROR.TIMEOUT, message: 'BRIDGE_TIMEOUT', data: { outcome: 'unknown' } } });
    }, left);
    if (fault?.kind === 'slow') await this.timer.sleep(fault.delayMs ?? 1000);
    if (this.o.clock === 'wall') this.syncWall();
    this.calls++;
    let body: { value: unknown; last_error: [number, string] };
    try {
      if (fault?.kind === 'none_before_execute') {
        const le = fault.lastError ?? IPC_TIMEOUT;
        this.o.terminal.setLastError(le);
        body = { value: null, last_error: le };
      } else body = this.exec(req.method, args, kwargs);
      if (fault?.kind === 'none_after_execute') {
        const le = fault.lastError ?? IPC_TIMEOUT;
        this.o.terminal.setLastError(le);
        body = { value: null, last_error: le };
      }
    } catch (e) {
      t.clear();
      if (!answered)
        this.send(conn, {
          jsonrpc: '2.0',
          id,
          error: { code: RPC_ERROR.CALL_FAILED, message: (e as Error).message, data: { outcome: req.method === 'order_send' ? 'unknown' : 'not_sent' } },
        });
      return;
    }
    t.clear();
    if (fault?.kind === 'drop_after_execute') {
      conn.closed = true;
      conn.socket.destroy();
      return;
    }
    if (!answered) this.send(conn, { jsonrpc: '2.0', id, result: { ...body, utc_ms: Math.floor(this.timer.utc()) } });
  }

  private exec(method: string, args: unknown[], kwargs: Record<string, unknown>): { value: unknown; last_error: [number, string] } {
    const term = this.o.terminal;
    const sim = term.sim;
    if (method === 'sim_status') {
      const end = sim.dataEnd;
      const st: SimStatus = {
        now_utc_ms: sim.now(),
        end_utc_ms: Number.isFinite(end) ? end : null,
        driven: this.o.clock !== 'wall',
        symbols: [...sim.symbols.keys()],
      };
      return { value: st, last_error: [1, 'Success'] };
    }
    if (method === 'sim_advance_to') {
      const t = Number(kwargs.utc_ms ?? args[0]);
      if (!Number.isFinite(t)) throw mt5Error('TK_ERR_MT5_SIM', 'sim_advance_to needs utc_ms');
      if (this.o.clock === 'wall') throw mt5Error('TK_ERR_MT5_SIM', 'this simulator follows the wall clock; it cannot be driven');
      if (t > sim.now()) sim.advanceTo(t);
      return { value: sim.now(), last_error: [1, 'Success'] };
    }
    const r = term.call(method, args, kwargs);
    return { value: r.value, last_error: r.lastError };
  }
}
