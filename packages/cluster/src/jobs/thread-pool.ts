/**
 * The backtest threads of a jobs worker: at most `size` threads, started when first needed, each
 * running one backtest at a time; a request waits for a free thread. A thread that dies costs only
 * the combination it ran (a failed result, TK_ERR_CLUSTER_JOB, as the local sweep does) and is
 * replaced on the next request.
 */
import { hostname } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ThreadReply, ThreadRequest } from './thread-messages.js';
import type { BacktestBase, CombinationResult } from './types.js';

interface Slot {
  thread: Worker;
  busy?: { id: number; index: number; resolve(r: CombinationResult): void };
}

export class BacktestThreads {
  private readonly slots: Slot[] = [];
  private readonly waiting: (() => void)[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly size: number,
    private readonly searchPaths: readonly string[],
    private readonly entry: URL = new URL('./backtest-thread.js', import.meta.url),
  ) {}

  async run(base: BacktestBase, index: number, params: Record<string, unknown>): Promise<CombinationResult> {
    const id = this.nextId++;
    let resolve!: (r: CombinationResult) => void;
    const done = new Promise<CombinationResult>((r) => (resolve = r));
    const slot = await this.take({ id, index, resolve });
    const req: ThreadRequest = { id, base, index, params };
    slot.thread.postMessage(req);
    return done;
  }

  /** Terminates the threads (call when no job is in flight). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.splice(0).map((s) => s.thread.terminate()));
  }

  /** A free thread, marked busy with `job` in the same tick it is found (no two requests get one). */
  private async take(job: NonNullable<Slot['busy']>): Promise<Slot> {
    for (;;) {
      const slot = this.slots.find((s) => !s.busy) ?? (this.slots.length < this.size ? this.spawn() : undefined);
      if (slot) {
        slot.busy = job;
        return slot;
      }
      await new Promise<void>((r) => this.waiting.push(r));
    }
  }

  private spawn(): Slot {
    const thread = new Worker(this.entry, { workerData: { searchPaths: [...this.searchPaths] } });
    const tid = thread.threadId;
    const slot: Slot = { thread };
    this.slots.push(slot);
    const release = () => {
      slot.busy = undefined;
      this.waiting.shift()?.();
    };
    thread.on('message', (reply: ThreadReply) => {
      const b = slot.busy;
      if (!b || b.id !== reply.id) return;
      release();
      b.resolve(reply.result);
    });
    const lost = (why: string) => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      const b = slot.busy;
      slot.busy = undefined;
      if (b)
        b.resolve({
          index: b.index,
          ok: false,
          error: { code: 'TK_ERR_CLUSTER_JOB', message: `backtest thread ${tid} died: ${why}` },
          wallMs: 0,
          worker: `${hostname()}:${process.pid}/${tid}`,
        });
      // A waiter may now start a fresh thread in the freed place.
      if (!this.closed) this.waiting.shift()?.();
    };
    thread.on('error', (err) => lost(err.message));
    thread.on('exit', (code) => lost(`exit code ${code}`));
    return slot;
  }
}
