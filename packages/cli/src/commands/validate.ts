import path from 'node:path';
import { loadConfig, type LoadResult } from '@tradekit/core';
import { EXIT } from '../exit-codes.js';
import { printError } from '../report-errors.js';
import { ConfigErrors } from '@tradekit/core';
import { searchPaths } from '../search-paths.js';

export async function validateCommand(file: string, opts: { json?: boolean }): Promise<number> {
  let result: LoadResult;
  try {
    result = await loadConfig(file, { searchPaths: searchPaths() });
  } catch (e) {
    printError(e, opts.json);
    return EXIT.CONFIG;
  }
  if (result.errors.length) {
    printError(new ConfigErrors(result.errors), opts.json);
    if (!opts.json) process.stderr.write(`\n${path.basename(file)}: ${result.errors.length} error${result.errors.length > 1 ? 's' : ''}; nothing ran.\n`);
    return EXIT.CONFIG;
  }
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ ok: true, plugins: result.plugins.map((p) => ({ slot: p.slot, instance: p.instance, name: p.manifest.name, version: p.manifest.version })) })}\n`,
    );
  } else {
    process.stdout.write(`✔ ${file} is valid (run "${result.config.run.name}", mode ${result.config.run.mode}, ${result.config.symbols.length} symbols)\n`);
    for (const p of result.plugins)
      process.stdout.write(`  ${p.where.padEnd(12)} ${p.manifest.name}@${p.manifest.version}${p.instance !== p.manifest.name ? ` as "${p.instance}"` : ''}\n`);
  }
  return EXIT.OK;
}
