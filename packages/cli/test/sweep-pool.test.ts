/** The sweep's worker pool with a stand-in worker: a worker that dies costs one combination, not the sweep. */
import assert from 'node:assert/strict';
import { runPool } from '../src/sweep/pool.js';

const workerUrl = new URL('./fixtures/crashing-worker.js', import.meta.url);
const base = { configFile: 'unused.yaml', searchPaths: [], set: {} };

describe('sweep worker pool', () => {
  it('runs every job once across the workers, in any order', async () => {
    const jobs = Array.from({ length: 9 }, (_, index) => ({ index, params: {} }));
    const seen: number[] = [];
    const r = await runPool(jobs, {
      workers: 2,
      base,
      workerUrl,
      onResult: (x, done, total) => void (seen.push(x.index), assert.equal(total, 9), assert.equal(done, seen.length)),
    });
    assert.deepEqual(
      r.map((x) => x.index).sort((a, b) => a - b),
      [0, 1, 2, 3, 4, 5, 6, 7, 8],
    );
    assert.ok(r.every((x) => x.ok));
    assert.equal(new Set(r.map((x) => x.worker)).size, 2, 'both workers took jobs');
  });

  it('a worker that exits or throws fails only its job (TK_ERR_SWEEP_WORKER) and is replaced', async () => {
    const jobs = [
      { index: 0, params: {} },
      { index: 1, params: { crash: 'exit' } },
      { index: 2, params: {} },
      { index: 3, params: { crash: 'throw' } },
      { index: 4, params: {} },
      { index: 5, params: {} },
    ];
    const r = await runPool(jobs, { workers: 2, base, workerUrl });
    assert.equal(r.length, 6);
    const byIndex = new Map(r.map((x) => [x.index, x]));
    for (const i of [0, 2, 4, 5]) assert.equal(byIndex.get(i)!.ok, true, `job ${i}`);
    const exited = byIndex.get(1)!;
    const threw = byIndex.get(3)!;
    assert.ok(!exited.ok && exited.error.code === 'TK_ERR_SWEEP_WORKER' && /exit code 3/.test(exited.error.message), JSON.stringify(exited));
    assert.ok(!threw.ok && threw.error.code === 'TK_ERR_SWEEP_WORKER' && /boom in job 3/.test(threw.error.message), JSON.stringify(threw));
  });

  it('stops handing out jobs when aborted; jobs in flight finish', async () => {
    const jobs = Array.from({ length: 50 }, (_, index) => ({ index, params: {} }));
    const ac = new AbortController();
    const r = await runPool(jobs, { workers: 2, base, workerUrl, signal: ac.signal, onResult: (_x, done) => void (done === 3 && ac.abort()) });
    assert.ok(r.length >= 3 && r.length <= 5, `ran ${r.length}`);
    assert.ok(r.every((x) => x.ok));
  });
});
