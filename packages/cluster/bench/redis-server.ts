/**
 * A Redis for a benchmark: the one in TK_TEST_REDIS_URL / TK_BENCH_REDIS_URL when set, else a fresh
 * `redis-server` on a free loopback port in a temporary directory (Debian's redis-server, as the test
 * suite uses; `apt-get install -y redis-server` when missing), stopped afterwards.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export async function benchRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const given = process.env.TK_BENCH_REDIS_URL ?? process.env.TK_TEST_REDIS_URL;
  if (given) return { url: given, stop: async () => undefined };
  const bin = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (!bin) throw new Error('this benchmark needs redis-server (apt-get install -y redis-server) or TK_BENCH_REDIS_URL');
  const port = await new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port: p } = s.address() as net.AddressInfo;
      s.close(() => resolve(p));
    });
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'tk-bench-redis-'));
  const p = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => (c.end(), resolve(true)));
      c.once('error', () => resolve(false));
    });
    if (up) break;
    if (i > 100) throw new Error(`redis-server did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      p.kill('SIGTERM');
      await new Promise((r) => (p.exitCode !== null ? r(undefined) : p.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
