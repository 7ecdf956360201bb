/**
 * Client side of the bridge protocol over TCP: authenticates, pipelines calls by id, enforces a
 * deadline per call, pings every few seconds, and reconnects with exponential back-off plus jitter.
 * When the link drops, every call in flight fails with outcome `unknown` (it may have run) — writes
 * among them are reported in the `down` event so the adapter reconciles them — and calls that never
 * left fail with `not_sent`.
 *
 * Heartbeat: a ping is missed only when *nothing at all* arrives on the socket between sending it and
 * its local deadline (its own deadline plus `graceMs`). Any message counts — the ping's answer, an
 * error answer to it (an older bridge that queued the ping behind a long `order_send` answers TIMEOUT),
 * or the answer to another call — so a long call in flight never makes a live link look dead.
 */
import net from 'node:net';
import { EventEmitter } from 'node:events';
import { failpoint, type Logger } from '@tradekit/core';
import { fencedError, mt5Error, transportError } from '../errors.js';
import { ADAPTER_VERSION } from '../version.js';
import type { LastError } from '../mt5/types.js';
import { LineReader } from '../wire/lines.js';
import { MAX_LINE_BYTES, RPC_ERROR, WRITE_METHODS, type BridgeHello, type PingValue, type RpcRequest, type RpcResponse } from '../wire/protocol.js';
import type { CallOptions, CallResult, GatewayEvents, GatewayState, LostWrite, Mt5Gateway } from './gateway.js';
import { systemTimer, type WallTimer } from './wall-clock.js';

export interface RpcGatewayOptions {
  host: string;
  port: number;
  /** Shared secret (never logged). */
  token: string;
  connectTimeoutMs?: number;
  /** Default per-call deadline. */
  callTimeoutMs?: number;
  /** Extra wait beyond the deadline for the bridge's own TIMEOUT answer before giving up locally. */
  graceMs?: number;
  heartbeatMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** 0..1: random spread of each back-off delay. */
  jitter?: number;
  /** Keep reconnecting after the first successful connection (default true). */
  reconnect?: boolean;
  timer?: WallTimer;
  log?: Logger;
  client?: string;
}

interface Pending {
  method: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  clientOrderId?: string;
  resolve: (r: CallResult) => void;
  reject: (e: Error) => void;
  timer: { clear(): void };
}

export class RpcGateway implements Mt5Gateway {
  private socket?: net.Socket;
  private _state: GatewayState = 'connecting';
  private _hello?: BridgeHello;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly events = new EventEmitter();
  private readonly timer: WallTimer;
  private heartbeat?: NodeJS.Timeout;
  private backoff: number;
  private reconnectTimer?: { clear(): void };
  private waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private everUp = false;
  private closing = false;
  /** Messages received on the current socket (a ping is missed only if this does not move). */
  private received = 0;
  private pinging = false;
  private readonly o: Required<Omit<RpcGatewayOptions, 'log' | 'timer'>> & Pick<RpcGatewayOptions, 'log'>;

  constructor(options: RpcGatewayOptions) {
    this.o = {
      connectTimeoutMs: 5000,
      callTimeoutMs: 10_000,
      graceMs: 1000,
      heartbeatMs: 5000,
      reconnectMinMs: 250,
      reconnectMaxMs: 30_000,
      jitter: 0.2,
      reconnect: true,
      client: `tradekit-mt5-adapter/${ADAPTER_VERSION}`,
      ...options,
    };
    this.timer = options.timer ?? systemTimer;
    this.backoff = this.o.reconnectMinMs;
    this.events.setMaxListeners(50);
  }

  get state(): GatewayState {
    return this._state;
  }

  get hello(): BridgeHello | undefined {
    return this._hello;
  }

  on<K extends keyof GatewayEvents>(event: K, fn: GatewayEvents[K]): () => void {
    this.events.on(event, fn);
    return () => this.events.off(event, fn);
  }

  /** First connection: fails fast (no retry) so a wrong host, port or token is reported at startup. */
  async connect(): Promise<BridgeHello> {
    await this.open();
    return this._hello!;
  }

  private open(): Promise<void> {
    this._state = 'connecting';
    return new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: this.o.host, port: this.o.port });
      socket.setNoDelay(true);
      let settled = false;
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        socket.destroy();
        reject(e);
      };
      const ct = this.timer.setTimeout(
        () =>
          fail(
            mt5Error('TK_ERR_MT5_CONNECT', `no answer from the bridge at ${this.o.host}:${this.o.port} within ${this.o.connectTimeoutMs} ms`, {
              classification: 'retryable',
            }),
          ),
        this.o.connectTimeoutMs,
      );
      socket.once('error', (e) => {
        ct.clear();
        fail(
          mt5Error('TK_ERR_MT5_CONNECT', `cannot connect to the bridge at ${this.o.host}:${this.o.port}: ${(e as NodeJS.ErrnoException).code ?? e.message}`, {
            classification: 'retryable',
            cause: e,
          }),
        );
      });
      socket.once('connect', () => {
        this.attach(socket);
        const id = this.nextId++;
        const authReq: RpcRequest = { jsonrpc: '2.0', id, method: 'auth', params: { token: this.o.token, client: this.o.client } };
        this.pending.set(id, {
          method: 'auth',
          args: [],
          kwargs: {},
          resolve: (r) => {
            ct.clear();
            settled = true;
            this._hello = r.value as BridgeHello;
            this.up();
            resolve();
          },
          reject: (e) => {
            ct.clear();
            fail(e);
          },
          timer: { clear: () => undefined },
        });
        socket.write(`${JSON.stringify(authReq)}\n`);
      });
    });
  }

  private attach(socket: net.Socket): void {
    this.socket = socket;
    const reader = new LineReader(
      (line) => {
        if (this.socket === socket) this.received++;
        this.onLine(line);
      },
      () => socket.destroy(new Error('message too long')),
      MAX_LINE_BYTES,
    );
    socket.on('data', (d) => reader.push(d));
    socket.on('close', () => {
      if (this.socket === socket) this.onDown('connection closed');
    });
    socket.on('error', () => undefined);
  }

  private up(): void {
    const wasUp = this.everUp;
    this._state = 'up';
    this.everUp = true;
    this.backoff = this.o.reconnectMinMs;
    const w = this.waiters.splice(0);
    for (const x of w) x.resolve();
    if (this.o.heartbeatMs > 0) {
      clearInterval(this.heartbeat);
      this.heartbeat = setInterval(() => void this.ping(), this.o.heartbeatMs);
      this.heartbeat.unref();
    }
    if (wasUp) this.o.log?.info({ host: this.o.host, port: this.o.port }, 'bridge connection restored');
    this.events.emit('up', this._hello!);
  }

  private async ping(): Promise<void> {
    if (this._state !== 'up' || this.pinging) return;
    const socket = this.socket;
    const before = this.received;
    this.pinging = true;
    try {
      const r = await this.call<PingValue>('ping', [], {}, { deadlineMs: Math.min(3000, this.o.heartbeatMs) });
      if (r.value && r.value.connected === false) this.o.log?.warn({}, 'the terminal reports no connection to the trade server');
    } catch (e) {
      if (this._state !== 'up' || this.socket !== socket) return;
      if (this.received !== before) {
        // The bridge is talking (an error answer to the ping, or answers to other calls): alive.
        this.o.log?.debug({ err: (e as Error).message, inFlight: this.pending.size }, 'heartbeat not answered in time, but the link is receiving; keeping it');
        return;
      }
      // Nothing at all arrived within the ping's deadline: the link is dead; reconnect.
      this.o.log?.warn({ inFlight: this.pending.size }, 'missed heartbeat: nothing received from the bridge; reconnecting');
      socket?.destroy();
    } finally {
      this.pinging = false;
    }
  }

  private onDown(reason: string): void {
    clearInterval(this.heartbeat);
    this.socket = undefined;
    const lost: LostWrite[] = [];
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.timer.clear();
      if (WRITE_METHODS.has(p.method)) lost.push({ method: p.method, args: p.args, kwargs: p.kwargs, clientOrderId: p.clientOrderId });
      p.reject(transportError(`the bridge connection closed during ${p.method} (${reason}); it may have run`, 'unknown'));
    }
    if (this._state === 'closed') return;
    const wasUp = this._state === 'up';
    this._state = 'down';
    if (wasUp || lost.length) {
      this.o.log?.warn({ reason, inFlightWrites: lost.length }, 'bridge connection lost');
      this.events.emit('down', { reason, lostWrites: lost });
    }
    if (this.everUp && this.o.reconnect && !this.closing) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const jitter = 1 + this.o.jitter * (Math.random() * 2 - 1);
    const delay = Math.min(this.o.reconnectMaxMs, this.backoff) * jitter;
    this.backoff = Math.min(this.o.reconnectMaxMs, this.backoff * 2);
    this.reconnectTimer?.clear();
    this.reconnectTimer = this.timer.setTimeout(() => {
      if (this.closing) return;
      this.open().catch((e: unknown) => {
        this.o.log?.debug({ err: (e as Error).message }, 'bridge reconnect failed; backing off');
        this._state = 'down';
        if ((e as { code?: string }).code === 'TK_ERR_MT5_UNAUTHORIZED') {
          const w = this.waiters.splice(0);
          for (const x of w) x.reject(e as Error);
        }
        this.scheduleReconnect();
      });
    }, delay);
  }

  private onLine(line: string): void {
    let msg: RpcResponse;
    try {
      msg = JSON.parse(line) as RpcResponse;
    } catch {
      this.o.log?.warn({}, 'unparseable message from the bridge; dropping the connection');
      this.socket?.destroy();
      return;
    }
    if (typeof msg.id !== 'number') return;
    const p = this.pending.get(msg.id);
    if (!p) return; // answered after its local deadline: already reported as unknown
    // Crash tests: the terminal executed the write; its answer dies with this process.
    if (WRITE_METHODS.has(p.method)) failpoint('mt5.answerLost');
    this.pending.delete(msg.id);
    p.timer.clear();
    if ('result' in msg) {
      const r = msg.result;
      p.resolve({ value: r.value ?? null, lastError: (r.last_error ?? [1, 'Success']) as LastError, utcMs: r.utc_ms });
      return;
    }
    const e = msg.error;
    const outcome = e.data?.outcome ?? 'unknown';
    if (e.code === RPC_ERROR.UNAUTHORIZED)
      p.reject(mt5Error('TK_ERR_MT5_UNAUTHORIZED', 'the bridge refused the token: check MT5_BRIDGE_TOKEN on both sides', { classification: 'fatal' }));
    else if (e.code === RPC_ERROR.TIMEOUT)
      p.reject(
        transportError(`${p.method} did not finish within its deadline (${outcome === 'not_sent' ? 'it never started' : 'it may have run'})`, outcome, {
          code: 'TK_ERR_MT5_TIMEOUT',
        }),
      );
    else if (e.code === RPC_ERROR.FENCED) p.reject(fencedError(p.method, e.data));
    else if (e.code === RPC_ERROR.METHOD_NOT_FOUND)
      p.reject(mt5Error('TK_ERR_MT5_METHOD', `the bridge does not serve ${p.method}: ${e.message}`, { details: { outcome: 'not_sent' } }));
    else if (e.code === RPC_ERROR.INVALID_PARAMS || e.code === RPC_ERROR.INVALID_REQUEST || e.code === RPC_ERROR.PARSE) {
      p.reject(mt5Error('TK_ERR_MT5_PROTOCOL', `the bridge rejected the ${p.method} message: ${e.message}`, { details: { outcome: 'not_sent' } }));
    } else p.reject(transportError(`${p.method} failed in the bridge: ${e.message}`, outcome));
  }

  private waitUp(deadline: number): Promise<void> {
    if (this._state === 'up') return Promise.resolve();
    if (this._state === 'closed') return Promise.reject(transportError('the gateway is closed', 'not_sent'));
    if (!this.everUp) return Promise.reject(transportError('the gateway is not connected: call connect() first', 'not_sent'));
    return new Promise((resolve, reject) => {
      const w = { resolve: () => (t.clear(), resolve()), reject: (e: Error) => (t.clear(), reject(e)) };
      const t = this.timer.setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(transportError(`the bridge at ${this.o.host}:${this.o.port} is unreachable (reconnecting)`, 'not_sent', { code: 'TK_ERR_MT5_CONNECT' }));
      }, deadline);
      this.waiters.push(w);
    });
  }

  async call<T = unknown>(method: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, opts: CallOptions = {}): Promise<CallResult<T>> {
    const deadline = opts.deadlineMs ?? this.o.callTimeoutMs;
    const start = this.timer.now();
    await this.waitUp(deadline);
    const left = Math.max(1, deadline - (this.timer.now() - start));
    const socket = this.socket;
    if (!socket || this._state !== 'up') throw transportError(`${method}: the bridge connection is down`, 'not_sent');
    const id = this.nextId++;
    const req: RpcRequest = { jsonrpc: '2.0', id, method, params: { args, kwargs }, meta: { deadline_ms: left } };
    if (opts.clientOrderId) req.meta!.client_order_id = opts.clientOrderId;
    if (opts.attempt) req.meta!.attempt = opts.attempt;
    if (opts.fence) req.meta!.fence = { run: opts.fence.run, token: opts.fence.token };
    return new Promise<CallResult<T>>((resolve, reject) => {
      const timer = this.timer.setTimeout(() => {
        if (!this.pending.delete(id)) return;
        reject(
          transportError(`${method}: no answer from the bridge within ${left + this.o.graceMs} ms; it may have run`, 'unknown', { code: 'TK_ERR_MT5_TIMEOUT' }),
        );
      }, left + this.o.graceMs);
      this.pending.set(id, { method, args, kwargs, clientOrderId: opts.clientOrderId, resolve: resolve as (r: CallResult) => void, reject, timer });
      socket.write(`${JSON.stringify(req)}\n`);
      // Crash tests: the request is on its way to the terminal, its answer not yet seen.
      if (WRITE_METHODS.has(method)) failpoint('mt5.afterSend');
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    this._state = 'closed';
    clearInterval(this.heartbeat);
    this.reconnectTimer?.clear();
    for (const w of this.waiters.splice(0)) w.reject(transportError('the gateway is closed', 'not_sent'));
    const s = this.socket;
    this.socket = undefined;
    if (s) {
      await new Promise<void>((r) => {
        s.once('close', () => r());
        s.end();
        s.destroy();
      });
    }
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.timer.clear();
      p.reject(transportError(`${p.method}: the gateway was closed`, 'unknown'));
    }
  }
}
