/**
 * upstreams: where each upstream is, decided once from the environment. For each: the embedded
 * emulator (no credentials set, the `npm start` default), or a remote origin with its credentials.
 * The two are different types, so code that calls an upstream cannot be handed one that was not
 * resolved (see src/gateway.ts, which starts the emulators and resolves them).
 *
 * Facts: docs/upstream/cloud-functions.md#hosts-and-path-generations (hosts, the two generations),
 * docs/upstream/compute.md#keystone-tokens (Keystone v3 credentials and scopes).
 */
import { z } from 'zod';
import type { ApiGeneration, Platform } from '../upstream/cloudfunctions/types';
import { checkBaseUrl, hideField, oneOf, optionalText, readSection, type Env } from './fields';

/** Hosts of the Cloud Functions API by region. */
export const NCP_REGION_HOSTS = {
  kr: 'https://cloudfunctions.apigw.ntruss.com',
  sg: 'https://sg-cloudfunctions.apigw.ntruss.com',
  jp: 'https://jp-cloudfunctions.apigw.ntruss.com',
} as const;
export type NcpRegion = keyof typeof NCP_REGION_HOSTS;

/** Path prefixes of the two API generations; the newer one is the default. */
const GENERATION_SUFFIXES: ReadonlyArray<[string, ApiGeneration]> = [
  ['/ncf/api/v2', 'v2.1'],
  ['/api/v2', 'v2.0'],
];

export interface NcpCredentials {
  accessKey: string;
  /** Non-enumerable: only the signer, built at start-up, reads it. */
  secretKey: string;
}

/** A Cloud Functions API to call: its origin, path prefix (generation) and the keys to sign with. */
export interface CloudFunctionsEndpoint {
  /** e.g. https://cloudfunctions.apigw.ntruss.com */
  origin: string;
  /** Path prefix including the generation, e.g. /ncf/api/v2. */
  basePath: string;
  generation: ApiGeneration;
  credentials: NcpCredentials;
}

export type CloudFunctionsTarget = { kind: 'embedded' } | ({ kind: 'remote' } & CloudFunctionsEndpoint);

export interface CloudFunctionsConfig {
  target: CloudFunctionsTarget;
  region: NcpRegion;
  defaultPlatform: Platform;
}

/** How the gateway authenticates to Keystone v3. Secrets are non-enumerable (see hideField). */
export type KeystoneCredentials =
  | {
      method: 'password';
      username?: string;
      userId?: string;
      userDomainName?: string;
      userDomainId?: string;
      password: string;
    }
  | { method: 'application_credential'; id: string; secret: string };

export type KeystoneScope =
  { projectId: string } | { projectName: string; projectDomainName?: string; projectDomainId?: string };

export interface IdentityConfig {
  /** Keystone v3 base, ending in /v3. */
  authUrl: string;
  credentials: KeystoneCredentials;
  /** Absent for application credentials, which carry their own scope. */
  scope?: KeystoneScope;
}

export type ComputeTarget = { kind: 'embedded' } | { kind: 'remote'; identity: IdentityConfig };

export interface ComputeConfig {
  target: ComputeTarget;
  /** Region of the compute endpoint in the catalog (absent: the first compute endpoint). */
  region?: string;
  /** Catalog interface to use. */
  interface: 'public' | 'internal' | 'admin';
  /** Overrides the catalog's compute endpoint. */
  novaUrl?: string;
  /** Sent on every Nova call as `OpenStack-API-Version: compute <microversion>`. */
  microversion: string;
}

const CLOUD_FUNCTIONS = {
  accessKey: ['NCP_ACCESS_KEY', optionalText],
  secretKey: ['NCP_SECRET_KEY', optionalText],
  apiUrl: ['NCP_API_URL', optionalText],
  region: ['NCP_REGION', oneOf(['kr', 'sg', 'jp']).default('kr')],
  platform: ['NCP_PLATFORM', oneOf(['vpc', 'classic']).default('vpc')],
} as const;

/** Splits NCP_API_URL into origin, base path and API generation. */
function parseApiUrl(raw: string): { origin: string; basePath: string; generation: ApiGeneration } | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute http(s) URL such as https://cloudfunctions.apigw.ntruss.com/ncf/api/v2';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must use http or https';
  if (url.username || url.password) return 'must not contain credentials';
  if (url.search || url.hash) return 'must not contain a query string or fragment';
  const path = url.pathname.replace(/\/+$/, '');
  const match = GENERATION_SUFFIXES.find(([suffix]) => path.endsWith(suffix));
  if (!match) return 'must end with the API path prefix /ncf/api/v2 (v2.1) or /api/v2 (v2.0)';
  return { origin: url.origin, basePath: path, generation: match[1] };
}

export function readCloudFunctions(env: Env, problems: string[]): CloudFunctionsConfig | undefined {
  const e = readSection(CLOUD_FUNCTIONS, env, problems);
  if (!e) return undefined;
  const hasAccess = e.accessKey !== undefined;
  const hasSecret = e.secretKey !== undefined;
  if (hasAccess && !hasSecret) problems.push('NCP_SECRET_KEY: is required when NCP_ACCESS_KEY is set');
  if (hasSecret && !hasAccess) problems.push('NCP_ACCESS_KEY: is required when NCP_SECRET_KEY is set');
  if (e.apiUrl !== undefined && !hasAccess) {
    problems.push('NCP_API_URL: is set but NCP_ACCESS_KEY is not (without credentials the local emulator is used)');
  }
  const api = e.apiUrl !== undefined ? parseApiUrl(e.apiUrl) : undefined;
  if (typeof api === 'string') problems.push(`NCP_API_URL: ${api}`);
  const base = { region: e.region as NcpRegion, defaultPlatform: e.platform as Platform };
  if (!hasAccess || !hasSecret) return { ...base, target: { kind: 'embedded' } };
  const resolved =
    api && typeof api !== 'string'
      ? api
      : { origin: NCP_REGION_HOSTS[base.region], basePath: '/ncf/api/v2', generation: 'v2.1' as const };
  return {
    ...base,
    target: {
      kind: 'remote',
      ...resolved,
      credentials: hideField({ accessKey: e.accessKey!, secretKey: e.secretKey! }, 'secretKey'),
    },
  };
}

const COMPUTE = {
  authUrl: ['OS_AUTH_URL', optionalText],
  username: ['OS_USERNAME', optionalText],
  userId: ['OS_USER_ID', optionalText],
  password: ['OS_PASSWORD', optionalText],
  userDomainName: ['OS_USER_DOMAIN_NAME', optionalText],
  userDomainId: ['OS_USER_DOMAIN_ID', optionalText],
  projectName: ['OS_PROJECT_NAME', optionalText],
  projectId: ['OS_PROJECT_ID', optionalText],
  projectDomainName: ['OS_PROJECT_DOMAIN_NAME', optionalText],
  projectDomainId: ['OS_PROJECT_DOMAIN_ID', optionalText],
  applicationCredentialId: ['OS_APPLICATION_CREDENTIAL_ID', optionalText],
  applicationCredentialSecret: ['OS_APPLICATION_CREDENTIAL_SECRET', optionalText],
  region: ['OS_REGION_NAME', optionalText],
  interface: [
    'OS_INTERFACE',
    z
      .string()
      .trim()
      .transform((s) => s.toLowerCase().replace(/url$/, ''))
      .pipe(z.enum(['public', 'internal', 'admin'], { message: 'must be one of: public, internal, admin' }))
      .default('public'),
  ],
  novaUrl: ['NOVA_URL', optionalText],
  microversion: [
    'NOVA_MICROVERSION',
    z
      .string()
      .trim()
      .regex(/^(2\.\d{1,3}|latest)$/, {
        message: 'must be a compute microversion such as 2.84 (2.1 or later), or latest',
      })
      .default('2.84'),
  ],
} as const;

type ComputeVars = NonNullable<ReturnType<typeof readSection<typeof COMPUTE>>>;

function keystoneCredentials(e: ComputeVars, problems: string[]): KeystoneCredentials | undefined {
  if (e.applicationCredentialId || e.applicationCredentialSecret) {
    if (!e.applicationCredentialId)
      problems.push('OS_APPLICATION_CREDENTIAL_ID: is required with OS_APPLICATION_CREDENTIAL_SECRET');
    if (!e.applicationCredentialSecret)
      problems.push('OS_APPLICATION_CREDENTIAL_SECRET: is required with OS_APPLICATION_CREDENTIAL_ID');
    if (!e.applicationCredentialId || !e.applicationCredentialSecret) return undefined;
    return hideField(
      {
        method: 'application_credential' as const,
        id: e.applicationCredentialId,
        secret: e.applicationCredentialSecret,
      },
      'secret',
    );
  }
  if (!e.username && !e.userId) {
    problems.push(
      'OS_USERNAME: is required with OS_AUTH_URL (or set OS_USER_ID, or OS_APPLICATION_CREDENTIAL_ID and _SECRET)',
    );
  }
  if (!e.password) problems.push('OS_PASSWORD: is required with OS_USERNAME');
  if (!(e.username || e.userId) || !e.password) return undefined;
  return hideField(
    {
      method: 'password' as const,
      ...(e.userId ? { userId: e.userId } : { username: e.username! }),
      ...(e.userDomainId ? { userDomainId: e.userDomainId } : { userDomainName: e.userDomainName ?? 'Default' }),
      password: e.password,
    },
    'password',
  );
}

function keystoneScope(
  e: ComputeVars,
  credentials: KeystoneCredentials | undefined,
  problems: string[],
): KeystoneScope | undefined {
  if (e.projectId) return { projectId: e.projectId };
  if (e.projectName) {
    return {
      projectName: e.projectName,
      ...(e.projectDomainId
        ? { projectDomainId: e.projectDomainId }
        : { projectDomainName: e.projectDomainName ?? 'Default' }),
    };
  }
  if (credentials?.method === 'password')
    problems.push('OS_PROJECT_NAME: is required with password authentication (or set OS_PROJECT_ID)');
  return undefined;
}

export function readCompute(env: Env, problems: string[]): ComputeConfig | undefined {
  const e = readSection(COMPUTE, env, problems);
  if (!e) return undefined;
  const base = { interface: e.interface, microversion: e.microversion, ...(e.region ? { region: e.region } : {}) };
  let novaUrl: string | undefined;
  if (e.novaUrl) {
    const checked = checkBaseUrl(e.novaUrl);
    if (typeof checked === 'string') novaUrl = checked;
    else problems.push(`NOVA_URL: ${checked.error}`);
  }
  const embedded: ComputeConfig = { ...base, target: { kind: 'embedded' } };
  if (!e.authUrl) {
    const stray = (
      [
        ['OS_USERNAME', e.username],
        ['OS_PASSWORD', e.password],
        ['OS_APPLICATION_CREDENTIAL_ID', e.applicationCredentialId],
        ['NOVA_URL', e.novaUrl],
      ] as const
    )
      .filter(([, value]) => value)
      .map(([name]) => name);
    if (stray.length > 0) {
      problems.push(
        `OS_AUTH_URL: is required when ${stray.join(', ')} ${stray.length > 1 ? 'are' : 'is'} set ` +
          '(without it the local compute emulator is used)',
      );
    }
    return embedded;
  }
  const checked = checkBaseUrl(e.authUrl);
  if (typeof checked !== 'string') {
    problems.push(`OS_AUTH_URL: ${checked.error}`);
    return embedded;
  }
  // The usual value ends in /v3; accept the bare Keystone root too.
  const authUrl = /\/v3$/.test(checked) ? checked : `${checked}/v3`;
  const credentials = keystoneCredentials(e, problems);
  const scope = keystoneScope(e, credentials, problems);
  if (!credentials) return embedded;
  return {
    ...base,
    target: { kind: 'remote', identity: { authUrl, credentials, ...(scope ? { scope } : {}) } },
    ...(novaUrl ? { novaUrl } : {}),
  };
}
