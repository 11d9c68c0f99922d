/**
 * principal-key: who an operation counts against, for the rate limits and the invoke cap's fair
 * share (./rate-limits, ./invoke-slots): an API key (its id), a JWT subject, or, for anonymous
 * clients, their remote address. Shared state is keyed by a hash of that identity, never by the
 * identity itself: no key id, subject or address appears in Redis, and metrics name only the class.
 */
import { createHash } from 'node:crypto';
import type { Principal } from '../auth/principal';

/** How metrics name a principal: its kind, never its identity. */
export type PrincipalClass = Principal['kind'];

/** Who an operation counts against: the hashed principal and its class (for metrics). */
export interface Caller {
  key: string;
  class: PrincipalClass;
}

/** Hex digits kept of the sha256 (128 bits: no collision between clients in practice). */
const KEY_HEX = 32;

/**
 * The hashed identity an operation counts against: sha256 of `<kind>:<id>`, or of
 * `anonymous:<remote address>` for an anonymous client (every one of them shares the principal
 * `anonymous`), truncated to 32 hex digits.
 */
export function principalKey(principal: Pick<Principal, 'kind' | 'id'>, remoteAddress: string | undefined): string {
  const identity =
    principal.kind === 'anonymous' ? `anonymous:${remoteAddress ?? 'unknown'}` : `${principal.kind}:${principal.id}`;
  return createHash('sha256').update(identity, 'utf8').digest('hex').slice(0, KEY_HEX);
}

/** The {@link Caller} of an operation from this principal and address. */
export function callerOf(principal: Pick<Principal, 'kind' | 'id'>, remoteAddress: string | undefined): Caller {
  return { key: principalKey(principal, remoteAddress), class: principal.kind };
}
