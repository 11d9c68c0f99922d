/**
 * config: every environment variable the gateway reads, parsed and validated once into a frozen,
 * typed object. Nothing else in the code reads `process.env`.
 *
 * An invalid value stops start-up with a {@link ConfigError} whose message names each offending
 * variable and what it expects. Values are never echoed: a secret pasted into the wrong variable
 * must not end up in a log.
 */
import { z } from 'zod';
import type { ApiGeneration, Platform } from './upstream/cloudfunctions/types';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Hosts of the Cloud Functions API by region (upstream-api.md 1.1). */
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

export interface UpstreamHttpConfig {
  /** Upper bound of open connections to the upstream origin. */
  connections: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Largest upstream response body accepted, in bytes. */
  maxResponseBytes: number;
}

export interface CloudFunctionsConfig {
  /** Absent: no credentials were given, so the embedded emulator is used. */
  credentials?: { accessKey: string; secretKey: string };
  /** Origin, e.g. https://cloudfunctions.apigw.ntruss.com (absent in emulator mode until it starts). */
  origin?: string;
  /** Path prefix including the generation, e.g. /ncf/api/v2. */
  basePath: string;
  generation: ApiGeneration;
  region: NcpRegion;
  defaultPlatform: Platform;
}

export interface GatewayConfig {
  nodeEnv: string;
  host: string;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Budget of one GraphQL operation, passed down to every upstream call. */
  requestTimeoutMs: number;
  /** Upstream calls one operation may have in flight at once. */
  upstreamConcurrency: number;
  cloudFunctions: CloudFunctionsConfig;
  compute: ComputeConfig;
  upstreamHttp: UpstreamHttpConfig;
  resilience: ResilienceConfig;
  auth: AuthConfig;
  limits: LimitsConfig;
  http: HttpConfig;
  /** Milliseconds readiness fails before the server stops accepting requests on SIGTERM. */
  shutdownDelayMs: number;
  /**
   * After that, how long in-flight operations (HTTP and WebSocket) may take to finish before the
   * process gives up on them; by default a little more than the longest operation may take.
   */
  shutdownGraceMs: number;
  /** Sharing of identical upstream reads across operations. */
  sharing: { dedupe: boolean; cacheTtlMs: number };
  /**
   * activationCompleted: longest wait for a run, longest interval between two reads, and most runs
   * polled at once by the whole process.
   */
  subscriptions: { maxWaitMs: number; maxPollIntervalMs: number; maxPollers: number };
  websocket: WebSocketConfig;
}

/** Bounds of the WebSocket transport (graphql-ws on /graphql). */
export interface WebSocketConfig {
  /** Open sockets in the whole process. */
  maxConnections: number;
  /** Open sockets per principal (per remote address when anonymous or not yet authenticated). */
  maxConnectionsPerClient: number;
  /** Operations one socket may have in flight at once. */
  maxOperationsPerConnection: number;
  /** Bytes a socket may have queued unsent before it is closed as a slow reader. */
  maxBufferedBytes: number;
  /** Longest life of one socket. */
  maxLifetimeMs: number;
}

export interface ResilienceConfig {
  /** Attempts of an idempotent read in all (1 = no retry). */
  retryAttempts: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** Consecutive failures (connection errors, timeouts, 5xx) that open an upstream's breaker. */
  breakerFailures: number;
  /** How long an open breaker answers at once before letting one trial call through. */
  breakerCooldownMs: number;
}

export type AuthConfig =
  | { mode: 'none'; allowUnauthenticated: boolean }
  | { mode: 'apikey'; keysFile: string }
  | { mode: 'jwt'; jwksUrl: string; issuer: string; audience: string; algorithms: string[] };

export interface LimitsConfig {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
  /** Deepest nesting of objects and arrays in variables and `params`. */
  maxInputDepth: number;
  /** Largest request body, in bytes. */
  bodyLimitBytes: number;
}

export interface HttpConfig {
  /** Origins allowed to call from a browser (CORS, and the WebSocket upgrade); empty: none. */
  corsOrigins: string[];
  /** Longest time to receive a whole request (headers and body) from a client. */
  clientTimeoutMs: number;
  introspection: boolean;
  playground: boolean;
  /** Serve Prometheus metrics at /metrics. */
  metrics: boolean;
  /** max-age (seconds) of cacheable GET query answers; 0: not cacheable. */
  cacheMaxAgeSeconds: number;
  /** Trusted documents: the manifest file, and whether only its operations may run. */
  persistedDocuments?: string;
  persistedDocumentsOnly: boolean;
}

/** How the gateway authenticates to Keystone v3. Secrets are non-enumerable (see hideSecret). */
export type KeystoneCredentials =
  | { method: 'password'; username?: string; userId?: string; userDomainName?: string; userDomainId?: string; password: string }
  | { method: 'application_credential'; id: string; secret: string };

export type KeystoneScope =
  | { projectId: string }
  | { projectName: string; projectDomainName?: string; projectDomainId?: string };

export interface IdentityConfig {
  /** Keystone v3 base, ending in /v3. */
  authUrl: string;
  credentials: KeystoneCredentials;
  /** Absent for application credentials, which carry their own scope. */
  scope?: KeystoneScope;
}

export interface ComputeConfig {
  /** Absent: OS_AUTH_URL is not set, so the built-in Keystone + Nova emulator is used. */
  identity?: IdentityConfig;
  /** Region of the compute endpoint in the catalog (absent: the first compute endpoint). */
  region?: string;
  /** Catalog interface to use. */
  interface: 'public' | 'internal' | 'admin';
  /** Overrides the catalog's compute endpoint. */
  novaUrl?: string;
  /** Sent on every Nova call as `OpenStack-API-Version: compute <microversion>`. */
  microversion: string;
}

type Env = Record<string, string | undefined>;

/** The default shutdown grace is the request timeout plus this (the last answers must still be written). */
export const SHUTDOWN_GRACE_MARGIN_MS = 5_000;

const intIn = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { message: `must be a whole number from ${min} to ${max}` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `must be a whole number from ${min} to ${max}` });

const oneOf = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .trim()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(values, { message: `must be one of: ${values.join(', ')}` }));

/** Variables whose values are secret: their problems are reported without any hint of the value. */
const SECRET_VARS = new Set(['NCP_SECRET_KEY', 'NCP_ACCESS_KEY', 'OS_PASSWORD', 'OS_APPLICATION_CREDENTIAL_SECRET']);

const optionalText = z.string().trim().min(1).optional();

const schema = z.object({
  NODE_ENV: z.string().trim().default('development'),
  HOST: z.string().trim().min(1, { message: 'must not be empty' }).default('127.0.0.1'),
  PORT: intIn(0, 65535).default(4000),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NCP_ACCESS_KEY: optionalText,
  NCP_SECRET_KEY: optionalText,
  NCP_API_URL: optionalText,
  NCP_REGION: oneOf(['kr', 'sg', 'jp']).default('kr'),
  NCP_PLATFORM: oneOf(['vpc', 'classic']).default('vpc'),
  GATEWAY_REQUEST_TIMEOUT_MS: intIn(1000, 600_000).default(65_000),
  GATEWAY_UPSTREAM_CONCURRENCY: intIn(1, 256).default(20),
  GATEWAY_UPSTREAM_CONNECTIONS: intIn(1, 1024).default(64),
  GATEWAY_UPSTREAM_CONNECT_TIMEOUT_MS: intIn(100, 60_000).default(3_000),
  GATEWAY_UPSTREAM_HEADERS_TIMEOUT_MS: intIn(100, 300_000).default(10_000),
  GATEWAY_UPSTREAM_BODY_TIMEOUT_MS: intIn(100, 300_000).default(10_000),
  GATEWAY_UPSTREAM_KEEPALIVE_MS: intIn(100, 600_000).default(4_000),
  GATEWAY_UPSTREAM_MAX_RESPONSE_BYTES: intIn(1024, 1_073_741_824).default(8 * 1024 * 1024),
  GATEWAY_RETRY_ATTEMPTS: intIn(1, 10).default(3),
  GATEWAY_RETRY_BASE_DELAY_MS: intIn(1, 60_000).default(100),
  GATEWAY_RETRY_MAX_DELAY_MS: intIn(1, 300_000).default(2_000),
  GATEWAY_BREAKER_FAILURES: intIn(1, 1000).default(5),
  GATEWAY_BREAKER_COOLDOWN_MS: intIn(100, 600_000).default(5_000),
  GATEWAY_SHUTDOWN_DELAY_MS: intIn(0, 120_000).default(0),
  GATEWAY_SHUTDOWN_GRACE_MS: intIn(1_000, 3_600_000).optional(),
  GATEWAY_CLIENT_TIMEOUT_MS: intIn(1_000, 600_000).default(10_000),
  GATEWAY_WS_MAX_CONNECTIONS: intIn(1, 1_000_000).default(1_000),
  GATEWAY_WS_MAX_CONNECTIONS_PER_CLIENT: intIn(1, 100_000).default(10),
  GATEWAY_WS_MAX_OPERATIONS_PER_CONNECTION: intIn(1, 10_000).default(25),
  GATEWAY_WS_MAX_BUFFERED_BYTES: intIn(16_384, 1_073_741_824).default(1024 * 1024),
  GATEWAY_WS_MAX_LIFETIME_MS: intIn(1_000, 604_800_000).default(3_600_000),
  GATEWAY_SUBSCRIPTION_MAX_POLLERS: intIn(1, 100_000).default(200),
  GATEWAY_DEDUPE: oneOf(['true', 'false']).default('true'),
  GATEWAY_CACHE_TTL_MS: intIn(0, 3_600_000).default(0),
  GATEWAY_SUBSCRIPTION_MAX_WAIT_MS: intIn(1_000, 3_600_000).default(300_000),
  GATEWAY_SUBSCRIPTION_POLL_MAX_MS: intIn(250, 60_000).default(5_000),
  GATEWAY_AUTH: oneOf(['none', 'apikey', 'jwt']).default('none'),
  GATEWAY_ALLOW_UNAUTHENTICATED: oneOf(['true', 'false']).default('false'),
  GATEWAY_API_KEYS_FILE: optionalText,
  GATEWAY_JWKS_URL: optionalText,
  GATEWAY_JWT_ISSUER: optionalText,
  GATEWAY_JWT_AUDIENCE: optionalText,
  GATEWAY_JWT_ALGORITHMS: z.string().trim().default('RS256,ES256,PS256,EdDSA'),
  GATEWAY_MAX_DEPTH: intIn(1, 100).default(8),
  GATEWAY_MAX_ALIASES: intIn(0, 1000).default(15),
  GATEWAY_MAX_TOKENS: intIn(10, 100_000).default(1_000),
  GATEWAY_MAX_DIRECTIVES: intIn(0, 1000).default(10),
  GATEWAY_MAX_COST: intIn(1, 10_000_000).default(5_000),
  GATEWAY_MAX_INPUT_DEPTH: intIn(2, 1_000).default(64),
  GATEWAY_BODY_LIMIT_BYTES: intIn(1024, 10 * 1024 * 1024).default(100 * 1024),
  GATEWAY_CORS_ORIGINS: z.string().trim().default(''),
  GATEWAY_INTROSPECTION: oneOf(['true', 'false']).optional(),
  GATEWAY_PLAYGROUND: oneOf(['true', 'false']).optional(),
  GATEWAY_METRICS: oneOf(['true', 'false']).default('true'),
  GATEWAY_HTTP_CACHE_MAX_AGE_S: intIn(0, 86_400).default(5),
  GATEWAY_PERSISTED_DOCUMENTS: optionalText,
  GATEWAY_PERSISTED_DOCUMENTS_ONLY: oneOf(['true', 'false']).default('false'),
  OS_AUTH_URL: optionalText,
  OS_USERNAME: optionalText,
  OS_USER_ID: optionalText,
  OS_PASSWORD: optionalText,
  OS_USER_DOMAIN_NAME: optionalText,
  OS_USER_DOMAIN_ID: optionalText,
  OS_PROJECT_NAME: optionalText,
  OS_PROJECT_ID: optionalText,
  OS_PROJECT_DOMAIN_NAME: optionalText,
  OS_PROJECT_DOMAIN_ID: optionalText,
  OS_APPLICATION_CREDENTIAL_ID: optionalText,
  OS_APPLICATION_CREDENTIAL_SECRET: optionalText,
  OS_REGION_NAME: optionalText,
  OS_INTERFACE: z
    .string()
    .trim()
    .transform((s) => s.toLowerCase().replace(/url$/, ''))
    .pipe(z.enum(['public', 'internal', 'admin'], { message: 'must be one of: public, internal, admin' }))
    .default('public'),
  NOVA_URL: optionalText,
  NOVA_MICROVERSION: z
    .string()
    .trim()
    .regex(/^(2\.\d{1,3}|latest)$/, { message: 'must be a compute microversion such as 2.84 (2.1 or later), or latest' })
    .default('2.84'),
});

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

export function loadConfig(env: Env = process.env): GatewayConfig {
  // A variable set to an empty string is treated as unset, as deployment tools often write them.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = schema.safeParse(present);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? 'environment');
      problems.push(SECRET_VARS.has(name) ? `${name}: must not be empty` : `${name}: ${issue.message}`);
    }
    throw new ConfigError(problems);
  }
  const e = parsed.data;

  const hasAccess = e.NCP_ACCESS_KEY !== undefined;
  // Cloud Functions: no access key means the embedded emulator (main.ts fills in origin and keys).
  const hasSecret = e.NCP_SECRET_KEY !== undefined;
  if (hasAccess && !hasSecret) problems.push('NCP_SECRET_KEY: is required when NCP_ACCESS_KEY is set');
  if (hasSecret && !hasAccess) problems.push('NCP_ACCESS_KEY: is required when NCP_SECRET_KEY is set');

  let cloudFunctions: CloudFunctionsConfig;
  const region = e.NCP_REGION as NcpRegion;
  const defaultPlatform = e.NCP_PLATFORM as Platform;
  if (e.NCP_API_URL !== undefined && !hasAccess) {
    problems.push('NCP_API_URL: is set but NCP_ACCESS_KEY is not (without credentials the local emulator is used)');
  }
  const api = e.NCP_API_URL !== undefined ? parseApiUrl(e.NCP_API_URL) : undefined;
  if (typeof api === 'string') problems.push(`NCP_API_URL: ${api}`);

  if (hasAccess && hasSecret) {
    const resolved =
      api && typeof api !== 'string'
        ? api
        : { origin: NCP_REGION_HOSTS[region], basePath: '/ncf/api/v2', generation: 'v2.1' as const };
    cloudFunctions = {
      credentials: hideSecret({ accessKey: e.NCP_ACCESS_KEY!, secretKey: e.NCP_SECRET_KEY! }),
      ...resolved,
      region,
      defaultPlatform,
    };
  } else {
    cloudFunctions = { basePath: '/ncf/api/v2', generation: 'v2.1', region, defaultPlatform };
  }

  const compute = parseCompute(e, problems);
  const auth = parseAuth(e, problems);
  const corsOrigins = parseOrigins(e.GATEWAY_CORS_ORIGINS, problems);
  if (e.GATEWAY_PERSISTED_DOCUMENTS_ONLY === 'true' && !e.GATEWAY_PERSISTED_DOCUMENTS) {
    problems.push('GATEWAY_PERSISTED_DOCUMENTS_ONLY: needs GATEWAY_PERSISTED_DOCUMENTS (the manifest of allowed operations)');
  }
  if (e.GATEWAY_RETRY_MAX_DELAY_MS < e.GATEWAY_RETRY_BASE_DELAY_MS) {
    problems.push('GATEWAY_RETRY_MAX_DELAY_MS: must not be less than GATEWAY_RETRY_BASE_DELAY_MS');
  }
  if (e.GATEWAY_WS_MAX_CONNECTIONS_PER_CLIENT > e.GATEWAY_WS_MAX_CONNECTIONS) {
    problems.push('GATEWAY_WS_MAX_CONNECTIONS_PER_CLIENT: must not be more than GATEWAY_WS_MAX_CONNECTIONS');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const production = e.NODE_ENV === 'production';

  const config: GatewayConfig = {
    nodeEnv: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL as GatewayConfig['logLevel'],
    requestTimeoutMs: e.GATEWAY_REQUEST_TIMEOUT_MS,
    upstreamConcurrency: e.GATEWAY_UPSTREAM_CONCURRENCY,
    cloudFunctions,
    compute,
    upstreamHttp: {
      connections: e.GATEWAY_UPSTREAM_CONNECTIONS,
      connectTimeoutMs: e.GATEWAY_UPSTREAM_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: e.GATEWAY_UPSTREAM_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: e.GATEWAY_UPSTREAM_BODY_TIMEOUT_MS,
      keepAliveTimeoutMs: e.GATEWAY_UPSTREAM_KEEPALIVE_MS,
      maxResponseBytes: e.GATEWAY_UPSTREAM_MAX_RESPONSE_BYTES,
    },
    resilience: {
      retryAttempts: e.GATEWAY_RETRY_ATTEMPTS,
      retryBaseDelayMs: e.GATEWAY_RETRY_BASE_DELAY_MS,
      retryMaxDelayMs: e.GATEWAY_RETRY_MAX_DELAY_MS,
      breakerFailures: e.GATEWAY_BREAKER_FAILURES,
      breakerCooldownMs: e.GATEWAY_BREAKER_COOLDOWN_MS,
    },
    auth,
    limits: {
      maxDepth: e.GATEWAY_MAX_DEPTH,
      maxAliases: e.GATEWAY_MAX_ALIASES,
      maxTokens: e.GATEWAY_MAX_TOKENS,
      maxDirectives: e.GATEWAY_MAX_DIRECTIVES,
      maxCost: e.GATEWAY_MAX_COST,
      maxInputDepth: e.GATEWAY_MAX_INPUT_DEPTH,
      bodyLimitBytes: e.GATEWAY_BODY_LIMIT_BYTES,
    },
    http: {
      corsOrigins,
      clientTimeoutMs: e.GATEWAY_CLIENT_TIMEOUT_MS,
      // Off in production unless asked for explicitly.
      introspection: e.GATEWAY_INTROSPECTION ? e.GATEWAY_INTROSPECTION === 'true' : !production,
      playground: e.GATEWAY_PLAYGROUND ? e.GATEWAY_PLAYGROUND === 'true' : !production,
      metrics: e.GATEWAY_METRICS === 'true',
      cacheMaxAgeSeconds: e.GATEWAY_HTTP_CACHE_MAX_AGE_S,
      ...(e.GATEWAY_PERSISTED_DOCUMENTS ? { persistedDocuments: e.GATEWAY_PERSISTED_DOCUMENTS } : {}),
      persistedDocumentsOnly: e.GATEWAY_PERSISTED_DOCUMENTS_ONLY === 'true',
    },
    shutdownDelayMs: e.GATEWAY_SHUTDOWN_DELAY_MS,
    // Derived: an operation in flight at SIGTERM may legitimately take the whole request timeout.
    shutdownGraceMs: e.GATEWAY_SHUTDOWN_GRACE_MS ?? e.GATEWAY_REQUEST_TIMEOUT_MS + SHUTDOWN_GRACE_MARGIN_MS,
    sharing: { dedupe: e.GATEWAY_DEDUPE === 'true', cacheTtlMs: e.GATEWAY_CACHE_TTL_MS },
    subscriptions: {
      maxWaitMs: e.GATEWAY_SUBSCRIPTION_MAX_WAIT_MS,
      maxPollIntervalMs: e.GATEWAY_SUBSCRIPTION_POLL_MAX_MS,
      maxPollers: e.GATEWAY_SUBSCRIPTION_MAX_POLLERS,
    },
    websocket: {
      maxConnections: e.GATEWAY_WS_MAX_CONNECTIONS,
      maxConnectionsPerClient: e.GATEWAY_WS_MAX_CONNECTIONS_PER_CLIENT,
      maxOperationsPerConnection: e.GATEWAY_WS_MAX_OPERATIONS_PER_CONNECTION,
      maxBufferedBytes: e.GATEWAY_WS_MAX_BUFFERED_BYTES,
      maxLifetimeMs: e.GATEWAY_WS_MAX_LIFETIME_MS,
    },
  };
  return deepFreeze(config);
}

/** Asymmetric JWS algorithms a JWT may be signed with (RFC 7518 and RFC 8037 names). */
export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** Loopback host names and addresses: the only places anonymous access is allowed by default. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

function parseAuth(e: ParsedEnv, problems: string[]): AuthConfig {
  switch (e.GATEWAY_AUTH) {
    case 'apikey':
      if (!e.GATEWAY_API_KEYS_FILE) {
        problems.push('GATEWAY_API_KEYS_FILE: is required with GATEWAY_AUTH=apikey (create one with `npm run apikey:create`)');
        return { mode: 'none', allowUnauthenticated: false };
      }
      return { mode: 'apikey', keysFile: e.GATEWAY_API_KEYS_FILE };
    case 'jwt': {
      const missing = (['GATEWAY_JWKS_URL', 'GATEWAY_JWT_ISSUER', 'GATEWAY_JWT_AUDIENCE'] as const).filter((k) => !e[k]);
      for (const name of missing) problems.push(`${name}: is required with GATEWAY_AUTH=jwt`);
      if (e.GATEWAY_JWKS_URL) {
        const checked = checkBaseUrl(e.GATEWAY_JWKS_URL);
        if (typeof checked !== 'string') problems.push(`GATEWAY_JWKS_URL: ${checked.error}`);
        // Keys fetched over plain http could be replaced by anyone on the path: https, except on this machine.
        else if (new URL(checked).protocol !== 'https:' && !isLoopbackHost(new URL(checked).hostname)) {
          problems.push('GATEWAY_JWKS_URL: must use https (plain http is accepted only for a loopback host)');
        }
      }
      const algorithms = e.GATEWAY_JWT_ALGORITHMS.split(',').map((a) => a.trim()).filter(Boolean);
      const unsafe = algorithms.filter((a) => a.toLowerCase() === 'none' || /^HS/i.test(a));
      const unknown = algorithms.filter((a) => !unsafe.includes(a) && !(JWT_ALGORITHMS as readonly string[]).includes(a));
      if (algorithms.length === 0 || unsafe.length > 0) {
        problems.push('GATEWAY_JWT_ALGORITHMS: must list asymmetric algorithms only (e.g. RS256,ES256), not none or HS*');
      } else if (unknown.length > 0) {
        problems.push(`GATEWAY_JWT_ALGORITHMS: unknown algorithm ${unknown.map((a) => JSON.stringify(a)).join(', ')}; use some of ${JWT_ALGORITHMS.join(', ')}`);
      }
      return { mode: 'jwt', jwksUrl: e.GATEWAY_JWKS_URL ?? '', issuer: e.GATEWAY_JWT_ISSUER ?? '', audience: e.GATEWAY_JWT_AUDIENCE ?? '', algorithms };
    }
    default: {
      const allowUnauthenticated = e.GATEWAY_ALLOW_UNAUTHENTICATED === 'true';
      if (!isLoopbackHost(e.HOST) && !allowUnauthenticated) {
        problems.push(
          `GATEWAY_AUTH: is none (anyone can read and invoke), which is allowed only on a loopback HOST; HOST is ${e.HOST}. ` +
            'Set GATEWAY_AUTH=apikey or jwt, or GATEWAY_ALLOW_UNAUTHENTICATED=true to accept anonymous clients anyway.',
        );
      }
      return { mode: 'none', allowUnauthenticated };
    }
  }
}

function parseOrigins(raw: string, problems: string[]): string[] {
  const origins: string[] = [];
  for (const item of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    try {
      const url = new URL(item);
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== item.replace(/\/$/, '')) throw new Error('not an origin');
      origins.push(url.origin);
    } catch {
      problems.push(`GATEWAY_CORS_ORIGINS: ${JSON.stringify(item)} is not an origin such as https://app.example.com`);
    }
  }
  return origins;
}

type ParsedEnv = z.infer<typeof schema>;

/** An http(s) URL without credentials, query or fragment; its trailing slashes removed. */
function checkBaseUrl(raw: string): string | { error: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { error: 'must be an absolute http(s) URL' };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { error: 'must use http or https' };
  if (url.username || url.password) return { error: 'must not contain credentials' };
  if (url.search || url.hash) return { error: 'must not contain a query string or fragment' };
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function parseCompute(e: ParsedEnv, problems: string[]): ComputeConfig {
  const base = {
    interface: e.OS_INTERFACE,
    microversion: e.NOVA_MICROVERSION,
    ...(e.OS_REGION_NAME ? { region: e.OS_REGION_NAME } : {}),
  };
  let novaUrl: string | undefined;
  if (e.NOVA_URL) {
    const checked = checkBaseUrl(e.NOVA_URL);
    if (typeof checked === 'string') novaUrl = checked;
    else problems.push(`NOVA_URL: ${checked.error}`);
  }
  if (!e.OS_AUTH_URL) {
    const stray = (['OS_USERNAME', 'OS_PASSWORD', 'OS_APPLICATION_CREDENTIAL_ID', 'NOVA_URL'] as const).filter((k) => e[k]);
    if (stray.length > 0) {
      problems.push(`OS_AUTH_URL: is required when ${stray.join(', ')} ${stray.length > 1 ? 'are' : 'is'} set (without it the local compute emulator is used)`);
    }
    return base;
  }
  const checked = checkBaseUrl(e.OS_AUTH_URL);
  if (typeof checked !== 'string') {
    problems.push(`OS_AUTH_URL: ${checked.error}`);
    return base;
  }
  // The usual value ends in /v3; accept the bare Keystone root too.
  const authUrl = /\/v3$/.test(checked) ? checked : `${checked}/v3`;

  let credentials: KeystoneCredentials | undefined;
  if (e.OS_APPLICATION_CREDENTIAL_ID || e.OS_APPLICATION_CREDENTIAL_SECRET) {
    if (!e.OS_APPLICATION_CREDENTIAL_ID) problems.push('OS_APPLICATION_CREDENTIAL_ID: is required with OS_APPLICATION_CREDENTIAL_SECRET');
    if (!e.OS_APPLICATION_CREDENTIAL_SECRET) problems.push('OS_APPLICATION_CREDENTIAL_SECRET: is required with OS_APPLICATION_CREDENTIAL_ID');
    if (e.OS_APPLICATION_CREDENTIAL_ID && e.OS_APPLICATION_CREDENTIAL_SECRET) {
      credentials = hideField({ method: 'application_credential' as const, id: e.OS_APPLICATION_CREDENTIAL_ID, secret: e.OS_APPLICATION_CREDENTIAL_SECRET }, 'secret');
    }
  } else {
    if (!e.OS_USERNAME && !e.OS_USER_ID) problems.push('OS_USERNAME: is required with OS_AUTH_URL (or set OS_USER_ID, or OS_APPLICATION_CREDENTIAL_ID and _SECRET)');
    if (!e.OS_PASSWORD) problems.push('OS_PASSWORD: is required with OS_USERNAME');
    if ((e.OS_USERNAME || e.OS_USER_ID) && e.OS_PASSWORD) {
      credentials = hideField(
        {
          method: 'password' as const,
          ...(e.OS_USER_ID ? { userId: e.OS_USER_ID } : { username: e.OS_USERNAME! }),
          ...(e.OS_USER_DOMAIN_ID ? { userDomainId: e.OS_USER_DOMAIN_ID } : { userDomainName: e.OS_USER_DOMAIN_NAME ?? 'Default' }),
          password: e.OS_PASSWORD,
        },
        'password',
      );
    }
  }

  let scope: KeystoneScope | undefined;
  if (e.OS_PROJECT_ID) scope = { projectId: e.OS_PROJECT_ID };
  else if (e.OS_PROJECT_NAME) {
    scope = {
      projectName: e.OS_PROJECT_NAME,
      ...(e.OS_PROJECT_DOMAIN_ID ? { projectDomainId: e.OS_PROJECT_DOMAIN_ID } : { projectDomainName: e.OS_PROJECT_DOMAIN_NAME ?? 'Default' }),
    };
  } else if (credentials?.method === 'password') {
    problems.push('OS_PROJECT_NAME: is required with password authentication (or set OS_PROJECT_ID)');
  }
  if (!credentials) return base;
  return { ...base, identity: { authUrl, credentials, ...(scope ? { scope } : {}) }, ...(novaUrl ? { novaUrl } : {}) };
}

/** Makes one field of a credential object non-enumerable (see hideSecret). */
function hideField<T extends object>(value: T, field: keyof T & string): T {
  const out = { ...value };
  const secret = out[field];
  delete out[field];
  Object.defineProperty(out, field, { value: secret, enumerable: false });
  return out;
}

/**
 * Makes `secretKey` non-enumerable, so that no accidental JSON.stringify, spread or log of the config
 * carries it. Only the signer, built at start-up, reads it.
 */
export function hideSecret(credentials: { accessKey: string; secretKey: string }): { accessKey: string; secretKey: string } {
  return hideField({ ...credentials }, 'secretKey');
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The configuration with Cloud Functions pointed at a local emulator (embedded default). */
export function withEmbeddedCloudFunctions(
  config: GatewayConfig,
  origin: string,
  credentials: { accessKey: string; secretKey: string },
): GatewayConfig {
  return deepFreeze({
    ...config,
    cloudFunctions: { ...config.cloudFunctions, origin, credentials: hideSecret(credentials) },
  });
}

/** The configuration with compute pointed at a local Keystone + Nova emulator (embedded default). */
export function withEmbeddedCompute(
  config: GatewayConfig,
  identity: { authUrl: string; username: string; password: string; projectName: string; region: string },
): GatewayConfig {
  return deepFreeze({
    ...config,
    compute: {
      ...config.compute,
      region: identity.region,
      identity: {
        authUrl: identity.authUrl,
        credentials: hideField(
          { method: 'password' as const, username: identity.username, userDomainName: 'Default', password: identity.password },
          'password',
        ),
        scope: { projectName: identity.projectName, projectDomainName: 'Default' },
      },
    },
  });
}
