#!/usr/bin/env node
// Runs every benchmark and prints one JSON document on stdout. Benchmarks are compiled modules at
// packages/*/dist/bench/*.bench.js (and examples/*); each default-exports an async function that
// returns { name, results: {...}, targets?: {...}, notes?: string }. Each runs in its own process so
// one benchmark's heap and JIT state do not colour the next.
//   node bench/run.mjs            # all
//   node bench/run.mjs engine     # only files whose path contains "engine"
//   TK_BENCH_RUNS=9 node bench/run.mjs backtest-speed   # runs per figure (an integer ≥ 5; default 5)
// Each result also records the machine's load average before and after it and how long it took: on a
// shared machine, a figure measured under load is read through its ratio to the in-run reference.
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
const runs = process.env.TK_BENCH_RUNS || '5';
if (!/^\d+$/.test(runs) || Number(runs) < 5) {
  process.stderr.write(`TK_BENCH_RUNS must be an integer ≥ 5 (got "${runs}")\n`);
  process.exit(2);
}
const load = () => os.loadavg().map((x) => Math.round(x * 100) / 100);
const selected = files.filter((f) => !filter || f.includes(filter)).sort();
const results = [];
for (const f of selected) {
  process.stderr.write(`bench: ${path.relative(root, f)}\n`);
  const before = load();
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(root, 'bench', 'run.mjs'), '--one', f], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  const run = { seconds: Math.round((Date.now() - t0) / 100) / 10, loadavg: { before, after: load() } };
  if (r.status !== 0) {
    results.push({ file: path.relative(root, f), error: (r.stderr || '').trim().split('\n').slice(-5).join('\n'), ...run });
    continue;
  }
  results.push({ file: path.relative(root, f), ...JSON.parse(r.stdout), ...run });
}
const cpus = os.cpus();
process.stdout.write(
  `${JSON.stringify(
    {
      machine: { node: process.version, cpu: cpus[0]?.model, cores: cpus.length, memGiB: Math.round(os.totalmem() / 2 ** 30) },
      runsPerFigure: Number(runs),
      date: new Date().toISOString(),
      benchmarks: results,
    },
    null,
    2,
  )}\n`,
);
if (results.some((r) => r.error)) process.exit(1);
