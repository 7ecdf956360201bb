import { CsvDataSource, PaperBroker, SimClock, type CsvSourceOptions, type PaperBrokerOptions, type SymbolInfo } from '../../src/index.js';
import { tempDir, utc, writeCsv, type Row } from './fs.js';

export interface World {
  clock: SimClock;
  data: CsvDataSource;
  broker: PaperBroker;
  dir: string;
  cleanup(): void;
  /** Moves the clock to a UTC time ("2026-01-05 10:05"). */
  at(t: string): void;
}

/** A paper broker over real CSV files (server time = UTC here) and a SimClock. */
export async function world(
  files: Record<string, Row[]>,
  opts: Partial<PaperBrokerOptions> = {},
  symbolInfo: Record<string, Partial<SymbolInfo>> = {},
  start = '2026-01-05 10:00',
  source: Partial<CsvSourceOptions> = {},
): Promise<World> {
  const { dir, cleanup } = tempDir();
  for (const [key, rows] of Object.entries(files)) {
    const [symbol, tf] = key.split('_') as [string, string];
    writeCsv(dir, symbol, tf, rows);
  }
  const clock = new SimClock(utc(start));
  const data = new CsvDataSource(clock, { dir, serverTime: { utcOffsetHours: 0, dst: 'none' }, symbolInfo, ...source });
  await data.load();
  const broker = new PaperBroker(clock, data, opts);
  return { clock, data, broker, dir, cleanup, at: (t) => clock.set(utc(t)) };
}
