import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { io as ioClient } from 'socket.io-client';
import { Run, type TradekitEvent } from '@tradekit/core';
import { sha256Hex } from '../src/index.js';
import { ROOT, ack, until } from './helpers.js';

const TOKEN = 'tk_plugin_test_0123456789abcdefghijklmnopqrstuvwxyz';

describe('@tradekit/dashboard/socketio sink plugin', function () {
  this.timeout(60000);

  it('in a plain run, serves this run over authenticated REST + socket.io and closes with the run', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tk-plugin-'));
    const file = path.join(dir, 'run.yaml');
    writeFileSync(
      file,
      [
        'run: { name: plugged, mode: paper, cycleSeconds: 300, pace: 2000x, warmupBars: 100 }',
        'symbols: [XAUUSD]',
        `data: { use: '@tradekit/core/csv', with: { dir: ${JSON.stringify(path.join(ROOT, 'examples', 'data'))}, timeframes: [M5] } }`,
        "broker: { use: '@tradekit/core/paper', with: { balance: 5000 } }",
        `agents: [{ use: ${JSON.stringify(path.join(ROOT, 'examples', 'sma-crossover'))}, with: { fast: 5, slow: 20 } }]`,
        `sinks: [{ use: '@tradekit/dashboard/socketio', with: { port: 0, dataDir: ./srv, tokens: [{ name: ops, scopes: [read, trade], sha256: ${sha256Hex(TOKEN)} }] } }]`,
        "state: { url: 'memory:' }",
        'logging: { level: silent }',
        '',
      ].join('\n'),
    );
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (stderr.push(String(s)), true)) as typeof process.stderr.write;
    let run: Run;
    try {
      run = await Run.load({ configFile: file, searchPaths: [pathToFileURL(path.join(ROOT, 'packages', 'cli', 'package.json')).href] });
      await run.start();
    } finally {
      process.stderr.write = write;
    }
    const url = /dashboard for run \S+ at (http:\/\/[\d.:]+)/.exec(stderr.join(''))?.[1];
    assert.ok(url, stderr.join(''));
    const loop = run.loop();
    try {
      const auth = { authorization: `Bearer ${TOKEN}` };
      const id = encodeURIComponent(run.id);
      assert.equal((await fetch(`${url}/api/runs/${id}/account`)).status, 401);
      const s = ioClient(url, { transports: ['websocket'], forceNew: true, auth: { token: TOKEN } });
      const got: TradekitEvent[] = [];
      s.on('events', (l: TradekitEvent[]) => got.push(...l));
      const j = await ack(s, 'join', { run: run.id });
      assert.equal(j.ok, true);
      await until(() => got.length > 20, 'events from the plugin');
      for (let i = 1; i < got.length; i++) assert.equal(got[i]!.seq, got[i - 1]!.seq + 1);
      const acc = (await (await fetch(`${url}/api/runs/${id}/account`, { headers: auth })).json()) as { currency: string };
      assert.equal(acc.currency, 'USD');
      const pause = await fetch(`${url}/api/runs/${id}/pause`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' });
      assert.equal(pause.status, 200);
      assert.equal(run.tradingState.state, 'HALTED');
      const stop = await fetch(`${url}/api/runs/${id}/stop`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{}' });
      assert.equal(((await stop.json()) as { error: { code: string } }).error.code, 'TK_ERR_API_UNSUPPORTED');
      const start = await fetch(`${url}/api/runs`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ config: file }),
      });
      assert.equal(((await start.json()) as { error: { code: string } }).error.code, 'TK_ERR_API_UNSUPPORTED');
      s.disconnect();
    } finally {
      run.stop('test over');
      await loop;
      await run.close();
    }
    await assert.rejects(fetch(`${url}/api/health`), 'the server closed with the run');
    rmSync(dir, { recursive: true, force: true });
  });
});
