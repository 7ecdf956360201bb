/**
 * Which addresses the server may listen on, and which `Host` headers it answers. A page on another
 * site can make a browser call `http://evil.example:8787/` and have `evil.example` resolve to
 * 127.0.0.1 (DNS rebinding): the browser then treats the server as that site's origin. The `Host`
 * header still says `evil.example`, so requests are answered only for loopback names, the address
 * the server is bound to, and `server.allowedHosts`. Listening beyond loopback needs
 * `server.allowRemote` (the token is required either way).
 */
import { isIP } from 'node:net';
import { apiError } from '../errors.js';
import type { ServerConfig } from './config.js';

/** `localhost` (and `*.localhost`), 127.0.0.0/8, ::1 and its IPv4-mapped form. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return h === 'localhost' || h.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(h) || h === '::1' || /^::ffff:127(\.\d{1,3}){3}$/.test(h);
}

/** The host name of a `Host` header (no port, lower case, IPv6 without brackets), or undefined if malformed. */
export function hostnameOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const h = header.trim().toLowerCase();
  const m = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(h) ?? /^([a-z0-9.-]+)(?::\d{1,5})?$/.exec(h);
  return m?.[1];
}

/** The names a `Host` header may carry besides loopback ones: the bound address (unless a wildcard) and `allowedHosts`. */
export function allowedHostnames(cfg: ServerConfig): ReadonlySet<string> {
  const out = new Set(cfg.server.allowedHosts.map((h) => hostnameOf(h) ?? h.toLowerCase()));
  const bound = cfg.server.host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (bound !== '0.0.0.0' && bound !== '::') out.add(bound);
  return out;
}

export function hostAllowed(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  const name = hostnameOf(header);
  if (name === undefined) return false;
  return isLoopback(name) || allowed.has(name);
}

/** The refusal for a request whose Host is not allowed. */
export function hostRefused(header: string | undefined): Error {
  const shown = (header ?? '').slice(0, 100);
  return apiError(
    'TK_ERR_API_HOST',
    `Host "${shown}" is not served here: use a loopback address, the address the server listens on, or a name in server.allowedHosts`,
  );
}

/** Throws TK_ERR_API_BIND unless `host` is loopback or `server.allowRemote` is set. */
export function checkBindAllowed(host: string, allowRemote: boolean): void {
  if (isLoopback(host) || allowRemote) return;
  const what = host === '0.0.0.0' || host === '::' ? 'every interface' : isIP(host) ? host : `"${host}"`;
  throw apiError(
    'TK_ERR_API_BIND',
    `refusing to listen on ${what}: the orchestrator serves loopback only unless told otherwise. To accept remote clients, set server.allowRemote: true (or pass --allow-remote to tradekit serve), list the names clients use in server.allowedHosts, and put a TLS proxy in front (docs/security.md)`,
  );
}
