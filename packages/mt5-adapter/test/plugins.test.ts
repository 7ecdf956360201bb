/**
 * The plugins as a user configures them: schema checks before anything runs, the data and broker
 * plugins sharing one terminal connection, `@tradekit/mt5-adapter` in either slot (MT5 data with the
 * paper broker; CSV data with the MT5 broker).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, Run, type TradekitError } from '@tradekit/core';
import { buildSimulator } from '../src/sim/build.js';
import { SimTerminal } from '../src/sim/terminal-api.js';
import { SimServer } from '../src/wire/sim-server.js';
import { Mt5Broker } from '../src/adapter/broker.js';
import { Mt5DataSource } from '../src/adapter/data.js';

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DATA = path.resolve(PKG, '..', '..', 'examples', 'data');
const TOKEN = 'plugin-test-token-123';

function config(dir: string, body: string): string {
  const f = path.join(dir, 'config.yaml');
  writeFileSync(f, body);
  return f;
}

const header = (extra = '') => `run: { name: mt5-plugins, mode: paper, cycleSeconds: 300, pace: max, warmupBars: 0 }
symbols: [EURUSD, XAUUSD]
${extra}`;

const bridge = `bridge: { port: '\${MT5_BRIDGE_PORT}', token: '\${MT5_BRIDGE_TOKEN}' }`;

describe('mt5 plugins', function () {
  this.timeout(30_000);
  let dir: string;
  let server: SimServer;
  let port: number;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tk-mt5-plugins-'));
    const sim = await buildSimulator({ dataDir: DATA, symbols: ['EURUSD', 'XAUUSD'], historyBars: 300 });
    server = new SimServer({ terminal: new SimTerminal(sim), token: TOKEN, control: true });
    port = (await server.listen()).port;
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const env = () => ({ ...process.env, MT5_BRIDGE_PORT: String(port), MT5_BRIDGE_TOKEN: TOKEN });

  it('validates config before anything runs: a missing token and unknown keys are coded errors with a location', async () => {
    const f = config(
      dir,
      header(`data: { use: '@tradekit/mt5-adapter/data', with: { bridge: { port: 1 } } }
broker: { use: '@tradekit/mt5-adapter/broker', with: { fillingMode: [FOK] } }`),
    );
    const r = await loadConfig(f, { env: env(), searchPaths: [PKG] });
    const codes = r.errors.map((e) => `${e.code} ${e.path}`);
    assert.ok(
      codes.some((c) => c.startsWith('TK_ERR_CONFIG_REQUIRED') && c.includes('data.with.bridge')),
      codes.join('; '),
    );
    assert.ok(
      codes.some((c) => c.startsWith('TK_ERR_CONFIG_UNKNOWN_KEY') && c.includes('broker.with')),
      codes.join('; '),
    );
    assert.ok(r.errors.every((e: TradekitError) => e.line && e.file === f));
  });

  it('data + broker plugins share one terminal connection, and the run trades on it', async () => {
    const f = config(
      dir,
      header(
        `data: { use: '@tradekit/mt5-adapter/data', with: { ${bridge} } }\nbroker: { use: '@tradekit/mt5-adapter/broker' }\nagents: [{ use: tradekit-plugin-sma-crossover, with: { fast: 5, slow: 20 } }]`,
      ),
    );
    const run = await Run.load({ configFile: f, env: env(), searchPaths: [PKG], overrides: { cycles: 60, stateUrl: 'memory:', logLevel: 'silent' } });
    try {
      await run.start();
      assert.ok(run.data instanceof Mt5DataSource);
      assert.ok(run.broker instanceof Mt5Broker);
      assert.equal((run.data as Mt5DataSource).session, (run.broker as Mt5Broker).session, 'one session');
      await run.loop();
      assert.ok((await run.store.journal.listTrades()).length > 0);
    } finally {
      await run.close();
    }
  });

  it('`@tradekit/mt5-adapter` in the data slot with the paper broker: paper trading on MT5 data', async () => {
    const f = config(
      dir,
      header(`data: { use: '@tradekit/mt5-adapter', with: { ${bridge}, requireTrading: false } }\nbroker: { use: '@tradekit/core/paper' }`),
    );
    const run = await Run.load({ configFile: f, env: env(), searchPaths: [PKG], overrides: { cycles: 3, stateUrl: 'memory:', logLevel: 'silent' } });
    try {
      await run.start();
      assert.ok(run.data instanceof Mt5DataSource);
      assert.equal(run.broker.name, 'paper');
      await run.loop();
    } finally {
      await run.close();
    }
  });

  it('`@tradekit/mt5-adapter` in the broker slot after CSV data keeps the CSV data (live clock: no replay drive)', async () => {
    const f = config(
      dir,
      `run: { name: mt5-csv, mode: live, cycleSeconds: 300, pace: live }
symbols: [EURUSD]
data: { use: '@tradekit/core/csv', with: { dir: ${JSON.stringify(DATA)}, timeframes: [M5] } }
broker: { use: '@tradekit/mt5-adapter', with: { ${bridge} } }`,
    );
    const run = await Run.load({ configFile: f, env: env(), searchPaths: [PKG], overrides: { stateUrl: 'memory:', logLevel: 'silent' } });
    try {
      await run.start();
      assert.equal(run.data.name, 'csv');
      assert.ok(run.broker instanceof Mt5Broker);
    } finally {
      await run.close();
    }
  });
});
