/**
 * `tradekit init [dir]`: a user project — package.json depending on the published packages,
 * tradekit.yaml, an agent plugin in src/ built with tsc, its test (node --test), sample bars in data/,
 * .gitignore and a README with the next commands.
 */
import path from 'node:path';
import { checkProjectName } from './names.js';
import { Scaffold, prepareTarget } from './scaffold.js';
import { NODE_ENGINES, SCAFFOLD_VERSIONS as V } from './versions.js';

export interface InitProjectOptions {
  /** Project (package) name; default: the folder's name. */
  name?: string;
  /** Write over a folder that is not empty. */
  force?: boolean;
}

export interface InitResult {
  dir: string;
  name: string;
  /** Paths written, relative to `dir`. */
  files: string[];
}

export function projectPackageJson(name: string): Record<string, unknown> {
  return {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      build: 'tsc -p tsconfig.json',
      test: 'tsc -p tsconfig.json && node --test dist/test/',
      backtest: 'tsc -p tsconfig.json && tradekit backtest tradekit.yaml',
      validate: 'tsc -p tsconfig.json && tradekit validate tradekit.yaml',
      start: 'tsc -p tsconfig.json && tradekit run tradekit.yaml',
    },
    engines: { node: NODE_ENGINES },
    dependencies: { '@tradekit/core': V['@tradekit/core'], tradekit: V.tradekit },
    devDependencies: { '@types/node': V['@types/node'], typescript: V.typescript },
  };
}

export function initProject(dir: string, opts: InitProjectOptions = {}): InitResult {
  const abs = path.resolve(dir);
  const name = checkProjectName(opts.name ?? path.basename(abs), opts.name ? '--name' : `from the folder's name; pass --name to choose another`);
  prepareTarget(abs, opts.force ?? false);
  const files = new Scaffold(abs)
    .template('project', { name, runName: name, coreRange: V['@tradekit/core'] })
    .sampleData('data')
    .json('package.json', projectPackageJson(name))
    .write();
  return { dir: abs, name, files };
}
