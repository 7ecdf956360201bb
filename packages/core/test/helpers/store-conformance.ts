/**
 * The state store conformance suite: what every SQL state store must do, run against each backend
 * (a fresh database per test) — KV, orders, trades and exits once per deal, fills atomic, events,
 * redaction, migrating once, reading from another instance, the run lease and fencing on every
 * table, many acquirers at once, `crashed` runs, and event numbering across crashes.
 */
import type { StoreBackend } from './store-backends.js';
import { eventBusConformance } from './conformance/event-bus.js';
import { journalConformance } from './conformance/journal.js';
import { leaseConformance } from './conformance/lease.js';

export function defineStoreConformance(name: string, backend: StoreBackend): void {
  describe(`state store conformance: ${name}`, function () {
    this.timeout(60_000);
    journalConformance(backend);
    leaseConformance(backend);
    eventBusConformance(backend);
  });
}
