/**
 * A PostgreSQL connection URL (`postgres://user:password@host:port/db?…`) as tradekit uses it: what
 * the driver gets, what a message may show (the password replaced by `***`, in the authority or as
 * a `password=` parameter), where the server is (`host:port`, for messages), and tradekit's own
 * parameter `pool_max` (connections per process to this database), which the driver never sees.
 */
import { TradekitError } from '../errors.js';
import { redactUrl } from '../util/redact-url.js';

export interface PgUrl {
  /** What the driver connects with (the URL without tradekit's parameters). */
  connectionString: string;
  /** The URL with its password replaced by `***`: safe in messages and logs. */
  display: string;
  /** `host:port` of the server (a socket directory as given). */
  endpoint: string;
  /** Connections this process opens to the database at most (shared by every store on the URL). */
  poolMax: number;
}

export const PG_POOL_MAX_DEFAULT = 10;

export function isPgUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url.trim());
}

export function parsePgUrl(url: string): PgUrl {
  let u: URL;
  try {
    u = new URL(url.trim());
  } catch {
    throw new TradekitError('TK_ERR_STATE_URL', `state.url ${redactUrl(url)} is not a valid PostgreSQL URL: use postgres://user:password@host:5432/database`);
  }
  let poolMax = PG_POOL_MAX_DEFAULT;
  const raw = u.searchParams.get('pool_max');
  if (raw !== null) {
    poolMax = Number(raw);
    if (!Number.isInteger(poolMax) || poolMax < 1 || poolMax > 1000)
      throw new TradekitError('TK_ERR_STATE_URL', `state.url ${redactUrl(url)}: pool_max must be a whole number from 1 to 1000 (got "${raw}")`);
    u.searchParams.delete('pool_max');
  }
  const host = u.hostname || u.searchParams.get('host') || 'localhost';
  const port = u.port || u.searchParams.get('port') || '5432';
  return { connectionString: raw === null ? url.trim() : u.toString(), display: redactUrl(url), endpoint: `${decodeURIComponent(host)}:${port}`, poolMax };
}
