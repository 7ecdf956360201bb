/**
 * The run lease in an SQL state store (SQLite and PostgreSQL, the same statements): one row per run
 * in `tk_leases`. Acquiring takes the row when it is absent or expired and adds one to its token;
 * every later write of the store is refused unless the token is still ours (knex-store.ts, the fence
 * triggers of migration 003), so a process whose lease was taken over cannot write a single row.
 */
import type { Knex } from 'knex';
import type { LeaseOptions, LeaseState } from '../interfaces.js';
import { LeaseBase } from './lease-base.js';
import { isSqlite } from './migrations.js';

export interface LeaseDb {
  readonly db: Knex;
  /** Wraps a failure as TK_ERR_STATE_IO. */
  io(e: unknown, what: string): Error;
  /** Called with the token once acquired: the store fences its writes with it. */
  fence(token: number | undefined): Promise<void>;
}

export class KnexRunLease extends LeaseBase {
  constructor(
    run: string,
    o: LeaseOptions,
    private readonly store: LeaseDb,
  ) {
    super(run, o);
  }

  private get db(): Knex {
    return this.store.db;
  }

  async read(): Promise<LeaseState | undefined> {
    try {
      const row = (await this.db('tk_leases').where({ run: this.run }).first()) as Record<string, unknown> | undefined;
      return row ? toLease(row) : undefined;
    } catch (e) {
      throw this.store.io(e, 'reading the run lease');
    }
  }

  async acquire(): Promise<{ state: LeaseState; previous?: LeaseState }> {
    const now = this.clock.now();
    const h = this.holder;
    let previous: LeaseState | undefined;
    let state: LeaseState | undefined;
    try {
      await this.db.transaction(async (trx) => {
        // Make sure the row exists, then lock it before reading it. Two processes acquiring a run that
        // has no row both insert: on PostgreSQL the second insert waits for the first transaction and
        // then does nothing, so both go on to decide on the one row, one after the other (on SQLite the
        // insert takes the database's write lock). The placeholder (token 0, expired) is only ever seen
        // by this transaction: it is replaced below, or rolled back.
        await trx('tk_leases')
          .insert({ run: this.run, holder: '', token: 0, acquired_at: 0, renewed_at: 0, expires_at: 0, seq_hwm: 0 })
          .onConflict('run')
          .ignore();
        // A write first, so the transaction holds the row's lock (and SQLite's write lock) before it reads.
        await trx('tk_leases').where({ run: this.run }).update({ run: this.run });
        const row = (await trx('tk_leases').where({ run: this.run }).first()) as Record<string, unknown> | undefined;
        const found = row ? toLease(row) : undefined;
        const cur = found && found.token > 0 ? found : undefined;
        if (cur && cur.expiresAt > now && cur.holder !== h.id) {
          state = cur;
          return;
        }
        const next = {
          holder: h.id,
          host: h.host ?? null,
          pid: h.pid ?? null,
          token: (cur?.token ?? 0) + 1,
          acquired_at: now,
          renewed_at: now,
          expires_at: now + this.ttlMs,
        };
        await trx('tk_leases').where({ run: this.run }).update(next);
        previous = cur;
        state = {
          run: this.run,
          holder: h.id,
          host: h.host,
          pid: h.pid,
          token: next.token,
          acquiredAt: now,
          renewedAt: now,
          expiresAt: next.expires_at,
          seqHwm: cur?.seqHwm ?? 0,
        };
        // Runs registered as running whose process died (their lease expired) are marked crashed. On
        // PostgreSQL rows locked by someone else (another acquisition marking them, or their run
        // finishing) are left to them: nobody waits on anybody in an order that could deadlock.
        const dead = trx('tk_runs')
          .select('id')
          .where({ status: 'running' })
          .whereIn('id', trx('tk_leases').select('run').where('expires_at', '<=', now));
        if (!isSqlite(trx)) dead.orderBy('id').forUpdate().skipLocked();
        await trx('tk_runs').whereIn('id', dead).update({ status: 'crashed', ended_at: now, fence: null });
      });
    } catch (e) {
      throw this.store.io(e, 'acquiring the run lease');
    }
    const s = state!;
    if (s.holder !== h.id) throw this.locked(s);
    this.token = s.token;
    this.renewedAt(now);
    await this.store.fence(this.token);
    return { state: s, previous };
  }

  async renew(opts: { seqHwm?: number } = {}): Promise<void> {
    if (this.fenceError) throw this.fenceError;
    const sent = this.clock.now();
    let n: number;
    try {
      const patch: Record<string, unknown> = { renewed_at: sent, expires_at: sent + this.ttlMs };
      if (opts.seqHwm !== undefined) patch.seq_hwm = this.db.raw('CASE WHEN seq_hwm > ? THEN seq_hwm ELSE ? END', [opts.seqHwm, opts.seqHwm]);
      n = await this.db('tk_leases').where({ run: this.run, token: this.token }).update(patch);
    } catch (e) {
      throw this.store.io(e, 'renewing the run lease');
    }
    if (n !== 1) throw this.fenced(await this.read().catch(() => undefined));
    this.renewedAt(sent);
  }

  async release(opts: { seqHwm?: number } = {}): Promise<void> {
    if (this.token === 0 || this.fenceError) return;
    const patch: Record<string, unknown> = { expires_at: 0 };
    if (opts.seqHwm !== undefined) patch.seq_hwm = opts.seqHwm;
    try {
      await this.db('tk_leases').where({ run: this.run, token: this.token }).update(patch);
    } catch (e) {
      throw this.store.io(e, 'releasing the run lease');
    } finally {
      // Writes stay fenced by the token: they keep working until another holder takes the run over.
      this.dropped();
    }
  }
}

export function toLease(r: Record<string, unknown>): LeaseState {
  return {
    run: String(r.run),
    holder: String(r.holder),
    host: (r.host as string | null) ?? undefined,
    pid: r.pid === null || r.pid === undefined ? undefined : Number(r.pid),
    token: Number(r.token),
    acquiredAt: Number(r.acquired_at),
    renewedAt: Number(r.renewed_at),
    expiresAt: Number(r.expires_at),
    seqHwm: Number(r.seq_hwm),
  };
}
