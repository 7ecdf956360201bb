/**
 * Path confinement for runs whose config is not trusted (a host such as `tradekit serve` starts them
 * from uploaded YAML). A `PathPolicy` is given to `Run` (`RunOptions.paths`); the plugin loader (file
 * plugins), `ctx.resolvePath` (data dirs, model files, caches) and the state store consult it. The
 * check is on real paths (`realpath` of the path, or of its nearest existing parent for a file not yet
 * created), so a symlink inside a root that points outside is outside.
 */
import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import path from 'node:path';

export interface PathPolicy {
  /**
   * `abs` (absolute) → the real path to use instead; throws a coded error when it is out of bounds.
   * `what` names the path in that error ("data dir", "state file", "plugin file").
   */
  confine(abs: string, what: string): string;
}

/**
 * The real path of `abs`: `realpath` of the path when it exists, else of its nearest existing parent
 * with the remaining segments appended. A dangling symlink is followed to where it points (that is
 * where a write would land). Throws on a symlink loop.
 */
export function realPathOf(abs: string): string {
  let p = path.resolve(abs);
  const rest: string[] = [];
  for (let hops = 0; hops < 64; hops++) {
    try {
      return path.join(realpathSync.native(p), ...rest);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
    }
    let link: string | undefined;
    try {
      if (lstatSync(p).isSymbolicLink()) link = readlinkSync(p);
    } catch {
      /* does not exist at all */
    }
    if (link !== undefined) {
      p = path.resolve(path.dirname(p), link);
      continue;
    }
    const parent = path.dirname(p);
    if (parent === p) return path.join(p, ...rest);
    rest.unshift(path.basename(p));
    p = parent;
  }
  throw Object.assign(new Error(`too many symbolic links resolving ${abs}`), { code: 'ELOOP' });
}

/** True when `p` is `dir` or inside it (both absolute, normalized). */
export function isWithin(p: string, dir: string): boolean {
  if (p === dir) return true;
  return p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
}

export interface RootsPolicyOptions {
  /** Allowed directories (resolved to their real paths once, here). */
  roots: readonly string[];
  /** Directories (or files) inside the roots that are still refused, e.g. the host's own data dir. */
  deny?: readonly string[];
  /** The error to throw: `reason` says which rule refused `abs`. */
  refuse(abs: string, what: string, reason: 'outside' | 'denied' | 'unresolvable'): Error;
}

/** A PathPolicy that allows real paths inside `roots` and not inside `deny`. */
export function rootsPolicy(o: RootsPolicyOptions): PathPolicy {
  const roots = o.roots.map((r) => realPathOf(r));
  const deny = (o.deny ?? []).map((d) => realPathOf(d));
  return {
    confine(abs, what) {
      let real: string;
      try {
        real = realPathOf(abs);
      } catch {
        throw o.refuse(abs, what, 'unresolvable');
      }
      if (!roots.some((r) => isWithin(real, r))) throw o.refuse(abs, what, 'outside');
      if (deny.some((d) => isWithin(real, d))) throw o.refuse(abs, what, 'denied');
      return real;
    },
  };
}
