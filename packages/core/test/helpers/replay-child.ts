/**
 * A child process for tests: runs the replay in `argv[2]` to its end, closes what is open, and prints
 * its run id, the broker's deals and the number of its last event as the last line of JSON.
 */
import { Run, silentLogger } from '../../src/index.js';

const run = await Run.load({ configFile: process.argv[2]!, logger: silentLogger() });
await run.start();
await run.loop();
for (const p of await run.broker.positions()) await run.broker.closeAtLast!(p.id);
await run.engine.settle();
const deals = await run.broker.history({ from: 0, to: Infinity });
await run.close();
process.stdout.write(`${JSON.stringify({ id: run.info.id, deals, lastSeq: run.bus.lastSeq })}\n`);
