/**
 * Several plugins may act on one position in the same pass. The engine applies a coherent set per
 * position: a full close beats everything; otherwise modifies merge by taking the most protective stop
 * (highest SL for a buy, lowest for a sell) and the last TP given, and the largest partial close
 * follows that modify (a stop moved to break-even and a partial close at break-even in one pass).
 */
import type { Action, Position } from '../types.js';

export function mergeActions(actions: readonly Action[], positions: readonly Position[]): Action[] {
  // The common case: one agent closes one position.
  if (actions.length === 1) {
    const a = actions[0]!;
    if (a.type === 'close' && a.volume === undefined) {
      for (let i = 0; i < positions.length; i++) if (positions[i]!.id === a.positionId) return [{ type: 'close', positionId: a.positionId, reason: a.reason }];
      return [];
    }
  }
  const byPos = new Map<string, Action[]>();
  const cancels: Action[] = [];
  for (const a of actions) {
    if (a.type === 'cancel') {
      if (!cancels.some((c) => c.type === 'cancel' && c.orderId === a.orderId)) cancels.push(a);
      continue;
    }
    const list = byPos.get(a.positionId) ?? [];
    list.push(a);
    byPos.set(a.positionId, list);
  }
  const out: Action[] = [...cancels];
  for (const [positionId, list] of byPos) {
    const pos = positions.find((p) => p.id === positionId);
    if (!pos) continue;
    const closes = list.filter((a): a is Extract<Action, { type: 'close' }> => a.type === 'close');
    const full = closes.find((c) => c.volume === undefined || c.volume >= pos.volume - 1e-9);
    if (full) {
      out.push({ type: 'close', positionId, reason: full.reason });
      continue;
    }
    const mods = list.filter((a): a is Extract<Action, { type: 'modify' }> => a.type === 'modify');
    let sl: number | undefined;
    let tp: number | undefined;
    const reasons: string[] = [];
    for (const m of mods) {
      if (m.sl !== undefined) sl = sl === undefined ? m.sl : pos.side === 'buy' ? Math.max(sl, m.sl) : Math.min(sl, m.sl);
      if (m.tp !== undefined) tp = m.tp;
      reasons.push(m.reason);
    }
    if (sl !== undefined || tp !== undefined) out.push({ type: 'modify', positionId, sl, tp, reason: [...new Set(reasons)].join(', ') });
    if (closes.length) out.push(closes.reduce((a, b) => ((b.volume ?? 0) > (a.volume ?? 0) ? b : a)));
  }
  return out;
}
