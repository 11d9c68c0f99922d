/**
 * auth: how clients authenticate to the gateway (GATEWAY_AUTH and what each mode needs), and the
 * start-up refusals that keep a deployment from being open by accident: `none` off loopback, JWT
 * algorithms that are symmetric or unknown, a JWKS over plain http to another machine, API keys
 * with neither GATEWAY_API_KEYS_FILE nor a default keys file.
 *
 * The API keys file defaults to a place outside any working tree ({@link defaultApiKeysFile}), the
 * same for the gateway and for `npm run apikey`, so a key file is not committed by accident.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { checkBaseUrl, isLoopbackHost, oneOf, optionalText, readSection, type Env } from './fields';

export type AuthConfig =
  | { mode: 'none'; allowUnauthenticated: boolean }
  | { mode: 'apikey'; keysFile: string }
  | { mode: 'jwt'; jwksUrl: string; issuer: string; audience: string; algorithms: string[] };

/** Asymmetric JWS algorithms a JWT may be signed with (RFC 7518 and RFC 8037 names). */
export const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

const AUTH = {
  mode: ['GATEWAY_AUTH', oneOf(['none', 'apikey', 'jwt']).default('none')],
  allowUnauthenticated: ['GATEWAY_ALLOW_UNAUTHENTICATED', oneOf(['true', 'false']).default('false')],
  keysFile: ['GATEWAY_API_KEYS_FILE', optionalText],
  /** Where the default keys file is (XDG Base Directory): $XDG_CONFIG_HOME, else $HOME/.config. */
  configHome: ['XDG_CONFIG_HOME', optionalText],
  home: ['HOME', optionalText],
  jwksUrl: ['GATEWAY_JWKS_URL', optionalText],
  issuer: ['GATEWAY_JWT_ISSUER', optionalText],
  audience: ['GATEWAY_JWT_AUDIENCE', optionalText],
  algorithms: ['GATEWAY_JWT_ALGORITHMS', z.string().trim().default('RS256,ES256,PS256,EdDSA')],
} as const;

type AuthVars = NonNullable<ReturnType<typeof readSection<typeof AUTH>>>;

/**
 * The API keys file when GATEWAY_API_KEYS_FILE (or the CLI's --file) does not say:
 * `$XDG_CONFIG_HOME/ncf-gateway/api-keys.json`, else `$HOME/.config/ncf-gateway/api-keys.json`.
 * A relative XDG_CONFIG_HOME or HOME is ignored (as the XDG spec says), so the default is never
 * inside the current directory; undefined when neither is usable.
 */
export function defaultApiKeysFile(env: Env): string | undefined {
  const configHome = env.XDG_CONFIG_HOME?.trim();
  if (configHome && isAbsolute(configHome)) return join(configHome, 'ncf-gateway', 'api-keys.json');
  const home = env.HOME?.trim();
  if (home && isAbsolute(home)) return join(home, '.config', 'ncf-gateway', 'api-keys.json');
  return undefined;
}

/**
 * How GATEWAY_AUTH=apikey has always refused to start without keys, kept word for word (operators'
 * scripts may look for it); `npm run apikey:create` writes the default file.
 */
const KEYS_FILE_REQUIRED =
  'GATEWAY_API_KEYS_FILE: is required with GATEWAY_AUTH=apikey (create one with `npm run apikey:create`)';

/**
 * The keys file the apikey mode reads: GATEWAY_API_KEYS_FILE when set (read, and checked, at
 * start-up: src/auth), else the default file, which must then exist. The default is derived, not
 * set, so it is named in the refusal; a value the operator set is never echoed by config.
 */
function apiKeyAuth(e: AuthVars, problems: string[]): AuthConfig | undefined {
  if (e.keysFile) return { mode: 'apikey', keysFile: e.keysFile };
  const keysFile = defaultApiKeysFile({ XDG_CONFIG_HOME: e.configHome, HOME: e.home });
  if (!keysFile) {
    problems.push(KEYS_FILE_REQUIRED);
    return undefined;
  }
  const unless = `${KEYS_FILE_REQUIRED} unless the default keys file, ${keysFile}, is readable: it`;
  try {
    if (!statSync(keysFile).isFile()) {
      problems.push(`${unless} is not a regular file`);
      return undefined;
    }
    accessSync(keysFile, constants.R_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') problems.push(`${unless} does not exist`);
    else if (code === 'EACCES' || code === 'EPERM') problems.push(`${unless} is not readable by this process`);
    else problems.push(`${unless} cannot be read (${code ?? 'error'})`);
    return undefined;
  }
  return { mode: 'apikey', keysFile };
}

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
      `GATEWAY_JWT_ALGORITHMS: unknown algorithm ${unknown.map((a) => JSON.stringify(a)).join(', ')}; ` +
        `use some of ${JWT_ALGORITHMS.join(', ')}`,
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
      return apiKeyAuth(e, problems);
    case 'jwt':
      return jwtAuth(e, problems);
    default: {
      const allowUnauthenticated = e.allowUnauthenticated === 'true';
      if (host !== undefined && !isLoopbackHost(host) && !allowUnauthenticated) {
        problems.push(
          'GATEWAY_AUTH: is none (anyone can read and invoke), which is allowed only on a loopback HOST; ' +
            `HOST is ${host}. ` +
            'Set GATEWAY_AUTH=apikey or jwt, or GATEWAY_ALLOW_UNAUTHENTICATED=true to accept anonymous clients anyway.',
        );
      }
      return { mode: 'none', allowUnauthenticated };
    }
  }
}
