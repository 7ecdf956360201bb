/** Test wiring: a simulator, served over TCP or in-process, an adapter session and broker on it. */
import { type LiveClock, SimClock, silentLogger, type Logger } from '@tradekit/core';
import type { WallTimer } from '../src/transport/wall-clock.js';
import type { CallOptions, CallResult, GatewayEvents } from '../src/transport/gateway.js';
import { Simulator, type SimulatorOptions } from '../src/sim/simulator.js';
import { SimTerminal } from '../src/sim/terminal-api.js';
import { SimServer } from '../src/wire/sim-server.js';
import { RpcGateway } from '../src/transport/rpc-gateway.js';
import { SimGateway } from '../src/transport/sim-gateway.js';
import { Mt5Session, type SessionOptions } from '../src/adapter/session.js';
import { Mt5Broker, type Mt5BrokerOptions } from '../src/adapter/broker.js';
import { Mt5DataSource } from '../src/adapter/data.js';
import type { Mt5Gateway } from '../src/transport/gateway.js';

export const TOKEN = 'test-token-0123456789';
/** Wednesday 13 May 2026 10:00 UTC (13:00 server time at GMT+3): markets open. */
export const WED = Date.UTC(2026, 4, 13, 10, 0, 0);

export function manualSim(o: Partial<SimulatorOptions> = {}): Simulator {
  return new Simulator({
    seed: 7,
    start: WED,
    symbols: [{ name: 'EURUSD', feed: { kind: 'manual', bid: 1.1, ask: 1.1001 } }],
    ...o,
  });
}

export interface Rig {
  sim: Simulator;
  terminal: SimTerminal;
  clock: SimClock;
  gateway: Mt5Gateway;
  server?: SimServer;
  session: Mt5Session;
  broker: Mt5Broker;
  data: Mt5DataSource;
  close(): Promise<void>;
}

export async function rig(
  sim: Simulator,
  o: {
    transport?: 'tcp' | 'inproc';
    session?: Partial<SessionOptions>;
    broker?: Partial<Mt5BrokerOptions>;
    log?: Logger;
    symbols?: string[];
    trading?: boolean;
    timer?: WallTimer;
    clock?: SimClock | LiveClock;
    control?: boolean;
    wrap?: (g: Mt5Gateway) => Mt5Gateway;
  } = {},
): Promise<Rig> {
  const terminal = new SimTerminal(sim);
  // A LiveClock (tests of live-only paths) is typed as SimClock here; those tests never advance it.
  const clock = (o.clock ?? new SimClock(sim.now())) as SimClock;
  let server: SimServer | undefined;
  let gateway: Mt5Gateway;
  if ((o.transport ?? 'tcp') === 'tcp') {
    server = new SimServer({ terminal, token: TOKEN, control: o.control ?? true });
    const { host, port } = await server.listen();
    gateway = new RpcGateway({ host, port, token: TOKEN, heartbeatMs: 0, jitter: 0, reconnectMinMs: 20, callTimeoutMs: 5000 });
  } else gateway = new SimGateway(terminal);
  if (o.wrap) gateway = o.wrap(gateway);
  const log = o.log ?? silentLogger();
  const session = new Mt5Session(gateway, clock, { rateLimit: { perSecond: 0, burst: 1, scope: 'trades' }, ...o.session }, log, o.timer);
  await session.open();
  if (o.trading !== false) await session.ensureTrading();
  const broker = new Mt5Broker(session.retain(), clock, { magic: 770_001, backoffMs: 1, ...o.broker }, log, o.timer);
  const data = new Mt5DataSource(session.retain(), clock, { symbols: o.symbols ?? ['EURUSD'] });
  return {
    sim,
    terminal,
    clock,
    gateway,
    server,
    session,
    broker,
    data,
    async close() {
      await session.gateway.close();
      await server?.close();
    },
  };
}

/** Records every call going through a real gateway (method, args, kwargs), optionally rewriting results. */
export class RecordingGateway implements Mt5Gateway {
  readonly calls: { method: string; args: unknown[]; kwargs: Record<string, unknown> }[] = [];
  rewrite?: (method: string, r: CallResult) => CallResult;

  constructor(readonly inner: Mt5Gateway) {}

  get hello() {
    return this.inner.hello;
  }

  get state() {
    return this.inner.state;
  }

  connect() {
    return this.inner.connect();
  }

  async call<T = unknown>(method: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}, opts?: CallOptions): Promise<CallResult<T>> {
    this.calls.push({ method, args: JSON.parse(JSON.stringify(args)), kwargs: JSON.parse(JSON.stringify(kwargs)) });
    const r = await this.inner.call<T>(method, args, kwargs, opts);
    return (this.rewrite ? this.rewrite(method, r as CallResult) : r) as CallResult<T>;
  }

  on<K extends keyof GatewayEvents>(event: K, fn: GatewayEvents[K]) {
    return this.inner.on(event, fn);
  }

  close() {
    return this.inner.close();
  }

  /** `order_send` requests so far. */
  sends(): Record<string, unknown>[] {
    return this.calls.filter((c) => c.method === 'order_send').map((c) => c.args[0] as Record<string, unknown>);
  }
}

/** A wall timer for tests: sleeping moves a simulator's clock instead of waiting. */
export function simTimer(sim: { advance(ms: number): void }): WallTimer & { slept: number } {
  let t = 0;
  const timer = {
    slept: 0,
    now: () => t,
    utc: () => t,
    setTimeout(fn: () => void, ms: number) {
      const h = setTimeout(fn, ms);
      return { clear: () => clearTimeout(h) };
    },
    async sleep(ms: number) {
      timer.slept += ms;
      t += ms;
      sim.advance(ms);
    },
  };
  return timer;
}
