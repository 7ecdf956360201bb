import { ConfigErrors, isTradekitError } from '@tradekit/core';
import { EXIT } from './exit-codes.js';

const CONFIG_CODES = /^TK_ERR_(CONFIG_|CLI_ARG$|GRID_|INIT_NAME$|INIT_NOT_EMPTY$)/;

/** 2 when the config, a plugin it names or the command line is wrong (nothing ran), else 1. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof ConfigErrors) return EXIT.CONFIG;
  if (isTradekitError(err) && CONFIG_CODES.test(err.code)) return EXIT.CONFIG;
  return EXIT.FAILURE;
}
