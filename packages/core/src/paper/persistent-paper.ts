/**
 * A paper account that survives its process: a paper run at wall-clock pace (forward-testing on live
 * data) restarts like a live one. The account lives in memory (PaperBroker) and is saved to the run's
 * state store after every call that changed it, *before* the call answers, so the journal can never
 * know of a fill, a close or an order that the saved account does not have. After a crash the account
 * is restored, the bars missed meanwhile are walked (SL/TP, pending orders), and recovery compares the
 * journal with it like with any broker. Saves go through the store's fenced writes: a process that
 * lost the run cannot overwrite the account.
 */
import type { ActionResult, Broker, ClientIdLookup, KeyValueStore, Logger } from '../interfaces.js';
import type { Account, Deal, MaybePromise, OrderIntent, OrderResult, PendingOrder, Position, PositionFilter } from '../types.js';
import { failpoint } from '../util/failpoints.js';
import type { PaperAccountState, PaperBroker } from './paper-broker.js';

export const PAPER_ACCOUNT_KEY = 'paper.account';

export class PersistentPaperBroker implements Broker {
  readonly name = 'paper';
  private saved = -1;
  private saving?: Promise<void>;

  constructor(
    readonly inner: PaperBroker,
    private readonly kv: KeyValueStore,
    private readonly log: Logger,
  ) {}

  /** Loads the saved account, if any; true when one was restored. */
  async restore(): Promise<boolean> {
    const s = await this.kv.get<PaperAccountState>(PAPER_ACCOUNT_KEY);
    if (!s) {
      this.saved = this.inner.revision;
      return false;
    }
    this.inner.importState(s);
    this.saved = this.inner.revision;
    this.log.info({ positions: s.positions.length, pending: s.pending.length, balance: s.balance }, 'paper account restored from the state store');
    return true;
  }

  /** Saves the account when it changed since the last save; one save at a time, the latest state wins. */
  private persist(): Promise<void> {
    if (this.inner.revision === this.saved) return this.saving ?? Promise.resolve();
    this.saving ??= (async () => {
      try {
        while (this.inner.revision !== this.saved) {
          failpoint('paper.beforeSave');
          const rev = this.inner.revision;
          await this.kv.set(PAPER_ACCOUNT_KEY, this.inner.exportState());
          this.saved = rev;
          failpoint('paper.afterSave');
        }
      } finally {
        this.saving = undefined;
      }
    })();
    return this.saving;
  }

  /** Runs a call on the account and answers only once what it changed is saved. */
  private async answered<T>(r: MaybePromise<T>): Promise<T> {
    const v = await r;
    await this.persist();
    return v;
  }

  account(): Promise<Account> {
    return this.answered(this.inner.account());
  }
  positions(filter?: PositionFilter): Promise<Position[]> {
    return this.answered(this.inner.positions(filter));
  }
  orders(filter?: PositionFilter): Promise<PendingOrder[]> {
    return this.answered(this.inner.orders(filter));
  }
  history(range: { from: number; to: number }): Promise<Deal[]> {
    return this.answered(this.inner.history(range));
  }
  lookup(clientId: string): Promise<ClientIdLookup> {
    return this.answered(this.inner.lookup(clientId));
  }
  place(intent: OrderIntent): Promise<OrderResult> {
    return this.answered(this.inner.place(intent));
  }
  modify(positionId: string, stops: { sl?: number; tp?: number }): Promise<ActionResult> {
    return this.answered(this.inner.modify(positionId, stops));
  }
  close(positionId: string, volume?: number): Promise<ActionResult> {
    return this.answered(this.inner.close(positionId, volume));
  }
  cancel(orderId: string): Promise<ActionResult> {
    return this.answered(this.inner.cancel(orderId));
  }
  closeAtLast(positionId: string): Promise<ActionResult> {
    return this.answered(this.inner.closeAtLast(positionId));
  }
  subscribeDeals(listener: (deal: Deal) => void): () => void {
    return this.inner.subscribeDeals(listener);
  }
  async shutdown(): Promise<void> {
    await this.persist().catch((e: unknown) => this.log.warn({ code: (e as { code?: string }).code }, 'could not save the paper account at shutdown'));
  }
}
