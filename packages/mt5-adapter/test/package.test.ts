/**
 * Package-level promises (as @tradekit/agents checks its own): core's public entry only, every
 * dependency declared, wall time in one place, every export resolves, every plugin a plugin.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PKG_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = path.join(PKG_DIR, 'src');
const PKG = JSON.parse(readFileSync(path.join(PKG_DIR, 'package.json'), 'utf8')) as {
  name: string;
  exports: Record<string, string | { types: string; default: string }>;
  files: string[];
  dependencies: Record<string, string>;
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every `from '…'` and `import('…')` specifier of a source file. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/\bfrom '([^']+)'|\bimport\('([^']+)'\)|^\s*import '([^']+)'/gm)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

describe('@tradekit/mt5-adapter package', () => {
  it("imports nothing of ours but @tradekit/core's public entry, and no package it does not declare", () => {
    const bad: string[] = [];
    for (const f of files(SRC)) {
      for (const spec of specifiers(f)) {
        if (spec.startsWith('node:') || spec === '@tradekit/core') continue;
        if (spec.startsWith('.')) {
          // Relative imports stay inside this package's src (no reaching into another package's files).
          if (path.relative(SRC, path.resolve(path.dirname(f), spec)).startsWith('..')) bad.push(`${path.relative(SRC, f)}: ${spec}`);
          continue;
        }
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (name.startsWith('@tradekit/') || !(name in PKG.dependencies)) bad.push(`${path.relative(SRC, f)}: ${spec}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('reads wall time only through transport/wall-clock.ts (everything else takes the injected Clock or WallTimer)', () => {
    const hits = files(SRC)
      .filter((f) => /Date\.now\(\)|performance\.now\(\)|new Date\(\)/.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(SRC, f));
    assert.deepEqual(hits, [path.join('transport', 'wall-clock.ts')]);
  });

  it('resolves every export of package.json, and ships every file it lists', async () => {
    assert.equal(PKG.name, '@tradekit/mt5-adapter');
    for (const [sub, target] of Object.entries(PKG.exports)) {
      const t = typeof target === 'string' ? { default: target } : target;
      for (const f of Object.values(t)) assert.ok(existsSync(path.join(PKG_DIR, f)), `${sub} → ${f}`);
      if (sub === './package.json') continue;
      const mod = (await import(path.posix.join(PKG.name, sub))) as Record<string, unknown>;
      assert.ok(mod.default, `${sub} has a default export`);
      assert.equal(mod.then, undefined, `${sub}: a \`then\` export would make import() resolve to garbage`);
    }
    for (const f of PKG.files) assert.ok(existsSync(path.join(PKG_DIR, f)), `files: ${f}`);
  });

  it('exports each plugin (the package itself, /data, /broker) with a manifest that requires @tradekit/core and a closed config schema', async () => {
    const expected: Record<string, string[]> = { '': ['broker', 'data'], '/data': ['data'], '/broker': ['broker'] };
    for (const [sub, provides] of Object.entries(expected)) {
      const mod = (await import(`@tradekit/mt5-adapter${sub}`)) as {
        default: { name: string; provides: string[]; requires: Record<string, string>; configSchema: { additionalProperties?: boolean }; setup: unknown };
      };
      const m = mod.default;
      assert.equal(m.name, `@tradekit/mt5-adapter${sub}`);
      assert.deepEqual([...m.provides].sort(), provides, `${m.name} provides`);
      assert.equal(m.requires['@tradekit/core'], '^0.1.0');
      assert.equal(m.configSchema.additionalProperties, false, `${m.name}: unknown config keys are refused`);
      assert.equal(typeof m.setup, 'function');
    }
  });
});
