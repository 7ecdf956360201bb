/**
 * Cold start of `tradekit run` to the first cycle, as a user feels it: spawn the CLI on the quickstart
 * config and time until the first cycle line is printed. Target: < 1.5 s.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

function once(): Promise<{ firstCycleMs: number; exitMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let first = 0;
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'packages/cli/bin/tradekit.js'), 'run', 'examples/quickstart.yaml', '--cycles', '1', '--pace', 'max', '--db', 'memory'],
      { cwd: ROOT },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!first && /^#1 /m.test(out)) first = performance.now() - t0;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 && first ? resolve({ firstCycleMs: first, exitMs: performance.now() - t0 }) : reject(new Error(`exit ${code}: ${out}`)),
    );
  });
}

export default async function bench() {
  await once(); // warm the OS file cache
  const runs: { firstCycleMs: number; exitMs: number }[] = [];
  for (let i = 0; i < 9; i++) runs.push(await once());
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return {
    name: 'cold start: `tradekit run examples/quickstart.yaml` to the first cycle line',
    results: {
      medianFirstCycleMs: Number(med(runs.map((r) => r.firstCycleMs)).toFixed(0)),
      minFirstCycleMs: Number(Math.min(...runs.map((r) => r.firstCycleMs)).toFixed(0)),
      medianProcessMs: Number(med(runs.map((r) => r.exitMs)).toFixed(0)),
      runs: runs.length,
    },
    targets: { medianFirstCycleMs: '< 1500 ms' },
  };
}
