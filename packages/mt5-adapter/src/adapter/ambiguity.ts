/**
 * When is a write whose answer we do not have proven NOT to have executed? The adapter's one rule
 * (docs/mt5.md "Ambiguous outcomes"): it resends only on proof, and there are exactly two proofs.
 *
 * 1. The bridge says `not_sent`: the call was still queued at its deadline and was cancelled, or the
 *    gateway never wrote it to the socket. The MetaTrader5 package was never called.
 * 2. The package returned None with `(-2, …)` (RES_E_INVALID_PARAMS): it validates the request's
 *    arguments before it talks to the terminal. This is a rejection of the request (non-retryable),
 *    not a reason to resend — and the adapter still looks the client id up first.
 *
 * Everything else is ambiguous and goes to the lookup (client id, position volume, order list): a
 * None with an IPC error (-10001…-10005: the terminal may have executed it, or may still be executing
 * it, while the package gave up waiting), a dropped connection, an answer after the deadline, 10012.
 * The lookup can only ever prove that something DID happen (adopt it); an empty lookup right after an
 * IPC timeout is not proof of the opposite, because the terminal may still be working on the request
 * and its position, order and deal lists may lag behind. So an empty lookup means `unknown`: the
 * engine journals it and reconciles later; the adapter never resends it.
 */
import { RES } from '../mt5/constants.js';
import type { LastError } from '../mt5/types.js';

/** `last_error()` codes the package sets before anything reaches the terminal. */
const BEFORE_TERMINAL = new Set<number>([RES.E_INVALID_PARAMS]);

/** A None from `order_send` whose `last_error` proves the terminal never saw the request. */
export function noneProvesNotSent(lastError: LastError): boolean {
  return BEFORE_TERMINAL.has(lastError[0]);
}

export function describeNone(lastError: LastError): string {
  return `order_send returned None, last_error (${lastError[0]}, '${lastError[1]}')`;
}
