/**
 * Database failures as one coded error, TK_ERR_STATE_IO, whose message says what happened in words
 * (disk full, locked, read-only, server down…) and never carries the SQL text or the values it bound
 * (knex puts both in its messages; they may hold journal data), nor a password.
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
  ECONNREFUSED: 'the database server refused the connection: is it running and listening there?',
  ECONNRESET: 'the database connection was reset',
  ETIMEDOUT: 'the database server did not answer in time',
  EHOSTUNREACH: 'the database server cannot be reached',
  ENETUNREACH: 'the database server cannot be reached (no route to its network)',
  ENOTFOUND: 'the database host name does not resolve',
  EAI_AGAIN: 'the database host name could not be resolved now (DNS)',
  // Not codes of the driver: failures it reports only in words (see dbErrorCode).
  CONNECTION_LOST: 'the connection to the database server was lost',
  POOL_TIMEOUT: 'no database connection could be had in time (the server is unreachable, or every pooled connection stayed busy)',
  // PostgreSQL SQLSTATEs.
  '53100': 'the database server is out of disk space',
  '53200': 'the database server is out of memory',
  '53300': 'the database server has too many connections',
  '57P01': 'the database server is shutting down (administrator command)',
  '57P02': 'the database server stopped (crash shutdown)',
  '57P03': 'the database server is not accepting connections yet (starting up or in recovery)',
  '57014': 'the statement was cancelled (statement timeout or an administrator)',
  '08000': 'the connection to the database server failed',
  '08001': 'the database server could not be connected to',
  '08003': 'the connection to the database server is gone',
  '08004': 'the database server rejected the connection',
  '08006': 'the connection to the database server failed',
  '08P01': 'the database connection broke the protocol (a proxy in between?)',
  '22001': 'a value is too long for its column',
  '23502': 'a required value is missing',
  '23505': 'a row with this key exists already',
  '25006': 'the database server is read-only (a standby?)',
  '28000': 'the database server refused the login (pg_hba.conf)',
  '28P01': 'the database server refused the password',
  '3D000': 'the database does not exist (create it first)',
  '40001': 'the transaction could not be serialized with a concurrent one',
  '40P01': 'a deadlock with a concurrent transaction was broken',
  '42501': 'the database user lacks a privilege on the tables',
  '55P03': 'a lock could not be had in time',
  '58030': 'I/O error on the database server',
  XX001: 'the database server found corrupt data',
};

/** Whether a failure may go away by itself (disk space freed, lock released, server back). */
const TRANSIENT = new Set([
  'SQLITE_FULL',
  'SQLITE_IOERR',
  'SQLITE_BUSY',
  'SQLITE_LOCKED',
  'ENOSPC',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'CONNECTION_LOST',
  'POOL_TIMEOUT',
  '53100',
  '53200',
  '53300',
  '57P01',
  '57P02',
  '57P03',
  '57014',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '25006',
  '40001',
  '40P01',
  '55P03',
  '58030',
]);

/** Failures of reaching the database at all (no use trying a migration again at once). */
const CONNECTION = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECTION_LOST',
  'POOL_TIMEOUT',
  '57P01',
  '57P02',
  '57P03',
  '28000',
  '28P01',
  '3D000',
  'SQLITE_CANTOPEN',
  'SQLITE_NOTADB',
  'SQLITE_CORRUPT',
  'SQLITE_PERM',
  'EACCES',
]);

/** The driver's code of a database error (`SQLITE_FULL`, `ENOSPC`, a PostgreSQL SQLSTATE…), or ours for what it reports in words only. */
export function dbErrorCode(e: unknown): string | undefined {
  const c = (e as { code?: unknown } | null)?.code;
  if (typeof c === 'string') return c;
  // Several addresses tried (localhost → ::1 and 127.0.0.1): the first one's code.
  const inner = (e as { errors?: unknown } | null)?.errors;
  if (Array.isArray(inner) && inner.length) return dbErrorCode(inner[0]);
  if (!(e instanceof Error)) return undefined;
  if (e.name === 'KnexTimeoutError') return 'POOL_TIMEOUT';
  // pg: the server closed the connection (terminated, crashed, a proxy dropped it) or it ended.
  if (/Connection terminated|Client has encountered a connection error|Connection ended unexpectedly/.test(e.message)) return 'CONNECTION_LOST';
  return undefined;
}

/** Whether `e` means the database could not be reached or opened (as opposed to a failing statement). */
export function isConnectionFailure(e: unknown): boolean {
  const code = dbErrorCode(e);
  return code !== undefined && (CONNECTION.has(code) || code.startsWith('08'));
}

/** `host:port` a network error names (Node's errors carry them), if any. */
function endpointOf(e: unknown): string | undefined {
  const err = e as { address?: unknown; port?: unknown; hostname?: unknown; errors?: unknown } | null;
  if (typeof err?.address === 'string')
    return typeof err.port === 'number' ? `${err.address.includes(':') ? `[${err.address}]` : err.address}:${err.port}` : err.address;
  if (typeof err?.hostname === 'string') return err.hostname;
  if (Array.isArray(err?.errors) && err.errors.length) return endpointOf(err.errors[0]);
  return undefined;
}

/** Wraps a database failure as TK_ERR_STATE_IO (a TradekitError passes through unchanged). `url` must be redacted already. */
export function stateIoError(e: unknown, what: string, url: string): TradekitError {
  if (e instanceof TradekitError) return e;
  const code = dbErrorCode(e) ?? 'UNKNOWN';
  const words =
    KNOWN[code] ?? (code.startsWith('SQLITE_') ? 'SQLite error' : code.startsWith('08') ? 'the connection to the database server failed' : 'database error');
  const at = endpointOf(e);
  return new TradekitError('TK_ERR_STATE_IO', `state store ${url}: ${what} failed: ${words} (${code}${at ? ` at ${at}` : ''})`, {
    classification: TRANSIENT.has(code) || code.startsWith('08') ? 'retryable' : 'fatal',
    details: { dbCode: code, ...(at ? { endpoint: at } : {}) },
    cause: sanitized(e, code),
  });
}

/** The cause without its message (which quotes the SQL and its values). */
function sanitized(e: unknown, code: string): Error {
  const err = new Error(code === 'UNKNOWN' ? (e instanceof Error ? e.name : 'database error') : code);
  err.name = 'DatabaseError';
  return err;
}
