/** Between a jobs worker's main thread and its backtest threads (structured-clone friendly). */
import type { BacktestBase, CombinationResult } from './types.js';

export interface ThreadRequest {
  id: number;
  base: BacktestBase;
  index: number;
  params: Record<string, unknown>;
}

export interface ThreadReply {
  id: number;
  result: CombinationResult;
}
