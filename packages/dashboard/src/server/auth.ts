/**
 * Bearer tokens with scopes. A token is 32 random bytes (`tk_` + base64url); only its SHA-256 digest
 * is kept (a slow hash adds nothing for 256 bits of entropy) and compared in constant time. Tokens
 * come from the server config (`token: ${ENV}` or `sha256:`) or, at first start with none, one
 * read+trade token is generated and returned once for the caller to print.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '@tradekit/core';
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

export class TokenAuthority {
  private readonly byDigest = new Map<string, Principal>();

  private constructor(private readonly db: ServerDb | undefined) {}

  /** Loads config tokens and stored ones; generates the first token when there is none and `generate` is on. */
  static async open(o: { db?: ServerDb; tokens: TokenEntry[]; generate: boolean; clock: Clock }): Promise<{ authority: TokenAuthority; generated?: { name: string; token: string; scopes: Scope[] } }> {
    const a = new TokenAuthority(o.db);
    for (const t of o.tokens) a.byDigest.set(t.sha256 ?? sha256Hex(t.token!), { name: t.name, scopes: t.scopes });
    for (const row of (await o.db?.tokens()) ?? []) a.byDigest.set(row.sha256, { name: row.name, scopes: row.scopes });
    let generated: { name: string; token: string; scopes: Scope[] } | undefined;
    if (a.byDigest.size === 0 && o.generate) {
      generated = await a.issue('admin', ['read', 'trade'], 'generated', o.clock.now());
    }
    return { authority: a, generated };
  }

  /** Creates a token, stores its digest, returns the token (the only time it exists in clear). */
  async issue(name: string, scopes: Scope[], source: TokenRow['source'], now: number): Promise<{ name: string; token: string; scopes: Scope[] }> {
    const token = newToken();
    const digest = sha256Hex(token);
    await this.db?.addToken({ id: randomBytes(6).toString('hex'), name, scopes, sha256: digest, source, createdAt: now });
    this.byDigest.set(digest, { name, scopes });
    return { name, token, scopes };
  }

  get size(): number {
    return this.byDigest.size;
  }

  /** The principal for a presented token; throws TK_ERR_AUTH_MISSING / TK_ERR_AUTH_INVALID. */
  verify(token: string | undefined): Principal {
    if (!token) throw apiError('TK_ERR_AUTH_MISSING', 'send "Authorization: Bearer <token>" (socket.io: auth: { token })');
    const digest = Buffer.from(sha256Hex(token), 'hex');
    // Constant-time compare against every digest: a lookup by digest would already be safe (the
    // digest of a guess says nothing about ours), but this keeps timing flat regardless of Map internals.
    let found: Principal | undefined;
    for (const [d, p] of this.byDigest) if (timingSafeEqual(Buffer.from(d, 'hex'), digest)) found = p;
    if (!found) throw apiError('TK_ERR_AUTH_INVALID', 'the token is not known to this server');
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
