/** Package-level promises: core's public API only, every config key documented, every plugin exported. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { AgentErrorCodes, INSTITUTIONAL_SCHEMA, RISK_SCHEMA, STAT_ARB_SCHEMA, TRADE_MANAGER_SCHEMA } from '@tradekit/agents';
import { NEWS_SCHEMA } from '@tradekit/agents/news';
import { REPO_ROOT } from './helpers.js';

const SRC = path.join(REPO_ROOT, 'packages', 'agents', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function keys(schema: { properties?: Record<string, { properties?: Record<string, unknown> }> }, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(schema.properties ?? {})) {
    out.push(prefix + k);
    if (v.properties) out.push(...keys(v as never, `${prefix}${k}.`));
  }
  return out;
}

describe('@tradekit/agents package', () => {
  it("imports nothing of ours but @tradekit/core's public entry (a third party could have written it)", () => {
    const bad: string[] = [];
    for (const f of files(SRC)) {
      for (const m of readFileSync(f, 'utf8').matchAll(/from '([^']+)'/g)) {
        const spec = m[1]!;
        if (spec.startsWith('.') || spec.startsWith('node:') || spec === '@tradekit/core') continue;
        bad.push(`${path.relative(SRC, f)}: ${spec}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it('never reads the wall clock in plugin code (time comes from the injected Clock)', () => {
    const hits = files(SRC).filter((f) => /Date\.now\(\)|performance\.now\(\)/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(hits, []);
  });

  it('documents every config key of every plugin in docs/agents.md', () => {
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'agents.md'), 'utf8');
    const missing: string[] = [];
    for (const [name, schema] of Object.entries({
      institutional: INSTITUTIONAL_SCHEMA,
      risk: RISK_SCHEMA,
      'trade-manager': TRADE_MANAGER_SCHEMA,
      news: NEWS_SCHEMA,
      'stat-arb': STAT_ARB_SCHEMA,
    })) {
      for (const k of keys(schema as never))
        if (!doc.includes(`\`${k}\``) && !doc.includes(`\`${k.replace(/^regimeParams\.(\w+)$/, 'regimeParams')}\``)) missing.push(`${name}: ${k}`);
    }
    assert.deepEqual(missing, []);
  });

  it('every error code is raised, documented in docs/errors.md, and no plugin throws a plain Error', () => {
    const declared = Object.keys(AgentErrorCodes).sort();
    const sources = files(SRC)
      .filter((f) => !f.endsWith('errors.ts'))
      .map((f) => readFileSync(f, 'utf8'));
    assert.deepEqual(
      declared.filter((code) => !sources.some((t) => t.includes(`'${code}'`))),
      [],
      'declared but never raised',
    );
    const doc = readFileSync(path.join(REPO_ROOT, 'docs', 'errors.md'), 'utf8');
    assert.deepEqual(
      declared.filter((code) => !doc.includes(`\`${code}\``)),
      [],
      'not in docs/errors.md',
    );
    const documented = [...new Set([...doc.matchAll(/TK_ERR_AGENTS_[A-Z_]+/g)].map((m) => m[0]))].sort();
    assert.deepEqual(documented, declared, 'docs/errors.md lists exactly the declared codes');
    const plain = files(SRC)
      .filter((f) => /throw new Error\(/.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(SRC, f));
    assert.deepEqual(plain, [], 'coded errors only');
  });

  it('exports each plugin as a package subpath with a manifest that requires @tradekit/core', async () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'packages', 'agents', 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    for (const sub of ['institutional', 'risk', 'trade-manager', 'news', 'stat-arb']) {
      assert.ok(pkg.exports[`./${sub}`], sub);
      const mod = (await import(`@tradekit/agents/${sub}`)) as { default: { name: string; requires: Record<string, string>; configSchema: object } };
      assert.equal(mod.default.name, `@tradekit/agents/${sub}`);
      assert.equal(mod.default.requires['@tradekit/core'], '^0.1.0');
      assert.equal((mod.default.configSchema as { additionalProperties: boolean }).additionalProperties, false);
    }
  });
});
