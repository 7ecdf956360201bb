#!/usr/bin/env node
// Installs every dependency (pnpm 10 through npx: nothing global needed) and builds (tsc -b).
// Works on a fresh machine with Node 20 and npm only. sqlite3 builds from source here (no
// prebuilt download): node-gyp needs Node's headers, which ship with Node under <prefix>/include/node.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const PNPM = 'pnpm@10.34.9';
const env = { ...process.env, COREPACK_ENABLE_STRICT: '0' };
const prefix = path.resolve(path.dirname(process.execPath), '..');
if (!env.npm_config_nodedir && existsSync(path.join(prefix, 'include', 'node', 'node.h'))) env.npm_config_nodedir = prefix;

function run(cmd, args) {
  const t0 = Date.now();
  process.stderr.write(`$ ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: root, env, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`setup: "${cmd} ${args.join(' ')}" failed with ${r.status ?? r.signal}\n`);
    process.exit(r.status ?? 1);
  }
  process.stderr.write(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
}

// Never stop to ask (no TTY in CI): a changed store just reinstalls node_modules.
run('npx', ['-y', PNPM, 'install', '--frozen-lockfile', '--config.confirmModulesPurge=false']);
run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b']);
// The dashboard's web UI (React + lightweight-charts, built by vite into packages/dashboard/dist/ui; offline).
run('npx', ['-y', PNPM, '--filter', '@tradekit/dashboard', 'run', 'build:ui']);
