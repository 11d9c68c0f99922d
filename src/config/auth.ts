/**
 * auth: how clients authenticate to the gateway (GATEWAY_AUTH and what each mode needs), and the
 * start-up refusals that keep a deployment from being open by accident: `none` off loopback, JWT
 * algorithms that are symmetric or unknown, a JWKS over plain http to another machine.
 */
import { z } from 'zod';
import { checkBaseUrl, isLoopbackHost, oneOf, optionalText, readSection, type Env } from './fields';

export type AuthConfig =
  | { mode: 'none'; allowUnauthenticated: boolean }
  | { mode: 'apikey'; keysFile: string }
  | { mode: 'jwt'; jwksUrl: string; issuer: string; audience: string; algorithms: string[] };

/** Asymmetric JWS algorithms a JWT may be signed with (RFC 7518 and RFC 8037 names). */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

const AUTH = {
  mode: ['GATEWAY_AUTH', oneOf(['none', 'apikey', 'jwt']).default('none')],
  allowUnauthenticated: ['GATEWAY_ALLOW_UNAUTHENTICATED', oneOf(['true', 'false']).default('false')],
  keysFile: ['GATEWAY_API_KEYS_FILE', optionalText],
  jwksUrl: ['GATEWAY_JWKS_URL', optionalText],
  issuer: ['GATEWAY_JWT_ISSUER', optionalText],
  audience: ['GATEWAY_JWT_AUDIENCE', optionalText],
  algorithms: ['GATEWAY_JWT_ALGORITHMS', z.string().trim().default('RS256,ES256,PS256,EdDSA')],
} as const;

type AuthVars = NonNullable<ReturnType<typeof readSection<typeof AUTH>>>;

function jwtAuth(e: AuthVars, problems: string[]): AuthConfig {
  const required = [
    ['GATEWAY_JWKS_URL', e.jwksUrl],
    ['GATEWAY_JWT_ISSUER', e.issuer],
    ['GATEWAY_JWT_AUDIENCE', e.audience],
  ] as const;
  for (const [name, value] of required) if (!value) problems.push(`${name}: is required with GATEWAY_AUTH=jwt`);
  if (e.jwksUrl) {
    const checked = checkBaseUrl(e.jwksUrl);
    if (typeof checked !== 'string') problems.push(`GATEWAY_JWKS_URL: ${checked.error}`);
    // Keys fetched over plain http could be replaced by anyone on the path: https, except on this machine.
    else if (new URL(checked).protocol !== 'https:' && !isLoopbackHost(new URL(checked).hostname)) {
      problems.push('GATEWAY_JWKS_URL: must use https (plain http is accepted only for a loopback host)');
    }
  }
  const algorithms = e.algorithms
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const unsafe = algorithms.filter((a) => a.toLowerCase() === 'none' || /^HS/i.test(a));
  const unknown = algorithms.filter((a) => !unsafe.includes(a) && !(JWT_ALGORITHMS as readonly string[]).includes(a));
  if (algorithms.length === 0 || unsafe.length > 0) {
    problems.push('GATEWAY_JWT_ALGORITHMS: must list asymmetric algorithms only (e.g. RS256,ES256), not none or HS*');
  } else if (unknown.length > 0) {
    problems.push(
      `GATEWAY_JWT_ALGORITHMS: unknown algorithm ${unknown.map((a) => JSON.stringify(a)).join(', ')}; use some of ${JWT_ALGORITHMS.join(', ')}`,
    );
  }
  return { mode: 'jwt', jwksUrl: e.jwksUrl ?? '', issuer: e.issuer ?? '', audience: e.audience ?? '', algorithms };
}

/** The auth section; `host` is where the gateway listens (anonymous access is for loopback only). */
export function readAuth(env: Env, host: string | undefined, problems: string[]): AuthConfig | undefined {
  const e = readSection(AUTH, env, problems);
  if (!e) return undefined;
  switch (e.mode) {
    case 'apikey':
      if (!e.keysFile) {
        problems.push('GATEWAY_API_KEYS_FILE: is required with GATEWAY_AUTH=apikey (create one with `npm run apikey:create`)');
        return undefined;
      }
      return { mode: 'apikey', keysFile: e.keysFile };
    case 'jwt':
      return jwtAuth(e, problems);
    default: {
      const allowUnauthenticated = e.allowUnauthenticated === 'true';
      if (host !== undefined && !isLoopbackHost(host) && !allowUnauthenticated) {
        problems.push(
          `GATEWAY_AUTH: is none (anyone can read and invoke), which is allowed only on a loopback HOST; HOST is ${host}. ` +
            'Set GATEWAY_AUTH=apikey or jwt, or GATEWAY_ALLOW_UNAUTHENTICATED=true to accept anonymous clients anyway.',
        );
      }
      return { mode: 'none', allowUnauthenticated };
    }
  }
}
