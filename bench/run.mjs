#!/usr/bin/env node
// Runs every benchmark and prints one JSON document on stdout. Benchmarks are compiled modules at
// packages/*/dist/bench/*.bench.js (and examples/*); each default-exports an async function that
// returns { name, results: {...}, targets?: {...}, notes?: string }. Each runs in its own process so
// one benchmark's heap and JIT state do not colour the next.
//   node bench/run.mjs            # all
//   node bench/run.mjs engine     # only files whose path contains "engine"
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const filter = process.argv[2];
if (filter === '--one') {
  const mod = await import(path.resolve(process.argv[3]));
  const out = await mod.default();
  process.stdout.write(JSON.stringify(out));
  process.exit(0);
}
const files = [];
for (const group of ['packages', 'examples']) {
  const base = path.join(root, group);
  if (!existsSync(base)) continue;
  for (const pkg of readdirSync(base)) {
    const dir = path.join(base, pkg, 'dist', 'bench');
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (f.endsWith('.bench.js')) files.push(path.join(dir, f));
  }
}
const selected = files.filter((f) => !filter || f.includes(filter)).sort();
const results = [];
for (const f of selected) {
  process.stderr.write(`bench: ${path.relative(root, f)}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(root, 'bench', 'run.mjs'), '--one', f], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) {
    results.push({ file: path.relative(root, f), error: (r.stderr || '').trim().split('\n').slice(-5).join('\n') });
    continue;
  }
  results.push({ file: path.relative(root, f), ...JSON.parse(r.stdout) });
}
const cpus = os.cpus();
process.stdout.write(
  JSON.stringify(
    { machine: { node: process.version, cpu: cpus[0]?.model, cores: cpus.length, memGiB: Math.round(os.totalmem() / 2 ** 30) }, date: new Date().toISOString(), benchmarks: results },
    null,
    2,
  ) + '\n',
);
if (results.some((r) => r.error)) process.exit(1);
