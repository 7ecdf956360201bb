/**
 * Package-level promises (as @tradekit/agents checks its own): core's public entry only, every
 * dependency declared, every export resolves, the socket.io sink is a plugin, and the code the web UI
 * bundles (ui/src and src/shared) stays browser code: no Node modules, nothing of the server, types
 * only from @tradekit/core.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PKG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = path.join(PKG_DIR, 'src');
const UI = path.join(PKG_DIR, 'ui', 'src');
const PKG = JSON.parse(readFileSync(path.join(PKG_DIR, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, string | { types: string; default: string }>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(p) ? [p] : [];
  });
}

/** Every import of a source file: its specifier and whether it imports types only. */
function imports(file: string): { spec: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?\bfrom\s+'([^']+)'|\bimport\('([^']+)'\)|^\s*import\s+'([^']+)'/gm)].map((m) => ({
    spec: (m[3] ?? m[4] ?? m[5])!,
    typeOnly: !!m[2],
  }));
}

const CORE_PKG = JSON.parse(readFileSync(path.join(PKG_DIR, '..', 'core', 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
const packageOf = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);

describe('@tradekit/dashboard package', () => {
  it("imports nothing of ours but @tradekit/core's public entries, and no package it does not declare (server code)", () => {
    // Core's public entries: its index and the subpaths of its exports map (e.g. @tradekit/core/metrics).
    const coreEntries = new Set(Object.keys(CORE_PKG.exports).map((k) => (k === '.' ? '@tradekit/core' : `@tradekit/core/${k.slice(2)}`)));
    const bad: string[] = [];
    for (const f of files(SRC)) {
      for (const { spec } of imports(f)) {
        if (spec.startsWith('node:') || (coreEntries.has(spec) && spec !== '@tradekit/core/package.json')) continue;
        if (spec.startsWith('.')) {
          if (path.relative(SRC, path.resolve(path.dirname(f), spec)).startsWith('..')) bad.push(`${path.relative(SRC, f)}: ${spec}`);
          continue;
        }
        const name = packageOf(spec);
        if (name.startsWith('@tradekit/') || !(name in PKG.dependencies)) bad.push(`${path.relative(SRC, f)}: ${spec}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('keeps the web UI browser code: no node: modules, no server files, only types from @tradekit/core, only declared packages', () => {
    const bad: string[] = [];
    const shared = path.join(SRC, 'shared');
    for (const f of [...files(UI), ...files(shared)]) {
      const where = path.relative(PKG_DIR, f);
      for (const { spec, typeOnly } of imports(f)) {
        if (spec.startsWith('.')) {
          const target = path.resolve(path.dirname(f), spec);
          if (!target.startsWith(UI + path.sep) && !target.startsWith(shared + path.sep)) bad.push(`${where}: ${spec} (outside ui/src and src/shared)`);
        } else if (spec.startsWith('node:')) bad.push(`${where}: ${spec}`);
        else if (spec === '@tradekit/core') {
          if (!typeOnly) bad.push(`${where}: ${spec} (a value import would bundle core into the browser)`);
        } else if (!(packageOf(spec) in PKG.devDependencies)) bad.push(`${where}: ${spec} (not a declared devDependency)`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('never reads the wall clock in server or plugin code (time comes from the injected Clock)', () => {
    const hits = files(SRC).filter((f) => /Date\.now\(\)|performance\.now\(\)/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(hits, []);
  });

  it('resolves every export of package.json', async () => {
    assert.equal(PKG.name, '@tradekit/dashboard');
    for (const [sub, target] of Object.entries(PKG.exports)) {
      const t = typeof target === 'string' ? { default: target } : target;
      for (const f of Object.values(t)) assert.ok(existsSync(path.join(PKG_DIR, f)), `${sub} → ${f}`);
      if (sub === './package.json') continue;
      const mod = (await import(path.posix.join(PKG.name, sub))) as Record<string, unknown>;
      assert.equal(mod.then, undefined, `${sub}: a \`then\` export would make import() resolve to garbage`);
    }
    const main = await import('@tradekit/dashboard');
    assert.equal(typeof main.startOrchestrator, 'function');
    assert.equal(typeof main.classifyStatus, 'function');
  });

  it('exports the socket.io sink as a plugin that requires @tradekit/core, with a closed config schema', async () => {
    const { default: m } = (await import('@tradekit/dashboard/socketio')) as {
      default: {
        name: string;
        provides: readonly string[];
        requires: Record<string, string>;
        configSchema: { additionalProperties?: boolean };
        setup: unknown;
      };
    };
    assert.equal(m.name, '@tradekit/dashboard/socketio');
    assert.deepEqual([...m.provides], ['sink']);
    assert.equal(m.requires['@tradekit/core'], '^0.1.0');
    assert.equal(m.configSchema.additionalProperties, false);
    assert.equal(typeof m.setup, 'function');
  });
});
