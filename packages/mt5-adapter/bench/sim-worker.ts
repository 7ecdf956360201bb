/** Hosts a simulator server in its own thread (its own event loop), like a bridge in another process. */
import { parentPort, workerData } from 'node:worker_threads';
import { Simulator } from '../src/sim/simulator.js';
import { SimTerminal } from '../src/sim/terminal-api.js';
import { SimServer } from '../src/wire/sim-server.js';
import { FX28, catalogSpec } from '../src/sim/catalog.js';

const { token, start } = workerData as { token: string; start: number };
const sim = new Simulator({
  seed: 1,
  start,
  symbols: FX28.map((name) => {
    const ref = catalogSpec(name)!.refPrice;
    const pt = catalogSpec(name)!.point;
    return { name, feed: { kind: 'manual' as const, bid: ref, ask: Number((ref + 10 * pt).toFixed(catalogSpec(name)!.digits)) } };
  }),
});
const server = new SimServer({ terminal: new SimTerminal(sim), token, control: true });
const { port } = await server.listen();
parentPort!.postMessage({ port });
parentPort!.on('message', async (m: string) => {
  if (m === 'stop') {
    await server.close();
    parentPort!.postMessage({ stopped: true, calls: server.calls });
    process.exit(0);
  }
});
