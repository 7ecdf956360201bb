/** Package-level promises: core's public API only, time from the Clock, every key documented, every plugin exported. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './harness.js';

const SRC = path.join(ROOT, 'packages', 'llm', 'src');
const PLUGINS = ['sentiment', 'researcher', 'critic'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function leaves(schema: { properties?: Record<string, { properties?: Record<string, unknown> }> }): string[] {
  return Object.entries(schema.properties ?? {}).flatMap(([k, v]) => [k, ...(v.properties ? leaves(v as never) : [])]);
}

describe('@tradekit/llm package', () => {
  it('imports only @tradekit/core’s public entry and its declared dependencies', () => {
    const deps = Object.keys(
      (JSON.parse(readFileSync(path.join(ROOT, 'packages', 'llm', 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies,
    );
    const bad: string[] = [];
    for (const f of files(SRC)) {
      for (const m of readFileSync(f, 'utf8').matchAll(/from '([^']+)'/g)) {
        const spec = m[1]!;
        if (spec.startsWith('.') || spec.startsWith('node:') || deps.includes(spec)) continue;
        bad.push(`${path.relative(SRC, f)}: ${spec}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('decision time comes from the Clock: the wall clock only times the network (attempt deadlines, latency, an HTTP-date retry-after)', () => {
    const reads = (re: RegExp) =>
      files(SRC)
        .filter((f) => re.test(readFileSync(f, 'utf8')))
        .map((f) => path.relative(SRC, f))
        .sort();
    // Never Date.now(): wall time is core's LiveClock (the retry-after HTTP date) or a monotonic timer (deadlines, latency).
    assert.deepEqual(reads(/Date\.now\(\)/), []);
    assert.deepEqual(reads(/performance\.now\(\)/), ['client.ts']);
    assert.deepEqual(reads(/new LiveClock\(\)/), ['providers/http-errors.ts']);
  });

  it('documents every config key of every plugin in docs/llm.md', async () => {
    const doc = readFileSync(path.join(ROOT, 'docs', 'llm.md'), 'utf8');
    const missing: string[] = [];
    for (const p of PLUGINS) {
      const mod = (await import(`@tradekit/llm/${p}`)) as { default: { configSchema: object } };
      for (const k of leaves(mod.default.configSchema as never)) if (!doc.includes(`\`${k}\``) && !doc.includes(`\`llm.${k}\``)) missing.push(`${p}: ${k}`);
    }
    assert.deepEqual(missing, []);
  });

  it('exports each plugin as a subpath with a manifest that requires @tradekit/core and refuses unknown keys', async () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'packages', 'llm', 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    for (const p of PLUGINS) {
      assert.ok(pkg.exports[`./${p}`], p);
      const mod = (await import(`@tradekit/llm/${p}`)) as {
        default: { name: string; provides: string[]; requires: Record<string, string>; configSchema: { additionalProperties: boolean } };
      };
      assert.equal(mod.default.name, `@tradekit/llm/${p}`);
      assert.deepEqual(mod.default.provides, ['hook']);
      assert.equal(mod.default.requires['@tradekit/core'], '^0.1.0');
      assert.equal(mod.default.configSchema.additionalProperties, false);
    }
  });
});
