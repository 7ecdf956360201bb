/** CSV file names: `{symbol}` and `{timeframe}` in a pattern (default `{symbol}_{timeframe}.csv`) → a regex with named groups. */

export const DEFAULT_FILE_PATTERN = '{symbol}_{timeframe}.csv';

/** Matches a whole file name; groups `symbol` and `tf`. The rest of the pattern is literal. */
export function fileNameRegex(pattern = DEFAULT_FILE_PATTERN): RegExp {
  return new RegExp(
    `^${pattern
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace('{symbol}', '(?<symbol>.+?)')
      .replace('{timeframe}', '(?<tf>[A-Z]+\\d+)')}$`,
  );
}
