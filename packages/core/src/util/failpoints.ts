/**
 * Failpoints: named places on the order path where a crash test can stop or kill this process
 * (FoundationDB/TiKV style), so "SIGKILL between the journal write and the send" is a test that
 * runs every time instead of a race that happens once a year. Off unless `TK_FAILPOINTS` is set when
 * the process starts; then each `failpoint(name)` call is one map lookup.
 *
 *   TK_FAILPOINTS="order.afterIntent@3=kill;run.recovered=stop"
 *
 * `name@n` fires on the n-th time the point is reached (default: the first); `kill` is SIGKILL of this
 * process (nothing is flushed: a real crash), `stop` is SIGSTOP (a test inspects the state, then
 * sends SIGCONT). Points reached are counted, so a harness can enumerate them (`TK_FAILPOINTS_LOG`
 * names a file that receives one line per point reached: name, count, wall-clock ms).
 */
import { appendFileSync } from 'node:fs';
import { LiveClock } from '../clock/live-clock.js';

interface Rule {
  at: number;
  action: 'kill' | 'stop';
}

const rules = new Map<string, Rule[]>();
const counts = new Map<string, number>();
const spec = process.env.TK_FAILPOINTS ?? '';
const logFile = process.env.TK_FAILPOINTS_LOG;
const wall = new LiveClock();

for (const part of spec.split(/[;,]/)) {
  const m = /^\s*([\w.-]+)(?:@(\d+))?\s*=\s*(kill|stop)\s*$/.exec(part);
  if (!m) continue;
  const list = rules.get(m[1]!) ?? [];
  list.push({ at: m[2] ? Number(m[2]) : 1, action: m[3] as Rule['action'] });
  rules.set(m[1]!, list);
}

/** Whether any failpoint is armed in this process (hot paths may skip the call entirely). */
export const FAILPOINTS_ARMED = rules.size > 0 || logFile !== undefined;

/** Reached a named point on the order path: kills or stops the process when a rule says so. */
export function failpoint(name: string): void {
  if (!FAILPOINTS_ARMED) return;
  const n = (counts.get(name) ?? 0) + 1;
  counts.set(name, n);
  if (logFile) appendFileSync(logFile, `${name} ${n} ${wall.now()}\n`);
  const rule = rules.get(name)?.find((r) => r.at === n);
  if (!rule) return;
  process.kill(process.pid, rule.action === 'kill' ? 'SIGKILL' : 'SIGSTOP');
}
