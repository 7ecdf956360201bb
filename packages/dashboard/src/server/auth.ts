/**
 * Bearer tokens with scopes. A token is 32 random bytes (`tk_` + base64url); only its SHA-256 digest
 * is kept (a slow hash adds nothing for 256 bits of entropy) and compared in constant time. Tokens
 * come from the server config (`token: ${ENV}` or `sha256:`) or the server db (generated at first
 * start, or added with `tradekit serve --add-token` while the server runs). Stored tokens are read
 * through: before each check the db's `PRAGMA data_version` says whether another process changed
 * it, and the token rows are reloaded when it did, so a token added or revoked by the CLI counts at
 * once; sockets of a revoked token are told (`onRevoked`).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { apiError } from '../errors.js';
import type { Scope, TokenEntry } from './config.js';
import type { ServerDb, TokenRow } from './server-db.js';

export interface Principal {
  /** Token name (never the token). */
  name: string;
  scopes: readonly Scope[];
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

export function newToken(): string {
  return `tk_${randomBytes(32).toString('base64url')}`;
}

export interface IssuedToken {
  name: string;
  token: string;
  scopes: Scope[];
}

export class TokenAuthority {
  private readonly fromConfig = new Map<string, Principal>();
  private stored = new Map<string, Principal>();
  private version: number | undefined;
  private syncing: Promise<void> | undefined;
  private readonly revokedListeners = new Set<(digests: ReadonlySet<string>) => void>();

  private constructor(private readonly db: ServerDb | undefined) {}

  /** Config tokens and the stored ones. The first token is generated later (`ensureFirstToken`), once the server listens. */
  static async open(o: { db?: ServerDb; tokens: TokenEntry[] }): Promise<TokenAuthority> {
    const a = new TokenAuthority(o.db);
    for (const t of o.tokens) a.fromConfig.set(t.sha256 ?? sha256Hex(t.token!), { name: t.name, scopes: t.scopes });
    await a.refresh();
    return a;
  }

  /**
   * When no token exists at all, creates one read+trade token named `admin` and returns it (the only
   * time it exists in clear) for the caller to print. Called after the server is listening: a start
   * that fails (port in use) leaves no token behind that nobody saw.
   */
  async ensureFirstToken(now: number): Promise<IssuedToken | undefined> {
    await this.refresh();
    if (this.size > 0) return undefined;
    return this.issue('admin', ['read', 'trade'], 'generated', now);
  }

  /** Creates a token, stores its digest, returns the token (the only time it exists in clear). */
  async issue(name: string, scopes: Scope[], source: TokenRow['source'], now: number): Promise<IssuedToken> {
    const token = newToken();
    const digest = sha256Hex(token);
    await this.db?.addToken({ id: randomBytes(6).toString('hex'), name, scopes, sha256: digest, source, createdAt: now });
    this.stored.set(digest, { name, scopes });
    return { name, token, scopes };
  }

  get size(): number {
    return new Set([...this.fromConfig.keys(), ...this.stored.keys()]).size;
  }

  /** Called with the digests of stored tokens that disappeared (revoked by another process). */
  onRevoked(fn: (digests: ReadonlySet<string>) => void): () => void {
    this.revokedListeners.add(fn);
    return () => this.revokedListeners.delete(fn);
  }

  /** Reloads the stored tokens if the db changed since the last look (one cheap pragma otherwise). Concurrent callers share one look. */
  refresh(): Promise<void> {
    if (!this.db) return Promise.resolve();
    this.syncing ??= this.sync().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async sync(): Promise<void> {
    const db = this.db!;
    const version = await db.dataVersion();
    if (version === this.version) return;
    const next = new Map<string, Principal>();
    for (const row of await db.tokens()) next.set(row.sha256, { name: row.name, scopes: row.scopes });
    const gone = new Set([...this.stored.keys()].filter((d) => !next.has(d) && !this.fromConfig.has(d)));
    this.stored = next;
    this.version = version;
    if (gone.size) for (const l of this.revokedListeners) l(gone);
  }

  /** The principal for a presented token (stored tokens read through); throws TK_ERR_AUTH_MISSING / TK_ERR_AUTH_INVALID. */
  async verify(token: string | undefined): Promise<Principal> {
    if (!token) throw apiError('TK_ERR_AUTH_MISSING', 'send "Authorization: Bearer <token>" (socket.io: auth: { token })');
    await this.refresh();
    const digest = Buffer.from(sha256Hex(token), 'hex');
    // Constant-time compare against every digest: a lookup by digest would already be safe (the
    // digest of a guess says nothing about ours), but this keeps timing flat regardless of Map internals.
    let found: Principal | undefined;
    for (const map of [this.fromConfig, this.stored]) for (const [d, p] of map) if (timingSafeEqual(Buffer.from(d, 'hex'), digest)) found = p;
    if (!found) throw apiError('TK_ERR_AUTH_INVALID', 'the token is not known to this server (or was revoked)');
    return found;
  }

  static require(p: Principal, scope: Scope): void {
    if (!p.scopes.includes(scope)) throw apiError('TK_ERR_AUTH_SCOPE', `this needs a token with the "${scope}" scope; "${p.name}" has ${p.scopes.join(', ')}`);
  }
}

/** `Authorization: Bearer x` → x. */
export function bearerOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
