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
// The JSON reporter is marked experimental by Biome: its shape is fixed by the exact version pinned.
const ARGS = ['ci', '--error-on-warnings', '--reporter=json', '--colors=off', '--max-diagnostics=none', '.'];

interface Report {
  summary: { changed: number; unchanged: number; errors: number; warnings: number; infos: number };
  diagnostics: { category?: string; severity: string; message: string; location?: { path?: string; start?: { line: number; column: number } } }[];
}

/** Each diagnostic as `file:line:col rule message`. */
function listed(report: Report): string[] {
  return report.diagnostics.map((d) => {
    const at = d.location?.start ? `:${d.location.start.line}:${d.location.start.column}` : '';
    return `${d.location?.path ?? '?'}${at} ${d.category ?? d.severity} ${d.message}`;
  });
}

describe('lint (Biome, root biome.json)', function () {
  this.timeout(120_000);

  it('the pinned Biome is installed at the root', () => {
    assert.ok(existsSync(BIOME), `${BIOME} is missing: run the install (it is a root devDependency)`);
    const v = spawnSync(process.execPath, [BIOME, '--version'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    const pinned = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies[
      '@biomejs/biome'
    ];
    assert.match(v.stdout, new RegExp(`\\b${pinned!.replace(/\./g, '\\.')}\\b`), `biome --version says ${v.stdout.trim()}, package.json pins ${pinned}`);
  });

  it('reports no diagnostic over the repository', () => {
    const r = spawnSync(process.execPath, [BIOME, ...ARGS], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    assert.equal(r.error, undefined, String(r.error));
    let report: Report;
    try {
      report = JSON.parse(r.stdout) as Report;
    } catch {
      // No report at all: a broken configuration or a crash. Say what biome said.
      assert.fail(`biome exited with ${r.status} and no report:\n${r.stderr}${r.stdout}`.slice(0, 20_000));
    }
    const found = listed(report);
    assert.deepEqual(found, [], `biome found ${found.length} problem(s) (\`npm run lint\` shows them with context):\n${found.join('\n')}`);
    assert.equal(r.status, 0, `biome exited with ${r.status}:\n${r.stderr}`.slice(0, 20_000));
    assert.ok(
      report.summary.unchanged + report.summary.changed > 100,
      `biome checked ${report.summary.unchanged} file(s): the includes of biome.json match (almost) nothing`,
    );
  });
});
