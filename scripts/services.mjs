#!/usr/bin/env node
// The real services the test suite needs, started for it: Redis and PostgreSQL from Debian's packages
// (installed with apt-get when missing), each on loopback, on a free port, in a temporary directory,
// stopped afterwards. PostgreSQL refuses to run as root: it runs as the `postgres` user the package
// creates, with initdb/pg_ctl on a temporary data directory. Tests read TK_TEST_REDIS_URL and
// TK_TEST_PG_URL; a test that needs one and finds it unset fails with the reason (never skips).
//
//   node scripts/services.mjs            start both, print the two URLs, stop on Ctrl-C (manual use)
import { spawnSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const log = (m) => process.stderr.write(`services: ${m}\n`);

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${(r.stderr || r.stdout || r.error?.message || '').trim()}`);
  return r.stdout;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let updated = false;
function aptInstall(pkgs) {
  if (process.getuid?.() !== 0) throw new Error(`${pkgs.join(', ')} missing and this is not root: apt-get install -y ${pkgs.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!updated) {
    log('apt-get update');
    sh('apt-get', ['update'], { env });
    updated = true;
  }
  log(`apt-get install -y ${pkgs.join(' ')} (once per machine)`);
  // The package's own init scripts would start a system-wide server: policy-rc.d says no.
  const policy = '/usr/sbin/policy-rc.d';
  const own = !existsSync(policy);
  if (own) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    sh('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { env });
  } finally {
    if (own) rmSync(policy, { force: true });
  }
}

function which(bin) {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function pgBin() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0], 'bin') : undefined;
}

async function waitPort(port, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => (c.end(), resolve(true)));
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function startRedis() {
  let bin = which('redis-server');
  if (!bin) {
    aptInstall(['redis-server']);
    bin = which('redis-server');
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'tk-redis-'));
  const port = await freePort();
  const p = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'yes'], {
    stdio: 'ignore',
    detached: false,
  });
  await waitPort(port, 10_000);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      p.kill('SIGTERM');
      await new Promise((r) => (p.exitCode !== null ? r() : p.once('exit', r)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startPostgres() {
  let bin = pgBin();
  if (!bin) {
    aptInstall(['postgresql']);
    bin = pgBin();
  }
  if (!bin) throw new Error('postgresql installed, but no initdb under /usr/lib/postgresql/*/bin');
  const dir = mkdtempSync(path.join(tmpdir(), 'tk-pg-'));
  const data = path.join(dir, 'data');
  const uid = Number(sh('id', ['-u', 'postgres']).trim());
  const gid = Number(sh('id', ['-g', 'postgres']).trim());
  chownSync(dir, uid, gid);
  const asPg = (cmd, args) => sh('runuser', ['-u', 'postgres', '--', cmd, ...args], { cwd: dir });
  asPg(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  // Tests want speed, not durability: no fsync on a throw-away cluster.
  asPg(path.join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    path.join(dir, 'log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -h 127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`,
    'start',
  ]);
  asPg(path.join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'tradekit']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/tradekit`,
    stop: async () => {
      try {
        asPg(path.join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Starts what is not already given in the environment; returns the env to pass on and a stop(). */
export async function startServices() {
  const env = {};
  const stops = [];
  if (!process.env.TK_TEST_REDIS_URL) {
    const r = await startRedis();
    env.TK_TEST_REDIS_URL = r.url;
    stops.push(r.stop);
  }
  if (!process.env.TK_TEST_PG_URL) {
    const p = await startPostgres();
    env.TK_TEST_PG_URL = p.url;
    stops.push(p.stop);
  }
  return {
    env,
    async stop() {
      for (const s of stops.reverse()) await s().catch((e) => log(`stop failed: ${e.message}`));
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const s = await startServices();
  for (const [k, v] of Object.entries(s.env)) process.stdout.write(`${k}=${v}\n`);
  const stop = async () => {
    await s.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  setInterval(() => undefined, 1 << 30);
}
