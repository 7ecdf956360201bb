/**
 * StateStore + Journal on knex: SQLite by default (one file, WAL), PostgreSQL by connection string.
 * Every run writes under its own `run` key, so one database can hold many runs. All I/O is
 * asynchronous (sqlite3 runs queries on libuv's thread pool), so the event loop never waits on disk.
 */
import knexFactory, { type Knex } from 'knex';
import { TradekitError } from '../errors.js';
import type { Journal, OrderRecord, OrderStatus, RunRecord, StateStore, TradeQuery, TradeRecord } from '../interfaces.js';
import type { ClosedTrade } from '../types.js';
import type { TradekitEvent } from '../events/types.js';
import { migrationSource } from './migrations.js';
import { knexLog } from './knex-log.js';
import { applyExit, tradeFromExit } from './trade-math.js';

const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
const json = <T>(v: unknown): T | undefined => (typeof v === 'string' && v ? (JSON.parse(v) as T) : undefined);

export class KnexStateStore implements StateStore {
  readonly journal: Journal;

  private constructor(
    readonly url: string,
    private readonly db: Knex,
    private readonly run: string,
    private readonly redact: (s: string) => string,
    private readonly now: () => number,
  ) {
    this.journal = new KnexJournal(db, run, redact);
  }

  /** Opens (and migrates) the database. `client` is `sqlite3` or `pg`. */
  static async open(opts: { url: string; client: 'sqlite3' | 'pg'; connection: Knex.StaticConnectionConfig | string; run: string; redact?: (s: string) => string; now: () => number }): Promise<KnexStateStore> {
    const db = knexFactory({
      client: opts.client,
      connection: opts.connection,
      useNullAsDefault: true,
      log: knexLog(),
      pool:
        opts.client === 'sqlite3'
          ? {
              min: 1,
              max: 1,
              afterCreate: (conn: { run(sql: string, cb: (e: Error | null) => void): void }, done: (e: Error | null, c: unknown) => void) => {
                conn.run('PRAGMA journal_mode=WAL', (e1) => {
                  if (e1) return done(e1, conn);
                  conn.run('PRAGMA busy_timeout=5000', (e2) => {
                    if (e2) return done(e2, conn);
                    conn.run('PRAGMA synchronous=NORMAL', (e3) => done(e3, conn));
                  });
                });
              },
            }
          : { min: 0, max: 4 },
    });
    try {
      await db.migrate.latest({ migrationSource, tableName: 'tk_migrations' });
    } catch (e) {
      await db.destroy().catch(() => undefined);
      throw new TradekitError('TK_ERR_STATE_IO', `cannot open state store ${opts.url}: ${(e as Error).message}`, { cause: e });
    }
    return new KnexStateStore(opts.url, db, opts.run, opts.redact ?? ((s) => s), opts.now);
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const row = (await this.db('tk_kv').where({ run: this.run, key }).first('value')) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  async set<T = unknown>(key: string, value: T): Promise<void> {
    await this.db('tk_kv')
      .insert({ run: this.run, key, value: this.redact(JSON.stringify(value ?? null)), updated_at: this.now() })
      .onConflict(['run', 'key'])
      .merge(['value', 'updated_at']);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.db('tk_kv').where({ run: this.run, key }).del()) > 0;
  }

  async all(prefix = ''): Promise<Record<string, unknown>> {
    const q = this.db('tk_kv').where({ run: this.run });
    if (prefix) q.andWhere('key', 'like', `${prefix.replace(/[%_\\]/g, '\\$&')}%`);
    const rows = (await q.select('key', 'value')) as { key: string; value: string }[];
    return Object.fromEntries(rows.filter((r) => r.key.startsWith(prefix)).map((r) => [r.key, JSON.parse(r.value)]));
  }

  async updatedAt(key: string): Promise<number | undefined> {
    const row = (await this.db('tk_kv').where({ run: this.run, key }).first('updated_at')) as { updated_at: number | string } | undefined;
    return row ? Number(row.updated_at) : undefined;
  }

  async registerRun(r: RunRecord): Promise<void> {
    await this.db('tk_runs')
      .insert({ id: r.id, name: r.name, mode: r.mode, config_file: r.configFile ?? null, started_at: r.startedAt, ended_at: null, status: r.status, summary: null })
      .onConflict('id')
      .merge(['status', 'ended_at']);
  }

  async finishRun(id: string, status: string, summary?: unknown): Promise<void> {
    await this.db('tk_runs').where({ id }).update({ status, ended_at: this.now(), summary: summary === undefined ? null : this.redact(JSON.stringify(summary)) });
  }

  async listRuns(): Promise<RunRecord[]> {
    const rows = (await this.db('tk_runs').orderBy('started_at', 'desc')) as Record<string, unknown>[];
    return rows.map((r) => ({
      id: String(r.id),
      name: String(r.name),
      mode: String(r.mode),
      configFile: (r.config_file as string | null) ?? undefined,
      startedAt: Number(r.started_at),
      endedAt: num(r.ended_at),
      status: String(r.status),
      summary: json(r.summary),
    }));
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  /** The underlying knex instance (the orchestrator reads across runs). */
  get knex(): Knex {
    return this.db;
  }
}

class KnexJournal implements Journal {
  constructor(
    private readonly db: Knex,
    private readonly run: string,
    private readonly redact: (s: string) => string,
  ) {}

  async saveOrder(r: OrderRecord): Promise<void> {
    await this.db('tk_orders')
      .insert({
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
      })
      .onConflict(['run', 'client_id'])
      .merge(['status', 'broker_order_id', 'position_id', 'reason', 'updated_at', 'result', 'volume', 'price', 'sl', 'tp']);
  }

  async getOrder(clientId: string): Promise<OrderRecord | undefined> {
    const row = await this.db('tk_orders').where({ run: this.run, client_id: clientId }).first();
    return row ? toOrder(row) : undefined;
  }

  async listOrders(filter: { status?: OrderStatus[]; symbol?: string; limit?: number } = {}): Promise<OrderRecord[]> {
    const q = this.db('tk_orders').where({ run: this.run });
    if (filter.status?.length) q.whereIn('status', filter.status);
    if (filter.symbol) q.andWhere({ symbol: filter.symbol });
    q.orderBy('created_at', 'desc');
    if (filter.limit) q.limit(filter.limit);
    return ((await q) as Record<string, unknown>[]).map(toOrder);
  }

  async openTrade(rec: Parameters<Journal['openTrade']>[0]): Promise<void> {
    const commission = rec.commission ?? 0;
    await this.db('tk_trades')
      .insert({
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
      })
      .onConflict(['run', 'position_id'])
      .ignore();
  }

  async recordExit(exit: ClosedTrade): Promise<void> {
    await this.db.transaction(async (trx) => {
      if (exit.dealId) {
        const seen = await trx('tk_trade_exits').where({ run: this.run, deal_id: exit.dealId }).first('id');
        if (seen) return;
      }
      const row = await trx('tk_trades').where({ run: this.run, position_id: exit.positionId }).first();
      const before = row ? toTrade(row) : tradeFromExit(exit);
      const after = applyExit(before, exit);
      await trx('tk_trade_exits').insert({
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
      });
      const patch = {
        open_volume: after.openVolume,
        exit_time: after.exitTime ?? null,
        exit_price: after.exitPrice ?? null,
        exit_reason: after.exitReason ?? null,
        profit: after.profit,
        commission: after.commission,
        swap: after.swap,
        status: after.status,
      };
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
    });
  }

  async getTrade(positionId: string): Promise<TradeRecord | undefined> {
    const row = await this.db('tk_trades').where({ run: this.run, position_id: positionId }).first();
    return row ? toTrade(row) : undefined;
  }

  async listTrades(q: TradeQuery = {}): Promise<TradeRecord[]> {
    const b = this.db('tk_trades').where({ run: this.run });
    if (q.status) b.andWhere({ status: q.status });
    if (q.symbol) b.andWhere({ symbol: q.symbol });
    if (q.from !== undefined) b.andWhere('entry_time', '>=', q.from);
    if (q.to !== undefined) b.andWhere('entry_time', '<=', q.to);
    b.orderBy('entry_time', 'desc').orderBy('position_id', 'desc');
    if (q.limit) b.limit(q.limit);
    if (q.offset) b.offset(q.offset);
    return ((await b) as Record<string, unknown>[]).map(toTrade);
  }

  async appendEvents(events: readonly TradekitEvent[]): Promise<void> {
    if (!events.length) return;
    const rows = events.map((e) => ({ run: this.run, seq: e.seq, type: e.type, time: e.time, data: this.redact(JSON.stringify(e.data)) }));
    // SQLite limits bound parameters per statement: insert in chunks.
    for (let i = 0; i < rows.length; i += 150) await this.db('tk_events').insert(rows.slice(i, i + 150)).onConflict(['run', 'seq']).ignore();
  }

  async events(sinceSeq: number, limit = 1000): Promise<TradekitEvent[]> {
    const rows = (await this.db('tk_events').where({ run: this.run }).andWhere('seq', '>', sinceSeq).orderBy('seq', 'asc').limit(limit)) as {
      seq: number | string;
      type: string;
      time: number | string;
      data: string;
    }[];
    return rows.map((r) => ({ v: 1, type: r.type as TradekitEvent['type'], run: this.run, seq: Number(r.seq), time: Number(r.time), data: JSON.parse(r.data) as never }));
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
