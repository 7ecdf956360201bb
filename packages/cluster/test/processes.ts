/** Real `tradekit` processes for the cluster's end-to-end tests: workers, sweeps, and their state. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './helpers.js';

export const BIN = path.join(ROOT, 'packages', 'cli', 'bin', 'tradekit.js');

export interface Proc {
  child: ChildProcess;
  pid: number;
  /** Everything written on stderr so far. */
  stderr(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

export function tradekit(args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out, stderr: err })),
  );
  return { child, pid: child.pid!, stderr: () => err, exited };
}

/** A `tradekit worker` on the test Redis: one job at once, a 3-second lock (a lost job is back in seconds). */
export function worker(url: string, env: Record<string, string> = {}, extra: string[] = []): Proc {
  return tradekit(['worker', '--queue', url, '--jobs-concurrency', '1', '--lock-seconds', '3', '--log-level', 'info', ...extra], env);
}

/** True while the process is stopped (SIGSTOP: state T in /proc). */
export function isStopped(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
  } catch {
    return false;
  }
}

/** Polls `cond` until it holds; fails naming `what` after `ms` (a guard against hanging, not a timing claim). */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 120_000): Promise<void> {
  const end = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
