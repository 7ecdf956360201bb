/**
 * socket.io fan-out of run events. One room per run; a client joins with `join {run}` and gets a
 * snapshot (everything up to its `seq`), then batches of events (`events`, an array in seq order).
 * Batches are encoded once and broadcast to every healthy client. A client whose socket is backed up
 * (engine.io write buffer above a high-water mark) is taken out of the broadcast and fed from its own
 * bounded queue when its socket drains; a full queue drops its oldest events and counts them, so a
 * stalled client costs at most `clientBuffer` events of memory. Clients see the gap in `seq` and
 * resync from `GET /api/runs/:id/events?since=`. Nothing here waits on a client: the engine's emit
 * only appends to an array.
 */
import type { Server, Socket } from 'socket.io';
import type { TradekitEvent } from '@tradekit/core';
import { BoundedQueue } from './bounded-queue.js';

export interface HubOptions {
  clientBuffer: number;
  flushMs: number;
  /** engine.io packets waiting on a socket above which it counts as backed up. */
  highWater?: number;
}

interface ClientState {
  socket: Socket;
  queue: BoundedQueue<TradekitEvent>;
  reportedDrops: number;
}

export interface HubCounters {
  events: number;
  batches: number;
  dropped: number;
  backlogged: number;
  clients: number;
}

export function roomOf(run: string): string {
  return `run:${run}`;
}

export class EventHub {
  private readonly pending = new Map<string, TradekitEvent[]>();
  private readonly clients = new Map<string, ClientState>();
  private scheduled = false;
  private timer?: NodeJS.Timeout;
  private readonly highWater: number;
  readonly counters = { events: 0, batches: 0, dropped: 0 };

  constructor(
    private readonly io: Server,
    private readonly o: HubOptions,
  ) {
    this.highWater = o.highWater ?? 32;
  }

  addClient(socket: Socket): void {
    const c: ClientState = { socket, queue: new BoundedQueue(this.o.clientBuffer), reportedDrops: 0 };
    this.clients.set(socket.id, c);
    socket.conn.on('drain', () => this.drainClient(c));
    socket.on('disconnect', () => {
      this.clients.delete(socket.id);
    });
  }

  /** Called from the run's sink: append and schedule a flush. O(1). */
  push(run: string, e: TradekitEvent): void {
    let list = this.pending.get(run);
    if (!list) this.pending.set(run, (list = []));
    list.push(e);
    this.counters.events++;
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.o.flushMs > 0) this.timer = setTimeout(() => this.flush(), this.o.flushMs);
    else setImmediate(() => this.flush());
  }

  /** Sends everything pending now. */
  flush(): void {
    this.scheduled = false;
    this.timer = undefined;
    if (!this.pending.size) return;
    const batches = [...this.pending];
    this.pending.clear();
    for (const [run, batch] of batches) {
      const room = roomOf(run);
      const members = this.io.sockets.adapter.rooms.get(room);
      if (!members || members.size === 0) continue;
      const backlogged: ClientState[] = [];
      for (const id of members) {
        const c = this.clients.get(id);
        if (c && (c.queue.length > 0 || backlogOf(c.socket) > this.highWater)) backlogged.push(c);
      }
      this.counters.batches++;
      if (backlogged.length === 0) this.io.to(room).emit('events', batch);
      else {
        if (backlogged.length < members.size)
          this.io
            .to(room)
            .except(backlogged.map((c) => c.socket.id))
            .emit('events', batch);
        for (const c of backlogged) {
          const before = c.queue.dropped;
          for (const e of batch) c.queue.push(e);
          this.counters.dropped += c.queue.dropped - before;
          this.drainClient(c);
        }
      }
    }
  }

  private drainClient(c: ClientState): void {
    if (c.queue.length === 0 || backlogOf(c.socket) > this.highWater || !c.socket.connected) return;
    if (c.queue.dropped > c.reportedDrops) {
      c.socket.emit('stream.dropped', { dropped: c.queue.dropped - c.reportedDrops, total: c.queue.dropped });
      c.reportedDrops = c.queue.dropped;
    }
    c.socket.emit('events', c.queue.drain());
  }

  /** Events dropped for one client (tests, metrics). */
  droppedFor(socketId: string): number {
    return this.clients.get(socketId)?.queue.dropped ?? 0;
  }

  stats(): HubCounters {
    let backlogged = 0;
    for (const c of this.clients.values()) if (c.queue.length > 0) backlogged++;
    return { ...this.counters, backlogged, clients: this.clients.size };
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.pending.clear();
    this.clients.clear();
  }
}

/**
 * Packets engine.io holds for a socket because its transport is still busy with earlier writes (a
 * slow or stalled reader). engine.io keeps this array private in its types but it is the one true
 * measure of a client's backlog; socket.io is pinned, and the hub's tests cover a stalled client.
 */
function backlogOf(socket: Socket): number {
  return (socket.conn as unknown as { writeBuffer?: unknown[] }).writeBuffer?.length ?? 0;
}
