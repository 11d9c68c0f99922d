/**
 * auth: who the client is. Runs once per HTTP request and once per WebSocket connection, before any
 * operation, from the request headers (or the WebSocket's connection parameters):
 *
 *   GATEWAY_AUTH=none    everyone is `anonymous` with every scope (loopback only, unless allowed)
 *   GATEWAY_AUTH=apikey  `Authorization: Bearer ncfgw_…` or `X-API-Key: ncfgw_…`
 *   GATEWAY_AUTH=jwt     `Authorization: Bearer <JWT>`
 *
 * A missing or invalid credential fails the whole request with HTTP 401 and UNAUTHENTICATED; an
 * identity provider that cannot be asked, with 503 and AUTH_UNAVAILABLE; a missing scope fails only
 * the fields that need it, with FORBIDDEN (see ./scopes). Each failure carries a `reason` for the
 * server log (never the credential itself).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthConfig } from '../config';
import { ErrorCode, GatewayError } from '../errors';
import { ApiKeyVerifier, loadKeysFile } from './apikeys';
import { JwtVerifier } from './jwt';
import { ANONYMOUS, type Principal } from './principal';

export type { Principal } from './principal';

export interface Authenticator {
  readonly mode: AuthConfig['mode'];
  /** The caller's principal; throws an {@link AuthFailure} otherwise. */
  authenticate(headers: IncomingHttpHeaders): Promise<Principal>;
  /** API keys accepted now (apikey mode). */
  readonly keys?: number;
}

/** A refused credential: what the client is told, and why, for the server log. */
export class AuthFailure extends GatewayError {
  constructor(
    code: typeof ErrorCode.UNAUTHENTICATED | typeof ErrorCode.AUTH_UNAVAILABLE,
    message: string,
    /** Server-side only: a short code such as `ERR_JWT_EXPIRED` or `missing`. */
    readonly reason: string,
    headers: Record<string, string> = {},
  ) {
    super(code, message, { httpStatus: code === ErrorCode.UNAUTHENTICATED ? 401 : 503, httpHeaders: headers });
    this.name = 'AuthFailure';
  }
}

function unauthenticated(message: string, reason: string, scheme = 'Bearer realm="ncf-gateway"'): AuthFailure {
  return new AuthFailure(ErrorCode.UNAUTHENTICATED, message, reason, { 'www-authenticate': scheme });
}

function bearer(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.authorization;
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value);
  return match?.[1];
}

export function createAuthenticator(config: AuthConfig): Authenticator {
  switch (config.mode) {
    case 'none':
      return { mode: 'none', authenticate: async () => ANONYMOUS };
    case 'apikey': {
      const verifier = new ApiKeyVerifier(loadKeysFile(config.keysFile));
      return {
        mode: 'apikey',
        get keys() {
          return verifier.size;
        },
        async authenticate(headers) {
          const header = headers['x-api-key'];
          const key = bearer(headers) ?? (typeof header === 'string' ? header.trim() : undefined);
          if (!key) throw unauthenticated('An API key is required: send Authorization: Bearer <key>.', 'missing');
          const principal = verifier.verify(key);
          if (!principal) throw unauthenticated('The API key is not valid.', verifier.whyInvalid(key));
          return principal;
        },
      };
    }
    case 'jwt': {
      const verifier = new JwtVerifier(config);
      return {
        mode: 'jwt',
        async authenticate(headers) {
          const token = bearer(headers);
          if (!token) throw unauthenticated('A bearer token is required: send Authorization: Bearer <JWT>.', 'missing');
          const result = await verifier.verify(token);
          if ('invalid' in result) {
            throw unauthenticated('The bearer token is not valid.', result.invalid, 'Bearer realm="ncf-gateway", error="invalid_token"');
          }
          if ('unavailable' in result) {
            throw new AuthFailure(
              ErrorCode.AUTH_UNAVAILABLE,
              'The identity provider could not be reached to check the token; try again shortly.',
              result.unavailable,
              { 'retry-after': '5' },
            );
          }
          return result.principal;
        },
      };
    }
  }
}
