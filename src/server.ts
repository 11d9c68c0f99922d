/**
 * server: builds the gateway (Fastify + Apollo Server) from its dependencies, without listening,
 * so tests build it in-process and listen on port 0, and main.ts adds signals and the emulators.
 *
 * Routes:
 *   /graphql         GraphQL over HTTP (GET and POST); a browser's GET gets the playground page
 *   /graphiql/*      the playground's own scripts and styles (no CDN)
 *   /healthz         alive (the process answers)
 *   /readyz          ready to serve (started, not draining); never calls an upstream
 *   /metrics         Prometheus metrics (GATEWAY_METRICS)
 */
import { randomUUID } from 'node:crypto';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { constants as zlib } from 'node:zlib';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import websocket from '@fastify/websocket';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createAuthenticator } from './auth';
import { enforceScopes } from './auth/scopes';
import type { GatewayConfig } from './config';
import { createContext, type GatewayContext } from './context';
import { ErrorCode, formatError, isDeliberateError, isGatewayError, MASKED_MESSAGE } from './errors';
import { operationLimits } from './limits';
import { loadManifest, persistedDocumentsHandler } from './persisted-documents';
import { GatewayMetrics } from './observability/metrics';
import { operationObserver } from './observability/operations';
import { playgroundLandingPage, PLAYGROUND_CSP, registerPlaygroundAssets } from './playground';
import { resolvers } from './resolvers';
import { ActivationWatcher } from './subscriptions/activation-watcher';
import { subscriptionHandler } from './subscriptions/websocket';
import { loadTypeDefs } from './schema';
import type { Upstreams } from './upstream';
import { transportErrorName } from './upstream/http';

export const GRAPHQL_PATH = '/graphql';
const REQUEST_ID_HEADER = 'x-request-id';
const INCOMING_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface ServerDependencies {
  config: GatewayConfig;
  logger: Logger;
  upstreams: Upstreams;
  /** Shared with the upstreams (see upstreamHooks); a fresh set when absent. */
  metrics?: GatewayMetrics;
}

export interface GatewayServer {
  app: FastifyInstance;
  /** Marks the server as not ready (readiness fails) before it is closed. */
  drain(): void;
  /** Stops accepting requests, lets in-flight operations finish, then closes. */
  close(): Promise<void>;
}

export async function buildServer(deps: ServerDependencies): Promise<GatewayServer> {
  const { config, logger, upstreams } = deps;
  const metrics = deps.metrics ?? new GatewayMetrics();
  const authenticator = createAuthenticator(config.auth);
  let ready = false;
  let draining = false;

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // One log line per operation is written by the GraphQL layer, not one per HTTP request.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    bodyLimit: config.limits.bodyLimitBytes,
    return503OnClosing: true,
    genReqId: (req) => {
      const incoming = req.headers[REQUEST_ID_HEADER];
      return typeof incoming === 'string' && INCOMING_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.addHook('onSend', async (request, reply, payload) => {
    // While draining, every answer closes its connection, so keep-alive clients move elsewhere
    // and the server can finish closing as soon as the operations in flight are done.
    if (draining) reply.header('connection', 'close');
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html')) {
      reply.header('content-security-policy', PLAYGROUND_CSP);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
    }
    return payload;
  });

  // Failures before GraphQL runs (malformed JSON, body too large, unknown content type) answer
  // in the GraphQL error shape, with the HTTP status Fastify chose and no internals.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'request failed');
    const message = status === 500 ? MASKED_MESSAGE : clientMessageFor(error);
    const code = status === 500 ? ErrorCode.INTERNAL_SERVER_ERROR : ErrorCode.BAD_REQUEST;
    return reply
      .code(status)
      .type('application/json; charset=utf-8')
      .send({ errors: [{ message, extensions: { code, requestId: request.id } }] });
  });

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
    allowedHeaders: ['content-type', 'authorization', 'x-api-key', 'apollo-require-preflight', 'x-apollo-operation-name', 'x-request-id', 'traceparent'],
    exposedHeaders: ['x-request-id'],
    maxAge: 600,
  });

  const manifest = config.http.persistedDocuments ? loadManifest(config.http.persistedDocuments) : undefined;
  const schema = enforceScopes(makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers: resolvers as never }));
  const limits = operationLimits(config.limits, config.http.introspection);
  const apollo = new ApolloServer<GatewayContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: config.http.introspection,
    // "Did you mean …?" would describe a schema that is not public.
    hideSchemaDetailsFromClientErrors: !config.http.introspection,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    parseOptions: limits.parseOptions,
    validationRules: limits.validationRules,
    // main.ts owns SIGTERM/SIGINT: readiness first, then drain, then close the upstream pools.
    stopOnTerminationSignals: false,
    logger,
    plugins: [
      fastifyApolloDrainPlugin(app),
      // GET queries get `Cache-Control: max-age=N, public` (private when clients authenticate), so a
      // CDN or the browser can keep them; mutations and errors are never cacheable.
      ApolloServerPluginCacheControl({ defaultMaxAge: config.http.cacheMaxAgeSeconds, calculateHttpHeaders: true }),
      noCacheForMutations(),
      config.http.playground ? playgroundLandingPage(GRAPHQL_PATH) : ApolloServerPluginLandingPageDisabled(),
      ...limits.plugins,
      errorReporting(),
      operationObserver(metrics),
    ],
  });
  await apollo.start();

  const contextDeps = {
    functions: upstreams.functions,
    compute: upstreams.compute,
    watcher: new ActivationWatcher(upstreams.functions, {
      maxWaitMs: config.subscriptions.maxWaitMs,
      maxIntervalMs: config.subscriptions.maxPollIntervalMs,
    }),
    defaultPlatform: config.cloudFunctions.defaultPlatform,
    requestTimeoutMs: config.requestTimeoutMs,
    upstreamConcurrency: config.upstreamConcurrency,
    onLoaderBatch: (loader: string, size: number) => metrics.loaderBatchSize.observe({ loader }, size),
  };

  // Subscriptions: a WebSocket upgrade of GET /graphql (graphql-ws); plain GETs and POSTs go to Apollo.
  await app.register(websocket, { options: { maxPayload: config.limits.bodyLimitBytes } });
  const wsHandler = subscriptionHandler({
    schema,
    authenticator,
    contextDeps,
    validationRules: limits.validationRules,
    maxTokens: limits.parseOptions.maxTokens,
    ...(config.http.persistedDocumentsOnly ? { trusted: manifest } : {}),
    timeoutMs: config.subscriptions.maxWaitMs + 30_000,
    logger,
  });

  const apolloHandler = fastifyApolloHandler(apollo, {
    context: async (request, reply) => {
      const principal = await authenticator.authenticate(request.headers);
      return createContext(contextDeps, {
        requestId: request.id,
        // Fastify's request logger already carries the request id; the principal goes on the lines
        // that need it (see observability/operations) rather than into a child logger per request.
        logger: request.log as Logger,
        principal,
        // 'close' follows the end of every response, sent or cut off.
        onEnd: (end) => reply.raw.once('close', end),
        ...(request.headers.traceparent ? { traceparent: request.headers.traceparent } : {}),
      });
    },
  });
  const preHandler = manifest || config.http.persistedDocumentsOnly ? persistedDocumentsHandler(manifest, config.http.persistedDocumentsOnly) : undefined;
  app.route({ url: GRAPHQL_PATH, method: 'GET', handler: apolloHandler, wsHandler, ...(preHandler ? { preHandler } : {}) });
  app.route({ url: GRAPHQL_PATH, method: ['POST', 'OPTIONS'], handler: apolloHandler, ...(preHandler ? { preHandler } : {}) });

  if (config.http.playground) registerPlaygroundAssets(app);

  if (config.http.metrics) {
    app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  }
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (!ready) return reply.code(503).send({ status: 'unavailable' });
    return { status: 'ready' };
  });

  await app.ready();
  ready = true;

  return {
    app,
    drain() {
      ready = false;
      draining = true;
    },
    async close() {
      ready = false;
      draining = true;
      await app.close();
      await apollo.stop();
    },
  };
}

/** Mutations (and subscriptions) are never cacheable. Private answers: see src/auth/scopes.ts. */
function noCacheForMutations(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, overallCachePolicy }) {
          if (operation?.operation !== 'query') overallCachePolicy.restrict({ maxAge: 0 });
        },
      };
    },
  };
}

function clientMessageFor(error: FastifyError): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is too large.';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported content type: send application/json.';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The request body is empty.';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'The request body is not valid JSON.';
    default:
      return error.statusCode === 404 ? 'Not found.' : 'Bad request.';
  }
}

/**
 * Logs what clients do not see: masked errors in full, and the transport cause of upstream
 * failures (its undici code only, never a URL or header). Adds the request id to every error's
 * extensions, so a client can quote it.
 */
function errorReporting(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            const original = unwrapResolverError(error);
            if (isGatewayError(original)) {
              const cause = (original as { cause?: unknown }).cause;
              contextValue.logger.warn(
                {
                  principal: contextValue.principal.id,
                  code: original.code,
                  upstream: original.upstream,
                  ...(cause ? { cause: transportErrorName(cause) } : {}),
                  path: error.path,
                },
                original.message,
              );
            } else if (!isDeliberateError(error)) {
              contextValue.logger.error({ principal: contextValue.principal.id, err: original, path: error.path }, 'unexpected error (masked for the client)');
            }
          }
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          const errors = response.body.singleResult.errors;
          if (!errors) return;
          response.body.singleResult.errors = errors.map((e) => ({
            ...e,
            extensions: { ...e.extensions, requestId: contextValue.requestId },
          }));
        },
      };
    },
  };
}
