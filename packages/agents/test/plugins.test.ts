/**
 * The shipped plugins through the real composition root (Run): config validation, a paper replay of
 * the full strategy, fill counting, limit-order reconciliation, magic filtering, news statuses.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigErrors, Run, isTradekitError, loadConfig, silentLogger, type Position, type TradekitEvent } from '@tradekit/core';
import type { RiskCounters } from '@tradekit/agents';
import { FIXTURES, REPO_ROOT, SAMPLE_DIR, tempDir } from './helpers.js';

const SEARCH = [import.meta.url];

function config(body: string): string {
  const dir = tempDir();
  const file = path.join(dir, 'config.yaml');
  writeFileSync(file, body);
  return file;
}

const FULL = (extra = '') => `
run: { name: inst-test, mode: paper, cycleSeconds: 300, pace: max, warmupBars: 300, from: '2026-06-01', to: '2026-06-12' }
symbols: [EURUSD, GBPUSD, USDJPY, XAUUSD, NAS100, US30]
data: { use: '@tradekit/core/csv', with: { dir: ${SAMPLE_DIR}, timeframes: [M5, H1, H4] } }
broker: { use: '@tradekit/core/paper', with: { balance: 10000, leverage: 100, leverageBy: { index: 20, metal: 50 }, commissionPerLot: 3.5 } }
plugins:
  - use: '@tradekit/agents/trade-manager'
  - use: '@tradekit/agents/news'
    with: { url: null, files: [${FIXTURES}ff-calendar.json] }
risk:
  - use: '@tradekit/agents/risk'
    with: { maxDailyLoss: 300, useKelly: false, leverageBy: { index: 20, metal: 50 } }
agents:
  - use: '@tradekit/agents/institutional'
    with: { entry: limit }
${extra}
state: { url: 'memory:' }
logging: { level: silent }
`;

describe('plugins in a run', function () {
  this.timeout(120_000);

  it('examples/institutional.yaml is valid and names the five shipped plugins it uses', async () => {
    const r = await loadConfig(path.join(REPO_ROOT, 'examples', 'institutional.yaml'), { searchPaths: SEARCH });
    assert.deepEqual(
      r.errors.map((e) => e.format()),
      [],
    );
    assert.deepEqual(r.plugins.map((p) => p.manifest.name).sort(), [
      '@tradekit/agents/institutional',
      '@tradekit/agents/risk',
      '@tradekit/agents/trade-manager',
      '@tradekit/core/csv',
      '@tradekit/core/paper',
    ]);
  });

  it('unknown keys and bad values in `with:` are config errors with paths; a stat-arb pair outside the symbols fails setup', async () => {
    const bad = config(FULL().replace('with: { entry: limit }', 'with: { entry: maker, atrSlMultiplr: 1 }'));
    const r = await loadConfig(bad, { searchPaths: SEARCH });
    const codes = r.errors.map((e) => `${e.code} ${e.path}`);
    assert.ok(codes.includes('TK_ERR_CONFIG_UNKNOWN_KEY agents[0].with.atrSlMultiplr'), codes.join('\n'));
    assert.ok(
      codes.some((c) => c.startsWith('TK_ERR_CONFIG_VALUE agents[0].with.entry')),
      codes.join('\n'),
    );
    const sa = config(FULL().replace('agents:\n', "agents:\n  - use: '@tradekit/agents/stat-arb'\n    with: { pairs: [{ a: EURUSD, b: DXY }] }\n"));
    const run = await Run.load({ configFile: sa, searchPaths: SEARCH, logger: silentLogger() });
    await assert.rejects(
      run.start(),
      (e: unknown) => isTradekitError(e) && e.code === 'TK_ERR_PLUGIN_SETUP' && isTradekitError(e.cause) && e.cause.code === 'TK_ERR_AGENTS_CONFIG',
    );
    await run.close();
    await assert.rejects(Run.load({ configFile: bad, searchPaths: SEARCH }), (e: unknown) => e instanceof ConfigErrors);
  });

  it('settings that contradict each other fail setup with TK_ERR_AGENTS_CONFIG (risk, trade manager, news)', async () => {
    const cases: [string, string, RegExp][] = [
      [
        'with: { maxDailyLoss: 300, useKelly: false,',
        'with: { maxDailyLoss: 300, useKelly: false, riskPercent: 3, maxRiskPercent: 2,',
        /risk: maxRiskPercent \(2\) is below riskPercent \(3\)/,
      ],
      [
        "  - use: '@tradekit/agents/trade-manager'\n",
        "  - use: '@tradekit/agents/trade-manager'\n    with: { trailTightAtr: 2, trailInitialAtr: 1 }\n",
        /trade-manager: trailTightAtr \(2\) must not exceed trailInitialAtr \(1\)/,
      ],
      [`with: { url: null, files: [${FIXTURES}ff-calendar.json] }`, 'with: { url: null }', /news: set `url` or at least one of `files`/],
    ];
    for (const [from, to, message] of cases) {
      const body = FULL().replace(from, to);
      assert.notEqual(body, FULL(), from);
      const run = await Run.load({ configFile: config(body), searchPaths: SEARCH, logger: silentLogger() });
      await assert.rejects(
        run.start(),
        (e: unknown) =>
          isTradekitError(e) &&
          e.code === 'TK_ERR_PLUGIN_SETUP' &&
          isTradekitError(e.cause) &&
          e.cause.code === 'TK_ERR_AGENTS_CONFIG' &&
          message.test(e.cause.message),
      );
      await run.close();
    }
  });

  it('replays the full strategy: limits fill or expire, only fills count, exits are managed, foreign positions are left alone', async () => {
    const events: TradekitEvent[] = [];
    const run = await Run.load({
      configFile: config(FULL()),
      searchPaths: SEARCH,
      logger: silentLogger(),
      sinks: [{ name: 'collect', publish: (e) => void events.push(e) }],
    });
    await run.start();
    // A position that is not ours (another magic): the trade manager must never touch it.
    const manual = (await run.broker.place({ clientId: 'manual-1', symbol: 'EURUSD', side: 'buy', type: 'market', volume: 0.1, sl: 1.0, magic: 12345 })) as {
      status: string;
      positionId: string;
    };
    assert.equal(manual.status, 'filled');
    const summary = await run.loop();
    assert.equal(summary.reason, 'endOfData');
    const of = (t: string) => events.filter((e) => e.type === t);
    const placed = of('order.placed').length;
    const filled = of('order.filled').length;
    const cancelled = of('order.cancelled') as TradekitEvent<'order.cancelled'>[];
    assert.ok(placed >= 5, `limit orders placed: ${placed}`);
    assert.ok(filled >= 3, `fills: ${filled}`);
    assert.ok(cancelled.length >= 1 && cancelled.every((e) => e.data.reason === 'expired'), 'unfilled limits expire');
    assert.equal(filled + cancelled.length, placed, 'every limit is reconciled: filled or expired');
    // Counters count fills, not placements.
    const counters = await run.store.get<RiskCounters>('@tradekit/agents/risk:counters');
    const lastDay = new Date(
      (of('order.filled').at(-1) as TradekitEvent<'order.filled'>).data.result.status === 'filled'
        ? ((of('order.filled').at(-1) as TradekitEvent<'order.filled'>).data.result as { time: number }).time
        : 0,
    )
      .toISOString()
      .slice(0, 10);
    const fillsThatDay = of('order.filled').filter(
      (e) => new Date(((e as TradekitEvent<'order.filled'>).data.result as { time: number }).time).toISOString().slice(0, 10) === lastDay,
    ).length;
    assert.equal(counters!.day, lastDay);
    assert.equal(counters!.fills, fillsThatDay);
    const orders = await run.store.journal.listOrders({ status: ['expired'] });
    assert.equal(orders.length, cancelled.length, 'the journal marks them expired');
    // Exits: the trade manager's partial closes and stops show in the closes.
    const closes = of('position.closed') as TradekitEvent<'position.closed'>[];
    assert.ok(
      closes.some((e) => e.data.trade.reason.startsWith('partial 30%')),
      'a partial close at break-even happened',
    );
    assert.ok(
      closes.every((e) => e.data.trade.positionId !== manual.positionId),
      'the foreign position was never closed by us',
    );
    const foreign = ((await run.broker.positions()) as Position[]).find((p) => p.id === manual.positionId);
    assert.ok(foreign && foreign.sl === 1.0, 'its stop is untouched');
    // Statuses: the news blackout from the calendar, risk blocks, candidates.
    const statuses = new Set<string>();
    for (const e of of('scan.summary') as TradekitEvent<'scan.summary'>[]) for (const s of Object.values(e.data.symbols)) statuses.add(s.replace(/ \(.*$/, ''));
    for (const s of ['News Blackout', 'Low Score', 'Stale Data', 'PLACED', 'Order Pending']) assert.ok(statuses.has(s), `${s} in ${[...statuses].join(', ')}`);
    const nfp = (of('scan.summary') as TradekitEvent<'scan.summary'>[]).find((e) => e.data.startedAt === Date.parse('2026-06-03T14:00:00Z'))!;
    // At 14:00 UTC the NFP release (14:10) blacks out USD symbols the risk policy did not block first.
    const blacked = Object.entries(nfp.data.symbols).filter(([, s]) => s.startsWith('News'));
    assert.ok(blacked.length >= 2, JSON.stringify(nfp.data.symbols));
    for (const [, s] of blacked) assert.equal(s, 'News Blackout (USD Non-Farm Employment Change)');
    await run.close();
  });
});
