/**
 * `tradekit init` and `tradekit init plugin` through the real bin: what they write, what they refuse
 * (a non-empty folder without --force, a bad name) and with which code; and that both scaffolds pass
 * their own tests against this workspace's packages (linked into their node_modules the way an npm
 * install lays them out). The registry test (registry-install.test.ts) does the same from npm.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, tk } from './helpers.js';

const pkgOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<string, any>;
const CLI = pkgOf(path.join(ROOT, 'packages', 'cli'));
const CORE = pkgOf(path.join(ROOT, 'packages', 'core'));
const WORKSPACE = pkgOf(ROOT);

function walk(dir: string, prefix = ''): string[] {
  return readdirSync(dir).flatMap((f) => {
    const rel = prefix ? `${prefix}/${f}` : f;
    return statSync(path.join(dir, f)).isDirectory() ? (f === 'node_modules' || f === 'dist' ? [] : walk(path.join(dir, f), rel)) : [rel];
  });
}

/** node_modules as npm would lay it out for the scaffold's dependencies, from this workspace. */
function linkWorkspace(dir: string): void {
  const nm = path.join(dir, 'node_modules');
  mkdirSync(path.join(nm, '@tradekit'), { recursive: true });
  mkdirSync(path.join(nm, '@types'), { recursive: true });
  mkdirSync(path.join(nm, '.bin'), { recursive: true });
  symlinkSync(path.join(ROOT, 'packages', 'core'), path.join(nm, '@tradekit', 'core'));
  symlinkSync(path.join(ROOT, 'packages', 'cli'), path.join(nm, 'tradekit'));
  symlinkSync(path.join(ROOT, 'node_modules', 'typescript'), path.join(nm, 'typescript'));
  symlinkSync(realpathSync(path.join(ROOT, 'node_modules', '@types', 'node')), path.join(nm, '@types', 'node'));
  symlinkSync('../typescript/bin/tsc', path.join(nm, '.bin', 'tsc'));
  symlinkSync('../tradekit/bin/tradekit.js', path.join(nm, '.bin', 'tradekit'));
}

function npmTest(dir: string) {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|INIT_CWD$)/i.test(k)) env[k] = v;
  return spawnSync('npm', ['test'], { cwd: dir, env, encoding: 'utf8', timeout: 180_000 });
}

describe('tradekit init', function () {
  this.timeout(120_000);
  let tmp: string;
  beforeEach(() => (tmp = mkdtempSync(path.join(tmpdir(), 'tk-init-'))));
  afterEach(() => rmSync(tmp, { recursive: true, force: true }));

  it('scaffolds a project that depends on the published packages at this version, and lists the next commands', () => {
    const r = tk(['init', 'my-bot'], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    const dir = path.join(tmp, 'my-bot');
    assert.deepEqual(walk(dir).sort(), [
      '.gitignore',
      'README.md',
      'data/EURUSD_M5.csv',
      'data/GBPUSD_M5.csv',
      'data/README.md',
      'package.json',
      'src/agent.ts',
      'test/agent.test.ts',
      'tradekit.yaml',
      'tsconfig.json',
    ]);
    assert.match(r.stdout, /Next:\n {2}cd my-bot\n {2}npm install\n {2}npm test .*\n {2}npx tradekit backtest tradekit\.yaml/);
    const pkg = pkgOf(dir);
    assert.equal(pkg.name, 'my-bot');
    assert.equal(pkg.dependencies.tradekit, `^${CLI.version}`);
    assert.equal(pkg.dependencies['@tradekit/core'], `^${CORE.version}`);
    // The toolchain ranges accept what this repository builds and tests with.
    const caret = (range: string) => `^${range.replace(/^\^/, '')}`;
    assert.equal(pkg.devDependencies.typescript, caret(WORKSPACE.devDependencies.typescript));
    assert.equal(pkg.devDependencies['@types/node'], caret(WORKSPACE.devDependencies['@types/node']));
    assert.match(pkg.scripts.test, /^tsc -p tsconfig\.json && node --test/);
    const text = walk(dir)
      .filter((f) => !f.endsWith('.csv'))
      .map((f) => readFileSync(path.join(dir, f), 'utf8'))
      .join('\n');
    assert.doesNotMatch(text, /\{\{\w+\}\}/, 'every placeholder filled');
    assert.match(readFileSync(path.join(dir, 'tradekit.yaml'), 'utf8'), /^ {2}name: my-bot$/m);
    assert.match(readFileSync(path.join(dir, 'README.md'), 'utf8'), /npm install\s.*\nnpm test\s.*\nnpx tradekit backtest tradekit\.yaml/);
    // The sample bars are the tradekit package's own (published in it, a few hundred KB).
    const bars = ['EURUSD_M5.csv', 'GBPUSD_M5.csv'].map((f) => readFileSync(path.join(dir, 'data', f), 'utf8'));
    assert.deepEqual(
      bars,
      ['EURUSD_M5.csv', 'GBPUSD_M5.csv'].map((f) => readFileSync(path.join(ROOT, 'packages', 'cli', 'sample-data', f), 'utf8')),
    );
    const size = bars.reduce((s, b) => s + b.length, 0);
    assert.ok(size > 100_000 && size < 400_000, `${size} bytes`);
    assert.ok(CLI.files.includes('sample-data') && CLI.files.includes('templates'), 'published with the package');
  });

  it('refuses a folder that is not empty with TK_ERR_INIT_NOT_EMPTY (exit 2), writes into it with --force and keeps other files', () => {
    const dir = path.join(tmp, 'bot');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    const r = tk(['init', dir], { cwd: tmp });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^TK_ERR_INIT_NOT_EMPTY: .*bot is not empty \(notes\.txt\).*--force/);
    assert.deepEqual(readdirSync(dir), ['notes.txt'], 'nothing written');
    const json = tk(['init', dir, '--json'], { cwd: tmp });
    assert.equal(json.status, 2);
    assert.equal(JSON.parse(json.stderr).errors[0].code, 'TK_ERR_INIT_NOT_EMPTY');

    writeFileSync(path.join(dir, 'tradekit.yaml'), 'old');
    const f = tk(['init', dir, '--force', '--json'], { cwd: tmp });
    assert.equal(f.status, 0, f.stderr);
    assert.equal(JSON.parse(f.stdout).name, 'bot');
    assert.equal(readFileSync(path.join(dir, 'notes.txt'), 'utf8'), 'mine');
    assert.match(readFileSync(path.join(dir, 'tradekit.yaml'), 'utf8'), /breakout/);
  });

  it('initialises the current folder by default and refuses a name npm would not take (TK_ERR_INIT_NAME, exit 2)', () => {
    const dir = path.join(tmp, 'Bad Name');
    mkdirSync(dir);
    const r = tk(['init'], { cwd: dir });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^TK_ERR_INIT_NAME: "Bad Name" is not a valid project name.*--name/);
    assert.deepEqual(readdirSync(dir), []);
    const ok = tk(['init', '--name', 'good-name'], { cwd: dir });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(pkgOf(dir).name, 'good-name');
    assert.doesNotMatch(ok.stdout, /cd /, 'no cd into the folder it is in');
    for (const bad of ['Upper', '@scope/x', '../x', '.hidden']) {
      const b = tk(['init', path.join(tmp, 'x'), '--name', bad], { cwd: tmp });
      assert.equal(b.status, 2, bad);
      assert.match(b.stderr, /TK_ERR_INIT_NAME/, bad);
    }
  });

  it('init plugin scaffolds a publishable package: manifest, peerDependencies on core, schema, files, keyword', () => {
    const r = tk(['init', 'plugin', '@acme/tradekit-streak'], { cwd: tmp });
    assert.equal(r.status, 0, r.stderr);
    const dir = path.join(tmp, 'tradekit-streak');
    assert.deepEqual(walk(dir).sort(), [
      '.gitignore',
      'README.md',
      'package.json',
      'src/config.ts',
      'src/index.ts',
      'test/backtest.yaml',
      'test/data/EURUSD_M5.csv',
      'test/data/GBPUSD_M5.csv',
      'test/data/README.md',
      'test/plugin.test.ts',
      'tsconfig.json',
    ]);
    const pkg = pkgOf(dir);
    assert.equal(pkg.name, '@acme/tradekit-streak');
    assert.deepEqual(pkg.peerDependencies, { '@tradekit/core': `^${CORE.version}` });
    assert.equal(pkg.devDependencies['@tradekit/core'], `^${CORE.version}`);
    assert.equal(pkg.dependencies, undefined, 'nothing but the peer dependency at run time');
    assert.ok(pkg.keywords.includes('tradekit-plugin'));
    assert.deepEqual(pkg.files, ['dist/src', 'README.md']);
    assert.equal(pkg.exports['.'].default, './dist/src/index.js');
    assert.equal(pkg.types, './dist/src/index.d.ts');
    assert.equal(pkg.scripts.prepack, 'tsc -p tsconfig.json');
    const src = readFileSync(path.join(dir, 'src', 'index.ts'), 'utf8');
    assert.match(src, /name: '@acme\/tradekit-streak',\n {2}version: '0\.1\.0'/);
    assert.match(src, new RegExp(`'@tradekit/core': '\\^${CORE.version.replace(/\./g, '\\.')}'`));
    assert.match(readFileSync(path.join(dir, 'README.md'), 'utf8'), /^# @acme\/tradekit-streak\n[\s\S]*use: @acme\/tradekit-streak/);

    const again = tk(['init', 'plugin', '@acme/tradekit-streak'], { cwd: tmp });
    assert.equal(again.status, 2);
    assert.match(again.stderr, /TK_ERR_INIT_NOT_EMPTY/);
    const named = tk(['init', 'plugin', 'tradekit-plugin-x', path.join(tmp, 'elsewhere')], { cwd: tmp });
    assert.equal(named.status, 0, named.stderr);
    assert.ok(existsSync(path.join(tmp, 'elsewhere', 'src', 'index.ts')));
    for (const bad of ['Bad', '@/x', '@a/b/c', 'a b']) {
      const b = tk(['init', 'plugin', bad], { cwd: tmp });
      assert.equal(b.status, 2, bad);
      assert.match(b.stderr, /^TK_ERR_INIT_NAME/, bad);
    }
  });

  it('both scaffolds build with tsc and pass their own tests (npm test) against this workspace', () => {
    assert.equal(tk(['init', 'bot'], { cwd: tmp }).status, 0);
    assert.equal(tk(['init', 'plugin', 'tradekit-plugin-local'], { cwd: tmp }).status, 0);
    for (const d of ['bot', 'tradekit-plugin-local']) {
      const dir = path.join(tmp, d);
      linkWorkspace(dir);
      const t = npmTest(dir);
      assert.equal(t.status, 0, `${d}: npm test\n${t.stdout}\n${t.stderr}`);
      assert.match(t.stdout, /# pass 3\n# fail 0/, d);
    }
  });
});
