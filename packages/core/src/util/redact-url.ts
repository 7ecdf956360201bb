/**
 * A connection URL with its password (and any `password`-like query parameter) replaced by `***`,
 * for messages and logs. The rest is kept as written. Something that does not parse as a URL keeps only
 * its scheme when it may carry credentials.
 */
export function redactUrl(url: string): string {
  const text = url.trim();
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return text.includes('@') ? `${text.split(':')[0]}://…` : text;
  }
  let out = text;
  // The userinfo's password as written: between the first ':' after '//' and the last '@' before the host.
  if (u.password) out = out.replace(/^([^:]+:\/\/[^:/@]*:)[^/]*@/, '$1***@');
  for (const key of u.searchParams.keys()) {
    if (/pass/i.test(key)) out = out.replace(new RegExp(`([?&]${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}=)[^&#]*`, 'g'), '$1***');
  }
  return out;
}
