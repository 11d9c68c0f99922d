/**
 * probes: `/healthz` (alive: the process answers), `/readyz` (ready: started and not draining),
 * `/metrics` (Prometheus, GATEWAY_METRICS) and `/version` (package version, commit, schema hash);
 * `/` sends a browser to the playground. None of them calls an upstream or needs a credential;
 * none carries data.
 */
import type { FastifyInstance } from 'fastify';
import { ErrorCode } from '../errors';
import type { GatewayMetrics } from '../observability/metrics';
import type { VersionInfo } from '../version';
import { sendError } from './errors';

export interface ProbeOptions {
  metrics: GatewayMetrics | undefined;
  isReady: () => boolean;
  version: VersionInfo;
  /** Where `GET /` sends a browser. */
  graphqlPath: string;
}

export function registerProbes(app: FastifyInstance, { metrics, isReady, version, graphqlPath }: ProbeOptions): void {
  app.get('/', async (_request, reply) => reply.redirect(graphqlPath, 302));
  app.get('/version', async () => version);
  if (metrics) {
    app.get('/metrics', async (_request, reply) =>
      reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
    );
  }
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (!isReady())
      return sendError(reply, 503, ErrorCode.SHUTTING_DOWN, 'Not ready: the gateway is starting or shutting down.');
    return { status: 'ready' };
  });
}
