/**
 * A connection URL with its password (and any `password`-like query parameter) replaced by `***`,
 * for messages and logs. Something that does not parse as a URL keeps only its scheme when it may
 * carry credentials.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url.trim());
    const secret = [...u.searchParams.keys()].filter((k) => /pass/i.test(k));
    // Untouched unless there is something to hide (a rebuilt URL may re-encode a file path).
    if (!u.password && secret.length === 0) return url.trim();
    if (u.password) u.password = '***';
    for (const key of secret) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    return url.includes('@') ? `${url.trim().split(':')[0]}://…` : url.trim();
  }
}
