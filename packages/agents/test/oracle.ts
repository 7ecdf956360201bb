/**
 * An independent reading of the sample data at time t, assembled from the package's public building
 * blocks (fresh tracks, fed from bar 0), used to state the exact strings the gates must produce.
 */
import { TIMEFRAME_MS, type CsvDataSource } from '@tradekit/core';
import { bestSide, detectRegime, FeatureTrack, regimeKey, trendOf, type InstitutionalConfig } from '@tradekit/agents';

export function oracle(src: CsvDataSource, symbol: string, cfg: InstitutionalConfig, probLong = 0.5) {
  const track = (tf: 'M5' | 'H1' | 'H4') => {
    const t = new FeatureTrack(symbol, tf, {
      divergenceLookback: 14,
      atrMeanPeriod: 100,
      smc: {
        lookback: cfg.bos.sweepLookback,
        momentum: cfg.bos.momentumMultiplier,
        sweepRecentBars: cfg.smc.sweepRecentBars,
        fvgMinAtr: cfg.smc.fvgMinAtr,
        maxZones: cfg.smc.maxZones,
      },
    });
    t.feed(src.bars(symbol, tf, cfg.historyBars));
    return t;
  };
  const m5 = track('M5');
  const h1 = track('H1');
  const h4 = track('H4');
  const f = m5.features;
  const trends = {
    M5: trendOf(f.close, f.sma50, cfg.trendBand),
    H1: cfg.h1TrendFilter ? trendOf(h1.features.close, h1.features.sma50, cfg.trendBand) : 'unknown',
    H4: cfg.h4TrendFilter ? trendOf(h4.features.close, h4.features.sma50, cfg.trendBand) : 'unknown',
  } as const;
  const smc = m5.smc;
  const near = cfg.smc.nearAtr;
  const smcBuy = smc.recentSweep('buy') || smc.nearZone(smc.orderBlocks, 'buy', f.close, f.atr, near) || smc.nearZone(smc.fvgs, 'buy', f.close, f.atr, near);
  const smcSell =
    smc.recentSweep('sell') || smc.nearZone(smc.orderBlocks, 'sell', f.close, f.atr, near) || smc.nearZone(smc.fvgs, 'sell', f.close, f.atr, near);
  const conf = bestSide(
    { m5: trends.M5, h1: trends.H1, h4: trends.H4, probLong, smcBuy, smcSell, adx: f.adx },
    {
      m5Filter: cfg.m5TrendFilter,
      h1Filter: cfg.h1TrendFilter,
      h4Filter: cfg.h4TrendFilter,
      adxStrong: cfg.adxStrong,
      probStrong: cfg.probStrong,
      probThreshold: cfg.rfProbThreshold,
    },
  );
  const { regime } = detectRegime(f, cfg.regime);
  return { m5, f, trends, conf, regime, key: regimeKey(regime), barEnd: m5.lastTime + TIMEFRAME_MS.M5 };
}
