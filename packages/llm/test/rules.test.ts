/** The deterministic rules after the model: the sentiment gate, the emotion factors, the reduce-only overlay. */
import assert from 'node:assert/strict';
import type { OrderIntent, SymbolInfo } from '@tradekit/core';
import { emotionFactor, sentimentVeto, type GateRules, type Sentiment } from '@tradekit/llm';
import { apply } from '../src/overlay.js';

const R: GateRules = { minConfidence: 0.6, blockScore: 0.5, blockHighRisk: true, highRiskConfidence: 0.7, fearFactor: 0.6, greedFactor: 0.8 };
const s = (x: Partial<Sentiment>): Sentiment => ({ score: 0, confidence: 0.9, emotion: 'NEUTRAL', ...x });

describe('sentiment rules', () => {
  it('vetoes a BUY below −blockScore and a SELL above +blockScore, only at minConfidence or more', () => {
    assert.match(sentimentVeto({ side: 'buy' }, s({ score: -0.51 }), R)!, /^Sentiment: BUY against bearish news \(score -0\.51, confidence 0\.90, NEUTRAL\)$/);
    assert.equal(sentimentVeto({ side: 'sell' }, s({ score: -0.9 }), R), undefined);
    assert.match(sentimentVeto({ side: 'sell' }, s({ score: 0.6 }), R)!, /SELL against bullish news/);
    assert.equal(sentimentVeto({ side: 'buy' }, s({ score: -0.5 }), R), undefined, 'the bound itself passes');
    assert.equal(sentimentVeto({ side: 'buy' }, s({ score: -0.9, confidence: 0.59 }), R), undefined);
  });

  it('vetoes on HIGH news risk above highRiskConfidence (the original rule), unless blockHighRisk is off', () => {
    assert.match(sentimentVeto({ side: 'buy' }, s({ risk: 'HIGH', confidence: 0.71 }), R)!, /high news risk/);
    assert.equal(sentimentVeto({ side: 'buy' }, s({ risk: 'HIGH', confidence: 0.7 }), R), undefined);
    assert.equal(sentimentVeto({ side: 'buy' }, s({ risk: 'HIGH', confidence: 0.9 }), { ...R, blockHighRisk: false }), undefined);
  });

  it('emotion factors: FEAR/PANIC × fearFactor, GREED/EUPHORIA × greedFactor, NEUTRAL 1, never above 1', () => {
    assert.deepEqual(
      (['PANIC', 'FEAR', 'NEUTRAL', 'GREED', 'EUPHORIA'] as const).map((e) => emotionFactor(e, R)),
      [0.6, 0.6, 1, 0.8, 0.8],
    );
    assert.equal(emotionFactor('GREED', { fearFactor: 1, greedFactor: 1.7 }), 1);
  });
});

describe('size overlay', () => {
  const info = { volumeMin: 0.01, volumeStep: 0.01, volumeMax: 100 } as SymbolInfo;
  const intent = { clientId: 'c', symbol: 'EURUSD', side: 'buy', type: 'market', volume: 0.75 } as OrderIntent;

  it('floors volume × factor to the step, never above the risk volume', () => {
    assert.equal((apply(intent, { factor: 0.6, why: 'x' }, info) as OrderIntent).volume, 0.45);
    assert.equal((apply(intent, { factor: 0.333, why: 'x' }, info) as OrderIntent).volume, 0.24);
    assert.equal((apply(intent, { factor: 1, why: 'x' }, info) as OrderIntent).volume, 0.75);
  });

  it('a reduced volume below the minimum is a veto, never a round-up', () => {
    const r = apply({ ...intent, volume: 0.01 }, { factor: 0.6, why: 'Sentiment FEAR' }, info);
    assert.deepEqual(r, { veto: 'Sentiment FEAR: 0.01 × 0.6 is below the minimum volume 0.01' });
  });
});
