/**
 * Resolves a plugin specifier the way Node's ESM loader would, from a list of parents: the config
 * file's directory first, then core itself (so `@tradekit/core/paper` always resolves), then extra
 * search paths (the CLI adds its own location so its sibling packages resolve), then the cwd.
 * Relative and absolute paths are taken from the config directory; a directory is read as a package.
 * URLs are never resolved (TK_ERR_PLUGIN_URL). Under a PathPolicy, a file plugin is resolved on its
 * real path, inside the policy's roots, and must be a JavaScript file (TK_ERR_PLUGIN_FORBIDDEN).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolve as esmResolve } from 'import-meta-resolve';
import { TradekitError } from '../errors.js';
import type { PathPolicy } from '../config/path-policy.js';
import { isJsFile, isUrlSpecifier } from './plugin-policy.js';

export interface Resolution {
  url: string;
  /** How it was found (for error messages). */
  via: string;
}

export function isPathSpecifier(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/') || /^[A-Za-z]:[\\/]/.test(spec) || spec === '.' || spec === '..';
}

/**
 * The module URL of a plugin, or undefined when nothing is found. Throws TK_ERR_PLUGIN_URL for a URL,
 * and (with `paths`) the policy's error for a path outside its roots or TK_ERR_PLUGIN_FORBIDDEN for a
 * file that is not JavaScript.
 */
export function resolvePlugin(spec: string, configDir: string, searchPaths: readonly string[], paths?: PathPolicy): Resolution | undefined {
  if (isUrlSpecifier(spec))
    throw new TradekitError('TK_ERR_PLUGIN_URL', `plugin "${shorten(spec)}" is a URL: plugins load from an installed package or a file`);
  if (isPathSpecifier(spec)) {
    const abs = path.resolve(configDir, spec);
    if (!paths) {
      const file = resolveFile(abs);
      return file ? { url: pathToFileURL(file).href, via: abs } : undefined;
    }
    // A package directory's entry may point anywhere: check the directory, then the file it names.
    const file = resolveFile(paths.confine(abs, 'plugin path'));
    if (!file) return undefined;
    const real = paths.confine(file, 'plugin file');
    if (!isJsFile(real)) {
      throw new TradekitError(
        'TK_ERR_PLUGIN_FORBIDDEN',
        `plugin "${spec}" resolves to ${path.basename(real)}, which is not a JavaScript file (.js, .mjs, .cjs)`,
      );
    }
    return { url: pathToFileURL(real).href, via: abs };
  }
  const parents = [
    pathToFileURL(path.join(configDir, '__tradekit_config__.js')).href,
    import.meta.url,
    ...searchPaths.map((p) => (p.startsWith('file:') ? p : pathToFileURL(path.join(p, '__tradekit__.js')).href)),
    pathToFileURL(path.join(process.cwd(), '__tradekit_cwd__.js')).href,
  ];
  for (const parent of parents) {
    try {
      const url = esmResolve(spec, parent);
      if (!url.startsWith('file:')) return undefined;
      return { url, via: parent };
    } catch {
      /* try the next parent */
    }
  }
  return undefined;
}

function shorten(s: string): string {
  return s.length > 48 ? `${s.slice(0, 45)}…` : s;
}

function resolveFile(abs: string, depth = 0): string | undefined {
  // A package whose entry names a directory that names a directory… (or itself): give up.
  if (depth > 8) return undefined;
  if (existsSync(abs) && statSync(abs).isFile()) return abs;
  if (existsSync(abs) && statSync(abs).isDirectory()) {
    const pkgFile = path.join(abs, 'package.json');
    if (existsSync(pkgFile)) {
      let pkg: { main?: string; exports?: unknown };
      try {
        pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as typeof pkg;
      } catch {
        return undefined;
      }
      const entry = exportsEntry(pkg.exports) ?? (typeof pkg.main === 'string' ? pkg.main : 'index.js');
      return resolveFile(path.join(abs, entry), depth + 1);
    }
    return resolveFile(path.join(abs, 'index.js'), depth + 1);
  }
  for (const ext of ['.js', '.mjs']) if (existsSync(abs + ext)) return abs + ext;
  return undefined;
}

function exportsEntry(exp: unknown): string | undefined {
  if (typeof exp === 'string') return exp;
  if (!exp || typeof exp !== 'object') return undefined;
  const e = exp as Record<string, unknown>;
  const dot = '.' in e ? e['.'] : e;
  if (typeof dot === 'string') return dot;
  if (dot && typeof dot === 'object') {
    const d = dot as Record<string, unknown>;
    for (const k of ['import', 'node', 'default']) {
      const v = d[k];
      if (typeof v === 'string') return v;
      const nested = exportsEntry(v);
      if (nested) return nested;
    }
  }
  return undefined;
}

/** The version of an installed package as seen from `fromUrl`, or undefined. */
export function installedVersion(pkg: string, fromUrl: string): string | undefined {
  try {
    const url = esmResolve(`${pkg}/package.json`, fromUrl);
    return (JSON.parse(readFileSync(new URL(url), 'utf8')) as { version?: string }).version;
  } catch {
    // Packages whose exports hide package.json: walk up from the resolved entry point.
    try {
      let dir = path.dirname(new URL(esmResolve(pkg, fromUrl)).pathname);
      for (let i = 0; i < 6; i++) {
        const f = path.join(dir, 'package.json');
        if (existsSync(f)) {
          const j = JSON.parse(readFileSync(f, 'utf8')) as { name?: string; version?: string };
          if (j.name === pkg) return j.version;
        }
        dir = path.dirname(dir);
      }
    } catch {
      /* not installed */
    }
    return undefined;
  }
}
