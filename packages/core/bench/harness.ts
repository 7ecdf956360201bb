/** A bare engine (no config file, no I/O): the pieces a Run would compose, for benchmarks. */
import {
  Engine,
  EventBus,
  HookMetrics,
  MemoryStateStore,
  PaperBroker,
  SimClock,
  TradingStateController,
  createHooks,
  instrumentHooks,
  silentLogger,
  type Clock,
  type DataSource,
  type EngineHooks,
  type EngineSection,
  type Sink,
} from '../src/index.js';
import { wireBuiltins } from '../src/engine/wiring.js';

export function bareEngine(
  clock: Clock,
  data: DataSource,
  symbols: string[],
  opts: Partial<EngineSection> = {},
  sinks: Sink[] = [],
): { engine: Engine; hooks: EngineHooks } {
  const hooks = createHooks();
  const log = silentLogger();
  const metrics = opts.hookTimings ? new HookMetrics() : undefined;
  let engine: Engine | undefined;
  instrumentHooks(hooks, { report: (e) => engine?.report(e), tapTimeoutMs: opts.tapTimeoutMs ?? 30_000, metrics, currentPlugin: () => undefined });
  const store = new MemoryStateStore(() => clock.now());
  const bus = new EventBus({ run: 'bench', clock, persist: false, log });
  for (const s of sinks) bus.addSink(s);
  const tradingState = new TradingStateController();
  engine = Engine.of({
    hooks,
    clock,
    data,
    broker: new PaperBroker(clock, data),
    store,
    log,
    run: { id: 'bench', name: 'bench', mode: 'backtest', magic: 7 },
    tradingState,
    bus,
    symbols,
    options: { concurrency: 32, tapTimeoutMs: 30_000, maxEntriesPerCycle: 1, hookTimings: false, brokerTimeoutMs: 15_000, ...opts },
    metrics,
  });
  wireBuiltins(hooks, tradingState);
  return { engine, hooks };
}

export { SimClock };
