/**
 * Who is calling, and what they may do. Scopes are coarse on purpose: read functions, invoke
 * functions, manage functions (the console's writes and firing triggers), read functions' code (code
 * and default parameters often hold secrets), read compute. A field that needs a scope says so in the
 * schema (`@scope`).
 */
import type { Rate } from '../config/fleet';

export const SCOPES = [
  'functions:read',
  'functions:invoke',
  'functions:write',
  'functions:code:read',
  'compute:read',
] as const;
export type Scope = (typeof SCOPES)[number];

export interface Principal {
  /** `anonymous`, an API key id, or a JWT subject. */
  id: string;
  kind: 'anonymous' | 'apikey' | 'jwt';
  scopes: ReadonlySet<string>;
  /** Epoch ms after which the credential is no longer valid (a JWT's `exp`); absent: no expiry. */
  expiresAt?: number;
  /**
   * API keys: the key's own limits from the keys file (a rate, or null for off), in place of
   * GATEWAY_RATE_LIMIT and GATEWAY_INVOKE_RATE_LIMIT; absent: the gateway's (src/fleet/rate-limits).
   */
  rateLimits?: { operations?: Rate | null; invoke?: Rate | null };
  /**
   * JWT: the verified token's claims (never the token), for the per-scope and per-claim rate
   * limits (GATEWAY_JWT_RATE_LIMITS). Not logged.
   */
  claims?: Readonly<Record<string, unknown>>;
}

export const ANONYMOUS: Principal = Object.freeze({
  id: 'anonymous',
  kind: 'anonymous',
  scopes: new Set<string>(SCOPES),
});

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
