/**
 * http/app: the Fastify instance and what every HTTP request goes through before any route:
 *
 *   - bounds on receiving a request: GATEWAY_BODY_LIMIT_BYTES, and GATEWAY_CLIENT_TIMEOUT_MS for
 *     headers and body together (a client that sends too slowly gets 408 and is closed);
 *   - a request id (the client's `x-request-id` when well-formed), echoed as a header;
 *   - the loopback Host guard with GATEWAY_AUTH=none (./guards);
 *   - 503 SHUTTING_DOWN once the gateway is closing;
 *   - security headers on HTML, `connection: close` while draining, HTTP metrics;
 *   - every error answer in the one envelope (./errors), including Fastify's own and unknown routes;
 *   - compression and the CORS allowlist;
 *   - traced (src/telemetry), a server span per request (./tracing).
 */
import { randomUUID } from 'node:crypto';
import { constants as zlib } from 'node:zlib';
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { isLoopbackHost, type GatewayConfig } from '../config';
import { ErrorCode } from '../errors';
import type { GatewayMetrics } from '../observability/metrics';
import { PLAYGROUND_CSP } from '../playground';
import type { Telemetry } from '../telemetry';
import { clientErrorHandler, ensureErrorEnvelope, handleFastifyError, sendError } from './errors';
import { isOwnLoopbackHost } from './guards';
import { traceHttpRequests } from './tracing';

export const REQUEST_ID_HEADER = 'x-request-id';
const INCOMING_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Where the gateway is in its life, as the HTTP layer needs to know it. */
export interface Lifecycle {
  /** Readiness fails, answers close their connections (load balancers move clients elsewhere). */
  readonly draining: boolean;
  /** New requests are refused with 503 SHUTTING_DOWN. */
  readonly closing: boolean;
}

export interface HttpAppOptions {
  config: GatewayConfig;
  logger: Logger;
  metrics: GatewayMetrics;
  lifecycle: Lifecycle;
  telemetry?: Telemetry;
}

export async function createHttpApp({
  config,
  logger,
  metrics,
  lifecycle,
  telemetry,
}: HttpAppOptions): Promise<FastifyInstance> {
  const clientTimeout = config.http.clientTimeoutMs;
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // One log line per operation is written by the GraphQL layer, not one per HTTP request.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    bodyLimit: config.limits.bodyLimitBytes,
    // Receiving the whole request (headers and body) is bounded; Node checks it every
    // connectionsCheckingInterval, so that is kept well below the bound.
    requestTimeout: clientTimeout,
    http: { headersTimeout: clientTimeout, connectionsCheckingInterval: Math.min(1_000, Math.ceil(clientTimeout / 4)) },
    clientErrorHandler: clientErrorHandler(logger),
    // Closing is answered below, in the envelope.
    return503OnClosing: false,
    genReqId: (req) => {
      const incoming = req.headers[REQUEST_ID_HEADER];
      return typeof incoming === 'string' && INCOMING_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  });

  // First, so that the span covers every other hook.
  if (telemetry?.tracer) traceHttpRequests(app, telemetry.tracer);
  addRequestHooks(app, { config, metrics, lifecycle });
  app.setErrorHandler(handleFastifyError);
  app.setNotFoundHandler((_request, reply) => sendError(reply, 404));

  await registerCompressionAndCors(app, config);
  return app;
}

/**
 * What every request goes through first: its id, the Host guard, the closing gate, HTTP metrics,
 * security headers and `connection: close` while draining, and the error envelope.
 */
function addRequestHooks(app: FastifyInstance, { config, metrics, lifecycle }: Omit<HttpAppOptions, 'logger'>): void {
  const guardHost = config.auth.mode === 'none' && isLoopbackHost(config.host);
  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    const host = request.headers.host;
    if (host !== undefined && !URL.canParse(`http://${host}/`)) {
      return sendError(reply, 400, ErrorCode.BAD_REQUEST, 'The Host header is not a host name.');
    }
    if (guardHost && !isOwnLoopbackHost(request.headers.host, request.raw.socket.localPort)) {
      return sendError(
        reply,
        421,
        ErrorCode.BAD_REQUEST,
        'Misdirected request: without client authentication this gateway answers only localhost, 127.0.0.1 ' +
          'and [::1] on its own port.',
      );
    }
    if (lifecycle.closing) {
      reply.header('connection', 'close');
      return sendError(reply, 503, ErrorCode.SHUTTING_DOWN);
    }
    return undefined;
  });
  app.addHook('onResponse', async (request, reply) => {
    // A WebSocket upgrade answered with an HTTP status (refused) holds a socket no HTTP parser
    // owns any more: it is closed with the answer. (An upgrade that succeeds never gets here.)
    if (request.headers.upgrade !== undefined && !request.raw.socket.destroyed) request.raw.socket.destroySoon();
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  // Registered before compression, so it sees the body as written.
  app.addHook('onSend', async (request, reply, payload) => {
    // While draining, every answer closes its connection, so keep-alive clients move elsewhere
    // and the server can finish closing as soon as the operations in flight are done.
    if (lifecycle.draining) reply.header('connection', 'close');
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html')) {
      reply.header('content-security-policy', PLAYGROUND_CSP);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
    }
    return ensureErrorEnvelope(request, reply, payload);
  });
}

/** gzip or brotli, and the CORS allowlist. */
async function registerCompressionAndCors(app: FastifyInstance, config: GatewayConfig): Promise<void> {
  // gzip or brotli when the client asks; brotli at a speed-minded quality (answers are small JSON,
  // the playground's scripts are large).
  await app.register(compress, {
    encodings: ['br', 'gzip'],
    threshold: 1024,
    brotliOptions: { params: { [zlib.BROTLI_PARAM_QUALITY]: 4 } },
  });

  // Cross-origin browser clients: only the allowlisted origins (none by default).
  await app.register(cors, {
    origin: config.http.corsOrigins.length > 0 ? config.http.corsOrigins : false,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: [
      'content-type',
      'authorization',
      'x-api-key',
      'apollo-require-preflight',
      'x-apollo-operation-name',
      'x-request-id',
      'traceparent',
    ],
    exposedHeaders: ['x-request-id'],
    maxAge: 600,
  });
}
