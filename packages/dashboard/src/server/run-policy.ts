/**
 * What a config started through the API may name (docs/security.md). Such a config is data from a
 * client holding a `trade` token, never code and never a way into the server: it loads plugins only
 * from core's built-ins, `plugins.allow` and JavaScript files under `runs.roots`; it references only
 * the environment variables in `env.allow`; every path it touches (config, data dir, caches, state
 * file, plugin file) is confined by real path to `runs.roots`, minus the server's own data directory
 * and config file; and its YAML is held to size, depth, alias and node limits.
 */
import { DEFAULT_YAML_LIMITS, rootsPolicy, type PathPolicy, type PluginPolicy, type YamlLimits } from '@tradekit/core';
import { apiError } from '../errors.js';
import type { ServerConfig } from './config.js';

export interface HostedRunPolicy {
  paths: PathPolicy;
  plugins: PluginPolicy;
  envAllow: readonly string[];
  limits: YamlLimits;
}

/** The sink that joins a hosted run to this server's stream: first-party and always allowed. */
const OWN_PLUGINS = ['@tradekit/dashboard/socketio'];

export function hostedRunPolicy(config: ServerConfig): HostedRunPolicy {
  const paths = rootsPolicy({
    roots: config.runs.roots,
    deny: [config.server.dataDir, ...(config.file ? [config.file] : [])],
    refuse(abs, what, reason) {
      const why =
        reason === 'outside'
          ? 'is outside the allowed roots (runs.roots in the server config; symbolic links count where they point)'
          : reason === 'denied'
            ? "is the server's own data or config, which no run may use"
            : 'cannot be resolved (a symbolic link loop?)';
      return apiError('TK_ERR_API_PATH_FORBIDDEN', `${what} ${abs} ${why}`, { details: { what } });
    },
  });
  return {
    paths,
    plugins: { allow: [...OWN_PLUGINS, ...config.plugins.allow] },
    envAllow: [...config.env.allow],
    limits: { ...DEFAULT_YAML_LIMITS, maxBytes: config.server.bodyLimitKb * 1024 },
  };
}
