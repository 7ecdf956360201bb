/**
 * The client order id travels in the MT5 comment, first, so reconciliation can find an order whose
 * answer was lost (together with the magic number and the position id; comments alone are not
 * trusted: servers truncate them and rewrite them on SL/TP/stop-out closes).
 */
import { mt5Error } from '../errors.js';

/** Max comment length the adapter writes (MetaApi's rule: client id + comment ≤ 26 characters). */
export const DEFAULT_COMMENT_LENGTH = 26;

const ID = /^[A-Za-z0-9_.:-]{4,}$/;

export function encodeComment(clientId: string, userComment: string | undefined, maxLength = DEFAULT_COMMENT_LENGTH): string {
  if (!ID.test(clientId) || clientId.length > maxLength) {
    throw mt5Error('TK_ERR_MT5_CONFIG', `client id "${clientId}" cannot be carried in an MT5 comment (4–${maxLength} characters of [A-Za-z0-9_.:-])`);
  }
  let rest = (userComment ?? '').trim();
  // The engine's own comment is `tk <clientId>`: do not repeat the id.
  if (rest.endsWith(clientId)) rest = rest.slice(0, rest.length - clientId.length).trim();
  if (rest === 'tk') rest = '';
  const out = rest ? `${clientId} ${rest}` : clientId;
  return out.length > maxLength ? out.slice(0, maxLength).trimEnd() : out;
}

/** The client id in a comment we wrote, or undefined (other EAs, manual trades, rewritten comments). */
export function decodeComment(comment: string | undefined): string | undefined {
  if (!comment) return undefined;
  const first = comment.split(' ', 1)[0]!;
  return ID.test(first) && !first.startsWith('[') ? first : undefined;
}
