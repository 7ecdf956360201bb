/**
 * What a scaffold depends on: the tradekit packages at the versions of this CLI (what `npm install
 * tradekit` brought), and the TypeScript toolchain the repository builds with.
 */
import { CORE_VERSION } from '@tradekit/core';
import { CLI_VERSION } from '../version.js';

export const SCAFFOLD_VERSIONS = {
  tradekit: `^${CLI_VERSION}`,
  '@tradekit/core': `^${CORE_VERSION}`,
  typescript: '^7.0.2',
  '@types/node': '^20.19.43',
} as const;

/** Node versions a scaffold declares (the packages' own `engines`). */
export const NODE_ENGINES = '>=20.19';
