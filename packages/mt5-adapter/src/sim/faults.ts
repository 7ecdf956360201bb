/**
 * Transport faults the simulator's server (and the in-process gateway) inject around one call, the
 * failure modes mt5-notes §4.3 item 3 lists:
 * - `not_sent`: the bridge answers with a transport error saying the call never ran;
 * - `drop_before_execute`: the connection breaks after the request arrived, before it ran;
 * - `drop_after_execute`: the call runs, then the connection breaks and the response is lost;
 * - `slow`: the call takes `delayMs` (wall time) in the terminal before it runs and answers.
 * Terminal-level faults (disconnected from the trade server, AutoTrading off…) are simulator flags.
 */
export type FaultKind = 'not_sent' | 'drop_before_execute' | 'drop_after_execute' | 'slow';

export interface Fault {
  kind: FaultKind;
  /** Only calls of this method (default: any method except `auth`, `ping` and `sim_*`). */
  method?: string;
  delayMs?: number;
  /** How many matching calls it applies to (default 1). */
  times?: number;
}

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
    if (method === 'auth' || method === 'ping' || method.startsWith('sim_')) return undefined;
    const i = this.queue.findIndex((f) => !f.method || f.method === method);
    if (i < 0) return undefined;
    const f = this.queue[i]!;
    if (--f.left <= 0) this.queue.splice(i, 1);
    return f;
  }
}
