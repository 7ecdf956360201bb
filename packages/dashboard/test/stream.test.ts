import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as IoServer } from 'socket.io';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { TradekitEvent } from '@tradekit/core';
import { EventHub } from '../src/index.js';
import { ADMIN, QUICKSTART, ack, testHost, until, type TestHost } from './helpers.js';

const enc = encodeURIComponent;

function connectError(s: Socket): Promise<Error & { data?: { code?: string } }> {
  return new Promise((resolve, reject) => {
    s.once('connect', () => reject(new Error('connected without a valid token')));
    s.once('connect_error', resolve);
  });
}

function collect(s: Socket, run: string): TradekitEvent[] {
  const got: TradekitEvent[] = [];
  s.on('events', (list: TradekitEvent[]) => {
    for (const e of list) if (e.run === run) got.push(e);
  });
  return got;
}

describe('socket.io stream (real clients)', function () {
  this.timeout(60000);
  let h: TestHost;
  let id: string;

  before(async () => {
    h = await testHost();
    const r = await h.post('/runs', { config: QUICKSTART, overrides: { pace: '1500x', stateUrl: `sqlite://${h.dir}/s.db`, logLevel: 'silent' } });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    id = r.body.id;
  });
  after(() => h.dispose());

  it('refuses a handshake without a token or with a bad one, with the code in err.data', async () => {
    const none = await connectError(h.client(null, { reconnection: false }));
    assert.equal(none.data?.code, 'TK_ERR_AUTH_MISSING');
    const bad = await connectError(h.client('tk_wrong_wrong_wrong_wrong_wrong_wrong', { reconnection: false }));
    assert.equal(bad.data?.code, 'TK_ERR_AUTH_INVALID');
  });

  it('refuses browsers from a foreign origin before the handshake', async () => {
    const s = ioClient(h.url, {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      auth: { token: ADMIN },
      extraHeaders: { origin: 'http://evil.example' },
    });
    const err = await new Promise<Error>((resolve, reject) => {
      s.once('connect', () => reject(new Error('a foreign origin connected')));
      s.once('connect_error', resolve);
    });
    s.disconnect();
    assert.ok(err);
  });

  it('answers a join for an unknown run with a coded error', async () => {
    const s = h.client();
    const r = await ack(s, 'join', { run: 'nope' });
    assert.equal(r.ok, false);
    assert.equal(r.error.code, 'TK_ERR_API_RUN_NOT_FOUND');
  });

  it('sends a snapshot on join, then every event in seq order with no gap, matching the journal', async () => {
    // Join a run that has already said something, so the snapshot has events to account for.
    await until(async () => (await h.get(`/runs/${enc(id)}`)).body.lastSeq > 0, "the run's first events");
    const s = h.client();
    const got = collect(s, id);
    const j = await ack(s, 'join', { run: id });
    assert.equal(j.ok, true);
    const snap = j.snapshot;
    assert.equal(snap.run.id, id);
    // The snapshot covers everything up to and including its seq: its recent events end exactly there, without a gap.
    assert.ok(Number.isInteger(snap.seq) && snap.seq > 0, `snapshot seq ${snap.seq}`);
    assert.equal(snap.run.lastSeq, snap.seq);
    const recent = (snap.recent as TradekitEvent[]).map((e) => e.seq);
    assert.ok(recent.length > 0);
    assert.equal(recent.at(-1), snap.seq);
    for (let i = 1; i < recent.length; i++) assert.equal(recent[i], recent[i - 1]! + 1, `recent events jump after seq ${recent[i - 1]}`);
    await until(() => got.filter((e) => e.seq > snap.seq).length >= 60, '60 events after the snapshot');
    const after = got.filter((e) => e.seq > snap.seq);
    after.forEach((e, i) => {
      assert.equal(e.seq, snap.seq + 1 + i, `event ${i} out of order or missing`);
    });
    for (const e of after) assert.deepEqual(Object.keys(e).sort(), ['data', 'run', 'seq', 'time', 'type', 'v']);
    const rest = await h.get(`/runs/${enc(id)}/events?since=${snap.seq}&limit=${after.length}`);
    assert.deepEqual(
      rest.body.items.map((e: TradekitEvent) => `${e.seq}:${e.type}`),
      after.map((e) => `${e.seq}:${e.type}`),
    );
  });

  it('reconnects by itself after a forced disconnect and resyncs the gap from REST', async () => {
    const s = h.client();
    const got = collect(s, id);
    let lastSeq = (await ack(s, 'join', { run: id })).snapshot.seq;
    await until(() => got.length >= 10, 'events before the disconnect');
    // Cut the transport under the client (as a network drop would); socket.io reconnects by itself.
    s.io.engine.close();
    await until(() => !s.connected, 'the drop');
    const before = got.at(-1)!.seq;
    lastSeq = before;
    await until(() => s.connected, 'the automatic reconnect');
    const again = await ack(s, 'join', { run: id });
    assert.ok(again.snapshot.seq >= before);
    const missed = (await h.get(`/runs/${enc(id)}/events?since=${lastSeq}&limit=5000`)).body.items.filter((e: TradekitEvent) => e.seq <= again.snapshot.seq);
    await until(() => got.some((e) => e.seq > again.snapshot.seq + 5), 'live events after the rejoin');
    const seqs = [
      ...new Set([...got.filter((e) => e.seq <= before), ...missed, ...got.filter((e) => e.seq > again.snapshot.seq)].map((e: TradekitEvent) => e.seq)),
    ].sort((a, b) => a - b);
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1]! + 1, `hole after seq ${seqs[i - 1]}`);
  });

  it('pushes the run list to clients when a run changes state', async () => {
    const s = h.client();
    const lists: { id: string; tradingState: string }[][] = [];
    s.on('runs', (items: { id: string; tradingState: string }[]) => lists.push(items));
    await until(() => s.connected, 'connect');
    await h.post(`/runs/${enc(id)}/pause`, {});
    await until(() => lists.some((l) => l.find((r) => r.id === id)?.tradingState === 'HALTED'), 'a pushed HALTED');
    await h.post(`/runs/${enc(id)}/resume`, {});
  });
});

describe('event hub: a stalled client', function () {
  this.timeout(60000);

  it('is bounded (drop-oldest with a counter) while a healthy client gets everything in order', async () => {
    const http = createServer();
    const io = new IoServer(http);
    const hub = new EventHub(io, { clientBuffer: 200, flushMs: 0 });
    io.on('connection', (s) => {
      hub.addClient(s);
      void s.join('run:r1');
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const healthy = ioClient(url, { transports: ['websocket'], forceNew: true });
    const stalled = ioClient(url, { transports: ['websocket'], forceNew: true });
    try {
      await until(() => healthy.connected && stalled.connected, 'both connected');
      await until(() => io.sockets.adapter.rooms.get('run:r1')?.size === 2, 'both in the room');
      const got: number[] = [];
      healthy.on('events', (l: TradekitEvent[]) => got.push(...l.map((e) => e.seq)));
      const late: number[] = [];
      let dropNotice = 0;
      stalled.on('events', (l: TradekitEvent[]) => late.push(...l.map((e) => e.seq)));
      stalled.on('stream.dropped', (d: { total: number }) => (dropNotice = d.total));
      // Stop reading on the stalled client's TCP socket: the server's writes back up.
      const raw = (stalled.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }).ws._socket;
      raw.pause();
      const pad = 'x'.repeat(2000);
      const N = 20000;
      for (let seq = 1; seq <= N; seq++) {
        hub.push('r1', { v: 1, type: 'error', run: 'r1', seq, time: seq, data: { code: 'TK_ERR_X', message: pad } });
        if (seq % 500 === 0) await new Promise((r) => setImmediate(r));
      }
      await until(() => got.length === N, 'the healthy client to get all events', 30000);
      got.forEach((s, i) => {
        assert.equal(s, i + 1);
      });
      const stats = hub.stats();
      assert.ok(stats.dropped > 0, 'the stalled client dropped events');
      const dropped = Math.max(...[...io.sockets.sockets.keys()].map((k) => hub.droppedFor(k)));
      assert.equal(dropped, stats.dropped);
      raw.resume();
      await until(() => late.at(-1) === N, 'the stalled client to catch up with the newest events', 30000);
      assert.ok(late.length < N, 'it did not get everything (the oldest were dropped)');
      assert.ok(late.length <= N - stats.dropped);
      assert.ok(dropNotice > 0 || late.some((s, i) => i > 0 && s !== late[i - 1]! + 1), 'the client can see the loss');
    } finally {
      healthy.disconnect();
      stalled.disconnect();
      hub.close();
      await new Promise<void>((r) => io.close(() => r()));
    }
  });
});
