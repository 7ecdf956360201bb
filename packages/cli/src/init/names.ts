/** Names `tradekit init` accepts: npm package names that are also valid run names (no scope for projects). */
import { cliError } from '../errors.js';

const PART = /^[a-z0-9][a-z0-9._-]*$/;

/** A project name: an unscoped npm name (lower case, digits, `.`, `_`, `-`), also usable as `run.name`. */
export function checkProjectName(name: string, hint: string): string {
  if (name.length > 214 || !PART.test(name)) {
    throw cliError(
      'TK_ERR_INIT_NAME',
      `"${name}" is not a valid project name: lower-case letters, digits, ".", "_" and "-", starting with a letter or digit (${hint})`,
    );
  }
  return name;
}

/** A plugin's npm package name, scoped or not: `tradekit-plugin-momentum`, `@acme/tradekit-momentum`. */
export function checkPluginName(name: string): string {
  const m = /^(?:@([^/]+)\/)?([^/]+)$/.exec(name);
  if (name.length > 214 || !m || (m[1] !== undefined && !PART.test(m[1])) || !PART.test(m[2]!)) {
    throw cliError(
      'TK_ERR_INIT_NAME',
      `"${name}" is not a valid npm package name: lower-case letters, digits, ".", "_" and "-", optionally scoped (@scope/name), e.g. tradekit-plugin-momentum`,
    );
  }
  return name;
}

/** The folder a plugin goes to by default: the name without its scope. */
export function unscoped(name: string): string {
  return name.replace(/^@[^/]+\//, '');
}
