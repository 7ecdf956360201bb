/**
 * The crash matrix: `tradekit run` trading at wall-clock pace — (a) the paper broker with its account
 * in the SQLite state store, (b) the MT5 simulator over the wire — is SIGKILLed again and again at
 * seeded points: every step of the order path (before the intent is written, after it, after the send,
 * after the answer, while a fill or an exit is journaled, around closes and stop changes, inside
 * recovery itself) and at random moments. Each restart waits for the dead holder's lease, recovers,
 * and stops itself (failpoint `run.recovered=stop`) so the test can compare, with the process frozen:
 * 0 duplicate orders at the broker, 0 broker positions or deals missing from the journal, nothing in
 * the journal the broker does not have.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brokerTruth, compare, failpointLog, isStopped, journalOf, rng, startChild, startSim, type Child, type CrashCase, type Sim } from './crash-kit.js';

const ORDER_PATH = [
  'order.beforeIntent',
  'order.afterIntent',
  'order.afterAnswer',
  'fill.beforeJournal',
  'exit.beforeJournal',
  'exit.afterJournal',
  'action.before.close',
  'action.after.close',
  'action.before.modify',
  'action.after.modify',
  'run.cycle',
  'recovery.order',
  'recovery.exit',
];
const POINTS: Record<CrashCase['kind'], string[]> = {
  paper: [...ORDER_PATH, 'paper.beforeSave', 'paper.afterSave'],
  mt5: [...ORDER_PATH, 'mt5.afterSend', 'mt5.answerLost'],
};
/** Restarts per venue (≥ 100 kill points in all). */
const ITERATIONS = Number(process.env.TK_CRASH_ITERATIONS ?? 50);
const SEED = Number(process.env.TK_CRASH_SEED ?? 20261203);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Report {
  kind: string;
  restarts: number;
  kills: number;
  fired: Record<string, number>;
  timed: number;
  checks: number;
  lockedRetries: number;
}

/** Starts a child that stops itself after recovery; retries while the dead holder's lease has not expired (exit 3). */
async function restart(c: CrashCase, spec: string, log: string, report: Report): Promise<{ child: Child; stopped: boolean }> {
  for (let attempt = 0; attempt < 100; attempt++) {
    rmSync(log, { force: true });
    const child = startChild(c, spec, log);
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    void child.exited.then((e) => (exited = e));
    for (;;) {
      await sleep(40);
      if (exited) break;
      if (isStopped(child.proc.pid!) && failpointLog(log).some((l) => l.name === 'run.recovered')) return { child, stopped: true };
    }
    if (exited.code === 3) {
      report.lockedRetries++;
      await sleep(200);
      continue;
    }
    if (exited.signal === 'SIGKILL') return { child, stopped: false }; // a failpoint inside recovery fired
    throw new Error(`the child exited (${exited.code ?? exited.signal}) before recovering:\n${child.output()}`);
  }
  throw new Error('the run lease never became free');
}

async function check(c: CrashCase, log: string, what: string, asOf?: number): Promise<void> {
  const lines = failpointLog(log);
  const at = asOf ?? lines.find((l) => l.name === 'recovery.settle')?.at ?? lines.at(-1)?.at ?? 0;
  const bad = compare(await brokerTruth(c), await journalOf(c), at);
  assert.deepEqual(bad, [], `${c.kind} ${what}: journal != broker`);
}

async function matrix(c: CrashCase, dir: string, seed: number): Promise<Report> {
  const random = rng(seed);
  const report: Report = { kind: c.kind, restarts: 0, kills: 0, fired: {}, timed: 0, checks: 0, lockedRetries: 0 };
  const points = POINTS[c.kind];
  for (let k = 0; k < ITERATIONS; k++) {
    const timed = random() < 0.12;
    const point = points[Math.floor(random() * points.length)]!;
    const nth = 1 + Math.floor(random() * 3);
    const spec = `run.recovered=stop${timed ? '' : `;${point}@${nth}=kill`}`;
    const log = path.join(dir, `${c.kind}-${k}.log`);
    const { child, stopped } = await restart(c, spec, log, report);
    report.restarts++;
    if (stopped) {
      await check(c, log, `after restart ${k} (${spec})`);
      report.checks++;
      child.proc.kill('SIGCONT');
      const budget = timed ? 300 + Math.floor(random() * 2500) : 8000;
      const ended = await Promise.race([child.exited, sleep(budget).then(() => undefined)]);
      if (!ended) {
        child.proc.kill('SIGKILL');
        await child.exited;
        report.timed++;
        report.kills++;
        continue;
      }
      if (ended.signal !== 'SIGKILL') throw new Error(`the child ended (${ended.code ?? ended.signal}) instead of crashing:\n${child.output()}`);
    }
    const last = failpointLog(log).at(-1)!;
    report.fired[last.name] = (report.fired[last.name] ?? 0) + 1;
    report.kills++;
  }
  // A last clean start: recover, check, trade a little, stop gracefully, check again.
  const log = path.join(dir, `${c.kind}-final.log`);
  const { child } = await restart(c, 'run.recovered=stop', log, report);
  await check(c, log, 'at the final restart');
  child.proc.kill('SIGCONT');
  await sleep(1500);
  child.proc.kill('SIGTERM');
  const ended = await child.exited;
  assert.equal(ended.code, 0, child.output());
  await check(c, log, 'after the final graceful stop', c.kind === 'paper' ? Infinity : failpointLog(log).at(-1)!.at);
  return report;
}

describe('crash matrix: SIGKILL on the order path, journal == broker after every restart', () => {
  let sim: Sim | undefined;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tk-crash-'));
    sim = await startSim();
  });
  after(async () => {
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`paper broker (persistent account) and MT5 simulator over the wire, ${ITERATIONS} seeded kill points each`, async function () {
    this.timeout(25 * 60_000);
    const cases: CrashCase[] = [
      { kind: 'paper', run: 'crash-paper', db: path.join(dir, 'paper.db'), port: sim!.port },
      { kind: 'mt5', run: 'crash-mt5', db: path.join(dir, 'mt5.db'), port: sim!.port },
    ];
    const reports = await Promise.all(cases.map((c, i) => matrix(c, dir, SEED + i)));
    for (const r of reports) {
      process.stdout.write(
        `      crash matrix ${r.kind}: ${r.kills} kills (${r.timed} at random moments), ${r.checks} post-restart checks, ${r.lockedRetries} starts refused while the lease was held; fired: ${JSON.stringify(r.fired)}\n`,
      );
      assert.ok(r.kills >= ITERATIONS);
      // Most of the order path really was hit (not only random kills).
      assert.ok(Object.keys(r.fired).length >= 8, `points fired: ${Object.keys(r.fired).join(', ')}`);
    }
    assert.ok(reports.reduce((s, r) => s + r.kills, 0) >= 100);
  });
});
