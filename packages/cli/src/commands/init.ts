import path from 'node:path';
import { EXIT } from '../exit-codes.js';
import { exitCodeFor } from '../exit-for.js';
import { printError } from '../report-errors.js';
import { initPlugin } from '../init/plugin.js';
import { initProject, type InitResult } from '../init/project.js';

export interface InitFlags {
  name?: string;
  force?: boolean;
  json?: boolean;
}

export async function initCommand(dir: string | undefined, flags: InitFlags): Promise<number> {
  return report(() => initProject(dir ?? '.', { name: flags.name, force: flags.force }), flags, [
    'npm install',
    'npm test                               # builds src/ and backtests tradekit.yaml in a test',
    'npx tradekit backtest tradekit.yaml     # trades, statistics and report.html in backtests/',
  ]);
}

export async function initPluginCommand(name: string, dir: string | undefined, flags: InitFlags): Promise<number> {
  return report(() => initPlugin(name, dir, { force: flags.force }), flags, [
    'npm install',
    'npm test                               # builds src/ and backtests test/backtest.yaml',
    'npm pack                               # or npm publish; then in a project: npm install <it>',
  ]);
}

function report(make: () => InitResult, flags: InitFlags, next: string[]): number {
  let r: InitResult;
  try {
    r = make();
  } catch (e) {
    printError(e, flags.json);
    return exitCodeFor(e);
  }
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ ok: true, dir: r.dir, name: r.name, files: r.files })}\n`);
    return EXIT.OK;
  }
  const rel = path.relative(process.cwd(), r.dir) || '.';
  process.stdout.write(`✔ ${r.name}: ${r.files.length} files in ${rel}\n`);
  for (const f of r.files) if (!f.includes('/data/') && !f.startsWith('data/')) process.stdout.write(`  ${f}\n`);
  process.stdout.write(`\nNext:\n${rel === '.' ? '' : `  cd ${rel}\n`}${next.map((l) => `  ${l}\n`).join('')}`);
  return EXIT.OK;
}
