/**
 * auth: who the client is. Runs once per request, before any resolver, from the request headers:
 *
 *   GATEWAY_AUTH=none    everyone is `anonymous` with every scope (loopback only, unless allowed)
 *   GATEWAY_AUTH=apikey  `Authorization: Bearer ncfgw_…` or `X-API-Key: ncfgw_…`
 *   GATEWAY_AUTH=jwt     `Authorization: Bearer <JWT>`
 *
 * A missing or invalid credential fails the whole request with HTTP 401 and UNAUTHENTICATED; a
 * missing scope fails only the fields that need it, with FORBIDDEN (see ./scopes).
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
  authenticate(headers: IncomingHttpHeaders): Promise<Principal>;
}

function unauthenticated(message: string, scheme: string): GatewayError {
  return new GatewayError(ErrorCode.UNAUTHENTICATED, message, {
    httpStatus: 401,
    httpHeaders: { 'www-authenticate': `${scheme} realm="ncf-gateway"` },
  });
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
        async authenticate(headers) {
          const header = headers['x-api-key'];
          const key = bearer(headers) ?? (typeof header === 'string' ? header.trim() : undefined);
          if (!key) throw unauthenticated('An API key is required: send Authorization: Bearer <key>.', 'Bearer');
          const principal = verifier.verify(key);
          if (!principal) throw unauthenticated('The API key is not valid.', 'Bearer');
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
          if (!token) throw unauthenticated('A bearer token is required: send Authorization: Bearer <JWT>.', 'Bearer');
          const result = await verifier.verify(token);
          if ('reason' in result) {
            throw unauthenticated('The bearer token is not valid.', 'Bearer error="invalid_token"');
          }
          return result.principal;
        },
      };
    }
  }
}
