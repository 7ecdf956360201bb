/**
 * StateStore + Journal on knex: SQLite by default (one file, WAL), PostgreSQL by connection string,
 * with the same migrations. Every run writes under its own `run` key, so one database can hold many
 * runs, and any process that opens it (another orchestrator replica) reads every run's journal. All
 * I/O is asynchronous (sqlite3 runs queries on libuv's thread pool), so the event loop never waits.
 *
 * Once a run holds its lease, every write is fenced by its token: a process whose lease was taken
 * over cannot write a single row. In one process, every store on one SQLite file shares one
 * connection (sqlite-files.ts): runs sharing a journal file are serialized, never SQLITE_BUSY; every
 * store on one PostgreSQL URL shares one pool (pg-pools.ts). Failures are TK_ERR_STATE_IO with a
 * message in words, never the SQL.
 */
import type { Knex } from 'knex';
import { TradekitError } from '../errors.js';
import type {
  Clock,
  Journal,
  LeaseOptions,
  Logger,
  OpenTradeRecord,
  OrderRecord,
  OrderStatus,
  RunLease,
  RunRecord,
  StateStore,
  TradeQuery,
  TradeRecord,
} from '../interfaces.js';
import type { ClosedTrade } from '../types.js';
import type { TradekitEvent } from '../events/types.js';
import { FENCED_MARK, migrationSource } from './migrations.js';
import { applyExit, tradeFromExit } from './trade-math.js';
import { stateIoError } from './io-error.js';
import { KnexRunLease, toLease } from './knex-lease.js';
import { openMigratedDb, type MigratedDb, type MigrationSet } from './migrated-db.js';
import { LiveClock } from '../clock/live-clock.js';

/** Leases are wall-clock (whatever clock the run's records use). */
const WALL = new LiveClock();

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
const json = <T>(v: unknown): T | undefined => (typeof v === 'string' && v ? (JSON.parse(v) as T) : undefined);

/**
 * The database side of one store: knex, fencing, error wrapping. Once the run holds its lease, every
 * row it writes carries its token (`fence`) and a trigger refuses the statement unless the token is
 * still the lease's (migration 003: SQLite and PostgreSQL), so a single write is one fenced statement;
 * a transaction also begins by updating the lease row where the token is still ours.
 */
class Db {
  /** The run's fencing token once its lease is acquired. */
  token: number | undefined;

  constructor(
    readonly knex: Knex,
    readonly url: string,
    readonly run: string,
  ) {}

  /** `row` with the writer's token (what the fence trigger checks). */
  tag<T extends object>(row: T): T & { fence: number | null } {
    return Object.assign(row, { fence: this.token ?? null });
  }

  io(e: unknown, what: string): TradekitError {
    if (e instanceof Error && e.message.includes(FENCED_MARK)) return this.fenced(what);
    return stateIoError(e, what, this.url);
  }

  private fenced(what: string): TradekitError {
    return new TradekitError(
      'TK_ERR_RUN_FENCED',
      `run ${this.run}: ${what} refused: this process (token ${this.token}) no longer holds the run; another process took it over`,
      {
        classification: 'fatal',
        details: { run: this.run, token: this.token },
      },
    );
  }

  async read<T>(what: string, q: (db: Knex) => Promise<T>): Promise<T> {
    try {
      return await q(this.knex);
    } catch (e) {
      throw this.io(e, what);
    }
  }

  /** One write statement whose rows are tagged (`tag`): fenced by the database's trigger. */
  async write1<T>(what: string, q: (db: Knex | Knex.Transaction) => Promise<T>): Promise<T> {
    try {
      return await q(this.knex);
    } catch (e) {
      throw this.io(e, what);
    }
  }

  /**
   * A write transaction. It begins with a write to the run's lease row where the token is ours: the
   * fence check (a taken-over run updates nothing), and the lock taken before anything is read — on
   * SQLite the database's write lock, so a concurrent process waits on the busy handler instead of
   * failing with SQLITE_BUSY; on PostgreSQL the lease row's, so the run's writes and a take-over are
   * ordered one way for every statement of the transaction.
   */
  async write<T>(what: string, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    let fenced = false;
    try {
      return await this.knex.transaction(async (trx) => {
        if (this.token !== undefined) {
          const n = await trx('tk_leases').where({ run: this.run, token: this.token }).update({ token: this.token });
          if (n !== 1) {
            fenced = true;
            throw new Error(FENCED_MARK);
          }
        }
        return fn(trx);
      });
    } catch (e) {
      if (fenced) throw this.fenced(what);
      throw this.io(e, what);
    }
  }
}

/** Core's schema: the run's journal, key-value state, leases and events. */
const CORE_MIGRATIONS: MigrationSet = { tableName: 'tk_migrations', source: migrationSource };

export class KnexStateStore implements StateStore {
  readonly journal: Journal;
  private readonly d: Db;
  /** The clock leases are judged by (the wall clock unless a lease was made with another). */
  private leaseClock: Clock = WALL;

  private constructor(
    readonly url: string,
    db: Knex,
    run: string,
    private readonly redact: (s: string) => string,
    private readonly now: () => number,
    private readonly closeDb: () => Promise<void>,
  ) {
    this.d = new Db(db, url, run);
    this.journal = new KnexJournal(this.d, redact);
  }

  /**
   * Opens (and migrates) the database. `client` is `sqlite3` (`connection: { filename }`; one shared
   * connection per file per process) or `pg` (`connection`: the postgres:// URL; one shared pool per
   * URL per process). `url` is what messages show: never a password.
   */
  static async open(opts: {
    url: string;
    client: 'sqlite3' | 'pg';
    connection: Knex.StaticConnectionConfig | string;
    run: string;
    redact?: (s: string) => string;
    now: () => number;
    log?: Logger;
  }): Promise<KnexStateStore> {
    if (opts.client === 'pg' && typeof opts.connection !== 'string')
      throw new TradekitError('TK_ERR_STATE_URL', `${opts.url}: a PostgreSQL store takes its connection as a postgres:// URL`);
    let h: MigratedDb;
    try {
      h = await openMigratedDb(opts.client, opts.connection as { filename: string } | string, CORE_MIGRATIONS, opts.log);
    } catch (e) {
      throw stateIoError(e, 'opening (and migrating) the database', opts.url);
    }
    const { db } = h;
    const close = () => h.release();
    return new KnexStateStore(opts.url, db, opts.run, opts.redact ?? ((s) => s), opts.now, close);
  }

  lease(o: LeaseOptions): RunLease {
    this.leaseClock = o.clock;
    return new KnexRunLease(this.d.run, o, { db: this.d.knex, io: (e, what) => this.d.io(e, what), fence: async (t) => void (this.d.token = t) });
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const row = await this.d.read(
      `reading ${key}`,
      (db) => db('tk_kv').where({ run: this.d.run, key }).first('value') as Promise<{ value: string } | undefined>,
    );
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  async set<T = unknown>(key: string, value: T): Promise<void> {
    const row = this.d.tag({ run: this.d.run, key, value: this.redact(JSON.stringify(value ?? null)), updated_at: this.now() });
    await this.d.write1(`writing ${key}`, (db) => db('tk_kv').insert(row).onConflict(['run', 'key']).merge(['value', 'updated_at', 'fence']));
  }

  async delete(key: string): Promise<boolean> {
    // A delete has no new row to carry the token: a fenced transaction.
    return (await this.d.write(`deleting ${key}`, (trx) => trx('tk_kv').where({ run: this.d.run, key }).del())) > 0;
  }

  async all(prefix = ''): Promise<Record<string, unknown>> {
    const rows = await this.d.read('reading state', (db) => {
      const q = db('tk_kv').where({ run: this.d.run });
      // An explicit ESCAPE: SQLite's LIKE has no escape character unless told (PostgreSQL's is `\`).
      if (prefix) q.andWhereRaw(`?? like ? escape '\\'`, ['key', `${prefix.replace(/[%_\\]/g, '\\$&')}%`]);
      return q.select('key', 'value') as Promise<{ key: string; value: string }[]>;
    });
    return Object.fromEntries(rows.filter((r) => r.key.startsWith(prefix)).map((r) => [r.key, JSON.parse(r.value)]));
  }

  async updatedAt(key: string): Promise<number | undefined> {
    const row = await this.d.read(
      `reading ${key}`,
      (db) => db('tk_kv').where({ run: this.d.run, key }).first('updated_at') as Promise<{ updated_at: number | string } | undefined>,
    );
    return row ? Number(row.updated_at) : undefined;
  }

  async registerRun(r: RunRecord): Promise<void> {
    await this.d.write1('registering the run', (db) =>
      db('tk_runs')
        .insert(
          this.d.tag({
            id: r.id,
            name: r.name,
            mode: r.mode,
            config_file: r.configFile ?? null,
            started_at: r.startedAt,
            ended_at: null,
            status: r.status,
            summary: null,
          }),
        )
        .onConflict('id')
        .merge(['status', 'ended_at', 'fence']),
    );
  }

  async finishRun(id: string, status: string, summary?: unknown): Promise<void> {
    await this.d.write1('recording the end of the run', (db) =>
      db('tk_runs')
        .where({ id })
        .update(this.d.tag({ status, ended_at: this.now(), summary: summary === undefined ? null : this.redact(JSON.stringify(summary)) })),
    );
  }

  /** Runs, newest first; a run still marked running whose lease expired (its process died) reads `crashed`. */
  async listRuns(): Promise<RunRecord[]> {
    const [rows, leases] = await this.d.read('listing runs', (db) =>
      Promise.all([
        db('tk_runs').orderBy('started_at', 'desc') as Promise<Record<string, unknown>[]>,
        db('tk_leases').select() as Promise<Record<string, unknown>[]>,
      ]),
    );
    const byRun = new Map(leases.map((l) => [String(l.run), toLease(l)]));
    const now = this.leaseClock.now();
    return rows.map((r) => {
      const lease = byRun.get(String(r.id));
      const dead = r.status === 'running' && lease !== undefined && lease.expiresAt <= now;
      return {
        id: String(r.id),
        name: String(r.name),
        mode: String(r.mode),
        configFile: (r.config_file as string | null) ?? undefined,
        startedAt: Number(r.started_at),
        endedAt: num(r.ended_at) ?? (dead ? lease!.expiresAt : undefined),
        status: dead ? 'crashed' : String(r.status),
        summary: json(r.summary),
      };
    });
  }

  async close(): Promise<void> {
    await this.closeDb();
  }

  /** The underlying knex instance (the orchestrator reads across runs). */
  get knex(): Knex {
    return this.d.knex;
  }
}

class KnexJournal implements Journal {
  constructor(
    private readonly d: Db,
    private readonly redact: (s: string) => string,
  ) {}

  private get run(): string {
    return this.d.run;
  }

  private orderRow(r: OrderRecord): Record<string, unknown> {
    return this.d.tag({
      run: this.run,
      client_id: r.clientId,
      symbol: r.symbol,
      side: r.side,
      type: r.type,
      volume: r.volume,
      price: r.price ?? null,
      sl: r.sl ?? null,
      tp: r.tp ?? null,
      status: r.status,
      broker_order_id: r.brokerOrderId ?? null,
      position_id: r.positionId ?? null,
      reason: r.reason ?? null,
      agent: r.agent ?? null,
      created_at: r.createdAt,
      updated_at: r.updatedAt,
      intent: r.intent ? this.redact(JSON.stringify(r.intent)) : null,
      result: r.result ? this.redact(JSON.stringify(r.result)) : null,
    });
  }

  private upsertOrder(trx: Knex | Knex.Transaction, r: OrderRecord) {
    return trx('tk_orders')
      .insert(this.orderRow(r))
      .onConflict(['run', 'client_id'])
      .merge(['status', 'broker_order_id', 'position_id', 'reason', 'updated_at', 'result', 'volume', 'price', 'sl', 'tp', 'fence']);
  }

  private insertTrade(trx: Knex | Knex.Transaction, rec: OpenTradeRecord) {
    const commission = rec.commission ?? 0;
    return trx('tk_trades')
      .insert(
        this.d.tag({
          run: this.run,
          position_id: rec.positionId,
          client_id: rec.clientId ?? null,
          symbol: rec.symbol,
          side: rec.side,
          volume: rec.volume,
          open_volume: rec.volume,
          entry_time: rec.entryTime,
          entry_price: rec.entryPrice,
          sl: rec.sl ?? null,
          tp: rec.tp ?? null,
          profit: commission,
          commission,
          swap: 0,
          status: 'open',
          agent: rec.agent ?? null,
          score: rec.score ?? null,
          probability: rec.probability ?? null,
          details: rec.details ? this.redact(JSON.stringify(rec.details)) : null,
        }),
      )
      .onConflict(['run', 'position_id'])
      .ignore();
  }

  async saveOrder(r: OrderRecord): Promise<void> {
    await this.d.write1(`journaling order ${r.clientId} (${r.status})`, (db) => this.upsertOrder(db, r));
  }

  async recordFill(order: OrderRecord, trade: OpenTradeRecord): Promise<void> {
    await this.d.write(`journaling the fill of ${order.clientId}`, async (trx) => {
      await this.upsertOrder(trx, order);
      await this.insertTrade(trx, trade);
    });
  }

  async getOrder(clientId: string): Promise<OrderRecord | undefined> {
    const row = await this.d.read('reading an order', (db) => db('tk_orders').where({ run: this.run, client_id: clientId }).first());
    return row ? toOrder(row) : undefined;
  }

  async listOrders(filter: { status?: OrderStatus[]; symbol?: string; limit?: number } = {}): Promise<OrderRecord[]> {
    const rows = await this.d.read('listing orders', (db) => {
      const q = db('tk_orders').where({ run: this.run });
      if (filter.status?.length) q.whereIn('status', filter.status);
      if (filter.symbol) q.andWhere({ symbol: filter.symbol });
      q.orderBy('created_at', 'desc');
      if (filter.limit) q.limit(filter.limit);
      return q as Promise<Record<string, unknown>[]>;
    });
    return rows.map(toOrder);
  }

  async openTrade(rec: OpenTradeRecord): Promise<void> {
    await this.d.write1(`journaling trade ${rec.positionId}`, (db) => this.insertTrade(db, rec));
  }

  async recordExit(exit: ClosedTrade): Promise<boolean> {
    return this.d.write(`journaling the exit of ${exit.positionId}`, async (trx) => {
      if (exit.dealId) {
        const seen = await trx('tk_trade_exits').where({ run: this.run, deal_id: exit.dealId }).first('id');
        if (seen) return false;
      }
      const row = await trx('tk_trades').where({ run: this.run, position_id: exit.positionId }).first();
      const before = row ? toTrade(row) : tradeFromExit(exit);
      const after = applyExit(before, exit);
      await trx('tk_trade_exits').insert(
        this.d.tag({
          run: this.run,
          position_id: exit.positionId,
          deal_id: exit.dealId ?? null,
          volume: exit.volume,
          price: exit.closePrice,
          time: exit.closeTime,
          reason: exit.reason,
          profit: exit.profit,
          commission: exit.commission,
          swap: exit.swap,
          partial: exit.partial,
        }),
      );
      const patch = this.d.tag({
        open_volume: after.openVolume,
        exit_time: after.exitTime ?? null,
        exit_price: after.exitPrice ?? null,
        exit_reason: after.exitReason ?? null,
        profit: after.profit,
        commission: after.commission,
        swap: after.swap,
        status: after.status,
      });
      if (row) await trx('tk_trades').where({ run: this.run, position_id: exit.positionId }).update(patch);
      else {
        await trx('tk_trades').insert({
          run: this.run,
          position_id: after.positionId,
          client_id: after.clientId ?? null,
          symbol: after.symbol,
          side: after.side,
          volume: after.volume,
          entry_time: after.entryTime,
          entry_price: after.entryPrice,
          ...patch,
        });
      }
      return true;
    });
  }

  async getTrade(positionId: string): Promise<TradeRecord | undefined> {
    const row = await this.d.read('reading a trade', (db) => db('tk_trades').where({ run: this.run, position_id: positionId }).first());
    return row ? toTrade(row) : undefined;
  }

  async listTrades(q: TradeQuery = {}): Promise<TradeRecord[]> {
    const rows = await this.d.read('listing trades', (db) => {
      const b = db('tk_trades').where({ run: this.run });
      if (q.status) b.andWhere({ status: q.status });
      if (q.symbol) b.andWhere({ symbol: q.symbol });
      if (q.from !== undefined) b.andWhere('entry_time', '>=', q.from);
      if (q.to !== undefined) b.andWhere('entry_time', '<=', q.to);
      b.orderBy('entry_time', 'desc').orderBy('position_id', 'desc');
      if (q.limit) b.limit(q.limit);
      if (q.offset) b.offset(q.offset);
      return b as Promise<Record<string, unknown>[]>;
    });
    return rows.map(toTrade);
  }

  async appendEvents(events: readonly TradekitEvent[]): Promise<void> {
    if (!events.length) return;
    const rows = events.map((e) => this.d.tag({ run: this.run, seq: e.seq, type: e.type, time: e.time, data: this.redact(JSON.stringify(e.data)) }));
    // SQLite limits bound parameters per statement: insert in chunks, one transaction when there are several.
    const insert = (db: Knex | Knex.Transaction, chunk: typeof rows) => db('tk_events').insert(chunk).onConflict(['run', 'seq']).ignore();
    if (rows.length <= 150) return void (await this.d.write1(`persisting ${events.length} events`, (db) => insert(db, rows)));
    await this.d.write(`persisting ${events.length} events`, async (trx) => {
      for (let i = 0; i < rows.length; i += 150) await insert(trx, rows.slice(i, i + 150));
    });
  }

  async events(sinceSeq: number, limit = 1000): Promise<TradekitEvent[]> {
    const rows = (await this.d.read('reading events', (db) =>
      db('tk_events').where({ run: this.run }).andWhere('seq', '>', sinceSeq).orderBy('seq', 'asc').limit(limit),
    )) as {
      seq: number | string;
      type: string;
      time: number | string;
      data: string;
    }[];
    return rows.map((r) => ({
      v: 1,
      type: r.type as TradekitEvent['type'],
      run: this.run,
      seq: Number(r.seq),
      time: Number(r.time),
      data: JSON.parse(r.data) as never,
    }));
  }

  async lastEventSeq(): Promise<number> {
    const row = (await this.d.read('reading the last event', (db) => db('tk_events').where({ run: this.run }).max('seq as m').first())) as
      | { m: number | string | null }
      | undefined;
    return Number(row?.m ?? 0);
  }
}

function toOrder(r: Record<string, unknown>): OrderRecord {
  return {
    clientId: String(r.client_id),
    symbol: String(r.symbol),
    side: r.side as 'buy' | 'sell',
    type: String(r.type),
    volume: Number(r.volume),
    price: num(r.price),
    sl: num(r.sl),
    tp: num(r.tp),
    status: r.status as OrderStatus,
    brokerOrderId: (r.broker_order_id as string | null) ?? undefined,
    positionId: (r.position_id as string | null) ?? undefined,
    reason: (r.reason as string | null) ?? undefined,
    agent: (r.agent as string | null) ?? undefined,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    intent: json(r.intent),
    result: json(r.result),
  };
}

function toTrade(r: Record<string, unknown>): TradeRecord {
  return {
    positionId: String(r.position_id),
    clientId: (r.client_id as string | null) ?? undefined,
    symbol: String(r.symbol),
    side: r.side as 'buy' | 'sell',
    volume: Number(r.volume),
    openVolume: Number(r.open_volume),
    entryTime: Number(r.entry_time),
    entryPrice: Number(r.entry_price),
    sl: num(r.sl),
    tp: num(r.tp),
    exitTime: num(r.exit_time),
    exitPrice: num(r.exit_price),
    exitReason: (r.exit_reason as string | null) ?? undefined,
    profit: Number(r.profit),
    commission: Number(r.commission),
    swap: Number(r.swap),
    status: r.status as 'open' | 'closed',
    agent: (r.agent as string | null) ?? undefined,
    score: num(r.score),
    probability: num(r.probability),
    details: json(r.details),
  };
}
