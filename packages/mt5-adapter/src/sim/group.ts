/**
 * MT5 `group=` filters: comma-separated patterns, `*` matches anything, a leading `!` excludes.
 * A name is selected when it matches at least one inclusive pattern and no exclusive one
 * (e.g. `"*USD*,!EUR*"`). [unverified: exact rules of the real terminal, docs/reference/mt5-notes.md §5]
 */
export function groupMatcher(group: string): (name: string) => boolean {
  const inc: RegExp[] = [];
  const exc: RegExp[] = [];
  for (const raw of group.split(',')) {
    const p = raw.trim();
    if (!p) continue;
    const neg = p.startsWith('!');
    const body = neg ? p.slice(1) : p;
    const re = new RegExp(`^${body.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
    (neg ? exc : inc).push(re);
  }
  return (name) => inc.some((r) => r.test(name)) && !exc.some((r) => r.test(name));
}
