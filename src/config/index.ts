/**
 * config: every environment variable the gateway reads, parsed and validated once into a frozen,
 * typed object. Nothing else in the code reads `process.env`.
 *
 * Each section below names each of its variables once, with its schema and default; its parsed
 * output is the typed section (./fields). Every problem of every section is reported at once, in a
 * {@link ConfigError} whose message names each offending variable and what it expects; values are
 * never echoed (a secret pasted into the wrong variable must not end up in a log).
 */
import { z } from 'zod';
import { readAuth, type AuthConfig } from './auth';
import {
  deepFreeze,
  flag,
  intIn,
  oneOf,
  optionalFlag,
  optionalText,
  readSection,
  type Env,
  type SectionOf,
} from './fields';
import { readFleet, type FleetConfig } from './fleet';
import { readTelemetry, type TelemetryConfig } from './telemetry';
import { readCloudFunctions, readCompute, type CloudFunctionsConfig, type ComputeConfig } from './upstreams';

export { hideField, isLoopbackHost } from './fields';
export { JWT_ALGORITHMS, type AuthConfig } from './auth';
export * from './upstreams';
export type { TelemetryConfig, TracingOn } from './telemetry';
export { formatRate, parseRate, type FleetConfig, type JwtRateOverride, type Rate } from './fleet';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** The default shutdown grace is the request timeout plus this (the last answers must still be written). */
export const SHUTDOWN_GRACE_MARGIN_MS = 5_000;

const SERVER = {
  // A typo such as `prod` must not silently mean development (introspection and the playground on).
  nodeEnv: ['NODE_ENV', oneOf(['development', 'production', 'test']).default('development')],
  host: ['HOST', z.string().trim().min(1, { message: 'must not be empty' }).default('127.0.0.1')],
  port: ['PORT', intIn(0, 65535).default(4000)],
  logLevel: ['LOG_LEVEL', oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')],
  /** Budget of one GraphQL operation, passed down to every upstream call. */
  requestTimeoutMs: ['GATEWAY_REQUEST_TIMEOUT_MS', intIn(1000, 600_000).default(65_000)],
  /** Upstream calls one operation may have in flight at once. */
  upstreamConcurrency: ['GATEWAY_UPSTREAM_CONCURRENCY', intIn(1, 256).default(20)],
  /** Milliseconds readiness fails before the server stops accepting requests on SIGTERM. */
  shutdownDelayMs: ['GATEWAY_SHUTDOWN_DELAY_MS', intIn(0, 120_000).default(0)],
  /** After that, how long in-flight operations may take to finish; derived from the request timeout when unset. */
  shutdownGraceMs: ['GATEWAY_SHUTDOWN_GRACE_MS', intIn(1_000, 3_600_000).optional()],
} as const;

const UPSTREAM_HTTP = {
  /** Upper bound of open connections to one upstream origin. */
  connections: ['GATEWAY_UPSTREAM_CONNECTIONS', intIn(1, 1024).default(64)],
  connectTimeoutMs: ['GATEWAY_UPSTREAM_CONNECT_TIMEOUT_MS', intIn(100, 60_000).default(3_000)],
  headersTimeoutMs: ['GATEWAY_UPSTREAM_HEADERS_TIMEOUT_MS', intIn(100, 300_000).default(10_000)],
  bodyTimeoutMs: ['GATEWAY_UPSTREAM_BODY_TIMEOUT_MS', intIn(100, 300_000).default(10_000)],
  keepAliveTimeoutMs: ['GATEWAY_UPSTREAM_KEEPALIVE_MS', intIn(100, 600_000).default(4_000)],
  /** Largest upstream response body accepted, in bytes. */
  maxResponseBytes: ['GATEWAY_UPSTREAM_MAX_RESPONSE_BYTES', intIn(1024, 1_073_741_824).default(8 * 1024 * 1024)],
} as const;

const RESILIENCE = {
  /** Attempts of an idempotent read in all (1 = no retry). */
  retryAttempts: ['GATEWAY_RETRY_ATTEMPTS', intIn(1, 10).default(3)],
  retryBaseDelayMs: ['GATEWAY_RETRY_BASE_DELAY_MS', intIn(1, 60_000).default(100)],
  retryMaxDelayMs: ['GATEWAY_RETRY_MAX_DELAY_MS', intIn(1, 300_000).default(2_000)],
  /** Consecutive failures (connection errors, timeouts, 5xx) that open an upstream's breaker. */
  breakerFailures: ['GATEWAY_BREAKER_FAILURES', intIn(1, 1000).default(5)],
  /** How long an open breaker answers at once before letting one trial call through. */
  breakerCooldownMs: ['GATEWAY_BREAKER_COOLDOWN_MS', intIn(100, 600_000).default(5_000)],
} as const;

const LIMITS = {
  maxDepth: ['GATEWAY_MAX_DEPTH', intIn(1, 100).default(8)],
  maxAliases: ['GATEWAY_MAX_ALIASES', intIn(0, 1000).default(15)],
  maxTokens: ['GATEWAY_MAX_TOKENS', intIn(10, 100_000).default(1_000)],
  maxDirectives: ['GATEWAY_MAX_DIRECTIVES', intIn(0, 1000).default(10)],
  maxCost: ['GATEWAY_MAX_COST', intIn(1, 10_000_000).default(5_000)],
  /** Deepest nesting of objects and arrays in variables and `params`. */
  maxInputDepth: ['GATEWAY_MAX_INPUT_DEPTH', intIn(2, 1_000).default(64)],
  /** Largest request body (and WebSocket message), in bytes. */
  bodyLimitBytes: ['GATEWAY_BODY_LIMIT_BYTES', intIn(1024, 10 * 1024 * 1024).default(100 * 1024)],
} as const;

const HTTP = {
  corsOrigins: ['GATEWAY_CORS_ORIGINS', z.string().trim().default('')],
  /** Longest time to receive a whole request (headers and body) from a client. */
  clientTimeoutMs: ['GATEWAY_CLIENT_TIMEOUT_MS', intIn(1_000, 600_000).default(10_000)],
  introspection: ['GATEWAY_INTROSPECTION', optionalFlag()],
  playground: ['GATEWAY_PLAYGROUND', optionalFlag()],
  /** Serve Prometheus metrics at /metrics. */
  metrics: ['GATEWAY_METRICS', flag(true)],
  /** max-age (seconds) of cacheable GET query answers; 0: not cacheable. */
  cacheMaxAgeSeconds: ['GATEWAY_HTTP_CACHE_MAX_AGE_S', intIn(0, 86_400).default(5)],
  /** Trusted documents: the manifest file, and whether only its operations may run. */
  persistedDocuments: ['GATEWAY_PERSISTED_DOCUMENTS', optionalText],
  persistedDocumentsOnly: ['GATEWAY_PERSISTED_DOCUMENTS_ONLY', flag(false)],
} as const;

const SHARING = {
  /** Identical upstream reads in flight at once share one call. */
  dedupe: ['GATEWAY_DEDUPE', flag(true)],
  cacheTtlMs: ['GATEWAY_CACHE_TTL_MS', intIn(0, 3_600_000).default(0)],
} as const;

const SUBSCRIPTIONS = {
  /** Longest wait for a run. */
  maxWaitMs: ['GATEWAY_SUBSCRIPTION_MAX_WAIT_MS', intIn(1_000, 3_600_000).default(300_000)],
  /** Longest interval between two reads of a pending run. */
  maxPollIntervalMs: ['GATEWAY_SUBSCRIPTION_POLL_MAX_MS', intIn(250, 60_000).default(5_000)],
  /** Most runs polled at once by the whole process. */
  maxPollers: ['GATEWAY_SUBSCRIPTION_MAX_POLLERS', intIn(1, 100_000).default(200)],
} as const;

/** Bounds of the WebSocket transport (graphql-ws on /graphql). */
const WEBSOCKET = {
  /** Open sockets in the whole process. */
  maxConnections: ['GATEWAY_WS_MAX_CONNECTIONS', intIn(1, 1_000_000).default(1_000)],
  /** Open sockets per principal (per remote address when anonymous or not yet authenticated). */
  maxConnectionsPerClient: ['GATEWAY_WS_MAX_CONNECTIONS_PER_CLIENT', intIn(1, 100_000).default(10)],
  /** Operations one socket may have in flight at once. */
  maxOperationsPerConnection: ['GATEWAY_WS_MAX_OPERATIONS_PER_CONNECTION', intIn(1, 10_000).default(25)],
  /** Bytes a socket may have queued unsent before it is closed as a slow reader. */
  maxBufferedBytes: ['GATEWAY_WS_MAX_BUFFERED_BYTES', intIn(16_384, 1_073_741_824).default(1024 * 1024)],
  /** Longest life of one socket. */
  maxLifetimeMs: ['GATEWAY_WS_MAX_LIFETIME_MS', intIn(1_000, 604_800_000).default(3_600_000)],
} as const;

export type UpstreamHttpConfig = SectionOf<typeof UPSTREAM_HTTP>;
export type ResilienceConfig = SectionOf<typeof RESILIENCE>;
export type LimitsConfig = SectionOf<typeof LIMITS>;
export type WebSocketConfig = SectionOf<typeof WEBSOCKET>;
export type HttpConfig = Omit<
  SectionOf<typeof HTTP>,
  'corsOrigins' | 'introspection' | 'playground' | 'persistedDocuments'
> & {
  /** Origins allowed to call from a browser (CORS, and the WebSocket upgrade); empty: none. */
  corsOrigins: string[];
  introspection: boolean;
  playground: boolean;
  persistedDocuments?: string;
};

export type GatewayConfig = Omit<SectionOf<typeof SERVER>, 'logLevel' | 'shutdownGraceMs'> & {
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  shutdownGraceMs: number;
  cloudFunctions: CloudFunctionsConfig;
  compute: ComputeConfig;
  upstreamHttp: UpstreamHttpConfig;
  resilience: ResilienceConfig;
  auth: AuthConfig;
  limits: LimitsConfig;
  http: HttpConfig;
  sharing: SectionOf<typeof SHARING>;
  subscriptions: SectionOf<typeof SUBSCRIPTIONS>;
  websocket: WebSocketConfig;
  /** OpenTelemetry tracing (OTEL_* variables, ./telemetry). */
  telemetry: TelemetryConfig;
  /** Shared state on Redis, rate limits and the invoke cap (./fleet). */
  fleet: FleetConfig;
};

function parseOrigins(raw: string, problems: string[]): string[] {
  const origins: string[] = [];
  for (const item of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    try {
      const url = new URL(item);
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== item.replace(/\/$/, ''))
        throw new Error('not an origin');
      origins.push(url.origin);
    } catch {
      problems.push(`GATEWAY_CORS_ORIGINS: ${JSON.stringify(item)} is not an origin such as https://app.example.com`);
    }
  }
  return origins;
}

function readHttp(env: Env, production: boolean, problems: string[]): HttpConfig | undefined {
  const e = readSection(HTTP, env, problems);
  if (!e) return undefined;
  if (e.persistedDocumentsOnly && !e.persistedDocuments) {
    problems.push(
      'GATEWAY_PERSISTED_DOCUMENTS_ONLY: needs GATEWAY_PERSISTED_DOCUMENTS (the manifest of allowed operations)',
    );
  }
  const { persistedDocuments, ...rest } = e;
  return {
    ...rest,
    corsOrigins: parseOrigins(e.corsOrigins, problems),
    // Off in production unless asked for explicitly.
    introspection: e.introspection ?? !production,
    playground: e.playground ?? !production,
    ...(persistedDocuments ? { persistedDocuments } : {}),
  };
}

export function loadConfig(env: Env = process.env): GatewayConfig {
  // A variable set to an empty string is treated as unset, as deployment tools often write them.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const problems: string[] = [];
  const server = readSection(SERVER, present, problems);
  const cloudFunctions = readCloudFunctions(present, problems);
  const compute = readCompute(present, problems);
  const upstreamHttp = readSection(UPSTREAM_HTTP, present, problems);
  const resilience = readSection(RESILIENCE, present, problems);
  const auth = readAuth(present, server?.host, problems);
  const limits = readSection(LIMITS, present, problems);
  const http = readHttp(present, server?.nodeEnv === 'production', problems);
  const sharing = readSection(SHARING, present, problems);
  const subscriptions = readSection(SUBSCRIPTIONS, present, problems);
  const websocket = readSection(WEBSOCKET, present, problems);
  const telemetry = readTelemetry(present, problems);
  const fleet = readFleet(present, problems);
  if (resilience && resilience.retryMaxDelayMs < resilience.retryBaseDelayMs) {
    problems.push('GATEWAY_RETRY_MAX_DELAY_MS: must not be less than GATEWAY_RETRY_BASE_DELAY_MS');
  }
  if (websocket && websocket.maxConnectionsPerClient > websocket.maxConnections) {
    problems.push('GATEWAY_WS_MAX_CONNECTIONS_PER_CLIENT: must not be more than GATEWAY_WS_MAX_CONNECTIONS');
  }
  if (
    problems.length > 0 ||
    !server ||
    !cloudFunctions ||
    !compute ||
    !upstreamHttp ||
    !resilience ||
    !auth ||
    !limits ||
    !http ||
    !sharing ||
    !subscriptions ||
    !websocket ||
    !telemetry ||
    !fleet
  ) {
    throw new ConfigError(problems);
  }
  return deepFreeze({
    ...server,
    logLevel: server.logLevel as GatewayConfig['logLevel'],
    // Derived: an operation in flight at SIGTERM may legitimately take the whole request timeout.
    shutdownGraceMs: server.shutdownGraceMs ?? server.requestTimeoutMs + SHUTDOWN_GRACE_MARGIN_MS,
    cloudFunctions,
    compute,
    upstreamHttp,
    resilience,
    auth,
    limits,
    http,
    sharing,
    subscriptions,
    websocket,
    telemetry,
    fleet,
  });
}
