/** One open record store per URL per process, shared by the LLM plugins that name it (reference-counted). */
import { openLlmStore } from './knex-store.js';
import type { LlmCallQuery, LlmRecordStore } from './store.js';
import type { LlmCallRecord } from '../types.js';

const open = new Map<string, { store: Promise<LlmRecordStore>; refs: number }>();

class SharedHandle implements LlmRecordStore {
  private closed = false;
  constructor(
    private readonly id: string,
    private readonly s: LlmRecordStore,
  ) {}
  get(key: string): Promise<LlmCallRecord | undefined> {
    return this.s.get(key);
  }
  put(rec: LlmCallRecord): Promise<void> {
    return this.s.put(rec);
  }
  list(q?: LlmCallQuery): Promise<LlmCallRecord[]> {
    return this.s.list(q);
  }
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const e = open.get(this.id);
    if (e && --e.refs === 0) {
      open.delete(this.id);
      await this.s.close();
    }
  }
}

/**
 * `resolve` maps a relative sqlite path through the plugin context (config-relative, and refused
 * outside the server's roots under `tradekit serve`). `memory:` stores are never shared.
 */
export async function openSharedStore(url: string, baseDir: string, resolve: (p: string) => string): Promise<LlmRecordStore> {
  let u = url.trim();
  if (u.startsWith('sqlite:') && !u.endsWith(':memory:')) {
    let file = u.slice('sqlite:'.length);
    if (file.startsWith('//')) file = file.slice(2);
    u = `sqlite://${resolve(file)}`;
  }
  if (/^memory:?$/.test(u) || u.endsWith(':memory:')) return openLlmStore(u, baseDir);
  let e = open.get(u);
  if (!e) {
    e = { store: openLlmStore(u, baseDir), refs: 0 };
    open.set(u, e);
    e.store.catch(() => open.delete(u));
  }
  e.refs++;
  return new SharedHandle(u, await e.store);
}
