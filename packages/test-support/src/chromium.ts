/**
 * Browser tests drive Debian's Chromium with playwright-core (never a downloaded browser). When it is
 * missing, the test installs it itself (`apt-get install chromium`, about a minute), so a fresh
 * machine needs nothing by hand. The flags keep a headless Chromium off the network it cannot reach.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
]);

/** Installs Debian's `chromium` package when it is not there yet (root, apt). Returns its path. */
export function ensureChromium(path = CHROMIUM_PATH): string {
  if (existsSync(path)) return path;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', 'chromium'],
  ]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env, timeout: 600_000 });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(' ')} failed (${r.status ?? r.signal}); install Debian's chromium to run the browser tests`);
  }
  if (!existsSync(path)) throw new Error(`chromium was installed but ${path} does not exist; set CHROMIUM_PATH`);
  return path;
}
