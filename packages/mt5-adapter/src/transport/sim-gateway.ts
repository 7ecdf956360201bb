/**
 * The simulator behind the Mt5Gateway contract without a socket: every argument and result makes a
 * JSON round trip (so tickets, nulls and numbers look exactly as they do on the wire), and the
 * simulator's transport faults surface as the same coded errors the TCP gateway raises. It serves
 * `tk_fence` and checks fenced writes like the bridge (pass one FenceTable to several gateways on one
 * terminal to share it, as clients of one bridge do).
 */
import { EventEmitter } from 'node:events';
import { fencedError, transportError, mt5Error } from '../errors.js';
import { ADAPTER_VERSION } from '../version.js';
import type { LastError } from '../mt5/types.js';
import { MT5_METHODS, type SimTerminal } from '../sim/terminal-api.js';
import { FENCE_METHOD, PROTOCOL_VERSION, WRITE_METHODS, type BridgeHello, type FenceValue, type SimStatus } from '../wire/protocol.js';
import { FenceTable, parseFence } from '../wire/fence-table.js';
import { IPC_TIMEOUT } from '../sim/faults.js';
import type { CallOptions, CallResult, GatewayEvents, GatewayState, Mt5Gateway } from './gateway.js';

export class SimGateway implements Mt5Gateway {
  private _state: GatewayState = 'connecting';
  private readonly events = new EventEmitter();
  readonly hello: BridgeHello = {
    server: 'mt5-sim',
    version: ADAPTER_VERSION,
    protocol: PROTOCOL_VERSION,
    methods: [...MT5_METHODS, 'ping', FENCE_METHOD],
    control: true,
  };
  calls = 0;

  constructor(
    readonly terminal: SimTerminal,
    readonly fences: FenceTable = new FenceTable(),
  ) {}

  get state(): GatewayState {
    return this._state;
  }

  async connect(): Promise<BridgeHello> {
    this._state = 'up';
    this.events.emit('up', this.hello);
    return this.hello;
  }

  on<K extends keyof GatewayEvents>(event: K, fn: GatewayEvents[K]): () => void {
    this.events.on(event, fn);
    return () => this.events.off(event, fn);
  }

  async call<T = unknown>(method: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, opts: CallOptions = {}): Promise<CallResult<T>> {
    if (this._state !== 'up') throw transportError(`${method}: the gateway is ${this._state}`, 'not_sent');
    const a = JSON.parse(JSON.stringify(args)) as unknown[];
    const k = JSON.parse(JSON.stringify(kwargs)) as Record<string, unknown>;
    const sim = this.terminal.sim;
    if (method === FENCE_METHOD) return { value: this.fence(k) as T, lastError: [1, 'Success'] };
    if (WRITE_METHODS.has(method) && opts.fence) {
      const f = { run: opts.fence.run, token: opts.fence.token };
      const r = this.fences.raise(f);
      if (!r.ok) throw fencedError(method, { ...f, highest: r.highest });
    }
    const fault = sim.faults.take(method);
    if (fault?.kind === 'not_sent')
      throw transportError(`${method} did not finish within its deadline (it never started)`, 'not_sent', { code: 'TK_ERR_MT5_TIMEOUT' });
    if (fault?.kind === 'drop_before_execute') {
      this.events.emit('down', {
        reason: 'injected drop',
        lostWrites: WRITE_METHODS.has(method) ? [{ method, args: a, kwargs: k, clientOrderId: opts.clientOrderId }] : [],
      });
      this.events.emit('up', this.hello);
      throw transportError(`the bridge connection closed during ${method}; it may have run`, 'unknown');
    }
    this.calls++;
    let r = fault?.kind === 'none_before_execute' ? { value: null, lastError: fault.lastError ?? IPC_TIMEOUT } : this.exec(method, a, k);
    if (fault?.kind === 'none_after_execute') r = { value: null, lastError: fault.lastError ?? IPC_TIMEOUT };
    if (fault?.kind === 'none_before_execute' || fault?.kind === 'none_after_execute') this.terminal.setLastError(r.lastError);
    if (fault?.kind === 'drop_after_execute') {
      this.events.emit('down', {
        reason: 'injected drop',
        lostWrites: WRITE_METHODS.has(method) ? [{ method, args: a, kwargs: k, clientOrderId: opts.clientOrderId }] : [],
      });
      this.events.emit('up', this.hello);
      throw transportError(`the bridge connection closed during ${method}; it may have run`, 'unknown');
    }
    if (fault?.kind === 'slow' && (fault.delayMs ?? 0) >= (opts.deadlineMs ?? 10_000)) {
      throw transportError(`${method} did not finish within its deadline (it may have run)`, 'unknown', { code: 'TK_ERR_MT5_TIMEOUT' });
    }
    return JSON.parse(JSON.stringify({ value: r.value, lastError: r.lastError })) as CallResult<T>;
  }

  private fence(kwargs: Record<string, unknown>): FenceValue {
    const f = parseFence(kwargs);
    if (!f) throw mt5Error('TK_ERR_MT5_PROTOCOL', 'tk_fence needs kwargs { run: non-empty string, token: integer >= 0 }', { details: { outcome: 'not_sent' } });
    const r = this.fences.raise(f);
    if (!r.ok) throw fencedError(FENCE_METHOD, { ...f, highest: r.highest });
    return { run: f.run, highest: r.highest };
  }

  private exec(method: string, args: unknown[], kwargs: Record<string, unknown>): { value: unknown; lastError: LastError } {
    const sim = this.terminal.sim;
    if (method === 'ping')
      return { value: { connected: sim.connected, trade_allowed: sim.autoTrading, utc_ms: sim.now(), busy: false, method: null }, lastError: [1, 'Success'] };
    if (method === 'sim_status') {
      const end = sim.dataEnd;
      const st: SimStatus = { now_utc_ms: sim.now(), end_utc_ms: Number.isFinite(end) ? end : null, driven: true, symbols: [...sim.symbols.keys()] };
      return { value: st, lastError: [1, 'Success'] };
    }
    if (method === 'sim_advance_to') {
      const t = Number(kwargs.utc_ms ?? args[0]);
      if (t > sim.now()) sim.advanceTo(t);
      return { value: sim.now(), lastError: [1, 'Success'] };
    }
    if (!(MT5_METHODS as readonly string[]).includes(method))
      throw mt5Error('TK_ERR_MT5_METHOD', `the simulator does not serve ${method}`, { details: { outcome: 'not_sent' } });
    return this.terminal.call(method, args, kwargs);
  }

  async close(): Promise<void> {
    this._state = 'closed';
  }
}
