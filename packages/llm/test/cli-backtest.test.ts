/**
 * `tradekit backtest --llm record|replay` as a user runs it (child processes) on the institutional
 * sentiment example, against the scripted server: the replay writes the same trades and sends nothing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openLlmStore } from '@tradekit/llm';
import { FakeLlmServer } from './fake-openai.js';
import { ROOT } from './harness.js';

const BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'tradekit.js');
const EXAMPLE = path.join(ROOT, 'examples', 'institutional-sentiment.yaml');

function tk(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, TRADEKIT_LLM_MODE: '' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('tradekit backtest --llm (institutional-sentiment example)', function () {
  this.timeout(240_000);
  let server: FakeLlmServer;
  let tmp: string;

  before(async () => {
    server = new FakeLlmServer();
    // Bearish on EUR headlines, fearful otherwise: the gate and the overlay both act.
    server.script = (b) => {
      const user = b.messages[1]!.content;
      return {
        content: JSON.stringify(
          user.includes('"EUR"')
            ? { score: -0.9, confidence: 0.9, emotion: 'PANIC', risk: 'MEDIUM' }
            : { score: 0.3, confidence: 0.8, emotion: 'FEAR', risk: 'LOW' },
        ),
      };
    };
    tmp = mkdtempSync(path.join(tmpdir(), 'tk-llm-cli-'));
  });
  after(async () => {
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('records once, then replays twice offline with the same trades', async () => {
    const url = `${await server.start()}/v1`;
    const store = `sqlite://${path.join(tmp, 'calls.db')}`;
    const common = [
      '--from',
      '2026-06-01',
      '--to',
      '2026-06-12',
      '--json',
      '--set',
      `plugins[1].with.llm.baseURL=${url}`,
      '--set',
      `plugins[1].with.llm.store=${store}`,
      '--set',
      'plugins[1].with.llm.timeoutMs=5000',
    ];
    const rec = await tk(['backtest', EXAMPLE, ...common, '--out', path.join(tmp, 'rec'), '--llm', 'record']);
    assert.equal(rec.status, 0, rec.stderr);
    const asked = server.requests;
    assert.ok(asked > 0, 'the model was asked');
    await server.stop();
    const rep1 = await tk(['backtest', EXAMPLE, ...common, '--out', path.join(tmp, 'rep1'), '--llm', 'replay']);
    const rep2 = await tk(['backtest', EXAMPLE, ...common, '--out', path.join(tmp, 'rep2'), '--llm', 'replay']);
    assert.equal(rep1.status, 0, rep1.stderr);
    assert.equal(rep2.status, 0, rep2.stderr);
    assert.equal(server.requests, asked, 'replay sent nothing');
    const trades = (d: string) => readFileSync(path.join(tmp, d, 'trades.json'), 'utf8');
    assert.ok(JSON.parse(trades('rec')).length > 0);
    assert.equal(trades('rep1'), trades('rec'));
    assert.equal(trades('rep2'), trades('rec'));
    const s = await openLlmStore(store, tmp);
    try {
      const rows = await s.list({ kind: 'sentiment' });
      assert.equal(rows.length, asked, 'one stored call per request');
      assert.ok(rows.every((r) => r.outcome === 'ok' && r.request.user.includes('headlines')));
    } finally {
      await s.close();
    }
  });

  it('--llm rejects an unknown mode (usage error, exit 2)', async () => {
    const r = await tk(['backtest', EXAMPLE, '--llm', 'maybe']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--llm/);
  });
});
