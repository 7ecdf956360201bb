/**
 * The error codes are a closed, documented set (fastify's rule): every code a package declares in its
 * errors.ts is listed in docs/errors.md, every code listed there is declared, and every declared code
 * is raised somewhere in the sources (no dead codes).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './helpers/fs.js';

const CODE = /TK_ERR_[A-Z0-9_]+/g;

/** Each package's declared codes, from its compiled errors module (every exported map of TK_ERR_* keys). */
async function declared(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const base = path.join(REPO_ROOT, 'packages');
  for (const pkg of readdirSync(base)) {
    const file = path.join(base, pkg, 'dist', 'src', 'errors.js');
    if (!existsSync(path.join(base, pkg, 'src', 'errors.ts'))) continue;
    assert.ok(existsSync(file), `${pkg} is built (${file})`);
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const v of Object.values(mod)) {
      if (!v || typeof v !== 'object') continue;
      const keys = Object.keys(v);
      if (keys.length && keys.every((k) => k.startsWith('TK_ERR_'))) for (const k of keys) out.set(k, pkg);
    }
  }
  return out;
}

/** Codes named in docs/errors.md outside code blocks (the page's example of a third-party code is in one). */
function documented(): Set<string> {
  const text = readFileSync(path.join(REPO_ROOT, 'docs', 'errors.md'), 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set(text.match(CODE) ?? []);
}

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const f = path.join(dir, name);
    if (statSync(f).isDirectory()) sources(f, out);
    else if (name.endsWith('.ts') && name !== 'errors.ts') out.push(f);
  }
  return out;
}

describe('error codes', () => {
  it('every declared code is documented in docs/errors.md, and every documented code is declared', async () => {
    const codes = await declared();
    assert.ok(codes.size > 80, `found the packages' codes (${codes.size})`);
    const docs = documented();
    const undocumented = [...codes.keys()].filter((c) => !docs.has(c));
    const unknown = [...docs].filter((c) => !codes.has(c));
    assert.deepEqual(undocumented, [], `declared but not in docs/errors.md: ${undocumented.map((c) => `${c} (${codes.get(c)})`).join(', ')}`);
    assert.deepEqual(unknown, [], `in docs/errors.md but declared by no package: ${unknown.join(', ')}`);
  });

  it('every declared code is raised somewhere in the sources', async () => {
    const codes = await declared();
    const used = new Set<string>();
    for (const pkg of readdirSync(path.join(REPO_ROOT, 'packages'))) {
      const src = path.join(REPO_ROOT, 'packages', pkg, 'src');
      if (!existsSync(src)) continue;
      for (const f of sources(src)) for (const c of readFileSync(f, 'utf8').match(CODE) ?? []) used.add(c);
    }
    const dead = [...codes.keys()].filter((c) => !used.has(c));
    assert.deepEqual(dead, [], `declared but never raised: ${dead.map((c) => `${c} (${codes.get(c)})`).join(', ')}`);
  });
});
