/**
 * `tradekit init plugin <name> [dir]`: a publishable agent plugin package — the manifest through
 * definePlugin, a JSON config schema, `peerDependencies` on @tradekit/core, a test (node --test) over
 * sample bars that are not published, a README, `files`, and the `tradekit-plugin` keyword.
 */
import path from 'node:path';
import { checkPluginName, unscoped } from './names.js';
import { Scaffold, prepareTarget } from './scaffold.js';
import type { InitResult } from './project.js';
import { NODE_ENGINES, SCAFFOLD_VERSIONS as V } from './versions.js';

export interface InitPluginOptions {
  force?: boolean;
}

export function pluginPackageJson(name: string): Record<string, unknown> {
  return {
    name,
    version: '0.1.0',
    description: 'A tradekit agent plugin',
    type: 'module',
    license: 'MIT',
    keywords: ['tradekit-plugin', 'tradekit', 'trading'],
    main: './dist/src/index.js',
    types: './dist/src/index.d.ts',
    exports: {
      '.': { types: './dist/src/index.d.ts', default: './dist/src/index.js' },
      './package.json': './package.json',
    },
    files: ['dist/src', 'README.md'],
    engines: { node: NODE_ENGINES },
    scripts: {
      build: 'tsc -p tsconfig.json',
      test: 'tsc -p tsconfig.json && node --test dist/test/',
      prepack: 'tsc -p tsconfig.json',
    },
    // The application's own @tradekit/core runs the plugin: one copy, whatever installs it.
    peerDependencies: { '@tradekit/core': V['@tradekit/core'] },
    devDependencies: { '@tradekit/core': V['@tradekit/core'], '@types/node': V['@types/node'], typescript: V.typescript },
  };
}

export function initPlugin(name: string, dir: string | undefined, opts: InitPluginOptions = {}): InitResult {
  checkPluginName(name);
  const abs = path.resolve(dir ?? unscoped(name));
  prepareTarget(abs, opts.force ?? false);
  const files = new Scaffold(abs)
    .template('plugin', { name, coreRange: V['@tradekit/core'] })
    .sampleData('test/data')
    .json('package.json', pluginPackageJson(name))
    .write();
  return { dir: abs, name, files };
}
