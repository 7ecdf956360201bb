/**
 * Child process of fanout.bench: N socket.io clients speaking the engine.io v4 / socket.io v5 wire
 * protocol over `ws` (what socket.io-client sends, minus its per-packet object decoding, so the
 * receiving side does not eat the 2 cores the server is measured on). Each `events` batch is timed
 * by the stamp of its oldest event; events are counted by their `"seq":` keys. One optional client
 * stops reading its TCP socket after connecting (the stalled client).
 *   argv: url token clients stalled(0|1) [run]   (with a run: each client joins it, as the web UI does)
 */
import WebSocket from 'ws';

const [url, token, nStr, stalledStr, run] = process.argv.slice(2);
const n = Number(nStr);
const BIN = 0.1; // ms
const hist = new Uint32Array(20000); // up to 2 s
let events = 0;
let batches = 0;
let connected = 0;
let measuring = false;
const SEQ = Buffer.from('"seq":');

function record(ms: number): void {
  const i = Math.min(hist.length - 1, Math.max(0, Math.floor(ms / BIN)));
  hist[i]!++;
}

function open(stall: boolean): void {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
  ws.on('message', (buf: Buffer) => {
    // Only the head is decoded: the receiving side must not become the bottleneck being measured.
    const s = buf.toString('latin1', 0, Math.min(buf.length, 400));
    if (s[0] === '0') ws.send(`40${JSON.stringify({ token })}`);
    else if (s === '2') ws.send('3');
    else if (s.startsWith('40')) {
      if (run) ws.send(`420${JSON.stringify(['join', { run }])}`);
      connected++;
      if (stall) (ws as unknown as { _socket: { pause(): void } })._socket.pause();
      if (connected === n + (stalledStr === '1' ? 1 : 0)) process.send?.({ ready: true });
    } else if (s.startsWith('42["events"')) {
      const now = performance.timeOrigin + performance.now();
      batches++;
      const m = /"time":([\d.]+)/.exec(s);
      if (m && measuring) record(now - Number(m[1]));
      for (let i = buf.indexOf(SEQ); i !== -1; i = buf.indexOf(SEQ, i + 6)) events++;
    }
  });
}

for (let i = 0; i < n; i++) open(false);
if (stalledStr === '1') open(true);
process.on('message', (m: { stop?: boolean; measure?: boolean }) => {
  if (m.measure) measuring = true;
  if (m.stop) {
    process.send?.({ hist: Array.from(hist), events, batches }, () => process.exit(0));
  }
});
