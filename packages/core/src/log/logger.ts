/** pino, human-readable on a terminal (pino-pretty, synchronous) or JSON lines; secrets redacted. */
import { pino, type DestinationStream, type LoggerOptions as LoggerOptionsPino } from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from '../interfaces.js';
import type { Redactor } from './redact.js';

export interface LoggerOptions {
  level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
  format?: 'pretty' | 'json';
  redact?: Redactor;
  /** Default: stderr (stdout is for the cycle report). */
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}

export function createLogger(o: LoggerOptions = {}): Logger {
  const redact = o.redact;
  const dest =
    o.destination ??
    (o.format === 'json'
      ? pino.destination({ dest: 2, sync: true })
      : (pretty as unknown as (opts: Record<string, unknown>) => DestinationStream)({
          destination: 2,
          sync: true,
          colorize: process.stderr.isTTY,
          ignore: 'pid,hostname',
          translateTime: 'SYS:HH:MM:ss.l',
        }));
  // pino rejects `hooks: undefined`: only pass hooks when there is something to redact.
  const options: LoggerOptionsPino = { level: o.level ?? 'info', base: o.base ?? null };
  if (redact) options.hooks = { streamWrite: (s: string) => redact(s) };
  return pino(options, dest) as unknown as Logger;
}

/** A logger that drops everything (tests, benchmarks). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' }) as unknown as Logger;
}
