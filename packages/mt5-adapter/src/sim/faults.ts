/**
 * Transport and IPC faults the simulator's server (and the in-process gateway) inject around one
 * call, the failure modes docs/reference/mt5-notes.md §4.3 item 3 lists, plus the package-level ones of §2.1:
 * - `not_sent`: the bridge answers with a transport error saying the call never ran;
 * - `drop_before_execute`: the connection breaks after the request arrived, before it ran;
 * - `drop_after_execute`: the call runs, then the connection breaks and the response is lost;
 * - `slow`: the call takes `delayMs` (wall time) in the terminal before it runs and answers;
 * - `none_after_execute`: the terminal executes the call, but the package returns None with
 *   `lastError` (default `(-10005, 'IPC timeout')`): the answer was lost between terminal and Python;
 * - `none_before_execute`: the package returns None with `lastError` and nothing executes (an IPC
 *   failure before the terminal saw it, or with `(-2, …)` a local argument check).
 * Terminal-level faults (disconnected from the trade server, AutoTrading off…) are simulator flags.
 * `ping` gets a fault only from one that names it (`method: 'ping'`): `not_sent` then emulates an
 * older bridge that queued the ping behind a long call and answered TIMEOUT.
 */
import type { LastError } from '../mt5/types.js';

export type FaultKind = 'not_sent' | 'drop_before_execute' | 'drop_after_execute' | 'slow' | 'none_after_execute' | 'none_before_execute';

export interface Fault {
  kind: FaultKind;
  /** Only calls of this method (default: any method except `auth`, `ping`, `tk_fence` and `sim_*`). */
  method?: string;
  delayMs?: number;
  /** `none_*`: what `last_error()` says (default `(-10005, 'IPC timeout')`). */
  lastError?: LastError;
  /** How many matching calls it applies to (default 1). */
  times?: number;
}

export const IPC_TIMEOUT: LastError = [-10005, 'IPC timeout'];

export class FaultPlan {
  private readonly queue: (Fault & { left: number })[] = [];

  inject(f: Fault): void {
    this.queue.push({ ...f, left: f.times ?? 1 });
  }

  clear(): void {
    this.queue.length = 0;
  }

  get pending(): number {
    return this.queue.length;
  }

  /** The fault that applies to this call, consumed. */
  take(method: string): Fault | undefined {
    if (method === 'auth' || method === 'tk_fence' || method.startsWith('sim_')) return undefined;
    const explicitOnly = method === 'ping';
    const i = this.queue.findIndex((f) => (explicitOnly ? f.method === method : !f.method || f.method === method));
    if (i < 0) return undefined;
    const f = this.queue[i]!;
    if (--f.left <= 0) this.queue.splice(i, 1);
    return f;
  }
}
