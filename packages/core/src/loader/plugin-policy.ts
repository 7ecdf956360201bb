/**
 * Which plugins a config may name. A plugin is code: loading one runs it. A local user's own config
 * (`tradekit run`, `tradekit validate`) may name any package or file, but never a URL (`data:`,
 * `file:`, `http:`, `node:`…: a plugin is installed or saved as a file, not fetched or inlined). A
 * config from an untrusted client (an upload to `tradekit serve`) gets a `PluginPolicy`: the
 * built-ins, the packages the host allows, and JavaScript files under the host's roots (checked on
 * their real path by the host's PathPolicy). All of this is decided before anything is imported.
 */
import path from 'node:path';

/** core's own plugins, always allowed. */
export const BUILTIN_PLUGINS: readonly string[] = Object.freeze([
  '@tradekit/core/csv',
  '@tradekit/core/paper',
  '@tradekit/core/cache',
  '@tradekit/core/console',
]);

export interface PluginPolicy {
  /**
   * Packages that may be loaded by name besides the built-ins: a package name allows the package and
   * its subpath exports (`@tradekit/agents` allows `@tradekit/agents/institutional`); a subpath allows
   * just that one.
   */
  allow: readonly string[];
}

/** File extensions a plugin file may have under a PluginPolicy. */
const JS_FILE = /\.(?:js|mjs|cjs)$/;

/** `data:…`, `file:…`, `http(s):…`, `node:…`, any `scheme:`; not a Windows drive path (`C:\x`). */
export function isUrlSpecifier(spec: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(spec) && !/^[A-Za-z]:[\\/]/.test(spec);
}

/** True when a package specifier is a built-in or covered by `allow`. */
export function packageAllowed(spec: string, policy: PluginPolicy): boolean {
  // Nothing that could step out of a package (`pkg/../x`, backslashes, empty segments).
  if (spec.includes('\\') || spec.split('/').some((s, i) => s === '..' || s === '.' || (s === '' && i > 0))) return false;
  if (BUILTIN_PLUGINS.includes(spec)) return true;
  return policy.allow.some((a) => spec === a || spec.startsWith(`${a}/`));
}

/** True when a resolved plugin file may be imported under a PluginPolicy (a JavaScript file). */
export function isJsFile(file: string): boolean {
  return JS_FILE.test(path.basename(file));
}
