/**
 * JWT bearer tokens, verified with jose against the issuer's JWKS (fetched and cached by jose:
 * re-fetched when an unknown key id appears, at most every 30 s). Issuer, audience and the allowed
 * algorithms are pinned. Scopes come from the `scope` claim (space-separated, RFC 9068) or an `scp`
 * array (or string).
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { Principal } from './principal';

export interface JwtVerifierOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  algorithms: string[];
}

export class JwtVerifier {
  readonly #jwks: ReturnType<typeof createRemoteJWKSet>;
  readonly #opts: JwtVerifierOptions;

  constructor(options: JwtVerifierOptions) {
    this.#opts = options;
    this.#jwks = createRemoteJWKSet(new URL(options.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
  }

  /** The token's principal, or null when it does not verify (the reason is not told to clients). */
  async verify(token: string): Promise<{ principal: Principal } | { reason: string }> {
    try {
      const { payload } = await jwtVerify(token, this.#jwks, {
        issuer: this.#opts.issuer,
        audience: this.#opts.audience,
        algorithms: this.#opts.algorithms,
        clockTolerance: 30,
      });
      return { principal: { id: payload.sub ?? 'unknown', kind: 'jwt', scopes: scopesOf(payload) } };
    } catch (error) {
      return { reason: (error as { code?: string }).code ?? 'ERR_JWT_INVALID' };
    }
  }
}

export function scopesOf(payload: JWTPayload): Set<string> {
  const scopes = new Set<string>();
  if (typeof payload.scope === 'string') for (const s of payload.scope.split(/\s+/)) if (s) scopes.add(s);
  const scp = payload.scp;
  if (Array.isArray(scp)) for (const s of scp) if (typeof s === 'string') scopes.add(s);
  if (typeof scp === 'string') for (const s of scp.split(/\s+/)) if (s) scopes.add(s);
  return scopes;
}
