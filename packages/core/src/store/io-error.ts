/**
 * Database failures as one coded error, TK_ERR_STATE_IO, whose message says what happened in words
 * (disk full, locked, read-only…) and never carries the SQL text or the values it bound (knex puts
 * both in its messages; they may hold journal data).
 */
import { TradekitError } from '../errors.js';

const KNOWN: Record<string, string> = {
  SQLITE_FULL: 'the disk holding the state store is full',
  SQLITE_IOERR: 'I/O error on the state store file',
  SQLITE_BUSY: 'the state store stayed locked by another process beyond the busy timeout',
  SQLITE_LOCKED: 'the state store is locked',
  SQLITE_READONLY: 'the state store is read-only',
  SQLITE_CANTOPEN: 'the state store file cannot be opened',
  SQLITE_CORRUPT: 'the state store file is corrupt',
  SQLITE_NOTADB: 'the state file is not an SQLite database',
  SQLITE_PERM: 'no permission to write the state store',
  ENOSPC: 'the disk holding the state store is full',
  EACCES: 'no permission to write the state store',
  ECONNREFUSED: 'the database server refused the connection',
  ECONNRESET: 'the database connection was reset',
  ETIMEDOUT: 'the database server did not answer in time',
  '53100': 'the database server is out of disk space',
  '57P01': 'the database server is shutting down',
};

/** Whether a failure may go away by itself (disk space freed, lock released, server back). */
const TRANSIENT = new Set(['SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'ENOSPC', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '53100', '57P01']);

/** The driver's code of a database error (`SQLITE_FULL`, `ENOSPC`, a PostgreSQL SQLSTATE…). */
export function dbErrorCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

/** Wraps a database failure as TK_ERR_STATE_IO (a TradekitError passes through unchanged). */
export function stateIoError(e: unknown, what: string, url: string): TradekitError {
  if (e instanceof TradekitError) return e;
  const code = dbErrorCode(e) ?? 'UNKNOWN';
  const words = KNOWN[code] ?? (code.startsWith('SQLITE_') ? 'SQLite error' : 'database error');
  return new TradekitError('TK_ERR_STATE_IO', `state store ${url}: ${what} failed: ${words} (${code})`, {
    classification: TRANSIENT.has(code) ? 'retryable' : 'fatal',
    details: { dbCode: code },
    cause: sanitized(e),
  });
}

/** The cause without its message (which quotes the SQL and its values). */
function sanitized(e: unknown): Error {
  const err = new Error(dbErrorCode(e) ?? (e instanceof Error ? e.name : 'database error'));
  err.name = 'DatabaseError';
  return err;
}
