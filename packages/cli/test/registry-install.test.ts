/**
 * tradekit as a new user meets it: every package of this workspace packed (`pnpm pack`: workspace:
 * ranges become versions) and published to a real registry (verdaccio on loopback), then, in an empty
 * folder with a fresh npm cache and plain npm: `npm install tradekit`, `npx tradekit init my-bot`,
 * `npm install` and `npm test` in it, `npx tradekit validate` and `npx tradekit backtest`; then
 * `npx tradekit init plugin`, that plugin tested and published, installed into my-bot by name, and a
 * backtest that uses it. One registry and one install serve every step (each `it` builds on the last).
 * A few minutes (downloads through the registry's uplink); it fails, never skips, when anything is missing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './helpers.js';
import { explain, sh, startBinaryMirror, startRegistry, userEnv, type BinaryMirror, type Registry } from './registry.js';

/** Every package a user can install: each workspace package that is not private, core first. */
const PUBLISHED = ['packages', 'examples']
  .flatMap((group) => readdirSync(path.join(ROOT, group)).map((d) => `${group}/${d}`))
  .filter((dir) => {
    const file = path.join(ROOT, dir, 'package.json');
    return existsSync(file) && !(JSON.parse(readFileSync(file, 'utf8')) as { private?: boolean }).private;
  })
  .sort((a, b) => Number(b === 'packages/core') - Number(a === 'packages/core') || a.localeCompare(b));
const PNPM = 'pnpm@10.34.9';
const PLUGIN = 'tradekit-plugin-e2e-streak';

describe('publish → npm install → tradekit init, from a real registry (verdaccio)', function () {
  this.timeout(20 * 60_000);
  let tmp: string;
  let reg: Registry | undefined;
  let mirror: BinaryMirror | undefined;
  let env: NodeJS.ProcessEnv;
  let home: string;
  let bot: string;
  /** Each step needs the ones before it: a failure says which step broke first. */
  const done = new Set<string>();
  const needs = (step: string) => assert.ok(done.has(step), `needs the step "${step}", which failed`);

  async function run(cmd: string, args: string[], cwd: string, what = `${cmd} ${args.join(' ')}`) {
    const r = await sh(cmd, args, cwd, env);
    assert.equal(r.status, 0, explain(r, `${what} (in ${cwd})`) + (reg ? `\n--- registry\n${reg.log().split('\n').slice(-20).join('\n')}` : ''));
    return r;
  }

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'tk-registry-'));
    reg = await startRegistry(path.join(tmp, 'registry'));
    mirror = await startBinaryMirror(path.join(tmp, 'binaries'));
    // sqlite3 (a dependency of @tradekit/core) downloads its prebuilt binary from GitHub on a user's
    // install; not reachable here, so the mirror serves the one this workspace's install compiled
    // (same version, same machine). Without it each npm install would compile sqlite3 (minutes).
    const sqlite3 = path.dirname(createRequire(path.join(ROOT, 'packages', 'core', 'package.json')).resolve('sqlite3/package.json'));
    const version = (JSON.parse(readFileSync(path.join(sqlite3, 'package.json'), 'utf8')) as { version: string }).version;
    assert.ok(existsSync(path.join(sqlite3, 'build', 'Release', 'node_sqlite3.node')), `the workspace's sqlite3 is built (${sqlite3})`);
    for (const napi of [3, 6]) {
      execFileSync('tar', [
        '-czf',
        path.join(mirror.dir, `sqlite3-v${version}-napi-v${napi}-${process.platform}-${process.arch}.tar.gz`),
        '-C',
        sqlite3,
        'build/Release/node_sqlite3.node',
      ]);
    }
    env = userEnv(reg, path.join(tmp, 'npm-cache'), mirror);
    home = path.join(tmp, 'user');
    mkdirSync(home);
    bot = path.join(home, 'my-bot');
  });

  after(async () => {
    await reg?.stop();
    await mirror?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('packs every package with pnpm (workspace ranges become versions) and publishes it with npm', async () => {
    const tarballs = path.join(tmp, 'tarballs');
    mkdirSync(tarballs);
    const pack = (dir: string) => {
      assert.ok(existsSync(path.join(ROOT, dir, 'dist', 'src', 'index.js')), `${dir} is built`);
      return run('npx', ['-y', PNPM, 'pack', '--pack-destination', tarballs], path.join(ROOT, dir), `pnpm pack ${dir}`);
    };
    // The first one alone (npx fetches pnpm once), then the others side by side.
    await pack(PUBLISHED[0]!);
    await Promise.all(PUBLISHED.slice(1).map(pack));
    const files = readdirSync(tarballs).filter((f) => f.endsWith('.tgz'));
    assert.equal(files.length, PUBLISHED.length, files.join(', '));
    // What each tarball carries for a registry user: its README, its types, never the tests.
    const contents = new Map(
      files.map((f) => [
        f,
        execFileSync('tar', ['-tzf', path.join(tarballs, f)], { encoding: 'utf8' })
          .split('\n')
          .filter(Boolean),
      ]),
    );
    for (const [f, list] of contents) {
      for (const need of ['package/package.json', 'package/README.md', 'package/dist/src/index.d.ts']) assert.ok(list.includes(need), `${f} has ${need}`);
      assert.ok(!list.some((e) => e.startsWith('package/dist/test/') || e.startsWith('package/src/')), `${f}: only the build`);
    }
    const cli = [...contents].find(([f]) => f.startsWith('tradekit-0'))![1];
    for (const need of [
      'package/bin/tradekit.js',
      'package/sample-data/EURUSD_M5.csv',
      'package/templates/project/gitignore',
      'package/templates/plugin/src/index.ts',
    ])
      assert.ok(cli.includes(need), `tradekit has ${need}`);
    const dashboard = [...contents].find(([f]) => f.startsWith('tradekit-dashboard-'))![1];
    assert.ok(dashboard.includes('package/dist/ui/index.html'), 'the dashboard ships its built web UI (npm run setup builds it)');
    await Promise.all(files.map((f) => run('npm', ['publish', path.join(tarballs, f), '--registry', reg!.url], tmp, `npm publish ${f}`)));
    // What the registry now serves: versions, not workspace: ranges, and the metadata users see.
    const r = await run('npm', ['view', 'tradekit', '--json'], tmp);
    const meta = JSON.parse(r.stdout) as { version: string; dependencies: Record<string, string>; bin: Record<string, string>; keywords: string[] };
    assert.ok(meta.bin.tradekit, 'the tradekit bin');
    for (const [dep, range] of Object.entries(meta.dependencies)) assert.doesNotMatch(range, /workspace:/, `${dep}: ${range}`);
    assert.match(meta.dependencies['@tradekit/core']!, /^\^\d+\.\d+\.\d+$/);
    const plugin = JSON.parse((await run('npm', ['view', 'tradekit-plugin-sma-crossover', '--json'], tmp)).stdout) as {
      keywords: string[];
      peerDependencies: Record<string, string>;
    };
    assert.ok(plugin.keywords.includes('tradekit-plugin'));
    assert.ok(plugin.peerDependencies['@tradekit/core']);
    done.add('publish');
  });

  it('npm install tradekit in an empty folder, then npx tradekit init my-bot', async () => {
    needs('publish');
    await run('npm', ['install', 'tradekit'], home);
    assert.ok(existsSync(path.join(home, 'node_modules', 'sqlite3', 'build', 'Release', 'node_sqlite3.node')), 'sqlite3 installed');
    assert.ok(
      mirror!.hits.length > 0,
      `sqlite3's binary came from the mirror (requests that missed: ${mirror!.misses.join(', ') || 'none'}); without it, every install compiles sqlite3`,
    );
    const v = await run('npx', ['tradekit', '--version'], home);
    assert.match(v.stdout, /^tradekit \d+\.\d+\.\d+ \(@tradekit\/core \d+\.\d+\.\d+\)/);
    const init = await run('npx', ['tradekit', 'init', 'my-bot'], home);
    assert.match(init.stdout, /cd my-bot\n\s+npm install\n\s+npm test/);
    for (const f of [
      'package.json',
      'tradekit.yaml',
      'src/agent.ts',
      'test/agent.test.ts',
      '.gitignore',
      'README.md',
      'tsconfig.json',
      'data/EURUSD_M5.csv',
      'data/GBPUSD_M5.csv',
    ]) {
      assert.ok(existsSync(path.join(bot, f)), f);
    }
    // Refused a second time: the folder is not empty.
    const again = await sh('npx', ['tradekit', 'init', 'my-bot'], home, env);
    assert.equal(again.status, 2, explain(again, 'init into a non-empty folder'));
    assert.match(again.stderr, /TK_ERR_INIT_NOT_EMPTY/);
    done.add('init');
  });

  it('in my-bot: npm install, npm test (tsc + node --test) pass', async () => {
    needs('init');
    await run('npm', ['install'], bot);
    const t = await run('npm', ['test'], bot);
    assert.match(t.stdout, /# pass [1-9]\d*\n# fail 0/);
    assert.ok(existsSync(path.join(bot, 'dist', 'src', 'agent.js')));
    done.add('bot');
  });

  it('in my-bot: npx tradekit validate, backtest and run (SQLite journal) work over the sample bars', async () => {
    needs('bot');
    const v = await run('npx', ['tradekit', 'validate', 'tradekit.yaml', '--json'], bot);
    const valid = JSON.parse(v.stdout) as { ok: boolean; plugins: { name: string }[] };
    assert.equal(valid.ok, true);
    assert.deepEqual(valid.plugins.map((p) => p.name).sort(), ['@tradekit/core/csv', '@tradekit/core/paper', 'breakout-agent'].sort());
    const b = await run('npx', ['tradekit', 'backtest', 'tradekit.yaml', '--out', 'backtests/e2e', '--json'], bot);
    const res = JSON.parse(b.stdout) as { stats: { trades: number }; files: Record<string, string> };
    assert.ok(res.stats.trades > 0, 'the breakout agent trades');
    const trades = JSON.parse(readFileSync(res.files['trades.json']!, 'utf8')) as { agent: string; symbol: string }[];
    assert.equal(trades.length, res.stats.trades);
    assert.deepEqual(new Set(trades.map((t) => t.agent)), new Set(['breakout-agent']));
    assert.ok(readFileSync(res.files['report.html']!, 'utf8').includes('<html'), 'report.html written (its chart library installed)');
    // A paper session with the config's SQLite journal: sqlite3's binary works from this install.
    await run('npx', ['tradekit', 'run', 'tradekit.yaml', '--cycles', '30', '--quiet'], bot);
    assert.ok(existsSync(path.join(bot, 'tradekit.db')), 'the SQLite journal');
    done.add('backtest');
  });

  it('npx tradekit init plugin: the package tests, packs and publishes; my-bot installs it by name and trades with it', async () => {
    needs('backtest');
    await run('npx', ['tradekit', 'init', 'plugin', PLUGIN], home);
    const dir = path.join(home, PLUGIN);
    await run('npm', ['install'], dir);
    const t = await run('npm', ['test'], dir);
    assert.match(t.stdout, /# pass [1-9]\d*\n# fail 0/);
    const pack = JSON.parse((await run('npm', ['pack', '--dry-run', '--json'], dir)).stdout) as { files: { path: string }[] }[];
    const packed = pack[0]!.files.map((f) => f.path).sort();
    assert.ok(packed.includes('dist/src/index.js') && packed.includes('dist/src/index.d.ts') && packed.includes('README.md'), packed.join(', '));
    assert.ok(
      !packed.some((p) => p.startsWith('test/') || p.startsWith('src/') || p.startsWith('dist/test/')),
      `only the build is published: ${packed.join(', ')}`,
    );
    await run('npm', ['publish'], dir);

    await run('npm', ['install', PLUGIN], bot);
    const yaml = readFileSync(path.join(bot, 'tradekit.yaml'), 'utf8');
    writeFileSync(path.join(bot, 'plugin.yaml'), yaml.replace(/^agents:\n/m, `agents:\n  - use: ${PLUGIN}\n    with: { streak: 4 }\n`));
    const v = JSON.parse((await run('npx', ['tradekit', 'validate', 'plugin.yaml', '--json'], bot)).stdout) as { plugins: { name: string; version: string }[] };
    assert.ok(
      v.plugins.some((p) => p.name === PLUGIN && p.version === '0.1.0'),
      JSON.stringify(v.plugins),
    );
    const b = JSON.parse((await run('npx', ['tradekit', 'backtest', 'plugin.yaml', '--out', 'backtests/plugin', '--no-html', '--json'], bot)).stdout) as {
      files: Record<string, string>;
    };
    const agents = new Set((JSON.parse(readFileSync(b.files['trades.json']!, 'utf8')) as { agent: string }[]).map((t) => t.agent));
    assert.ok(agents.has(PLUGIN), `the installed plugin trades: ${[...agents].join(', ')}`);
    assert.ok(agents.has('breakout-agent'), "next to the project's own agent");
  });
});
