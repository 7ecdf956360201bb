import { useEffect, useState } from 'react';
import type { RunView } from '../stream';
import { AccountCard } from './AccountCard';
import { StateControl } from './StateControl';
import { ScannerGrid } from './ScannerGrid';
import { PriceChart } from './PriceChart';
import { Positions } from './Positions';
import { TradeFeed } from './TradeFeed';
import { EventLog } from './EventLog';

export function LiveView({ runId, view, canTrade, onChanged }: { runId: string; view: RunView; canTrade: boolean; onChanged: () => void }) {
  const symbols = view.run?.symbols ?? [];
  const [symbol, setSymbol] = useState<string | undefined>(undefined);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the chosen symbol resets when the run changes
  useEffect(() => setSymbol(undefined), [runId]);
  const active = symbol && symbols.includes(symbol) ? symbol : symbols[0];
  if (!view.ready) return <div className="empty muted">connecting to {runId}…</div>;
  return (
    <div className="grid">
      <AccountCard view={view} />
      <StateControl runId={runId} view={view} canTrade={canTrade} onChanged={onChanged} />
      <ScannerGrid scan={view.scan} symbols={symbols} selected={active} onSelect={setSymbol} />
      {active && (
        <PriceChart
          runId={runId}
          symbol={active}
          symbols={symbols}
          onSymbol={setSymbol}
          positions={view.positions}
          cycleTick={view.cycleTick}
          tradeTick={view.tradeTick}
        />
      )}
      <Positions positions={view.positions} orders={view.orders} />
      <TradeFeed feed={view.feed} />
      <EventLog events={view.events} />
    </div>
  );
}
