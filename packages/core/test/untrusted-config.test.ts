/**
 * A config is data, never code: URL plugin specifiers are refused everywhere before anything is
 * imported; under a plugin/path policy (what `tradekit serve` gives uploads) only allowed packages
 * and JavaScript files inside the roots load, judged on real paths; `${NAME}` reads only allowed
 * variables and no error message shows an expanded value; YAML resource limits are cheap and coded.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ConfigErrors,
  Run,
  TradekitError,
  loadConfig,
  parseConfigText,
  realPathOf,
  rootsPolicy,
  silentLogger,
  type LoadOptions,
  type PathPolicy,
} from '../src/index.js';
import { EXAMPLES, tempDir } from './helpers/fs.js';
import './helpers/api-codes.js';

const BASE = `run: { name: t, mode: paper }
symbols: [EURUSD]
data: { use: '@tradekit/core/csv', with: { dir: ${path.join(EXAMPLES, 'data')} } }
broker: '@tradekit/core/paper'
`;

/** A plugin module that leaves a marker file when it is imported (that is: when it runs). */
function evilModule(marker: string): string {
  return `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport default { name: 'evil', version: '1.0.0', provides: ['agent'], setup(ctx) { ctx.addAgent({ scan: () => ({ skip: 'x' }) }); } };\n`;
}

function policy(roots: string[], deny: string[] = []): PathPolicy {
  return rootsPolicy({ roots, deny, refuse: (abs, what, reason) => new TradekitError('TK_ERR_API_PATH_FORBIDDEN', `${what} ${abs}: ${reason}`) });
}

describe('untrusted configs', () => {
  let root: string;
  let outside: string;
  const cleanups: (() => void)[] = [];
  beforeEach(() => {
    const a = tempDir('tk-root-');
    const b = tempDir('tk-outside-');
    root = realPathOf(a.dir);
    outside = realPathOf(b.dir);
    cleanups.push(a.cleanup, b.cleanup);
  });
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  const load = (yaml: string, opts: LoadOptions = {}) => loadConfig(path.join(root, 'config.yaml'), { text: yaml, ...opts });
  const hosted = (): LoadOptions => ({ plugins: { allow: [] }, paths: policy([root]), envAllow: [] });

  describe('plugin specifiers', () => {
    it('refuses every URL kind with TK_ERR_PLUGIN_URL before importing, even for a local user (no policy)', async () => {
      const marker = path.join(outside, 'ran');
      const evil = path.join(outside, 'evil.mjs');
      writeFileSync(evil, evilModule(marker));
      const specs = [
        `data:text/javascript,${encodeURIComponent(evilModule(marker))}`,
        pathToFileURL(evil).href,
        'node:fs',
        'http://127.0.0.1:9/evil.js',
        'https://example.invalid/evil.js',
      ];
      for (const spec of specs) {
        for (const opts of [{}, hosted()]) {
          const r = await load(`${BASE}agents: [{ use: ${JSON.stringify(spec)} }]\n`, opts);
          assert.deepEqual(
            r.errors.map((e) => e.code),
            ['TK_ERR_PLUGIN_URL'],
            `${spec}: ${r.errors.map((e) => e.format()).join('\n')}`,
          );
          assert.equal(r.errors[0]!.line, 5);
          assert.equal(r.errors[0]!.path, 'agents[0].use');
          assert.match(r.errors[0]!.message, /installed package .* or a \.js file/);
        }
      }
      assert.ok(!existsSync(marker), 'the module never ran');
    });

    it('under a policy, loads only built-ins, allowed packages and .js files inside the roots (real path)', async () => {
      const marker = path.join(root, 'ran');
      writeFileSync(path.join(outside, 'evil.mjs'), evilModule(marker));
      writeFileSync(path.join(root, 'evil.txt'), evilModule(marker));
      symlinkSync(path.join(outside, 'evil.mjs'), path.join(root, 'linked.mjs'));
      mkdirSync(path.join(root, 'pkg'));
      writeFileSync(path.join(root, 'pkg', 'package.json'), JSON.stringify({ main: path.relative(path.join(root, 'pkg'), path.join(outside, 'evil.mjs')) }));
      const cases: [string, string][] = [
        [path.join(outside, 'evil.mjs'), 'TK_ERR_PLUGIN_FORBIDDEN'],
        [`../${path.basename(outside)}/evil.mjs`, 'TK_ERR_PLUGIN_FORBIDDEN'],
        ['./linked.mjs', 'TK_ERR_PLUGIN_FORBIDDEN'],
        ['./evil.txt', 'TK_ERR_PLUGIN_FORBIDDEN'],
        ['./pkg', 'TK_ERR_PLUGIN_FORBIDDEN'],
        ['tradekit-plugin-sma-crossover', 'TK_ERR_PLUGIN_FORBIDDEN'],
        ['@tradekit/core/testkit', 'TK_ERR_PLUGIN_FORBIDDEN'],
        ['@tradekit/core/csv/../../x', 'TK_ERR_PLUGIN_FORBIDDEN'],
      ];
      for (const [spec, code] of cases) {
        const r = await load(`${BASE}agents: [{ use: ${JSON.stringify(spec)} }]\n`, hosted());
        assert.deepEqual(
          r.errors.map((e) => e.code),
          [code],
          `${spec}: ${r.errors.map((e) => e.format()).join('\n')}`,
        );
        assert.equal(r.errors[0]!.path, 'agents[0].use');
      }
      assert.ok(!existsSync(marker), 'nothing was imported');

      // Allowed: a .js file under the root, and a package once the host lists it.
      writeFileSync(path.join(root, 'good.mjs'), evilModule(path.join(root, 'good-ran')));
      const ok = await load(`${BASE}agents: [{ use: ./good.mjs }]\n`, hosted());
      assert.deepEqual(ok.errors, []);
      assert.ok(existsSync(path.join(root, 'good-ran')));
      const sma = path.join(EXAMPLES, 'sma-crossover');
      const named = await loadConfig(path.join(EXAMPLES, 'config.yaml'), {
        text: `${BASE}agents: [{ use: tradekit-plugin-sma-crossover }]\n`,
        plugins: { allow: ['tradekit-plugin-sma-crossover'] },
        paths: policy([EXAMPLES, sma]),
        searchPaths: [pathToFileURL(path.join(sma, 'package.json')).href],
      });
      assert.deepEqual(
        named.errors.map((e) => e.format()),
        [],
      );
    });

    it('imports nothing from a config that names one refused plugin', async () => {
      const marker = path.join(root, 'allowed-ran');
      writeFileSync(path.join(root, 'allowed.mjs'), evilModule(marker));
      const r = await load(
        `${BASE}agents: [{ use: ./allowed.mjs }, { use: ./missing-elsewhere.txt, name: b }, { use: 'data:text/javascript,1', name: c }]\n`,
        hosted(),
      );
      assert.deepEqual(
        r.errors.map((e) => e.code),
        ['TK_ERR_PLUGIN_URL'],
      );
      assert.ok(!existsSync(marker), 'the allowed plugin was not imported either');
    });
  });

  describe('environment', () => {
    const secret = 'hunter2-server-secret-value';
    const env = { TK_T_SECRET: secret, TK_T_ALLOWED: 'EURUSD', TK_T_BADNAME: 'bad name!' };

    it('refuses ${NAME} outside the allow-list, naming the variable, never its value (even with a default)', async () => {
      for (const ref of ['${TK_T_SECRET}', '${TK_T_SECRET:-x}']) {
        const r = await load(BASE.replace('name: t', `name: "${ref}"`), { ...hosted(), env, envAllow: ['TK_T_ALLOWED'] });
        assert.deepEqual(
          r.errors.map((e) => e.code),
          ['TK_ERR_CONFIG_ENV_FORBIDDEN'],
        );
        assert.equal(r.errors[0]!.path, 'run.name');
        assert.equal(r.errors[0]!.line, 1);
        assert.match(r.errors[0]!.message, /\$\{TK_T_SECRET\} is not available here.*TK_T_ALLOWED/);
        assert.ok(!JSON.stringify(r.errors.map((e) => e.toJSON())).includes(secret));
      }
      const ok = await load(BASE.replace('[EURUSD]', '["${TK_T_ALLOWED}"]'), { ...hosted(), env, envAllow: ['TK_T_ALLOWED'] });
      assert.deepEqual(ok.errors, []);
      assert.deepEqual(ok.config.symbols, ['EURUSD']);
    });

    it('says "the value of ${NAME}" where a message would show an expanded value (validation and resolution)', async () => {
      const bad = await load(BASE.replace('name: t', 'name: "${TK_T_BADNAME}"'), { env });
      assert.equal(bad.errors[0]!.code, 'TK_ERR_CONFIG_VALUE');
      assert.match(bad.errors[0]!.message, /got the value of \$\{TK_T_BADNAME\}/);
      const plugin = await load(`${BASE}agents: ["\${TK_T_SECRET}"]\n`, { env });
      assert.equal(plugin.errors[0]!.code, 'TK_ERR_PLUGIN_NOT_FOUND');
      assert.match(plugin.errors[0]!.message, /the value of \$\{TK_T_SECRET\}/);
      const all = JSON.stringify([...bad.errors, ...plugin.errors].map((e) => [e.message, e.stack, e.toJSON()]));
      assert.ok(!all.includes(secret) && !all.includes('bad name!'));
    });

    it('keeps an expanded value out of a start error too (a data dir that cannot be read)', async () => {
      const { dir, cleanup } = tempDir('tk-envrun-');
      cleanups.push(cleanup);
      writeFileSync(path.join(dir, 'config.yaml'), `${BASE.replace(path.join(EXAMPLES, 'data'), '"${TK_T_SECRET}"')}state: { url: 'memory:' }\n`);
      const run = await Run.load({ configFile: path.join(dir, 'config.yaml'), env, logger: silentLogger() });
      const err = await run.start().then(
        () => undefined,
        (e: unknown) => e as TradekitError,
      );
      assert.ok(err, 'the start fails');
      assert.equal(err.code, 'TK_ERR_PLUGIN_SETUP');
      const text = JSON.stringify([err.message, err.stack, err.toJSON(), String((err.cause as Error)?.message)]);
      assert.ok(!text.includes(secret), text);
      assert.match(err.message, /the value of \$\{TK_T_SECRET\}/);

      // A state file refused by the path policy: the refusal names the variable, not the directory.
      writeFileSync(path.join(dir, 'state.yaml'), `${BASE}state: { url: "sqlite://\${TK_T_OUT}/x.db" }\n`);
      const confined = await Run.load({
        configFile: path.join(dir, 'state.yaml'),
        env: { TK_T_OUT: outside },
        envAllow: ['TK_T_OUT'],
        paths: policy([dir]),
        logger: silentLogger(),
      });
      const refused = await confined.start().then(
        () => undefined,
        (e: unknown) => e as TradekitError,
      );
      assert.equal(refused?.code, 'TK_ERR_API_PATH_FORBIDDEN');
      assert.match(refused.message, /the value of \$\{TK_T_OUT\}\/x\.db/);
      assert.ok(!refused.message.includes(outside) && !existsSync(path.join(outside, 'x.db')));
    });

    it('never expands keys (an unknown key would echo it)', () => {
      const s = parseConfigText('run: { name: t }\n${TK_T_SECRET}: 1\n', 'c.yaml', env);
      assert.deepEqual(Object.keys(s.value as object), ['run', '${TK_T_SECRET}']);
    });
  });

  describe('YAML limits', () => {
    it('an alias bomb is TK_ERR_CONFIG_LIMIT at its first alias, not an exception', async () => {
      let y = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n';
      for (let i = 0; i < 9; i++)
        y += `b${i}: &b${i} [${Array(10)
          .fill(i ? `*b${i - 1}` : '*a')
          .join(',')}]\n`;
      const r = await load(y);
      assert.deepEqual(
        r.errors.map((e) => e.code),
        ['TK_ERR_CONFIG_LIMIT'],
      );
      assert.equal(r.errors[0]!.line, 2);
      assert.equal(r.errors[0]!.file, path.join(root, 'config.yaml'));
      await assert.rejects(
        Run.load({ configFile: path.join(root, 'config.yaml'), text: y }),
        (e: unknown) => e instanceof ConfigErrors && e.code === 'TK_ERR_CONFIG_LIMIT',
      );
    });

    it('refuses deep nesting, many values and a size over maxBytes before parsing them (fast)', async () => {
      const flow = `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
      let block = '';
      for (let i = 0; i < 300; i++) block += `${' '.repeat(i)}k${i}:\n`;
      let keys = '';
      for (let i = 0; i < 20_000; i++) keys += `k${i}: ${i}\n`;
      const wide = `a: [${Array(30_000).fill('1').join(',')}]\n`;
      const cases: [string, string, string][] = [
        ['flow depth', flow, 'maxDepth'],
        ['block depth', block, 'maxDepth'],
        ['many keys', keys, 'maxNodes'],
        ['wide sequence', wide, 'maxNodes'],
      ];
      for (const [what, text, limit] of cases) {
        const t0 = performance.now();
        const r = await load(text);
        const ms = performance.now() - t0;
        assert.deepEqual(
          r.errors.map((e) => e.code),
          ['TK_ERR_CONFIG_LIMIT'],
          what,
        );
        assert.equal(r.errors[0]!.details?.limit, limit, what);
        // The yaml parser takes seconds on these; the scan takes milliseconds (generous bound for a loaded CI box).
        assert.ok(ms < 1000, `${what} took ${ms.toFixed(0)} ms`);
      }
      const big = await load(`${BASE}#${'x'.repeat(5000)}\n`, { limits: { maxBytes: 4096, maxDepth: 64, maxAliases: 100, maxNodes: 10_000 } });
      assert.equal(big.errors[0]!.code, 'TK_ERR_CONFIG_LIMIT');
      assert.equal(big.errors[0]!.details?.limit, 'maxBytes');
    });

    it('still accepts every shipped example and finds duplicate keys (in one pass)', async () => {
      for (const f of readdirSync(EXAMPLES).filter((x) => x.endsWith('.yaml'))) {
        const s = parseConfigText(readFileSync(path.join(EXAMPLES, f), 'utf8'), f, { MT5_PASSWORD: 'x', MT5_BRIDGE_TOKEN: 'y'.repeat(32) });
        assert.deepEqual(
          s.errors.filter((e) => e.code === 'TK_ERR_CONFIG_LIMIT' || e.code === 'TK_ERR_CONFIG_YAML'),
          [],
          f,
        );
      }
      const dup = parseConfigText('a: 1\nb:\n  c: 1\n  c: 2\n', 'd.yaml', {});
      assert.deepEqual(
        dup.errors.map((e) => [e.code, e.line, e.column]),
        [['TK_ERR_CONFIG_YAML', 4, 3]],
      );
      assert.match(dup.errors[0]!.message, /"c" is already set at line 3/);
    });
  });

  describe('path policy', () => {
    it('judges real paths: symlinks out of a root (dangling too) and denied dirs are refused, new files inside are fine', () => {
      const deny = path.join(root, 'server');
      mkdirSync(deny);
      const p = policy([root], [deny]);
      symlinkSync(outside, path.join(root, 'out'));
      symlinkSync(path.join(outside, 'not-yet.db'), path.join(root, 'dangling.db'));
      const refused = (abs: string) =>
        assert.throws(
          () => p.confine(abs, 'x'),
          (e: unknown) => e instanceof TradekitError && e.code === 'TK_ERR_API_PATH_FORBIDDEN',
          abs,
        );
      refused(path.join(root, 'out', 'a.csv'));
      refused(path.join(root, 'out', 'new', 'deeper', 'file.db'));
      refused(path.join(root, 'dangling.db'));
      refused(path.join(deny, 'server.db'));
      refused('/etc/passwd');
      assert.equal(p.confine(path.join(root, 'new', 'state.db'), 'x'), path.join(root, 'new', 'state.db'));
    });
  });
});
