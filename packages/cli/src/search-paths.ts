/** The CLI resolves plugins from its own install too, so `@tradekit/agents` etc. work from any config dir. */
export function searchPaths(): string[] {
  return [import.meta.url];
}
