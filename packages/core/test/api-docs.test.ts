/**
 * The generated API reference (docs/api/, scripts/api-docs.mjs) cannot go stale: regenerated from the
 * built declarations into a temporary folder it equals the committed pages, and every name that
 * @tradekit/core's index exports (values and types, found here independently of the generator) has
 * its heading there. The generator itself runs for real (a child process, API Extractor inside) on the
 * repository and on a small fixture monorepo.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, tempDir } from './helpers/fs.js';

const SCRIPT = path.join(REPO_ROOT, 'scripts', 'api-docs.mjs');
const COMMITTED = path.join(REPO_ROOT, 'docs', 'api');

function generate(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 280_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function pages(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .sort()
      .map((f) => [f, readFileSync(path.join(dir, f), 'utf8')]),
  );
}

/** The first line where two texts differ, for a failure message that says what is stale. */
function firstDifference(a: string, b: string): string {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return `line ${i + 1}: committed ${JSON.stringify(x[i])}, generated ${JSON.stringify(y[i])}`;
  }
  return 'no difference';
}

/**
 * Every name a compiled declaration file exports, following `export * from` and `export { … } from`
 * into the files they name (a plain reading of tsc's .d.ts output, not the generator's code).
 */
function exportedNames(dts: string, seen = new Set<string>()): Set<string> {
  const out = new Set<string>();
  if (seen.has(dts)) return out;
  seen.add(dts);
  const text = readFileSync(dts, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\/\/.*$/gm, '');
  const target = (spec: string): string => path.resolve(path.dirname(dts), spec.replace(/\.js$/, '.d.ts'));
  for (const m of text.matchAll(/^export \* from ['"](\.[^'"]+)['"]/gm)) for (const n of exportedNames(target(m[1]!), seen)) out.add(n);
  for (const m of text.matchAll(/^export (?:type )?\{([^}]*)\}/gm)) {
    for (const part of m[1]!.split(',')) {
      const name = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop()!
        .trim();
      if (name && name !== 'default') out.add(name);
    }
  }
  const declaration = /^export (?:declare )?(?:abstract )?(?:class|function|const|let|var|enum|namespace|interface|type) ([A-Za-z_$][\w$]*)/gm;
  for (const m of text.matchAll(declaration)) out.add(m[1]!);
  return out;
}

describe('API reference (docs/api)', function () {
  this.timeout(300_000);

  it('regenerated from the built declarations, equals the committed pages', () => {
    assert.ok(existsSync(COMMITTED), 'docs/api exists (npm run api-docs)');
    const { dir, cleanup } = tempDir('tk-api-docs-test-');
    try {
      const r = generate(['--out', dir]);
      assert.equal(r.status, 0, `api-docs failed:\n${r.stderr}`);
      const fresh = pages(dir);
      const committed = pages(COMMITTED);
      assert.ok(fresh.has('README.md') && fresh.has('core.md') && fresh.has('core.testkit.md'), `pages: ${[...fresh.keys()].join(', ')}`);
      const stale: string[] = [];
      for (const [f, text] of fresh) {
        if (!committed.has(f)) stale.push(`${f}: missing from docs/api`);
        else if (committed.get(f) !== text) stale.push(`${f}: ${firstDifference(committed.get(f)!, text)}`);
      }
      for (const f of committed.keys()) if (!fresh.has(f)) stale.push(`${f}: no longer generated`);
      assert.deepEqual(stale, [], `docs/api is stale; run npm run api-docs and commit it:\n${stale.join('\n')}`);
    } finally {
      cleanup();
    }
  });

  it("lists every name @tradekit/core's index exports, values and types", async () => {
    const page = readFileSync(path.join(COMMITTED, 'core.md'), 'utf8');
    const headings = new Set([...page.matchAll(/^### (\S+)$/gm)].map((m) => m[1]!));
    const values = Object.keys((await import('../src/index.js')) as Record<string, unknown>);
    const all = exportedNames(path.join(REPO_ROOT, 'packages', 'core', 'dist', 'src', 'index.d.ts'));
    assert.ok(values.length > 50 && all.size > values.length, `found ${values.length} values and ${all.size} names`);
    for (const v of values) assert.ok(all.has(v), `${v} (a runtime export) is found in index.d.ts`);
    const missing = [...all].filter((n) => !headings.has(n)).sort();
    assert.deepEqual(missing, [], 'every export of @tradekit/core has a heading in docs/api/core.md');
    // And nothing else: a heading for an internal name would be a leak in the reference.
    const extra = [...headings].filter((h) => !all.has(h)).sort();
    assert.deepEqual(extra, [], 'docs/api/core.md documents only what the index exports');
  });

  describe('on a fixture monorepo', () => {
    let root: string;
    let out: string;
    let first: ReturnType<typeof generate>;
    let cleanup: () => void;
    before(() => {
      ({ dir: root, cleanup } = tempDir('tk-api-docs-fixture-'));
      const pkg = (dir: string, json: object): string => {
        const p = path.join(root, 'packages', dir);
        mkdirSync(path.join(p, 'dist', 'src', 'plugins'), { recursive: true });
        writeFileSync(path.join(p, 'package.json'), JSON.stringify(json));
        return p;
      };
      const lib = pkg('lib', {
        name: '@fx/lib',
        version: '1.0.0',
        description: 'A fixture library',
        exports: {
          '.': { types: './dist/src/index.d.ts', default: './dist/src/index.js' },
          './extra': { types: './dist/src/plugins/extra.d.ts', default: './dist/src/plugins/extra.js' },
          './package.json': './package.json',
        },
      });
      writeFileSync(
        path.join(lib, 'dist', 'src', 'index.d.ts'),
        `import type { Hidden } from './hidden.js';
/** Adds two numbers, exactly as given. Never rounds. */
export declare function add(a: number, b: number): number;
/**
 * A counter.
 *
 * Second paragraph: steps are
 * - up: one more;
 * - down: one less.
 */
export declare class Counter {
    #private;
    private secret;
    /** The current count. */
    get value(): number;
    /** One step up; returns the new count. */
    up(): number;
    protected reset(): void;
}
/** Options of {@link add}. */
export interface AddOptions {
    /** Where to start. */
    start?: number;
    hidden: Hidden;
}
export type Pipe = 'a' | 'b';
export declare const LIMIT = 3;
`,
      );
      writeFileSync(path.join(lib, 'dist', 'src', 'hidden.d.ts'), 'export interface Hidden { x: number }\n');
      writeFileSync(
        path.join(lib, 'dist', 'src', 'plugins', 'extra.d.ts'),
        `/**
 * \`@fx/lib/extra\`: more of it,
 * for \`Map<K, V>\` users.
 */
import type { AddOptions } from '../index.js';
/** The extra entry. */
export declare function extra(o: AddOptions): void;
`,
      );
      const priv = pkg('private-one', { name: '@fx/private-one', private: true, exports: { '.': { types: './dist/src/index.d.ts' } } });
      writeFileSync(path.join(priv, 'dist', 'src', 'index.d.ts'), 'export declare const SHOULD_NOT_APPEAR = 1;\n');
      out = path.join(root, 'out');
      first = generate(['--root', root, '--out', out]);
    });
    after(() => cleanup());

    it('writes one page per entry point with signatures, summaries and public members only', () => {
      assert.equal(first.status, 0, first.stderr);
      assert.match(first.stdout, /3 pages .*\(3 written, 0 removed\)/);
      const files = pages(out);
      assert.deepEqual([...files.keys()], ['README.md', 'lib.extra.md', 'lib.md']);
      const index = files.get('README.md')!;
      assert.match(index, /\[`@fx\/lib`\]\(lib\.md\) \| `@fx\/lib` \| 5 \| A fixture library \|/);
      assert.match(index, /\[`@fx\/lib\/extra`\]\(lib\.extra\.md\)/);
      assert.doesNotMatch(index, /private-one/);
      const lib = files.get('lib.md')!;
      assert.match(lib, /^# @fx\/lib$/m);
      const addSection = new RegExp(
        '### add\n\n\\*function\\*[^\n]*\n\nAdds two numbers, exactly as given\\. Never rounds\\.\n\n' +
          '```ts\nexport declare function add\\(a: number, b: number\\): number;\n```',
      );
      assert.match(lib, addSection);
      assert.match(lib, /\| \[`add`\]\(#add\) \| Adds two numbers, exactly as given\. \|/, 'the index table shows the first sentence');
      assert.match(lib, /A counter\.\n\nSecond paragraph: steps are\n- up: one more;\n- down: one less\./, 'paragraphs and list items are kept');
      assert.match(lib, /- `get value\(\): number` — The current count\./);
      assert.match(lib, /- `up\(\): number` — One step up; returns the new count\./);
      assert.doesNotMatch(lib, /secret|#private|reset/, 'private and protected members are left out');
      assert.match(lib, /Options of \[`add`\]\(#add\)\./, '{@link} becomes a link to the heading');
      assert.match(lib, /- `start\?: number` — Where to start\./);
      assert.match(lib, /\| \[`Pipe`\]\(#pipe\) \| {2}\|/);
      assert.match(lib, /export type Pipe = 'a' \| 'b';/);
      assert.match(lib, /export declare const LIMIT = 3/);
      assert.match(lib, /## Referenced types not exported here[\s\S]*- `Hidden`: internal to the package/);
      const extra = files.get('lib.extra.md')!;
      assert.match(extra, /^# @fx\/lib\/extra\n\n`@fx\/lib\/extra`: more of it, for `Map<K, V>` users\.\n/m, "the entry point's own doc comment");
      assert.match(index, /\(lib\.extra\.md\) \| `@fx\/lib` \| 1 \| `@fx\/lib\/extra`: more of it, for `Map<K, V>` users\. \|/);
      assert.match(extra, /### extra\n\n\*function\*[^\n]*\n\nThe extra entry\./);
      assert.match(extra, /- `AddOptions`: exported by \[`@fx\/lib`\]\(lib\.md#addoptions\)/);
      // Deterministic: another process generates the same pages.
      const check = generate(['--root', root, '--out', out, '--check']);
      assert.equal(check.status, 0, check.stderr);
    });

    it('--check fails on a stale page and a stray one; a missing build is a clear error', () => {
      assert.equal(first.status, 0, first.stderr);
      const original = readFileSync(path.join(out, 'lib.md'), 'utf8');
      writeFileSync(path.join(out, 'lib.md'), `${readFileSync(path.join(out, 'lib.md'), 'utf8')}\nedited\n`);
      writeFileSync(path.join(out, 'gone.md'), '# old page\n');
      const check = generate(['--root', root, '--out', out, '--check']);
      assert.equal(check.status, 1);
      assert.match(check.stderr, /stale \(lib\.md, gone\.md \(removed\)\)/);
      const fix = generate(['--root', root, '--out', out]);
      assert.equal(fix.status, 0, fix.stderr);
      assert.match(fix.stdout, /\(1 written, 1 removed\)/);
      assert.ok(!existsSync(path.join(out, 'gone.md')), 'a page no longer generated is removed');
      assert.equal(readFileSync(path.join(out, 'lib.md'), 'utf8'), original);

      const broken = path.join(root, 'packages', 'broken');
      mkdirSync(broken, { recursive: true });
      writeFileSync(path.join(broken, 'package.json'), JSON.stringify({ name: '@fx/broken', exports: { '.': { types: './dist/src/index.d.ts' } } }));
      const r = generate(['--root', root, '--out', path.join(root, 'out-broken')]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /@fx\/broken: packages\/broken\/dist\/src\/index\.d\.ts does not exist; build first/);
      assert.ok(!existsSync(path.join(root, 'out-broken')), 'nothing written');
    });
  });
});
