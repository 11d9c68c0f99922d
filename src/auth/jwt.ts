/**
 * JWT bearer tokens, verified with jose against the issuer's JWKS (fetched and cached by jose:
 * re-fetched when an unknown key id appears, at most every 30 s). Issuer, audience, the allowed
 * algorithms and an `exp` claim are required. Scopes come from the `scope` claim (space-separated,
 * RFC 9068) or an `scp` array (or string).
 *
 * Two kinds of failure are kept apart, because a client must act differently on them:
 *   - the token is not valid (bad signature, expired, wrong issuer…): 401, get a new token;
 *   - the identity provider could not be asked (its JWKS timed out, failed or is not a key set):
 *     503 AUTH_UNAVAILABLE, retry later. Every fetch of the key set has a deadline ({@link JWKS_TIMEOUT_MS}):
 *     jose 6 fetches it with `fetch` and one AbortSignal for the headers and the body alike.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { Principal } from './principal';

export interface JwtVerifierOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  algorithms: string[];
}

/** Longest wait for the issuer's JWKS, its body included. */
export const JWKS_TIMEOUT_MS = 2_000;

export type JwtOutcome =
  | { principal: Principal }
  /** The token is not valid; `reason` is jose's error code, for the server log only. */
  | { invalid: string }
  /** The JWKS could not be read; `reason` names how, for the server log only. */
  | { unavailable: string };

/** jose's codes for a key set it could not fetch or read. */
const JWKS_FAILURES = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID']);

function classify(error: unknown): JwtOutcome {
  const code = (error as { code?: unknown })?.code;
  if (error instanceof joseErrors.JOSEError) {
    // jose reports an HTTP status other than 200, or a body that is not JSON, with its generic code.
    if (
      JWKS_FAILURES.has(error.code) ||
      (error.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set/.test(error.message))
    ) {
      return { unavailable: error.code };
    }
    return { invalid: error.code };
  }
  // Anything else comes from fetching the key set (a refused connection, DNS, TLS): `fetch` rejects
  // with a TypeError whose cause carries the system's code (ECONNREFUSED…).
  const cause = (error as { cause?: { code?: unknown } })?.cause?.code;
  if (typeof code === 'string') return { unavailable: code };
  return { unavailable: typeof cause === 'string' ? cause : 'ERR_JWKS_FETCH' };
}

export class JwtVerifier {
  readonly #jwks: ReturnType<typeof createRemoteJWKSet>;
  readonly #opts: JwtVerifierOptions;

  constructor(options: JwtVerifierOptions) {
    this.#opts = options;
    this.#jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
      timeoutDuration: JWKS_TIMEOUT_MS,
      cooldownDuration: 30_000,
    });
  }

  /** The token's principal, or why it was not accepted (never told to clients beyond its kind). */
  async verify(token: string): Promise<JwtOutcome> {
    try {
      const { payload } = await jwtVerify(token, this.#jwks, {
        issuer: this.#opts.issuer,
        audience: this.#opts.audience,
        algorithms: this.#opts.algorithms,
        requiredClaims: ['exp'],
        clockTolerance: 30,
      });
      return {
        principal: {
          id: payload.sub ?? 'unknown',
          kind: 'jwt',
          scopes: scopesOf(payload),
          // requiredClaims made sure it is there; jose checked it is a number in the future.
          expiresAt: (payload.exp as number) * 1000,
          // For the per-scope and per-claim rate limits (src/fleet/rate-limits); the token is not kept.
          claims: payload,
        },
      };
    } catch (error) {
      return classify(error);
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
