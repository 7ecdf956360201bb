import { readFileSync } from 'node:fs';

/** @tradekit/core's own version, from its package.json (read once at startup). */
export const CORE_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
