/**
 * probes: `/healthz` (alive: the process answers), `/readyz` (ready: started and not draining) and
 * `/metrics` (Prometheus, GATEWAY_METRICS). None of them calls an upstream or needs a credential;
 * none carries data.
 */
import type { FastifyInstance } from 'fastify';
import { ErrorCode } from '../errors';
import type { GatewayMetrics } from '../observability/metrics';
import { sendError } from './errors';

export interface ProbeOptions {
  metrics: GatewayMetrics | undefined;
  isReady: () => boolean;
}

export function registerProbes(app: FastifyInstance, { metrics, isReady }: ProbeOptions): void {
  if (metrics) {
    app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  }
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    if (!isReady()) return sendError(reply, 503, ErrorCode.SHUTTING_DOWN, 'Not ready: the gateway is starting or shutting down.');
    return { status: 'ready' };
  });
}
