/**
 * spans: the gateway's spans and the only attributes they carry. Every name and attribute is
 * chosen here, in one place, so that what leaves the process is reviewable at a glance:
 *
 *   server     `POST /graphql` (HTTP), `graphql-ws subscribe` (one per WebSocket operation)
 *   operation  `query`, `query Name`, … (GraphQL semantic conventions): operation type and name,
 *              the document's sha256, outcome, error codes; never the document, nor its variables
 *   client     one per upstream request, named by its route template (`GET /packages/{pkg}`):
 *              method, route, status, attempt number, service; retries and breaker decisions as events
 *   internal   the Keystone token fetch, the subscription poller's wait for a run
 *
 * Never in an attribute or an event: a credential, a signature, a token, a URL with its host or
 * query, a variable or `params` value, an upstream body, an error message (graphql-js messages
 * may quote an input value). Error codes (`extensions.code`) and paths are what errors contribute.
 */
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import type { RequestTrace } from '../observability/tracing';

/** Attribute names that are not (yet) stable semantic conventions, and the gateway's own. */
export const ATTR = {
  GRAPHQL_OPERATION_NAME: 'graphql.operation.name',
  GRAPHQL_OPERATION_TYPE: 'graphql.operation.type',
  /** sha256 (hex) of the document's text: tells documents apart without carrying them. */
  GRAPHQL_DOCUMENT_HASH: 'graphql.document.hash',
  GRAPHQL_ERROR_CODES: 'graphql.error.codes',
  GRAPHQL_ERROR_CODE: 'graphql.error.code',
  GRAPHQL_ERROR_PATH: 'graphql.error.path',
  TRANSPORT: 'ncf.transport',
  OUTCOME: 'ncf.outcome',
  UPSTREAM_CALLS: 'ncf.upstream.calls',
  UPSTREAM_SERVICE: 'ncf.upstream.service',
  UPSTREAM_ATTEMPT: 'ncf.upstream.attempt',
  RETRY_REASON: 'ncf.retry.reason',
  RETRY_DELAY_MS: 'ncf.retry.delay_ms',
  BREAKER_STATE: 'ncf.breaker.state',
  WS_OPERATION_ID: 'graphql_ws.operation.id',
  POLL_READS: 'ncf.poll.reads',
  KEYSTONE_METHOD: 'ncf.keystone.auth_method',
} as const;

const propagator = new W3CTraceContextPropagator();

const getter = {
  get: (carrier: Record<string, unknown>, key: string) => {
    const value = carrier[key];
    return typeof value === 'string' || Array.isArray(value) ? (value as string | string[]) : undefined;
  },
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
};

/** The client's trace (W3C `traceparent` and `tracestate`), as the parent of a server span. */
export function extractParent(carrier: Record<string, unknown>): Context {
  return propagator.extract(ROOT_CONTEXT, carrier, getter);
}

/** The `traceparent` a span hands on: same trace, this span as the parent, its sampled flag. */
export function traceparentOf(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return `00-${traceId}-${spanId}-${(traceFlags & 1) === 1 ? '01' : '00'}`;
}

// --- The operation's span, found from the operation's trace --------------------------------------

const OPERATIONS = new WeakMap<RequestTrace, Context>();

/** Ties an operation's span (in `ctx`) to its trace, which every upstream call of it carries. */
export function bindOperation(requestTrace: RequestTrace, ctx: Context): void {
  OPERATIONS.set(requestTrace, ctx);
}

/** The context of the operation `requestTrace` belongs to, if it is traced. */
export function operationContext(requestTrace: RequestTrace | undefined): Context | undefined {
  return requestTrace ? OPERATIONS.get(requestTrace) : undefined;
}

export interface OperationOutcome {
  transport: 'http' | 'ws';
  name: string | null | undefined;
  type: string | undefined;
  documentHash: string | undefined;
  outcome: string;
  upstreamCalls: number;
  errors: ReadonlyArray<{ extensions?: Record<string, unknown>; path?: ReadonlyArray<string | number> }>;
}

/** The operation span, named once its type and name are known (see {@link endOperationSpan}). */
export function startOperationSpan(tracer: Tracer, parent: Context, startTime?: number): Context {
  const span = tracer.startSpan(
    'GraphQL Operation',
    { kind: SpanKind.INTERNAL, ...(startTime !== undefined ? { startTime } : {}) },
    parent,
  );
  return trace.setSpan(parent, span);
}

/** Names the operation span after its operation, records its outcome and error codes, and ends it. */
export function endOperationSpan(span: Span, op: OperationOutcome): void {
  if (op.type) span.updateName(op.name ? `${op.type} ${op.name}` : op.type);
  span.setAttribute(ATTR.TRANSPORT, op.transport);
  if (op.type) span.setAttribute(ATTR.GRAPHQL_OPERATION_TYPE, op.type);
  if (op.name) span.setAttribute(ATTR.GRAPHQL_OPERATION_NAME, op.name);
  if (op.documentHash) span.setAttribute(ATTR.GRAPHQL_DOCUMENT_HASH, op.documentHash);
  span.setAttribute(ATTR.OUTCOME, op.outcome);
  span.setAttribute(ATTR.UPSTREAM_CALLS, op.upstreamCalls);
  if (op.errors.length > 0) {
    const codes = op.errors.map((e) => String(e.extensions?.code ?? 'UNKNOWN'));
    span.setAttribute(ATTR.GRAPHQL_ERROR_CODES, codes);
    span.setAttribute(ATTR_ERROR_TYPE, codes[0]!);
    for (const [index, error] of op.errors.entries()) {
      span.addEvent('graphql.error', {
        [ATTR.GRAPHQL_ERROR_CODE]: codes[index]!,
        ...(error.path ? { [ATTR.GRAPHQL_ERROR_PATH]: error.path.join('.') } : {}),
      });
    }
    span.setStatus({ code: SpanStatusCode.ERROR, message: [...new Set(codes)].join(', ') });
  }
  span.end();
}

/** Marks a span failed with a code of the error vocabulary (or a transport failure's name). */
export function failSpan(span: Span, code: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
}
