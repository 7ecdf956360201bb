/**
 * Config → checked plugins, in fastify's order: read YAML (positions, env) → top-level schema →
 * resolve and import every plugin → check manifests, names, `requires`, `provides` → validate each
 * plugin's `with:` against its schema. Every problem is collected (not just the first) and each is a
 * coded error with file, line, column and JSON path. Nothing is set up here: `tradekit validate`
 * stops after this, `tradekit run` goes on only when the list is empty. For a config from an untrusted
 * client the host passes `envAllow`, `plugins` and `paths` (see plugin-policy.ts and path-policy.ts):
 * every plugin is checked against them before anything is imported. No error message carries the
 * value of a `${NAME}`.
 */
import semver from 'semver';
import { TradekitError } from '../errors.js';
import { PLUGIN_KINDS, type PluginKind, type PluginManifest } from '../plugin.js';
import { parseConfigText, readConfigFile, type ConfigSource, type PathSegment, formatPath } from '../config/source.js';
import { runConfigSchema, type PluginEntry, type RunConfig, type SlotName } from '../config/schema.js';
import { compileSchema, suggest, validateAt } from '../config/validate.js';
import type { PathPolicy } from '../config/path-policy.js';
import type { YamlLimits } from '../config/yaml-limits.js';
import { withoutExpandedValues } from '../config/scrub.js';
import { CORE_VERSION } from '../version.js';
import { installedVersion, isPathSpecifier, resolvePlugin } from './resolve.js';
import { BUILTIN_PLUGINS, isUrlSpecifier, packageAllowed, type PluginPolicy } from './plugin-policy.js';

export interface LoadedPlugin {
  slot: SlotName;
  /** Index within a list slot; undefined for `data` and `broker`. */
  index?: number;
  /** JSON path of the entry, e.g. `agents[1]`. */
  where: string;
  entry: PluginEntry;
  /** Instance name: `entry.name` or the manifest's name. */
  instance: string;
  manifest: PluginManifest;
  /** `with:` after defaults. */
  config: Record<string, unknown>;
  url: string;
}

export interface LoadResult {
  source: ConfigSource;
  config: RunConfig;
  plugins: LoadedPlugin[];
  errors: TradekitError[];
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Extra places to resolve packages from (directories or file URLs). */
  searchPaths?: readonly string[];
  /** Applied to the parsed value before validation (CLI flags). */
  overrides?: (raw: Record<string, unknown>) => void;
  /** Config text to check instead of reading `file` (an uploaded config); `file` still names it and its directory is the base for relative paths. */
  text?: string;
  /** Only these environment variables may be referenced (`${OTHER}` is TK_ERR_CONFIG_ENV_FORBIDDEN); undefined: all. */
  envAllow?: readonly string[];
  /** Plugins by name only from the built-ins and this allow-list; files only under `paths` (required with it). */
  plugins?: PluginPolicy;
  /** Confines file plugins (real path, JavaScript only when `plugins` is set). */
  paths?: PathPolicy;
  /** YAML size/depth/alias/node limits (default DEFAULT_YAML_LIMITS). */
  limits?: YamlLimits;
}

/** Which `provides` each slot needs. */
const SLOT_KIND: Record<SlotName, PluginKind | undefined> = {
  data: 'data',
  broker: 'broker',
  agents: 'agent',
  risk: 'risk',
  sinks: 'sink',
  plugins: undefined,
};

/** Setup order: data and broker first (others resolve them), sinks last. */
export const SLOT_ORDER: readonly SlotName[] = ['data', 'broker', 'plugins', 'risk', 'agents', 'sinks'];

export async function loadConfig(file: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const parse = { envAllow: opts.envAllow, limits: opts.limits };
  const source =
    opts.text !== undefined ? parseConfigText(opts.text, file, opts.env ?? process.env, parse) : readConfigFile(file, opts.env ?? process.env, parse);
  const result = await check(source, opts);
  // Whatever a message says (a plugin that cannot be resolved, a value a schema refuses), it does not show a `${NAME}`'s value.
  result.errors = result.errors.map((e) => withoutExpandedValues(e, source.expansions));
  return result;
}

async function check(source: ConfigSource, opts: LoadOptions): Promise<LoadResult> {
  const result: LoadResult = { source, config: source.value as RunConfig, plugins: [], errors: [...source.errors] };
  if (result.errors.length) return result;
  if (opts.plugins && !opts.paths)
    throw new TradekitError('TK_ERR_ENGINE_STATE', 'loadConfig: a plugin policy needs a path policy (LoadOptions.paths) for file plugins');

  const raw = source.value as Record<string, unknown>;
  // Shorthand: `- '@tradekit/core/console'` means `{ use: '@tradekit/core/console' }`.
  for (const slot of ['agents', 'risk', 'sinks', 'plugins'] as const) {
    if (Array.isArray(raw[slot])) raw[slot] = (raw[slot] as unknown[]).map((e) => (typeof e === 'string' ? { use: e } : e));
  }
  for (const slot of ['data', 'broker'] as const) if (typeof raw[slot] === 'string') raw[slot] = { use: raw[slot] };
  opts.overrides?.(raw);

  result.errors.push(...validateAt(runConfigSchema, raw, source, [], 'the config'));
  const config = raw as unknown as RunConfig;
  result.config = config;

  // Plugins are checked even when other keys are wrong, so one pass reports everything; an entry
  // that is itself malformed was reported above and is skipped here.
  const bad = new Set(result.errors.map((e) => e.path ?? ''));
  const usable = (p: string, e: unknown): e is PluginEntry =>
    typeof e === 'object' &&
    e !== null &&
    typeof (e as PluginEntry).use === 'string' &&
    ![...bad].some((b) => b === p || b.startsWith(`${p}.`) || b.startsWith(`${p}[`));
  const entries: { slot: SlotName; index?: number; path: PathSegment[]; entry: PluginEntry }[] = [];
  for (const slot of ['data', 'broker'] as const) if (usable(slot, raw[slot])) entries.push({ slot, path: [slot], entry: raw[slot] as PluginEntry });
  for (const slot of ['plugins', 'risk', 'agents', 'sinks'] as const) {
    const list = raw[slot];
    if (!Array.isArray(list)) continue;
    list.forEach((entry: unknown, index) => {
      if (usable(formatPath([slot, index]), entry)) entries.push({ slot, index, path: [slot, index], entry });
    });
  }

  const at = (p: readonly PathSegment[], key = false) => {
    const loc = source.locate(p, { key });
    return { file: source.file, line: loc?.line, column: loc?.column, path: formatPath(p) };
  };

  // Every plugin is checked and resolved before any is imported: a refused one must not run, and
  // neither should anything else in a config that names one.
  const sortErrors = () => result.errors.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  let refused = false;
  const resolved = entries
    .filter((e) => e.entry.enabled !== false)
    .map((e) => {
      const problem = specifierProblem(e.entry.use, opts.plugins);
      if (problem) {
        refused = true;
        result.errors.push(new TradekitError(problem.code, problem.message, at([...e.path, 'use'])));
        return undefined;
      }
      try {
        return { e, res: resolvePlugin(e.entry.use, source.dir, opts.searchPaths ?? [], opts.plugins ? opts.paths : undefined) };
      } catch (err) {
        refused = true;
        const code = err instanceof TradekitError && err.code === 'TK_ERR_PLUGIN_URL' ? 'TK_ERR_PLUGIN_URL' : 'TK_ERR_PLUGIN_FORBIDDEN';
        result.errors.push(
          new TradekitError(code, `plugin "${e.entry.use}" is not allowed here: ${(err as Error).message}`, { ...at([...e.path, 'use']), cause: err }),
        );
        return undefined;
      }
    });
  if (refused) {
    sortErrors();
    return result;
  }

  // Import (in parallel: imports are independent).
  const imported = await Promise.all(
    resolved.map(async (r) => {
      if (!r) return undefined;
      const { e, res } = r;
      if (!res) {
        const hint = isPathSpecifier(e.entry.use)
          ? `no file at ${e.entry.use} relative to ${source.dir}`
          : `install it (npm install ${packageOf(e.entry.use)}) or check the spelling${suggestBuiltin(e.entry.use)}`;
        result.errors.push(new TradekitError('TK_ERR_PLUGIN_NOT_FOUND', `cannot resolve plugin "${e.entry.use}": ${hint}`, at([...e.path, 'use'])));
        return undefined;
      }
      let mod: Record<string, unknown>;
      try {
        mod = (await import(res.url)) as Record<string, unknown>;
      } catch (err) {
        result.errors.push(
          new TradekitError('TK_ERR_PLUGIN_IMPORT', `plugin "${e.entry.use}" failed to load: ${(err as Error).message}`, {
            ...at([...e.path, 'use']),
            cause: err,
          }),
        );
        return undefined;
      }
      const manifest = (mod.default ?? mod.plugin) as PluginManifest | undefined;
      const problems = manifestProblems(manifest);
      if (problems.length) {
        result.errors.push(
          new TradekitError(
            'TK_ERR_PLUGIN_MANIFEST',
            `"${e.entry.use}" is not a valid tradekit plugin: ${problems.join('; ')} (export default definePlugin({ name, version, provides, setup }))`,
            at([...e.path, 'use']),
          ),
        );
        return undefined;
      }
      return { ...e, manifest: manifest!, url: res.url };
    }),
  );

  const ok = imported.filter((x): x is NonNullable<typeof x> => x !== undefined);
  const byInstance = new Map<string, (typeof ok)[number]>();
  const byManifest = new Map<string, string>();
  for (const e of ok) {
    const instance = e.entry.name ?? e.manifest.name;
    const prev = byInstance.get(instance);
    if (prev) {
      result.errors.push(
        new TradekitError(
          'TK_ERR_CONFIG_DUPLICATE_NAME',
          `plugin name "${instance}" is used twice (also at ${formatPath(prev.path)}); give one of them a distinct \`name:\``,
          at(e.entry.name ? [...e.path, 'name'] : [...e.path, 'use']),
        ),
      );
      continue;
    }
    byInstance.set(instance, e);
    const other = byManifest.get(e.manifest.name);
    if (other && other !== e.url) {
      result.errors.push(
        new TradekitError(
          'TK_ERR_CONFIG_DUPLICATE_NAME',
          `two different modules both call themselves "${e.manifest.name}" (${other} and ${e.url})`,
          at([...e.path, 'use']),
        ),
      );
      continue;
    }
    byManifest.set(e.manifest.name, e.url);
  }
  const versions = new Map<string, string>([...byInstance.values()].map((e) => [e.manifest.name, e.manifest.version]));

  for (const e of byInstance.values()) {
    const where = at([...e.path, 'use']);
    let fine = true;
    const need = SLOT_KIND[e.slot];
    if (need && !e.manifest.provides.includes(need)) {
      fine = false;
      result.errors.push(
        new TradekitError(
          'TK_ERR_PLUGIN_PROVIDES',
          `"${e.manifest.name}" is in \`${e.slot}\` but provides [${e.manifest.provides.join(', ')}], not "${need}"`,
          where,
        ),
      );
    }
    for (const [dep, range] of Object.entries(e.manifest.requires ?? {})) {
      const have = dep === '@tradekit/core' ? CORE_VERSION : (versions.get(dep) ?? installedVersion(dep, e.url));
      if (have === undefined) {
        fine = false;
        result.errors.push(
          new TradekitError('TK_ERR_PLUGIN_REQUIRES', `"${e.manifest.name}" requires ${dep} ${range}, which is neither loaded nor installed`, where),
        );
      } else if (!semver.satisfies(have, range, { includePrerelease: true })) {
        fine = false;
        result.errors.push(
          new TradekitError(
            'TK_ERR_PLUGIN_REQUIRES',
            `"${e.manifest.name}" requires ${dep} ${range}, but ${have} is ${dep === '@tradekit/core' ? 'running' : 'loaded'}`,
            {
              ...where,
              details: { dependency: dep, range, found: have },
            },
          ),
        );
      }
    }
    const cfg = (e.entry.with ?? {}) as Record<string, unknown>;
    if (e.manifest.configSchema) {
      try {
        compileSchema(e.manifest.configSchema);
      } catch (err) {
        fine = false;
        result.errors.push(
          new TradekitError('TK_ERR_PLUGIN_MANIFEST', `"${e.manifest.name}" has an invalid configSchema: ${(err as Error).message}`, { ...where, cause: err }),
        );
      }
      if (fine) {
        const errs = validateAt(e.manifest.configSchema, cfg, source, [...e.path, 'with'], `${e.manifest.name}'s config`);
        if (errs.length) {
          fine = false;
          result.errors.push(...errs);
        }
      }
    }
    if (fine) {
      result.plugins.push({
        slot: e.slot,
        index: e.index,
        where: formatPath(e.path),
        entry: e.entry,
        instance: e.entry.name ?? e.manifest.name,
        manifest: e.manifest,
        config: cfg,
        url: e.url,
      });
    }
  }
  result.plugins.sort((a, b) => SLOT_ORDER.indexOf(a.slot) - SLOT_ORDER.indexOf(b.slot) || (a.index ?? 0) - (b.index ?? 0));
  sortErrors();
  return result;
}

function manifestProblems(m: PluginManifest | undefined): string[] {
  if (!m || typeof m !== 'object') return ['the module has no default export'];
  const p: string[] = [];
  if (typeof m.name !== 'string' || !m.name) p.push('`name` must be a non-empty string');
  if (typeof m.version !== 'string' || !semver.valid(m.version)) p.push('`version` must be a semver version');
  if (!Array.isArray(m.provides) || m.provides.some((k) => !(PLUGIN_KINDS as readonly string[]).includes(k))) {
    p.push(`\`provides\` must list some of ${PLUGIN_KINDS.join(', ')}`);
  }
  if (typeof m.setup !== 'function') p.push('`setup` must be a function');
  if (m.requires !== undefined) {
    if (typeof m.requires !== 'object') p.push('`requires` must map package names to semver ranges');
    else for (const [k, r] of Object.entries(m.requires)) if (typeof r !== 'string' || !semver.validRange(r)) p.push(`requires["${k}"] is not a semver range`);
  }
  if (m.configSchema !== undefined && (typeof m.configSchema !== 'object' || m.configSchema === null)) p.push('`configSchema` must be a JSON schema object');
  return p;
}

function packageOf(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function suggestBuiltin(spec: string): string {
  const s = suggest(spec, BUILTIN_PLUGINS);
  return s ? `; did you mean "${s}"?` : '';
}

/** Why a specifier may not be loaded at all (before resolving it), or undefined. */
function specifierProblem(
  spec: string,
  policy: PluginPolicy | undefined,
): { code: 'TK_ERR_PLUGIN_URL' | 'TK_ERR_PLUGIN_FORBIDDEN'; message: string } | undefined {
  if (isUrlSpecifier(spec)) {
    const shown = spec.length > 48 ? `${spec.slice(0, 45)}…` : spec;
    return {
      code: 'TK_ERR_PLUGIN_URL',
      message: `plugin "${shown}" is a URL: tradekit loads plugins from an installed package (npm install …) or a .js file (use: ./my-plugin.js), never from a URL`,
    };
  }
  if (policy && !isPathSpecifier(spec) && !packageAllowed(spec, policy)) {
    const allowed = [...BUILTIN_PLUGINS, ...policy.allow];
    return {
      code: 'TK_ERR_PLUGIN_FORBIDDEN',
      message: `plugin "${spec}" is not allowed on this server: it loads ${allowed.join(', ')} and .js files under its roots; ask its admin to add the package to plugins.allow in the server config`,
    };
  }
  return undefined;
}
