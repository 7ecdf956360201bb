/**
 * Backtests with the LLM plugins on the sample data: a temp folder with a config, a test agent (a
 * plain-object plugin: a market entry every `every` bars, alternating sides, with stops) and headlines.
 * Real parts only: the core's backtest driver, CSV source, paper broker, the agents' risk policy.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBacktest, silentLogger, type BacktestResult } from '@tradekit/core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const LLM_DIST = path.join(ROOT, 'packages', 'llm', 'dist', 'src', 'plugins');
export const FROM = '2026-06-02';
export const TO = '2026-06-04';

const AGENT = `
export default {
  name: 'test-entries',
  version: '1.0.0',
  provides: ['agent'],
  configSchema: { type: 'object', additionalProperties: false, properties: { every: { type: 'integer', default: 24 }, halt: { enum: ['none', 'HALTED', 'REDUCING'], default: 'none' }, probe: { type: 'boolean', default: false }, breaker: { type: 'boolean', default: false } } },
  setup(ctx, cfg) {
    let n = 0;
    ctx.addAgent({
      symbols: ['EURUSD'],
      scan(sc) {
        n++;
        if (n % cfg.every !== 0) return { skip: 'waiting' };
        const side = (n / cfg.every) % 2 === 0 ? 'sell' : 'buy';
        return { symbol: 'EURUSD', side, score: 5, probability: 0.5, entry: 'market', slDistance: 0.0020, tpDistance: 0.0040, reason: 'test' };
      },
    });
    if (cfg.breaker) {
      // The risk policy's circuit breaker (its KV flag), open from the start.
      ctx.hooks.cycleStart.tapPromise({ name: ctx.plugin.instance + ':breaker' }, async () => {
        await ctx.state.set('risk:circuitBreaker', { open: true, reason: 'test breaker' });
      });
    }
    if (cfg.probe) {
      // The volume the risk policy decided (stage 50: after risk policies at 0, before the overlays at
      // 100) and the volume that leaves beforeExecute (stage 200), per client order id.
      const probe = (globalThis.__tkProbe ??= { risk: {}, final: {} });
      ctx.hooks.beforeExecute.tapPromise({ name: ctx.plugin.instance + ':risk', stage: 50 }, async (i) => { if (!('veto' in i)) probe.risk[i.clientId] = i.volume; return i; });
      ctx.hooks.beforeExecute.tapPromise({ name: ctx.plugin.instance + ':final', stage: 200 }, async (i) => { if (!('veto' in i)) probe.final[i.clientId] = i.volume; return i; });
    }
    if (cfg.halt !== 'none') {
      // Runs first in research (stage -100): the trading state changes after the gate let the cycle in,
      // then the LLM plugins answer "approve" (no veto) for the same candidate.
      ctx.hooks.research.tapPromise({ name: ctx.plugin.instance, stage: -100 }, async () => {
        await ctx.tradingState.set(cfg.halt, 'test', 'test');
        return undefined;
      });
    }
  },
};
`;

export interface Harness {
  dir: string;
  run(yaml: string, env?: Record<string, string>): Promise<BacktestResult>;
  cleanup(): void;
}

export function harness(headlines: unknown[] = defaultHeadlines()): Harness {
  const dir = mkdtempSync(path.join(tmpdir(), 'tk-llm-bt-'));
  writeFileSync(path.join(dir, 'agent.mjs'), AGENT);
  writeFileSync(path.join(dir, 'headlines.json'), JSON.stringify(headlines));
  return {
    dir,
    async run(yaml, env = {}) {
      const file = path.join(dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(file, yaml);
      const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
      Object.assign(process.env, env);
      try {
        return await runBacktest(
          { configFile: file, searchPaths: [path.join(ROOT, 'packages', 'llm', 'dist', 'src', 'index.js')], from: FROM, to: TO },
          { logger: silentLogger() },
        );
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One EUR/USD headline every 2 hours over the test window. */
export function defaultHeadlines(): unknown[] {
  const out = [];
  for (let t = Date.UTC(2026, 5, 1); t < Date.UTC(2026, 5, 5); t += 2 * 3_600_000) {
    out.push({ time: new Date(t).toISOString(), currencies: ['EUR', 'USD'], title: `Headline at ${new Date(t).toISOString()}`, source: 'test' });
  }
  return out;
}

export interface ConfigOptions {
  every?: number;
  halt?: 'none' | 'HALTED' | 'REDUCING';
  probe?: boolean;
  breaker?: boolean;
  /** YAML lines under `plugins:` (already indented by two spaces). */
  plugins?: string;
}

export function config(o: ConfigOptions = {}): string {
  return `
run: { name: llm-test, mode: backtest, cycleSeconds: 300, warmupBars: 50 }
symbols: [EURUSD]
data:
  use: '@tradekit/core/csv'
  with: { dir: ${JSON.stringify(path.join(ROOT, 'examples', 'data'))}, timeframes: [M5], serverTime: { utcOffsetHours: 2, dst: us } }
broker:
  use: '@tradekit/core/paper'
  with: { balance: 10000, currency: USD, leverage: 100 }
agents:
  - use: ./agent.mjs
    with: { every: ${o.every ?? 24}, halt: ${o.halt ?? 'none'}, probe: ${o.probe ?? false}, breaker: ${o.breaker ?? false} }
risk:
  - use: ${JSON.stringify(path.join(ROOT, 'packages', 'agents', 'dist', 'src', 'plugins', 'risk.js'))}
    name: risk
    with: { riskPercent: 1.0, maxRiskPercent: 2.0, sessionFilter: false, maxDailyLoss: 0, maxDailyTrades: 0, minTradeIntervalMinutes: 0, killSwitchMinDeals: 1000, mandateMinRr: false }
plugins:
${o.plugins ?? '  []'}
state: { url: 'memory:' }
`;
}

/** The sentiment plugin entry against the fake server. */
export function sentimentPlugin(baseURL: string, extra: Record<string, unknown> = {}, llm: Record<string, unknown> = {}): string {
  const w = {
    llm: { provider: 'openai', model: 'test-model', baseURL, timeoutMs: 1000, maxRetries: 1, retryBaseMs: 10, store: 'memory:', ...llm },
    feed: { files: ['./headlines.json'] },
    ...extra,
  };
  return `  - use: ${JSON.stringify(path.join(LLM_DIST, 'sentiment.js'))}\n    with: ${JSON.stringify(w)}\n`;
}

export function researcherPlugin(baseURL: string, extra: Record<string, unknown> = {}, llm: Record<string, unknown> = {}): string {
  const w = { llm: { provider: 'openai', model: 'test-model', baseURL, timeoutMs: 1000, maxRetries: 0, store: 'memory:', ...llm }, bars: 5, ...extra };
  return `  - use: ${JSON.stringify(path.join(LLM_DIST, 'researcher.js'))}\n    with: ${JSON.stringify(w)}\n`;
}

export function criticPlugin(baseURL: string, llm: Record<string, unknown> = {}): string {
  const w = { llm: { provider: 'openai', model: 'test-model', baseURL, timeoutMs: 1000, maxRetries: 0, store: 'memory:', ...llm } };
  return `  - use: ${JSON.stringify(path.join(LLM_DIST, 'critic.js'))}\n    with: ${JSON.stringify(w)}\n`;
}

export function tradesOf(r: BacktestResult): string[] {
  return r.trades.map((t) => `${new Date(t.entryTime).toISOString()} ${t.side} ${t.volume} @${t.entryPrice} → ${t.exitPrice} ${t.exitReason} ${t.profit}`);
}

export interface Probe {
  risk: Record<string, number>;
  final: Record<string, number>;
}

/** Clears and returns the probe the test agent fills (config `probe: true`). */
export function resetProbe(): Probe {
  const g = globalThis as { __tkProbe?: Probe };
  g.__tkProbe = { risk: {}, final: {} };
  return g.__tkProbe;
}
