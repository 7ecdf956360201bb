/**
 * A metrics-only HTTP listener (`tradekit run --metrics-port`): `GET /metrics` and nothing else, no
 * token. It binds 127.0.0.1 unless told otherwise, and answers only requests whose `Host` is a
 * loopback name, an IP address or the bound name, so a web page cannot read it through DNS rebinding.
 */
import { createServer, type Server } from 'node:http';
import { isIP, type AddressInfo } from 'node:net';
import { TradekitError } from '../errors.js';

export interface MetricsSource {
  text(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsServer {
  readonly host: string;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

function isLoopbackName(h: string): boolean {
  return h === 'localhost' || h.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(h) || h === '::1';
}

/** The host name of a `Host` header (no port, lower case, IPv6 without brackets). */
function hostnameOf(header: string | undefined): string | undefined {
  const h = header?.trim().toLowerCase();
  if (!h) return undefined;
  const m = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(h) ?? /^([a-z0-9.-]+)(?::\d{1,5})?$/.exec(h);
  return m?.[1];
}

/** Listens on `host:port` (port 0: any free port); TK_ERR_METRICS_BIND when it cannot. */
export async function serveMetrics(source: MetricsSource, o: { port: number; host?: string }): Promise<MetricsServer> {
  const host = o.host ?? '127.0.0.1';
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535)
    throw new TradekitError('TK_ERR_METRICS_BIND', `metrics port ${String(o.port)} is not a port number: use 0 to 65535 (0 = any free port)`);
  const bound = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const server: Server = createServer((req, res) => {
    const name = hostnameOf(req.headers.host);
    if (name === undefined || !(isLoopbackName(name) || isIP(name) !== 0 || name === bound)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('Host not served here\n');
      return;
    }
    const url = req.url ?? '/';
    if (url !== '/metrics' && !url.startsWith('/metrics?')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('GET /metrics\n');
      return;
    }
    source.text().then(
      (text) => void res.writeHead(200, { 'content-type': source.contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : text),
      () => void res.writeHead(500, { 'content-type': 'text/plain' }).end('could not collect the metrics\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (e: NodeJS.ErrnoException) => {
      const where = `${host}:${o.port}`;
      const why =
        e.code === 'EADDRINUSE'
          ? `${where} is already in use: choose another --metrics-port (0 = any free port)`
          : e.code === 'EACCES'
            ? `not allowed to listen on ${where}: use a port above 1023`
            : e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND'
              ? `${host} is not an address of this machine: check --metrics-host`
              : `cannot listen on ${where}: ${e.code ?? e.message}`;
      reject(new TradekitError('TK_ERR_METRICS_BIND', why, { cause: e }));
    };
    server.once('error', fail);
    server.listen(o.port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = isIP(host) === 6 ? `[${host}]` : host;
  return {
    host,
    port,
    url: `http://${shown}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
