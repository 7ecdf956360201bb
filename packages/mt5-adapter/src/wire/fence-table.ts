/**
 * The bridge side of fencing (one writer per run): the highest fencing token seen per run. `tk_fence`
 * and every fenced write raise it; a token smaller than the highest is refused. The simulator server
 * and the in-process gateway keep one in memory, exactly like `bridge/mt5_bridge.py` (a restart
 * forgets it: the run lease in the state store still protects, and the next write or `tk_fence` of
 * the current holder records its token again).
 */
import { RPC_ERROR, type RpcErrorBody, type WireFence } from './protocol.js';

export type FenceCheck = { ok: true; highest: number } | { ok: false; highest: number };

export class FenceTable {
  private readonly highest = new Map<string, number>();

  /** Records `token` for `run` unless a larger one was seen (then refuses it). */
  raise(f: WireFence): FenceCheck {
    const seen = this.highest.get(f.run);
    if (seen !== undefined && f.token < seen) return { ok: false, highest: seen };
    this.highest.set(f.run, f.token);
    return { ok: true, highest: f.token };
  }

  /** The highest token seen for `run` (undefined: none yet). */
  get(run: string): number | undefined {
    return this.highest.get(run);
  }
}

/** `{ run, token }` from JSON, or undefined when malformed (the run a non-empty string, the token an integer ≥ 0). */
export function parseFence(v: unknown): WireFence | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const { run, token } = v as Record<string, unknown>;
  if (typeof run !== 'string' || run.length === 0 || run.length > 200) return undefined;
  if (typeof token !== 'number' || !Number.isSafeInteger(token) || token < 0) return undefined;
  return { run, token };
}

/** The FENCED error body the bridge answers (nothing reached the terminal). */
export function fencedBody(f: WireFence, highest: number): RpcErrorBody {
  return { code: RPC_ERROR.FENCED, message: 'FENCED', data: { outcome: 'not_sent', run: f.run, token: f.token, highest } };
}
