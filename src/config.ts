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
  upstreamHttp: UpstreamHttpConfig;
  /** True when no cloud credentials are configured: main.ts starts the local emulators. */
  embedded: boolean;
}

type Env = Record<string, string | undefined>;

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
const SECRET_VARS = new Set(['NCP_SECRET_KEY', 'NCP_ACCESS_KEY']);

const schema = z.object({
  NODE_ENV: z.string().trim().default('development'),
  HOST: z.string().trim().min(1, { message: 'must not be empty' }).default('127.0.0.1'),
  PORT: intIn(0, 65535).default(4000),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NCP_ACCESS_KEY: z.string().trim().min(1).optional(),
  NCP_SECRET_KEY: z.string().trim().min(1).optional(),
  NCP_API_URL: z.string().trim().min(1).optional(),
  NCP_REGION: oneOf(['kr', 'sg', 'jp']).default('kr'),
  NCP_PLATFORM: oneOf(['vpc', 'classic']).default('vpc'),
  GATEWAY_REQUEST_TIMEOUT_MS: intIn(1000, 600_000).default(65_000),
  GATEWAY_UPSTREAM_CONCURRENCY: intIn(1, 256).default(8),
  GATEWAY_UPSTREAM_CONNECTIONS: intIn(1, 1024).default(64),
  GATEWAY_UPSTREAM_CONNECT_TIMEOUT_MS: intIn(100, 60_000).default(3_000),
  GATEWAY_UPSTREAM_HEADERS_TIMEOUT_MS: intIn(100, 300_000).default(10_000),
  GATEWAY_UPSTREAM_BODY_TIMEOUT_MS: intIn(100, 300_000).default(10_000),
  GATEWAY_UPSTREAM_KEEPALIVE_MS: intIn(100, 600_000).default(4_000),
  GATEWAY_UPSTREAM_MAX_RESPONSE_BYTES: intIn(1024, 1_073_741_824).default(8 * 1024 * 1024),
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
  const parsed = schema.safeParse(env);
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
  if (problems.length > 0) throw new ConfigError(problems);

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

  const config: GatewayConfig = {
    nodeEnv: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL as GatewayConfig['logLevel'],
    requestTimeoutMs: e.GATEWAY_REQUEST_TIMEOUT_MS,
    upstreamConcurrency: e.GATEWAY_UPSTREAM_CONCURRENCY,
    cloudFunctions,
    upstreamHttp: {
      connections: e.GATEWAY_UPSTREAM_CONNECTIONS,
      connectTimeoutMs: e.GATEWAY_UPSTREAM_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: e.GATEWAY_UPSTREAM_HEADERS_TIMEOUT_MS,
      bodyTimeoutMs: e.GATEWAY_UPSTREAM_BODY_TIMEOUT_MS,
      keepAliveTimeoutMs: e.GATEWAY_UPSTREAM_KEEPALIVE_MS,
      maxResponseBytes: e.GATEWAY_UPSTREAM_MAX_RESPONSE_BYTES,
    },
    embedded: !hasAccess,
  };
  return deepFreeze(config);
}

/**
 * Makes `secretKey` non-enumerable, so that no accidental JSON.stringify, spread or log of the config
 * carries it. Only the signer, built at start-up, reads it.
 */
export function hideSecret(credentials: { accessKey: string; secretKey: string }): { accessKey: string; secretKey: string } {
  const out = { accessKey: credentials.accessKey } as { accessKey: string; secretKey: string };
  Object.defineProperty(out, 'secretKey', { value: credentials.secretKey, enumerable: false });
  return out;
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
