/** `tradekit worker` processes for the benchmarks: started, ready, stopped gracefully. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'tradekit.js');

export interface BenchWorker {
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startWorker(url: string, jobs = 1): Promise<BenchWorker> {
  const flags = (process.env.TK_BENCH_WORKER_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, BIN, 'worker', '--queue', url, '--jobs-concurrency', String(jobs), '--log-level', 'warn'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      err += d;
      if (/^worker: jobs on /m.test(err)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${err}`)));
  });
  const exited = new Promise((r) => child.once('exit', r));
  return {
    child,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
