/**
 * observe: one structured log line and the metrics of every GraphQL operation, whatever carried it:
 * its request id, principal, operation name and type, outcome (success, partial: data with errors,
 * error, cancelled: the client went away first), duration, the upstream calls it caused, its trace id,
 * the error codes it answered with, the transport (http, ws), and `answered` (shared, cache) when it
 * was answered without executing (./operation-dedupe). Never the document or the variables
 * (they may carry user data).
 *
 * Also the server-side half of masking: what clients do not see (masked errors in full, the
 * transport cause of upstream failures, its undici code only) is logged here.
 */
import { unwrapResolverError } from '@apollo/server/errors';
import type { Context } from '@opentelemetry/api';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from '../context';
import { isDeliberateError, isGatewayError } from '../errors';
import type { GatewayMetrics } from '../observability/metrics';
import { transportErrorName } from '../upstream/http';

export type Transport = 'http' | 'ws';

export interface FinishedOperation {
  transport: Transport;
  /** The operation's context (an operation refused before it had one: who sent it, and a trace). */
  context: Pick<GatewayContext, 'logger' | 'principal' | 'trace'>;
  /** performance.now() when the operation arrived. */
  startedAt: number;
  /** The operation's name (as resolved, or as the client gave it). */
  name: string | null | undefined;
  type: string | undefined;
  /** Every error the client received, as sent. */
  errors: readonly GraphQLFormattedError[];
  /** Whether the client received data. */
  hasData: boolean;
  /** Cut short before it could answer (the client went away). */
  cancelled?: boolean;
  /** sha256 of the document's text, when known (traced: the operation span's document hash). */
  documentHash?: string;
  /** Traced, refused before it had a context: the transport's server span. */
  parent?: Context;
  /** Answered without executing: by an identical operation in flight, or from the response cache. */
  answered?: 'shared' | 'cache';
}

/** success, partial (data with errors), error, or cancelled (the client went away first). */
export function outcomeOf(op: Pick<FinishedOperation, 'cancelled' | 'errors' | 'hasData'>): string {
  return op.cancelled ? 'cancelled' : op.errors.length === 0 ? 'success' : op.hasData ? 'partial' : 'error';
}

export function recordOperation(metrics: GatewayMetrics, op: FinishedOperation): void {
  const durationMs = performance.now() - op.startedAt;
  const outcome = outcomeOf(op);
  const operation = metrics.operationLabel(op.name);
  metrics.operationDuration.observe(
    { operation, type: op.type ?? 'none', outcome, transport: op.transport },
    durationMs / 1000,
  );
  metrics.operationUpstreamCalls.observe({ operation }, op.context.trace.upstreamCalls);
  op.context.logger.info(
    {
      // The request id is on every line of the operation's logger already.
      transport: op.transport,
      principal: op.context.principal.id,
      operation,
      type: op.type ?? null,
      outcome,
      durationMs: Math.round(durationMs * 100) / 100,
      upstreamCalls: op.context.trace.upstreamCalls,
      traceId: op.context.trace.traceId,
      ...(op.answered ? { answered: op.answered } : {}),
      ...(op.errors.length > 0 ? { errorCodes: op.errors.map((e) => e.extensions?.code ?? 'UNKNOWN') } : {}),
    },
    'operation',
  );
}

/** Logs the errors of one operation the way an operator needs them (see the header). */
export function reportErrors(errors: readonly GraphQLError[], context: GatewayContext): void {
  for (const error of errors) {
    const original = unwrapResolverError(error);
    if (isGatewayError(original)) {
      const cause = (original as { cause?: unknown }).cause;
      context.logger.warn(
        {
          principal: context.principal.id,
          code: original.code,
          upstream: original.upstream,
          ...(cause ? { cause: transportErrorName(cause) } : {}),
          path: error.path,
        },
        original.message,
      );
    } else if (!isDeliberateError(error)) {
      context.logger.error(
        { principal: context.principal.id, err: original, path: error.path },
        'unexpected error (masked for the client)',
      );
    }
  }
}
