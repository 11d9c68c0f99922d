/**
 * operations: one structured log line and the metrics of every GraphQL operation: its request id,
 * operation name and type, outcome (success, partial: data with errors, error), duration, the
 * upstream calls it caused, its trace id, and the error codes it answered with. Never the document
 * or the variables (they may carry user data).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context';
import type { GatewayMetrics } from './metrics';

export function operationObserver(metrics: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      let name: string | undefined;
      let type: string | undefined;
      return {
        async didResolveOperation({ operation, operationName }) {
          name = operationName ?? operation?.name?.value;
          type = operation?.operation;
        },
        async willSendResponse({ response, contextValue }) {
          const durationMs = performance.now() - started;
          const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
          const errors = result?.errors ?? [];
          const outcome = errors.length === 0 ? 'success' : result?.data ? 'partial' : 'error';
          const operation = metrics.operationLabel(name);
          metrics.operationDuration.observe({ operation, type: type ?? 'none', outcome }, durationMs / 1000);
          metrics.operationUpstreamCalls.observe({ operation }, contextValue.trace.upstreamCalls);
          contextValue.logger.info(
            {
              // The request id is on every line of this request's logger already.
              principal: contextValue.principal.id,
              operation,
              type: type ?? null,
              outcome,
              durationMs: Math.round(durationMs * 100) / 100,
              upstreamCalls: contextValue.trace.upstreamCalls,
              traceId: contextValue.trace.traceId,
              ...(errors.length > 0 ? { errorCodes: errors.map((e) => e.extensions?.code ?? 'UNKNOWN') } : {}),
            },
            'operation',
          );
        },
      };
    },
  };
}
