/** A connection URL with its password replaced by `***` (for messages and logs). */
export function redactUrl(url: string): string {
  return url.replace(/^([\w+.-]+:\/\/[^:/@]*:)[^@/]*@/, '$1***@');
}
