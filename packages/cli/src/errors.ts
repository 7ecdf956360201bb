/**
 * The CLI's own TK_ERR_* codes (core's are in @tradekit/core). Each is a TradekitError, so the CLI's
 * printer shows file:line:column and the JSON path the same way it does for config errors.
 */
import { TradekitError, type TradekitErrorOptions } from '@tradekit/core';

export const CliErrorCodes = {
  /** A command-line value is malformed (`--set`, `--workers`, `--samples`, `--rank-by`…). */
  TK_ERR_CLI_ARG: 'bad command-line value',
  /** The grid file cannot be read. */
  TK_ERR_GRID_FILE: 'grid file cannot be read',
  /** The grid file is not valid YAML. */
  TK_ERR_GRID_YAML: 'malformed grid YAML',
  /** The grid file parses but is not a mapping of config paths to non-empty value lists (or ranges). */
  TK_ERR_GRID_SHAPE: 'grid entry has the wrong shape',
  /** A grid key is not a path the config accepts (unknown key). */
  TK_ERR_GRID_PATH: 'grid key is not a config path',
  /** A sweep worker died while running a combination. */
  TK_ERR_SWEEP_WORKER: 'sweep worker failed',
  /** The output folder or a report file cannot be written. */
  TK_ERR_REPORT_WRITE: 'report cannot be written',
  /** `tradekit init`: the target folder is not empty (and `--force` was not given). */
  TK_ERR_INIT_NOT_EMPTY: 'folder is not empty',
  /** `tradekit init`: the project or plugin name is not a valid npm package name. */
  TK_ERR_INIT_NAME: 'bad project or plugin name',
  /** `tradekit init`: a file of the scaffold cannot be written (or the target is not a folder). */
  TK_ERR_INIT_WRITE: 'scaffold cannot be written',
} as const;

// This package's codes join the closed set of TradekitError codes (see @tradekit/core's errors.ts).
declare module '@tradekit/core' {
  interface ErrorCodeRegistry {
    cli: keyof typeof CliErrorCodes;
  }
}

export type CliErrorCode = keyof typeof CliErrorCodes;

export function cliError(code: CliErrorCode, message: string, opts: TradekitErrorOptions = {}): TradekitError {
  return new TradekitError(code, message, opts);
}
