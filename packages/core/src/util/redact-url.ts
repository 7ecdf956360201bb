/**
 * A connection URL with its password (and any `password`-like query parameter) replaced by `***`,
 * for messages and logs. Something that does not parse as a URL keeps only its scheme when it may
 * carry credentials.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url.trim());
    if (u.password) u.password = '***';
    for (const key of [...u.searchParams.keys()]) if (/pass/i.test(key)) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    return url.includes('@') ? `${url.trim().split(':')[0]}://…` : url.trim();
  }
}
