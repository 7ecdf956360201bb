/**
 * core's benchmark kit (the statistics form, the hand-written reference, the 1M-bar case), loaded
 * from its compiled place: a relative import cannot name another package's dist/ from both bench/
 * and dist/bench/, and the kit is not part of @tradekit/core's published API.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Stats from '../../core/bench/stats.js';
import type * as Reference from '../../core/bench/sma-reference.js';
import type * as Eurusd1m from '../../core/bench/eurusd-1m.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const kit = (name: string) => import(pathToFileURL(path.join(ROOT, 'packages', 'core', 'dist', 'bench', `${name}.js`)).href);

export const stats = (await kit('stats')) as typeof Stats;
export const reference = (await kit('sma-reference')) as typeof Reference;
export const eurusd1m = (await kit('eurusd-1m')) as typeof Eurusd1m;
export type { Sample, Summary, PairedFigure } from '../../core/bench/stats.js';
