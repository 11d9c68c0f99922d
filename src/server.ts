/**
 * server: builds the gateway from its dependencies, without listening, so tests build it in-process
 * and listen on port 0, and main.ts adds signals and the emulators. It only composes:
 *
 *   src/http/app        Fastify, request bounds, guards, the error envelope, compression, CORS
 *   src/pipeline        the one operation pipeline, and its Apollo adapter
 *   src/websocket       graphql-ws on /graphql, through the same pipeline
 *   src/http/graphql    the /graphql routes (authentication, first pipeline stage, Apollo, upgrade)
 *   src/http/probes     /healthz, /readyz, /metrics
 *
 * Routes:
 *   /graphql         GraphQL over HTTP (GET and POST), and over WebSocket (upgrade of GET);
 *                    a browser's GET gets the playground page
 *   /graphiql/*      the playground's own scripts and styles (no CDN)
 *   /healthz         alive (the process answers)
 *   /readyz          ready to serve (started, not draining); never calls an upstream
 *   /metrics         Prometheus metrics (GATEWAY_METRICS)
 */
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import websocket from '@fastify/websocket';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { FastifyInstance } from 'fastify';
import { handleProtocols } from 'graphql-ws';
import type { Logger } from 'pino';
import { createAuthenticator } from './auth';
import { enforceScopes } from './auth/scopes';
import type { GatewayConfig } from './config';
import type { GatewayContext } from './context';
import { createHttpApp } from './http/app';
import { GRAPHQL_PATH, registerGraphQLRoutes } from './http/graphql';
import { registerProbes } from './http/probes';
import type { GatewayMetrics } from './observability/metrics';
import { OperationPipeline } from './pipeline';
import { pipelinePlugin } from './pipeline/apollo';
import { loadManifest } from './pipeline/documents';
import { playgroundLandingPage, registerPlaygroundAssets } from './playground';
import { resolvers } from './resolvers';
import { loadTypeDefs } from './schema';
import { ActivationWatcher } from './subscriptions/activation-watcher';
import type { Upstreams } from './upstream';
import { CLOSE } from './websocket/connection';
import { GraphQLWebSocketServer } from './websocket/server';

export { GRAPHQL_PATH } from './http/graphql';

export interface ServerDependencies {
  config: GatewayConfig;
  logger: Logger;
  upstreams: Upstreams;
  /** Shared with the upstreams (see upstreamHooks). */
  metrics: GatewayMetrics;
}

export interface GatewayServer {
  app: FastifyInstance;
  websocket: GraphQLWebSocketServer;
  /** Marks the server as not ready (readiness fails) before it is closed. */
  drain(): void;
  /**
   * Stops accepting requests, lets in-flight operations (HTTP and WebSocket) finish, closes the
   * sockets (1001), then the server. Past `graceMs` (GATEWAY_SHUTDOWN_GRACE_MS) whatever is left
   * is cut; resolves false then.
   */
  close(graceMs?: number): Promise<boolean>;
}

export async function buildServer(deps: ServerDependencies): Promise<GatewayServer> {
  const { config, logger, upstreams, metrics } = deps;
  const authenticator = createAuthenticator(config.auth);
  const lifecycle = { ready: false, draining: false, closing: false };
  const app = await createHttpApp({ config, logger, metrics, lifecycle });

  const watcher = new ActivationWatcher(upstreams.functions, {
    maxWaitMs: config.subscriptions.maxWaitMs,
    maxIntervalMs: config.subscriptions.maxPollIntervalMs,
    maxPollers: config.subscriptions.maxPollers,
  });
  metrics.sample('pollers', () => watcher.pollers);
  const pipeline = new OperationPipeline({
    schema: enforceScopes(makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers: resolvers as never })),
    config,
    manifest: config.http.persistedDocuments ? loadManifest(config.http.persistedDocuments) : undefined,
    metrics,
    contextDeps: {
      functions: upstreams.functions,
      compute: upstreams.compute,
      watcher,
      defaultPlatform: config.cloudFunctions.defaultPlatform,
      requestTimeoutMs: config.requestTimeoutMs,
      upstreamConcurrency: config.upstreamConcurrency,
      maxInputDepth: config.limits.maxInputDepth,
      onLoaderBatch: (loader: string, size: number) => metrics.loaderBatchSize.observe({ loader }, size),
    },
  });

  const apollo = new ApolloServer<GatewayContext>({
    schema: pipeline.schema,
    // The pipeline's policies: its formatter (masking, suggestions), parse options and rules
    // (introspection among them, so Apollo's own switch stays on).
    formatError: pipeline.formatError,
    parseOptions: pipeline.parseOptions,
    validationRules: pipeline.validationRules,
    introspection: true,
    hideSchemaDetailsFromClientErrors: false,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    // main.ts owns SIGTERM/SIGINT: readiness first, then drain, then close the upstream pools.
    stopOnTerminationSignals: false,
    logger,
    plugins: [
      // GET queries get `Cache-Control: max-age=N, public` (private when clients authenticate), so a
      // CDN or the browser can keep them; mutations and errors are never cacheable.
      ApolloServerPluginCacheControl({ defaultMaxAge: config.http.cacheMaxAgeSeconds, calculateHttpHeaders: true }),
      noCacheForMutations(),
      config.http.playground ? playgroundLandingPage(GRAPHQL_PATH) : ApolloServerPluginLandingPageDisabled(),
      pipelinePlugin(pipeline),
    ],
  });
  await apollo.start();

  const sockets = new GraphQLWebSocketServer({ pipeline, authenticator, config, logger, metrics });
  await app.register(websocket, {
    options: { maxPayload: config.limits.bodyLimitBytes, handleProtocols },
    errorHandler: (error, socket) => sockets.onSocketError(error, socket),
    // The sockets were retired (and closed) by close() below; any left are told why.
    preClose(done) {
      for (const client of this.websocketServer.clients) client.close(CLOSE.SHUTDOWN.code, CLOSE.SHUTDOWN.reason);
      this.websocketServer.close(() => done());
    },
  });
  registerGraphQLRoutes(app, { apollo, pipeline, authenticator, websocket: sockets, metrics });
  if (config.http.playground) registerPlaygroundAssets(app);
  registerProbes(app, { metrics: config.http.metrics ? metrics : undefined, isReady: () => lifecycle.ready && !lifecycle.draining });

  await app.ready();
  lifecycle.ready = true;

  return {
    app,
    websocket: sockets,
    drain() {
      lifecycle.ready = false;
      lifecycle.draining = true;
    },
    async close(graceMs = config.shutdownGraceMs) {
      lifecycle.ready = false;
      lifecycle.draining = true;
      lifecycle.closing = true;
      let timer: NodeJS.Timeout | undefined;
      const overdue = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      });
      const finished = (async () => {
        await sockets.close(graceMs);
        await app.close();
        return true as const;
      })();
      const clean = await Promise.race([finished, overdue]);
      clearTimeout(timer);
      if (!clean) {
        logger.error({ graceMs, sockets: sockets.connections }, 'Shutdown grace period over: cutting what is still in flight');
        sockets.terminateAll();
        app.server.closeAllConnections();
        await finished;
      }
      await apollo.stop();
      return clean;
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
