/** Shapes the API returns (see docs/api.md). */
export type TradingState = 'ACTIVE' | 'HALTED' | 'REDUCING';

export interface TkEvent {
  v: number;
  type: string;
  run: string;
  seq: number;
  time: number;
  data: any;
}

export interface RunSummary {
  id: string;
  name: string;
  mode: string;
  status: string;
  tradingState: TradingState;
  symbols: string[];
  pace: string | number;
  startedAt: number;
  endedAt?: number;
  time?: number;
  cycles: number;
  lastSeq: number;
  equity?: number;
  positions: number;
  canStop: boolean;
  error?: { code: string; message: string };
  hosted?: false;
}

export interface Account {
  currency: string;
  balance: number;
  equity: number;
  profit: number;
  margin: number;
  freeMargin: number;
  marginLevel: number;
  leverage: number;
  dayProfit: number;
  drawdownPct: number;
  maxDrawdownPct: number;
  peakEquity: number;
  time: number;
}

export interface Position {
  id: string;
  symbol: string;
  side: 'buy' | 'sell';
  volume: number;
  openPrice: number;
  openTime: number;
  sl?: number;
  tp?: number;
  currentPrice: number;
  profit: number;
  commission: number;
  swap: number;
}

export interface ScanRow {
  symbol: string;
  status: string;
  kind: string;
}

export interface Scan {
  cycle: number;
  time: number | null;
  state: TradingState;
  gated?: string;
  rows: ScanRow[];
  candidates: number;
}

export interface Trade {
  positionId: string;
  symbol: string;
  side: 'buy' | 'sell';
  volume: number;
  openVolume: number;
  entryTime: number;
  entryPrice: number;
  sl?: number;
  tp?: number;
  exitTime?: number;
  exitPrice?: number;
  exitReason?: string;
  profit: number;
  status: 'open' | 'closed';
  agent?: string;
  score?: number;
}

export interface Snapshot {
  seq: number;
  run: RunSummary;
  account: Account | null;
  positions: Position[];
  orders: any[];
  scan: Scan | null;
  recent: TkEvent[];
}

export interface Me {
  name: string;
  scopes: string[];
  canStart: boolean;
}
