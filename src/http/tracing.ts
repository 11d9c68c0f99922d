/**
 * http/tracing: the server span of every HTTP request, when the gateway traces (src/telemetry).
 *
 * It opens when the request arrives (the first onRequest hook), continuing the client's
 * `traceparent`, and ends when the response is closed (sent, or cut by the client going away),
 * with the status. Named `{method} {route template}`; no URL, query string, header or address is
 * recorded (a GET's query string carries the document and its variables). WebSocket upgrades have
 * none: each WebSocket operation has its own (src/websocket/operation).
 *
 * The routes run in the span's context ({@link inRequestSpan}), so log lines written meanwhile
 * carry its trace_id and span_id.
 */
import { context, SpanKind, trace, type Context, type Tracer } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { extractParent, traceparentOf } from '../telemetry';
import { failSpan } from '../telemetry/spans';

const REQUEST_SPANS = new WeakMap<object, Context>();

/** Opens and ends a server span around each request (see the header). */
export function traceHttpRequests(app: FastifyInstance, tracer: Tracer): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (request.headers.upgrade !== undefined) return done();
    const route = request.routeOptions.url;
    const parent = extractParent(request.headers);
    const span = tracer.startSpan(
      route ? `${request.method} ${route}` : request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: request.method,
          [ATTR_URL_SCHEME]: request.protocol,
          ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
        },
      },
      parent,
    );
    REQUEST_SPANS.set(request, trace.setSpan(parent, span));
    reply.raw.once('close', () => {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
      if (reply.statusCode >= 500) failSpan(span, String(reply.statusCode));
      span.end();
    });
    done();
  });
}

/** The request's server span, in its context; undefined when not traced. */
export function requestSpanContext(request: FastifyRequest): Context | undefined {
  return REQUEST_SPANS.get(request);
}

/** The `traceparent` the operation of this request continues: its server span's, else the client's. */
export function requestTraceparent(request: FastifyRequest): string | string[] | undefined {
  const ctx = REQUEST_SPANS.get(request);
  const span = ctx && trace.getSpan(ctx);
  return span ? traceparentOf(span) : request.headers.traceparent;
}

/** A route handler (or hook) that runs in its request's server span, so its log lines join the trace. */
export function inRequestSpan<T, Q extends object, P, R>(
  handler: (this: T, request: Q, reply: P) => R,
): (this: T, request: Q, reply: P) => R {
  return function (this: T, request, reply) {
    const ctx = REQUEST_SPANS.get(request);
    return ctx ? context.with(ctx, handler, this, request, reply) : handler.call(this, request, reply);
  };
}
