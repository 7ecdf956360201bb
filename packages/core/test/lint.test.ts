/**
 * The repository lints clean: the pinned Biome (root devDependency, its binary ships in the npm
 * package) runs over the sources named in the root biome.json, in a child process, as `npm run lint`
 * does. Lint only for now (formatter and import sorting off); every diagnostic, warnings included,
 * fails the test and is listed as `file:line:col rule message`.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './helpers/fs.js';

const BIOME = path.join(REPO_ROOT, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');
const ARGS = ['ci', '--formatter-enabled=false', '--assist-enabled=false', '--error-on-warnings', '--reporter=github', '--colors=off', '--max-diagnostics=none', '.'];

/** `::warning title=lint/x/y,file=/abs/f.ts,line=9,...,col=21,...::message` → `f.ts:9:21 lint/x/y message`. */
function diagnostics(out: string): string[] {
  const list: string[] = [];
  for (const line of out.split('\n')) {
    const m = /^::(error|warning|notice) (.*?)::(.*)$/.exec(line);
    if (!m) continue;
    const f = Object.fromEntries(m[2]!.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    const file = f.file ? path.relative(REPO_ROOT, f.file) : '?';
    list.push(`${file}:${f.line ?? '?'}:${f.col ?? '?'} ${f.title ?? m[1]} ${m[3]}`);
  }
  return list;
}

describe('lint (Biome, root biome.json)', function () {
  this.timeout(120_000);

  it('the pinned Biome is installed at the root', () => {
    assert.ok(existsSync(BIOME), `${BIOME} is missing: run the install (it is a root devDependency)`);
    const v = spawnSync(process.execPath, [BIOME, '--version'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    const pinned = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['@biomejs/biome'];
    assert.match(v.stdout, new RegExp(`\\b${pinned!.replace(/\./g, '\\.')}\\b`), `biome --version says ${v.stdout.trim()}, package.json pins ${pinned}`);
  });

  it('reports no diagnostic over the repository', () => {
    const r = spawnSync(process.execPath, [BIOME, ...ARGS], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    assert.equal(r.error, undefined, String(r.error));
    const found = diagnostics(r.stdout);
    assert.deepEqual(found, [], `biome found ${found.length} problem(s) (\`npm run lint\` shows them with context):\n${found.join('\n')}`);
    // No diagnostic but a failed run is a broken configuration or a crash: say what biome said.
    assert.equal(r.status, 0, `biome exited with ${r.status}:\n${r.stderr}${r.stdout}`.slice(0, 20_000));
    assert.match(r.stderr + r.stdout, /Checked [1-9]\d* files?/, 'biome checked no file: the includes of biome.json match nothing');
  });
});
