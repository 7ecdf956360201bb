/** The plugin's settings (`with:` in a config) and their JSON schema, checked before anything runs. */
import type { Timeframe } from '@tradekit/core';

export interface StreakConfig {
  /** Closes in a row in one direction that make a signal. */
  streak: number;
  timeframe: Timeframe;
  volume: number;
  /** Stop and target distances as percentages of the entry price. */
  stopPct: number;
  targetPct: number;
}

export const configSchema: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    streak: { type: 'integer', minimum: 2, maximum: 50, default: 4, description: 'closes in a row in one direction that make a signal' },
    timeframe: { type: 'string', pattern: '^(M1|M5|M15|M30|H1|H4|D1)$', default: 'M5', description: 'bars to read' },
    volume: { type: 'number', exclusiveMinimum: 0, default: 0.1, description: 'lots per entry' },
    stopPct: { type: 'number', exclusiveMinimum: 0, default: 0.1, description: 'stop distance, % of the price' },
    targetPct: { type: 'number', exclusiveMinimum: 0, default: 0.2, description: 'target distance, % of the price' },
  },
};
