import { realpathSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Run, silentLogger, type RunOptions, type TradekitEvent } from '../../src/index.js';
import { EXAMPLES, tempDir } from './fs.js';

export interface TestRun {
  run: Run;
  dir: string;
  events: TradekitEvent[];
  cleanup(): Promise<void>;
}

/**
 * Writes `config.yaml` (+ plugin files) into a temp dir and starts a Run over the shipped sample
 * data (paper broker, SimClock). Plugins are plain JS objects in files, as a user would write them.
 */
export async function startRun(yaml: string, files: Record<string, string> = {}, opts: Partial<RunOptions> = {}): Promise<TestRun> {
  const { dir, cleanup } = tempDir('tk-run-');
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const config = yaml.replaceAll('$DATA', path.join(EXAMPLES, 'data'));
  writeFileSync(path.join(dir, 'config.yaml'), config);
  const events: TradekitEvent[] = [];
  const run = await Run.load({ configFile: path.join(dir, 'config.yaml'), logger: silentLogger(), ...opts });
  try {
    await run.start();
  } catch (e) {
    cleanup();
    throw e;
  }
  run.bus.subscribe((e) => events.push(e));
  return {
    run,
    dir,
    events,
    cleanup: async () => {
      await run.close();
      cleanup();
    },
  };
}

/**
 * The module a run loaded from one of its plugin files (the loader imports the file's real path, so this
 * is the same instance). A plugin file exports what it saw (`export const seen = ...`) and the test reads
 * it here: state lives in the test's own temp dir, never on globalThis.
 */
export async function pluginModule<T = Record<string, unknown>>(t: TestRun, file: string): Promise<T> {
  return (await import(pathToFileURL(realpathSync(path.join(t.dir, file))).href)) as T;
}

/** The usual head of a test config: paper replay over EURUSD, GBPUSD, XAUUSD M5. */
export function baseConfig(extra: string, symbols = '[EURUSD, GBPUSD, XAUUSD]'): string {
  return `run:
  name: test
  mode: paper
  cycleSeconds: 300
  pace: max
  warmupBars: 50
symbols: ${symbols}
data:
  use: '@tradekit/core/csv'
  with: { dir: $DATA, timeframes: [M5] }
broker:
  use: '@tradekit/core/paper'
  with: { balance: 10000 }
state:
  url: memory
${extra}`;
}
