/**
 * server: builds the gateway from its dependencies, without listening, so tests build it in-process
 * and listen on port 0, and main.ts adds signals and the emulators. It only composes:
 *
 *   src/http/app        Fastify, request bounds, guards, the error envelope, compression, CORS
 *   src/pipeline        the one operation pipeline
 *   src/apollo          Apollo Server with the pipeline's policies (GraphQL over HTTP)
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
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { startApollo } from './apollo';
import { createAuthenticator, type Authenticator } from './auth';
import { enforceScopes } from './auth/scopes';
import type { GatewayConfig } from './config';
import type { FleetEngine } from './fleet/engine';
import { RateLimits } from './fleet/rate-limits';
import { createHttpApp } from './http/app';
import { GRAPHQL_PATH, registerGraphQLRoutes } from './http/graphql';
import { registerProbes } from './http/probes';
import type { GatewayMetrics } from './observability/metrics';
import { OperationPipeline } from './pipeline';
import { credentialId } from './pipeline/operation-dedupe';
import { loadManifest } from './pipeline/documents';
import { registerPlaygroundAssets } from './playground';
import { resolvers } from './resolvers';
import { loadTypeDefs } from './schema';
import type { Upstreams } from './upstream';
import { versionInfo } from './version';
import { GraphQLWebSocketServer } from './websocket/server';

export { GRAPHQL_PATH } from './http/graphql';

export interface ServerDependencies {
  config: GatewayConfig;
  logger: Logger;
  upstreams: Upstreams;
  /** Shared with the upstreams (see upstreamHooks). */
  metrics: GatewayMetrics;
  /** The shared Redis, when configured (src/fleet). */
  fleet?: FleetEngine | undefined;
}

export interface GatewayServer {
  app: FastifyInstance;
  authenticator: Authenticator;
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

/** The one operation pipeline, over the upstreams (src/pipeline). */
function createPipeline(
  config: GatewayConfig,
  upstreams: Upstreams,
  metrics: GatewayMetrics,
  fleet: FleetEngine | undefined,
): OperationPipeline {
  return new OperationPipeline({
    schema: enforceScopes(makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers: resolvers as never })),
    config,
    manifest: config.http.persistedDocuments ? loadManifest(config.http.persistedDocuments) : undefined,
    metrics,
    telemetry: upstreams.telemetry,
    // Shared answers (src/pipeline/operation-dedupe): keyed by the credentials the gateway calls with, hashed.
    fleet,
    credential: credentialId(upstreams.functions.identity, upstreams.keystone.identity),
    // Per-client limits: in the fleet's Redis when there is one, else in memory (src/fleet/rate-limits).
    rateLimits: new RateLimits({
      config: config.fleet,
      engine: fleet,
      onLimited: (principalClass, limit) => metrics.rateLimited.inc({ class: principalClass, limit }),
    }),
    contextDeps: {
      functions: upstreams.functions,
      compute: upstreams.compute,
      watcher: upstreams.watcher,
      runs: upstreams.runs,
      defaultPlatform: config.cloudFunctions.defaultPlatform,
      requestTimeoutMs: config.requestTimeoutMs,
      upstreamConcurrency: config.upstreamConcurrency,
      maxInputDepth: config.limits.maxInputDepth,
      onLoaderBatch: (loader: string, size: number) => metrics.loaderBatchSize.observe({ loader }, size),
    },
  });
}

export async function buildServer(deps: ServerDependencies): Promise<GatewayServer> {
  const { config, logger, upstreams, metrics } = deps;
  const authenticator = createAuthenticator(config.auth);
  const lifecycle = { ready: false, draining: false, closing: false };
  const app = await createHttpApp({ config, logger, metrics, lifecycle, telemetry: upstreams.telemetry });
  metrics.sample('pollers', () => upstreams.watcher.pollers);
  metrics.sampleInvokeSlots(() => upstreams.invokeSlots.usage);
  const pipeline = createPipeline(config, upstreams, metrics, deps.fleet);
  const apollo = await startApollo({ pipeline, config, logger, graphqlPath: GRAPHQL_PATH, fleet: deps.fleet });
  const sockets = new GraphQLWebSocketServer({ pipeline, authenticator, config, logger, metrics });
  await sockets.register(app, config.limits.bodyLimitBytes);
  registerGraphQLRoutes(app, { apollo, pipeline, authenticator, websocket: sockets, metrics });
  if (config.http.playground) registerPlaygroundAssets(app);
  registerProbes(app, {
    metrics: config.http.metrics ? metrics : undefined,
    isReady: () => lifecycle.ready && !lifecycle.draining,
    version: versionInfo(pipeline.schema),
    graphqlPath: GRAPHQL_PATH,
  });

  await app.ready();
  lifecycle.ready = true;

  return {
    app,
    authenticator,
    websocket: sockets,
    drain() {
      lifecycle.ready = false;
      lifecycle.draining = true;
    },
    async close(graceMs = config.shutdownGraceMs) {
      lifecycle.ready = false;
      lifecycle.draining = true;
      lifecycle.closing = true;
      const closing = (async () => {
        await sockets.close(graceMs);
        await app.close();
      })();
      const clean = await within(graceMs, closing);
      if (!clean) {
        logger.error(
          { graceMs, sockets: sockets.connections },
          'Shutdown grace period over: cutting what is still in flight',
        );
        sockets.terminateAll();
        app.server.closeAllConnections();
        await closing;
      }
      await apollo.stop();
      pipeline.close();
      return clean;
    },
  };
}

/** Waits for `work` up to `ms`: whether it ended in time. */
async function within(ms: number, work: Promise<void>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const overdue = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const clean = await Promise.race([work.then(() => true as const), overdue]);
  clearTimeout(timer);
  return clean;
}
