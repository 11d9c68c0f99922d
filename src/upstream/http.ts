/**
 * http: what every upstream client shares: one keep-alive undici Pool per origin, created at
 * start-up, with bounded connections and connect/headers/body timeouts; reading JSON bodies; and
 * turning transport failures into the error vocabulary.
 *
 * Nothing here knows a REST API. Nothing here ever puts a URL, header or body into an error: the
 * client sees a code and a sentence, the server log sees the undici error code.
 */
import type { Context } from '@opentelemetry/api';
import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import type { UpstreamHttpConfig } from '../config';
import { refusals, upstreamFailure, type GatewayError, type UpstreamErrorInfo } from '../errors';
import type { RequestTrace } from '../observability/tracing';

export function createPool(origin: string, http: UpstreamHttpConfig): Pool {
  return new Pool(origin, {
    connections: http.connections,
    connectTimeout: http.connectTimeoutMs,
    headersTimeout: http.headersTimeoutMs,
    bodyTimeout: http.bodyTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    keepAliveMaxTimeout: Math.max(http.keepAliveTimeoutMs, 60_000),
    maxResponseSize: http.maxResponseBytes,
    // undici 8 would speak HTTP/2 to a TLS upstream that offers it; the pool sizes, timeouts and
    // measurements here are HTTP/1.1 keep-alive ones, so it stays HTTP/1.1 as with undici 7.
    allowH2: false,
  });
}

/**
 * One Pool per origin for the life of the process. Origins known from configuration get theirs at
 * start-up; an origin learnt later (the compute endpoint from the Keystone catalog) gets its pool
 * on first use, once.
 */
export class PoolRegistry {
  readonly #pools = new Map<string, Pool>();
  readonly #http: UpstreamHttpConfig;

  constructor(http: UpstreamHttpConfig) {
    this.#http = http;
  }

  get(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (!pool) {
      pool = createPool(origin, this.#http);
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  /** Lets queued requests finish, then closes every connection. */
  async close(): Promise<void> {
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()));
    this.#pools.clear();
  }
}

/** One finished upstream exchange, reported to observers (call counting, logs, metrics). */
export interface UpstreamCallEvent {
  service: UpstreamErrorInfo['service'];
  /** A low-cardinality route name such as `GET /packages/{pkg}`: never the concrete path. */
  route: string;
  method: string;
  /** HTTP status, or 0 when no response arrived. */
  status: number;
  durationMs: number;
  /** The undici error code (or error name) when the exchange failed below HTTP. */
  transportError?: string;
  /**
   * Whose failure an error answer is: `upstream` (a 5xx, or no answer), or `action` (the run failed:
   * an invoke's 502 that carries the run's record). Absent for answers that are not failures.
   */
  failure?: 'upstream' | 'action';
}

export type UpstreamObserver = (event: UpstreamCallEvent) => void;

/** A path segment, percent-encoded. */
export const segment = encodeURIComponent;

/**
 * Builds a query string in a fixed order from defined values. Returns '' (no `?`) when empty.
 * The result is what is both sent and signed.
 */
export function buildQuery(params: ReadonlyArray<readonly [string, string | number | undefined]>): string {
  const parts: string[] = [];
  for (const [key, value] of params) {
    if (value === undefined) continue;
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** Whitespace-separated words that look like an address: URLs, paths, host:port, IPv4 addresses, emails. */
const ADDRESS_LIKE = [
  /[/\\@]/,
  /\b(?:localhost|(?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]+):\d{1,5}\b/,
  /\b\d{1,3}(?:\.\d{1,3}){3}\b/,
];

/**
 * Upstream text made safe to show a client: no markup, no word that looks like an address (URL,
 * path, host:port, IP), none of the gateway's own identifiers (`redact`: its access key), one line,
 * bounded.
 */
export function sanitizeUpstreamText(text: string, redact: readonly string[] = []): string {
  let plain = text;
  for (const word of redact) if (word) plain = plain.split(word).join('[redacted]');
  return plain
    .replace(/<[^>]*>/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => (ADDRESS_LIKE.some((pattern) => pattern.test(word)) ? '[redacted]' : word))
    .join(' ')
    .slice(0, 200);
}

/** Parses a JSON body; returns undefined for an empty or non-JSON body. */
export function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Seconds from a Retry-After header (delta-seconds or HTTP date), when present and sane. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim());
  const at = Date.parse(raw);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** A short, loggable name for a transport failure. */
export function transportErrorName(error: unknown): string {
  if (error && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string') return name;
  }
  return 'UnknownError';
}

/** Failures of requests that went out (or tried to reach the upstream): the upstream's, for the breaker. */
const UPSTREAM_FAILURES = new WeakSet<object>();

/** Whether an error is the failure of a request sent to the upstream (see {@link transportError}). */
export function isUpstreamFailure(error: unknown): boolean {
  return typeof error === 'object' && error !== null && UPSTREAM_FAILURES.has(error);
}

/** undici's refusals of a request it never tried to send (a bad header, an unsupported option). */
const NOT_SENT_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'UND_ERR_DESTROYED', 'UND_ERR_CLOSED']);

/**
 * Maps a failure below HTTP (no usable response) to the vocabulary. `deadline` tells whether the
 * operation's own deadline had passed, which is a timeout whatever undici reports. Failures of a
 * request that went out are marked as the upstream's ({@link isUpstreamFailure}); a request undici
 * refused to send is not.
 */
export function transportError(
  service: UpstreamErrorInfo['service'],
  error: unknown,
  deadlinePassed: boolean,
): GatewayError {
  const name = transportErrorName(error);
  const kind =
    deadlinePassed || TIMEOUT_CODES.has(name) || name === 'TimeoutError'
      ? 'timeout'
      : error instanceof undiciErrors.ResponseExceededMaxSizeError
        ? 'tooLarge'
        : 'unreachable';
  const mapped = upstreamFailure(kind, service, { cause: error });
  if (!NOT_SENT_CODES.has(name)) UPSTREAM_FAILURES.add(mapped);
  return mapped;
}

/**
 * A request body as JSON, written once before any attempt. A value that cannot be serialized (too
 * deep, a cycle) is the caller's input, refused before anything is sent.
 */
export function serializeBody(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    throw refusals.unserializableBody();
  }
}

/** What an operation hands every upstream call it makes. */
export interface CallOptions {
  /** Aborts at the operation's deadline or when the client goes away. */
  signal?: AbortSignal;
  /** The operation's deadline, epoch ms: no retry waits past it. */
  deadline?: number;
  /** The operation's trace: counts its upstream calls and is passed on as traceparent. */
  trace?: RequestTrace;
  /** The span the call is made for when it is not the operation's (the poller's); traced only. */
  parent?: Context;
  /** Told of every read made for the operation (what its answer depends on: src/pipeline/response-cache). */
  reads?: ReadLog;
}

/**
 * What the reads of one operation were: the response cache keeps a whole answer only when every read
 * answered 2xx (what the read cache keeps), and drops it when a write invalidates one of its reads.
 */
export interface ReadLog {
  /** A read about to be made (sent, shared, or from the read cache): `<service> <exact path and query>`. */
  read(tag: string): void;
  /** A read that answered other than 2xx (a 404 is data, but not kept), or failed. */
  unkept(): void;
}

/** `answer`, with a read that did not answer 2xx (or failed) told to `reads`. */
export function noteRead(answer: Promise<Exchange>, reads: ReadLog): Promise<Exchange> {
  return answer.then(
    (res) => {
      if (res.status < 200 || res.status >= 300) reads.unkept();
      return res;
    },
    (error: unknown) => {
      reads.unkept();
      throw error;
    },
  );
}

export interface ExchangeRequest {
  origin: string;
  /** Path and query exactly as they go on the wire (and, for signed upstreams, as signed). */
  path: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers: Record<string, string>;
  /** A JSON body, already serialized (see {@link serializeBody}). */
  json?: string;
  signal?: AbortSignal;
  headersTimeoutMs?: number;
  /** The operation this request serves: counted, and its trace passed on (W3C traceparent). */
  trace?: RequestTrace;
  /** Traced: the `traceparent` of this request's own span (src/upstream/resilience), sent as is. */
  traceparent?: string;
}

export interface ExchangeContext {
  service: UpstreamErrorInfo['service'];
  route: string;
  observer?: UpstreamObserver;
  /** Whether an answer is the upstream failing; default: any 5xx. */
  isUpstreamFailure?: (res: Exchange) => boolean;
}

export interface Exchange {
  status: number;
  /** The parsed JSON body, or undefined when empty or not JSON. */
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * One HTTP exchange with an upstream: sends, reads the whole body, reports it to the observer, and
 * turns a failure below HTTP into a GatewayError. HTTP statuses are left to the caller.
 */
export async function exchange(dispatcher: Dispatcher, req: ExchangeRequest, ctx: ExchangeContext): Promise<Exchange> {
  const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
  if (req.trace) req.trace.upstreamCalls += 1;
  const traceparent = req.traceparent ?? req.trace?.childTraceparent();
  if (traceparent !== undefined) headers.traceparent = traceparent;
  const body = req.json;
  if (body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
  const started = performance.now();
  const report = (status: number, failure?: unknown, res?: Exchange) => {
    if (!ctx.observer) return;
    const upstreamFailed = res ? (ctx.isUpstreamFailure ? ctx.isUpstreamFailure(res) : status >= 500) : true;
    ctx.observer({
      service: ctx.service,
      route: ctx.route,
      method: req.method,
      status,
      durationMs: performance.now() - started,
      ...(failure !== undefined ? { transportError: transportErrorName(failure) } : {}),
      ...(upstreamFailed ? { failure: 'upstream' as const } : status >= 500 ? { failure: 'action' as const } : {}),
    });
  };
  try {
    const res = await dispatcher.request({
      origin: req.origin,
      path: req.path,
      method: req.method,
      headers,
      body,
      signal: req.signal,
      ...(req.headersTimeoutMs !== undefined ? { headersTimeout: req.headersTimeoutMs } : {}),
    });
    const text = await res.body.text();
    const answer = { status: res.statusCode, body: parseJson(text), headers: res.headers };
    report(res.statusCode, undefined, answer);
    return answer;
  } catch (error) {
    report(0, error);
    throw transportError(ctx.service, error, req.signal?.aborted ?? false);
  }
}
