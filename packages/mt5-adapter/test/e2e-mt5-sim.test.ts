/**
 * End to end: examples/mt5-sim.yaml — the SMA example agent (tradekit-plugin-sma-crossover) trading
 * the MT5 simulator through the real adapter and the real wire protocol (a bridge-compatible server
 * on loopback, port 0), over the sample bars in examples/data. Then the same through the CLI, as a
 * user runs it: `tradekit mt5-sim` in one process, `tradekit run` in another.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Run, type TradekitEvent } from '@tradekit/core';
import { buildSimulator } from '../src/sim/build.js';
import { SimTerminal } from '../src/sim/terminal-api.js';
import { SimServer } from '../src/wire/sim-server.js';
import { decodeComment } from '../src/adapter/comment.js';

const PKG = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const ROOT = path.resolve(PKG, '..', '..');
const CONFIG = path.join(ROOT, 'examples', 'mt5-sim.yaml');
const DATA = path.join(ROOT, 'examples', 'data');
const TOKEN = 'e2e-token-0123456789';

describe('e2e: examples/mt5-sim.yaml — the SMA agent on the MT5 simulator over the wire', function () {
  this.timeout(60_000);

  it('trades through the adapter: every fill and exit in the journal matches the simulator, one position per client id', async () => {
    const sim = await buildSimulator({ dataDir: DATA, symbols: ['EURUSD', 'GBPUSD', 'XAUUSD'], historyBars: 300, seed: 1 });
    const server = new SimServer({ terminal: new SimTerminal(sim), token: TOKEN, control: true });
    const { port } = await server.listen();
    const events: TradekitEvent[] = [];
    const start = sim.now();
    const run = await Run.load({
      configFile: CONFIG,
      env: { ...process.env, MT5_BRIDGE_PORT: String(port), MT5_BRIDGE_TOKEN: TOKEN },
      searchPaths: [PKG],
      sinks: [{ name: 'capture', publish: (e) => void events.push(e) }],
      overrides: { cycles: 600, stateUrl: 'memory:', logLevel: 'silent' },
    });
    try {
      await run.start();
      const summary = await run.loop();
      assert.equal(summary.cycles, 600);
      // The simulator's clock followed the run's (one M5 bar per cycle).
      assert.ok(sim.now() >= start + 599 * 300_000, `sim at ${new Date(sim.now()).toISOString()}`);
      assert.ok(Math.abs(sim.now() - run.clock.now()) <= 300_000);

      const trades = await run.store.journal.listTrades();
      const closed = trades.filter((t) => t.status === 'closed');
      assert.ok(trades.length >= 5, `trades: ${trades.length}`);
      assert.ok(closed.length >= 3, `closed: ${closed.length}`);

      // Every simulator deal of this run is ours and carries a client id; one opening deal per id.
      const magic = run.info.magic;
      const ins = sim.deals.filter((d) => d.type < 2 && d.entry === 0);
      const outs = sim.deals.filter((d) => d.type < 2 && d.entry === 1);
      assert.ok(ins.every((d) => d.magic === magic));
      const ids = ins.map((d) => decodeComment(d.comment));
      assert.ok(ids.every((x) => x !== undefined));
      assert.equal(new Set(ids).size, ids.length, 'no client id opened twice');
      assert.equal(ins.length, trades.length, 'every fill is journaled');

      // The journal agrees with the simulator on prices and positions.
      for (const t of trades) {
        const d = ins.find((x) => String(x.positionId) === t.positionId)!;
        assert.ok(d, `position ${t.positionId} exists at the broker`);
        assert.equal(t.entryPrice, d.price);
        assert.equal(t.entryTime, d.timeMs);
        assert.equal(t.symbol, d.symbol);
      }
      for (const t of closed) {
        const o = outs.filter((x) => String(x.positionId) === t.positionId);
        assert.equal(o.length, 1, `one exit for ${t.positionId}`);
        assert.ok(Math.abs(t.exitPrice! - o[0]!.price) < 1e-9, `exit price ${t.exitPrice} vs ${o[0]!.price}`);
        const net = o[0]!.profit + o[0]!.swap + o[0]!.commission;
        assert.ok(Math.abs(t.profit - net) < 0.011, `net profit ${t.profit} vs ${net}`);
      }
      const open = await run.broker.positions({ magic });
      assert.deepEqual(
        open.map((p) => p.id).sort(),
        trades
          .filter((t) => t.status === 'open')
          .map((t) => t.positionId)
          .sort(),
      );
      assert.equal(sim.positions.size, open.length);

      // The run's events saw the fills and the closes.
      assert.equal(events.filter((e) => e.type === 'order.filled').length, trades.length);
      assert.equal(events.filter((e) => e.type === 'position.closed').length, closed.length);
      assert.equal(events.filter((e) => e.type === 'error').length, 0, JSON.stringify(events.filter((e) => e.type === 'error').slice(0, 3)));
      const acct = await run.broker.account();
      const realized = outs.reduce((s, d) => s + d.profit + d.swap + d.commission, 0);
      assert.ok(Math.abs(acct.balance - (10_000 + realized)) < 0.011, 'balance = deposit + realized');
    } finally {
      await run.close();
      await server.close();
    }
  });

  it('through the CLI: `tradekit mt5-sim` serves, `tradekit run examples/mt5-sim.yaml` trades, both exit cleanly', async () => {
    const bin = path.join(ROOT, 'packages', 'cli', 'bin', 'tradekit.js');
    const env = { ...process.env, MT5_BRIDGE_TOKEN: TOKEN };
    const simProc = spawn(process.execPath, [bin, 'mt5-sim', '--port', '0', '--data', DATA, '--symbols', 'EURUSD,GBPUSD,XAUUSD'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let simErr = '';
    simProc.stderr.on('data', (d) => (simErr += d));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        simProc.stdout.on('data', (d) => {
          out += d;
          const m = /LISTENING \S+ (\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        simProc.once('exit', (c) => reject(new Error(`mt5-sim exited ${c}: ${simErr}`)));
      });
      const run = spawn(process.execPath, [bin, 'run', CONFIG, '--cycles', '300', '--db', 'memory:', '--json', '--log-level', 'warn'], {
        env: { ...env, MT5_BRIDGE_PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      run.stdout.on('data', (d) => (out += d));
      run.stderr.on('data', (d) => (err += d));
      const code = await new Promise((r) => run.once('exit', r));
      assert.equal(code, 0, err);
      const evs = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as TradekitEvent);
      assert.ok(evs.filter((e) => e.type === 'order.filled').length >= 2, 'the agent traded');
      assert.doesNotMatch(out + err, new RegExp(TOKEN), 'the token never appears in output');
    } finally {
      simProc.kill('SIGTERM');
      const code = await new Promise((r) => (simProc.exitCode !== null ? r(simProc.exitCode) : simProc.once('exit', r)));
      assert.equal(code, 0, simErr);
    }
  });
});
