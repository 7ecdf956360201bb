/**
 * A real npm registry for the publish → install test: verdaccio (a root devDependency) on 127.0.0.1,
 * a free port, temporary storage and config; packages of this workspace are local only, everything
 * else is proxied to the public registry so third-party dependencies install. Publishing goes through
 * a throwaway user created over the registry's API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { ROOT } from './helpers.js';

export const UPLINK = 'https://registry.npmjs.org/';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Registry {
  url: string;
  /** A user config for npm: this registry, its auth token, nothing else of the machine's. */
  npmrc: string;
  /** verdaccio's own output (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

export async function startRegistry(dir: string): Promise<Registry> {
  mkdirSync(path.join(dir, 'storage'), { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const config = path.join(dir, 'verdaccio.yaml');
  writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(path.join(dir, 'storage'))}`,
      'auth:',
      '  htpasswd:',
      `    file: ${JSON.stringify(path.join(dir, 'htpasswd'))}`,
      '    max_users: 10',
      'uplinks:',
      `  npmjs: { url: ${JSON.stringify(UPLINK)}, timeout: 60s, max_fails: 5 }`,
      'packages:',
      // This workspace's packages (and the plugins the test scaffolds) exist here only, never upstream.
      "  '@tradekit/*': { access: $all, publish: $authenticated, unpublish: $authenticated }",
      "  'tradekit': { access: $all, publish: $authenticated, unpublish: $authenticated }",
      "  'tradekit-plugin-*': { access: $all, publish: $authenticated, unpublish: $authenticated }",
      "  '**': { access: $all, publish: $authenticated, proxy: npmjs }",
      'web: { enable: false }',
      'max_body_size: 200mb',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const bin = path.join(ROOT, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
  if (!existsSync(bin)) throw new Error(`verdaccio is not installed at ${bin} (a root devDependency: run npm run setup)`);
  const child: ChildProcess = spawn(process.execPath, [bin, '--config', config, '--listen', `127.0.0.1:${port}`], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  let exited = false;
  child.on('exit', () => (exited = true));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`verdaccio exited before it answered:\n${out}`);
    try {
      const r = await fetch(`${url}-/ping`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`verdaccio did not answer on ${url} within 60 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  // A throwaway user: the registry answers with the token npm publishes with.
  const user = `tk-e2e-${port}`;
  const res = await fetch(`${url}-/user/org.couchdb.user:${user}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: user, password: `pw-${port}-${process.pid}`, email: `${user}@example.invalid` }),
  });
  const body = (await res.json()) as { token?: string };
  if (!res.ok || !body.token) throw new Error(`verdaccio refused the test user: ${res.status} ${JSON.stringify(body)}`);
  const npmrc = path.join(dir, 'npmrc');
  writeFileSync(npmrc, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${body.token}\n`);
  return {
    url,
    npmrc,
    log: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}

/**
 * Where native modules fetch their prebuilt binaries (prebuild-install's documented
 * `npm_config_<package>_binary_host`): GitHub's release downloads are not reachable here, so without
 * it an install compiles sqlite3 from source; from here, an install downloads a binary as a user's
 * install downloads GitHub's.
 */
export interface BinaryMirror {
  url: string;
  dir: string;
  /** Requests served (200) and missed (404). */
  hits: string[];
  misses: string[];
  stop(): Promise<void>;
}

export async function startBinaryMirror(dir: string): Promise<BinaryMirror> {
  mkdirSync(dir, { recursive: true });
  const hits: string[] = [];
  const misses: string[] = [];
  const srv = createHttpServer((req, res) => {
    const name = path.posix.basename(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(dir, name);
    if (req.method === 'GET' && /^[\w.-]+\.tar\.gz$/.test(name) && existsSync(file)) {
      hits.push(req.url!);
      res.writeHead(200, { 'content-type': 'application/gzip' });
      createReadStream(file).pipe(res);
    } else {
      misses.push(req.url ?? '');
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
  return { url, dir, hits, misses, stop: () => new Promise<void>((resolve) => srv.close(() => resolve())) };
}

/**
 * The environment of a user's shell with this registry: none of the npm_* variables a surrounding
 * `npm run` set (they would point npm at this workspace), a fresh cache, no prompts.
 */
export function userEnv(reg: Registry, cache: string, mirror: BinaryMirror): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|INIT_CWD$|PNPM_|COREPACK_)/i.test(k)) env[k] = v;
  Object.assign(env, {
    npm_config_userconfig: reg.npmrc,
    npm_config_registry: reg.url,
    npm_config_cache: cache,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    // npx runs the project's own bin; never a download.
    npm_config_yes: 'false',
    npm_config_sqlite3_binary_host: `${mirror.url}/sqlite3`,
  });
  // sqlite3 (a dependency of @tradekit/core) builds from source when its prebuilt binary cannot be
  // downloaded; node-gyp then needs Node's headers, which ship under Node's prefix (scripts/setup.mjs).
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (existsSync(path.join(prefix, 'include', 'node', 'node.h'))) env.npm_config_nodedir = prefix;
  return env;
}

export interface Result {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

/**
 * A command in a folder, as a user types it, without blocking this process (the binary mirror answers
 * from it meanwhile); the output is kept for assertion messages.
 */
export function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 10 * 60_000): Promise<Result> {
  return new Promise((resolve) => {
    // Its own process group, so a timeout also ends what it started (node-gyp, compilers).
    const p = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let error: Error | undefined;
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      error = new Error(`timed out after ${timeoutMs / 1000} s`);
      try {
        process.kill(-p.pid!, 'SIGKILL');
      } catch {
        p.kill('SIGKILL');
      }
    }, timeoutMs);
    p.on('error', (e) => (error = e));
    p.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, error });
    });
  });
}

export function explain(r: Result, what: string): string {
  const tail = (s: string) => s.split('\n').slice(-40).join('\n');
  return `${what}: exit ${r.status ?? r.signal}${r.error ? ` (${r.error.message})` : ''}\n--- stdout\n${tail(r.stdout)}\n--- stderr\n${tail(r.stderr)}`;
}
