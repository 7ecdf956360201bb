/** Formats the event stream for a terminal: one block per cycle, plus fills and closes as they happen. */
import type { Sink } from '../interfaces.js';
import type { EventPayloads, TradekitEvent } from './types.js';

export interface ConsoleReporterOptions {
  symbols?: boolean;
  color?: boolean;
  write?: (s: string) => void;
}

const C = { dim: '\x1b[2m', green: '\x1b[32m', red: '\x1b[31m', yellow: '\x1b[33m', cyan: '\x1b[36m', bold: '\x1b[1m', reset: '\x1b[0m' };

export class ConsoleReporter implements Sink {
  readonly name = 'console';
  private summary?: EventPayloads['scan.summary'];
  private readonly write: (s: string) => void;
  private readonly color: boolean;

  constructor(private readonly o: ConsoleReporterOptions = {}) {
    this.write = o.write ?? ((s) => void process.stdout.write(s));
    this.color = o.color ?? false;
  }

  private c(code: keyof typeof C, s: string): string {
    return this.color ? `${C[code]}${s}${C.reset}` : s;
  }

  publish(e: TradekitEvent): void {
    switch (e.type) {
      case 'scan.summary':
        this.summary = e.data as EventPayloads['scan.summary'];
        break;
      case 'account.update':
        this.printCycle((e.data as EventPayloads['account.update']).account);
        break;
      case 'order.filled': {
        const { result, intent } = e.data as EventPayloads['order.filled'];
        if (result.status === 'filled') {
          const stops = intent ? ` sl ${intent.sl ?? '-'} tp ${intent.tp ?? '-'}` : '';
          this.write(
            `   ${this.c('green', '↳ filled')} ${result.side.toUpperCase()} ${result.volume} ${result.symbol} @ ${result.price}${stops} #${result.positionId}\n`,
          );
        }
        break;
      }
      case 'order.placed': {
        const { result } = e.data as EventPayloads['order.placed'];
        if (result.status === 'placed')
          this.write(
            `   ${this.c('cyan', '↳ placed')} ${result.side.toUpperCase()} ${result.type.toUpperCase()} ${result.volume} ${result.symbol} @ ${result.price} #${result.orderId}\n`,
          );
        break;
      }
      case 'order.rejected': {
        const { result } = e.data as EventPayloads['order.rejected'];
        if (result.status === 'rejected') this.write(`   ${this.c('red', '↳ rejected')} ${result.symbol}: ${result.code} ${result.reason}\n`);
        break;
      }
      case 'position.closed': {
        const { trade } = e.data as EventPayloads['position.closed'];
        const pnl = trade.profit >= 0 ? this.c('green', `+${trade.profit.toFixed(2)}`) : this.c('red', trade.profit.toFixed(2));
        this.write(
          `   ${this.c('yellow', '↳ closed')} ${trade.side.toUpperCase()} ${trade.volume} ${trade.symbol} #${trade.positionId} @ ${trade.closePrice} (${trade.reason}${trade.partial ? ', partial' : ''}) ${pnl}\n`,
        );
        break;
      }
      case 'state.changed': {
        const d = e.data as EventPayloads['state.changed'];
        this.write(`${this.c('bold', `trading state ${d.from} → ${d.to}`)}${d.reason ? ` (${d.reason})` : ''}\n`);
        break;
      }
      default:
        break;
    }
  }

  private printCycle(account: EventPayloads['account.update']['account']): void {
    const s = this.summary;
    if (!s) return;
    this.summary = undefined;
    const time = new Date(s.startedAt).toISOString().slice(0, 16).replace('T', ' ');
    const orders = s.executions.filter((x) => x.status === 'filled' || x.status === 'placed').length;
    const fl = account.profit;
    const float = fl === 0 ? '0.00' : fl > 0 ? this.c('green', `+${fl.toFixed(2)}`) : this.c('red', fl.toFixed(2));
    const head = s.gated ? this.c('yellow', `gated: ${s.gated}`) : `scanned ${s.scanned}  candidates ${s.candidates}  orders ${orders}`;
    this.write(
      `${this.c('bold', `#${s.seq}`)} ${this.c('dim', `${time} UTC`)}  ${head}  | balance ${money(account.balance)} equity ${money(account.equity)} float ${float} positions ${s.positions}  ${this.c('dim', `${s.durationMs.toFixed(1)} ms`)}\n`,
    );
    if (this.o.symbols !== false && !s.gated) {
      const groups = new Map<string, string[]>();
      for (const [sym, st] of Object.entries(s.symbols)) {
        const list = groups.get(st) ?? [];
        list.push(sym);
        groups.set(st, list);
      }
      const parts = [...groups].map(
        ([st, syms]) =>
          `${st.startsWith('CANDIDATE') || st.startsWith('FILLED') || st.startsWith('PLACED') ? this.c('green', st) : st.startsWith('Error') ? this.c('red', st) : st}: ${syms.join(' ')}`,
      );
      this.write(`   ${parts.join(' | ')}\n`);
    }
  }
}

function money(v: number): string {
  return v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}
