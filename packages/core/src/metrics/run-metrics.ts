/**
 * Prometheus metrics of live and paper runs, collected from what a run already has: its event bus
 * (cycle summaries, orders, errors, state changes — one listener), the engine's HookMetrics, the
 * reconciler's difference counters, the trading-state controller and the bus's backlog. Nothing is
 * added to the engine's per-bar path: counters kept here are bumped by the event listener, and
 * everything else is read when Prometheus scrapes. A backtest observes nothing and loads none of
 * this (the module is only reachable through `@tradekit/core/metrics`).
 *
 * Labels are bounded (labels.ts): `run` (the run id), a hook name, a fixed outcome/class/state/breaker
 * set, or a `TK_ERR_*` code from a capped set. A run's series go when it is detached.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventPayloads, TradekitEvent } from '../events/types.js';
import type { HookStats } from '../engine/instrument.js';
import type { TradingState } from '../types.js';
import { CodeLabels, breakerOf, rejectClass, runLabel } from './labels.js';

/** What the metrics read from a run: a started core `Run` has all of it. */
export interface ObservedRun {
  readonly id: string;
  readonly info?: { readonly mode: string };
  readonly bus: {
    subscribe(fn: (e: TradekitEvent) => void): () => void;
    readonly backlog: number;
    readonly counters: { readonly emitted: number; readonly dropped: number; readonly persistErrors: number; readonly sinkErrors: number };
  };
  readonly tradingState: { readonly state: TradingState };
  /** The engine's hook timings (`engine.hookTimings`, on by default). */
  readonly metrics?: { snapshot(): Record<string, HookStats> };
  readonly engine: { readonly cycles: number; readonly reconciler?: { readonly differences?: Readonly<Record<string, number>> } };
}

export interface TradekitMetricsOptions {
  /** Node process metrics (`process_*`, `nodejs_*`) in the same registry (default true). */
  processMetrics?: boolean;
  /** Distinct `code` label values kept before further codes count as `other` (default 64). */
  maxCodes?: number;
}

export const ORDER_OUTCOMES = ['filled', 'placed', 'rejected', 'cancelled', 'unknown'] as const;
export type OrderOutcome = (typeof ORDER_OUTCOMES)[number];
const STATES: readonly TradingState[] = ['ACTIVE', 'HALTED', 'REDUCING'];

/** Cycle wall time buckets (seconds): a paper cycle takes well under a millisecond, a live MT5 one tens to hundreds. */
export const CYCLE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

interface Attached {
  run: ObservedRun;
  label: string;
  orders: Record<OrderOutcome, number>;
  /** `class code` → count. */
  rejects: Map<string, number>;
  errors: Map<string, number>;
  trips: Map<string, number>;
  gatedCycles: Map<string, number>;
  /** The breaker that closed the last cycle's gate (undefined: the gate was open). */
  gate?: string;
  stateChanges: Map<string, number>;
  off: () => void;
}

type Labels = Record<string, string>;

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

export class TradekitMetrics {
  readonly registry = new Registry();
  private readonly attached = new Map<string, Attached>();
  private readonly codes: CodeLabels;
  private readonly cycleDuration: Histogram<string>;
  private runsActive?: () => number;

  constructor(o: TradekitMetricsOptions = {}) {
    this.codes = new CodeLabels(o.maxCodes ?? 64);
    if (o.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.cycleDuration = new Histogram({
      name: 'tradekit_cycle_duration_seconds',
      help: 'Wall time of one engine cycle (the cycle summary of each cycle).',
      labelNames: ['run'],
      buckets: CYCLE_BUCKETS,
      registers: [this.registry],
    });
    const each = (fn: (a: Attached) => Iterable<[Labels, number]>) => (): Iterable<[Labels, number]> =>
      [...this.attached.values()].flatMap((a) => [...fn(a)].map(([l, v]) => [{ run: a.label, ...l }, v] as [Labels, number]));
    const counts = (m: Map<string, number>, label: string): [Labels, number][] => [...m].map(([k, v]) => [{ [label]: k }, v]);

    this.counter(
      'tradekit_cycles_total',
      'Cycles the run has completed.',
      [],
      each((a) => [[{}, a.run.engine.cycles]]),
    );
    this.counter(
      'tradekit_orders_total',
      'Orders by outcome: filled, placed (pending at the broker), rejected, cancelled, unknown (outcome lost; reconciled, never resent).',
      ['outcome'],
      each((a) => ORDER_OUTCOMES.map((o) => [{ outcome: o }, a.orders[o]])),
    );
    this.counter(
      'tradekit_order_rejects_total',
      'Rejected orders by class (retryable, non_retryable, fatal) and error code.',
      ['class', 'code'],
      each((a) =>
        [...a.rejects].map(([k, v]) => {
          const [cls, code] = k.split(' ');
          return [{ class: cls!, code: code! }, v];
        }),
      ),
    );
    this.counter(
      'tradekit_errors_total',
      'Errors the run reported (plugin failures, refused actions, unknown outcomes, store failures), by code.',
      ['code'],
      each((a) => counts(a.errors, 'code')),
    );
    this.counter(
      'tradekit_reconciliation_differences_total',
      'Differences between the journal and the broker that reconciliation settled: resolved (unknown outcomes found), adopted (positions the journal lacked), closed, exits (exit deals recorded), failed (never reached the broker).',
      ['kind'],
      each((a) => Object.entries(a.run.engine.reconciler?.differences ?? {}).map(([k, v]) => [{ kind: k }, v])),
    );
    this.counter(
      'tradekit_breaker_trips_total',
      'Times a breaker closed the cycle gate (a cycle gated by it after one that was not).',
      ['breaker'],
      each((a) => counts(a.trips, 'breaker')),
    );
    this.counter(
      'tradekit_gated_cycles_total',
      'Cycles whose gate was closed, by breaker.',
      ['breaker'],
      each((a) => counts(a.gatedCycles, 'breaker')),
    );
    this.gauge(
      'tradekit_breaker_open',
      "1 while the breaker closed the last cycle's gate (breakers that tripped before read 0).",
      ['breaker'],
      each((a) => [...a.trips.keys()].map((b) => [{ breaker: b }, a.gate === b ? 1 : 0])),
    );
    this.gauge(
      'tradekit_trading_state',
      'The effective trading state: 1 for the current one of ACTIVE, HALTED, REDUCING.',
      ['state'],
      each((a) => STATES.map((s) => [{ state: s }, a.run.tradingState.state === s ? 1 : 0])),
    );
    this.counter(
      'tradekit_trading_state_changes_total',
      'Trading state changes, by the state changed to.',
      ['to'],
      each((a) => counts(a.stateChanges, 'to')),
    );
    this.gauge(
      'tradekit_event_backlog',
      'Events emitted but not yet persisted to the journal (the event bus queue).',
      [],
      each((a) => [[{}, a.run.bus.backlog]]),
    );
    this.counter(
      'tradekit_events_total',
      'Events the run emitted.',
      [],
      each((a) => [[{}, a.run.bus.counters.emitted]]),
    );
    this.counter(
      'tradekit_events_dropped_total',
      'Unpersisted events dropped while persistence failed for long.',
      [],
      each((a) => [[{}, a.run.bus.counters.dropped]]),
    );
    this.counter(
      'tradekit_event_persist_errors_total',
      'Failed attempts to persist a batch of events.',
      [],
      each((a) => [[{}, a.run.bus.counters.persistErrors]]),
    );
    const hooks = (pick: (h: HookStats) => number) => each((a) => Object.entries(a.run.metrics?.snapshot() ?? {}).map(([hook, h]) => [{ hook }, pick(h)]));
    this.counter(
      'tradekit_hook_calls_total',
      'Calls of a hook (its busiest tap), with engine.hookTimings on.',
      ['hook'],
      hooks((h) => h.calls),
    );
    this.counter(
      'tradekit_hook_seconds_total',
      "Time spent in a hook's taps; divide its rate by tradekit_hook_calls_total's for the mean latency.",
      ['hook'],
      hooks((h) => h.totalMs / 1000),
    );
    this.gauge(
      'tradekit_hook_max_seconds',
      'The slowest single tap call of a hook since the run started.',
      ['hook'],
      hooks((h) => h.maxMs / 1000),
    );
    this.counter(
      'tradekit_hook_errors_total',
      'Tap calls of a hook that threw, rejected or timed out.',
      ['hook'],
      hooks((h) => h.errors),
    );
    this.gauge(
      'tradekit_run_info',
      'One per observed run, with its mode.',
      ['mode'],
      each((a) => [[{ mode: a.run.info?.mode ?? 'unknown' }, 1]]),
    );
  }

  private counter(name: string, help: string, labels: string[], values: () => Iterable<[Labels, number]>): void {
    new Counter({
      name,
      help,
      labelNames: ['run', ...labels],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [l, v] of values()) if (Number.isFinite(v) && v >= 0) this.inc(l, v);
      },
    });
  }

  private gauge(name: string, help: string, labels: string[], values: () => Iterable<[Labels, number]>, withRun = true): void {
    new Gauge({
      name,
      help,
      labelNames: withRun ? ['run', ...labels] : labels,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [l, v] of values()) if (Number.isFinite(v)) this.set(l, v);
      },
    });
  }

  /** `tradekit_runs_active`: the runs a host (the orchestrator) is running now. Set once. */
  trackRuns(active: () => number): void {
    if (this.runsActive) throw new Error('trackRuns: already set');
    this.runsActive = active;
    this.gauge('tradekit_runs_active', 'Runs starting, running, stopping or queued on this host.', [], () => [[{}, this.runsActive!()]], false);
  }

  /** Starts observing a started run; returns what stops it (its series go). A run observed again under the same id replaces the first. */
  observe(run: ObservedRun): () => void {
    const label = runLabel(run.id);
    this.attached.get(label)?.off();
    const a: Attached = {
      run,
      label,
      orders: { filled: 0, placed: 0, rejected: 0, cancelled: 0, unknown: 0 },
      rejects: new Map(),
      errors: new Map(),
      trips: new Map(),
      gatedCycles: new Map(),
      stateChanges: new Map(),
      off: () => undefined,
    };
    const unsubscribe = run.bus.subscribe((e) => this.onEvent(a, e));
    let done = false;
    a.off = () => {
      if (done) return;
      done = true;
      unsubscribe();
      if (this.attached.get(label) === a) {
        this.attached.delete(label);
        this.cycleDuration.remove({ run: label });
      }
    };
    this.attached.set(label, a);
    return a.off;
  }

  /** The ids (labels) of the runs observed now. */
  get observed(): string[] {
    return [...this.attached.keys()];
  }

  private onEvent(a: Attached, e: TradekitEvent): void {
    switch (e.type) {
      case 'scan.summary': {
        const d = e.data as EventPayloads['scan.summary'];
        if (Number.isFinite(d.durationMs)) this.cycleDuration.observe({ run: a.label }, d.durationMs / 1000);
        const b = d.gated ? breakerOf(d.gated) : undefined;
        if (b) {
          bump(a.gatedCycles, b);
          if (a.gate !== b) bump(a.trips, b);
        }
        a.gate = b;
        break;
      }
      case 'order.filled':
        a.orders.filled++;
        break;
      case 'order.placed':
        a.orders.placed++;
        break;
      case 'order.cancelled':
        a.orders.cancelled++;
        break;
      case 'order.rejected': {
        a.orders.rejected++;
        const r = (e.data as EventPayloads['order.rejected']).result;
        if (r.status === 'rejected') bump(a.rejects, `${rejectClass(r)} ${this.codes.of(r.code)}`);
        break;
      }
      case 'error': {
        const { code, symbol } = e.data as EventPayloads['error'];
        // The engine reports an order's unknown outcome with its symbol (an action's — close, modify — without).
        if (code === 'TK_ERR_BROKER_UNKNOWN_OUTCOME' && symbol !== undefined) a.orders.unknown++;
        bump(a.errors, this.codes.of(code));
        break;
      }
      case 'state.changed':
        bump(a.stateChanges, (e.data as EventPayloads['state.changed']).to);
        break;
      default:
        break;
    }
  }

  /** The exposition text (Prometheus text format 0.0.4). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
