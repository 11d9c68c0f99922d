/**
 * upstream: the spans of the gateway's calls to its upstreams (see ./spans for the rules).
 *
 *   - one client span per request sent (per attempt), named by the route template, with method,
 *     route, status, attempt number and service; its id is the `traceparent` the request carries;
 *   - a retry is an event on the attempt it follows (why, and how long the wait), a breaker that
 *     changed state during an attempt an event on that attempt, a call the open breaker refused
 *     (nothing was sent) an event on the span it was made for;
 *   - the Keystone token fetch and the subscription poller's wait are internal spans around their
 *     requests.
 *
 * The parent of a call is the span it was made for: given (the poller, the token fetch), else the
 * operation the call's trace belongs to, else whatever span is active.
 */
import { context, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
} from '@opentelemetry/semantic-conventions';
import type { RequestTrace } from '../observability/tracing';
import { ATTR, failSpan, operationContext } from './spans';

/** What a traced upstream call says about itself (all of it low-cardinality, none of it secret). */
export interface TracedCall {
  /** e.g. `GET /packages/{pkg}/actions`: the span's name. */
  route?: string;
  method?: string;
  /** The operation the call serves. */
  trace?: RequestTrace;
  /** The span the call is made for, when it is not the operation's (the poller, the token fetch). */
  parent?: Context;
}

export interface AttemptOutcome {
  status?: number;
  /** The transport failure's name, or the error code, when no answer came. */
  failure?: string;
  /** Set when another attempt follows this one. */
  retry?: { reason: string; delayMs: number };
  /** The breaker's state, when this attempt changed it. */
  breaker?: string;
}

export class UpstreamSpans {
  constructor(private readonly tracer: Tracer) {}

  parentOf(call: TracedCall): Context {
    return call.parent ?? operationContext(call.trace) ?? context.active();
  }

  startAttempt(parent: Context, service: string, call: TracedCall, attempt: number): Span {
    const route = call.route ?? call.method ?? 'request';
    const space = route.indexOf(' ');
    return this.tracer.startSpan(
      route,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: call.method ?? (space > 0 ? route.slice(0, space) : 'GET'),
          ...(space > 0 ? { [ATTR_HTTP_ROUTE]: route.slice(space + 1) } : {}),
          [ATTR.UPSTREAM_SERVICE]: service,
          [ATTR.UPSTREAM_ATTEMPT]: attempt,
          ...(attempt > 1 ? { [ATTR_HTTP_REQUEST_RESEND_COUNT]: attempt - 1 } : {}),
        },
      },
      parent,
    );
  }

  endAttempt(span: Span, outcome: AttemptOutcome): void {
    if (outcome.status !== undefined) {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, outcome.status);
      if (outcome.status >= 500) failSpan(span, String(outcome.status));
    } else if (outcome.failure !== undefined) {
      failSpan(span, outcome.failure);
    }
    if (outcome.breaker) span.addEvent('upstream.breaker', { [ATTR.BREAKER_STATE]: outcome.breaker });
    if (outcome.retry) {
      span.addEvent('upstream.retry', {
        [ATTR.RETRY_REASON]: outcome.retry.reason,
        [ATTR.RETRY_DELAY_MS]: Math.round(outcome.retry.delayMs),
      });
    }
    span.end();
  }

  /** The open breaker answered at once: nothing was sent, the span the call was for says so. */
  breakerRefused(parent: Context, service: string): void {
    trace
      .getSpan(parent)
      ?.addEvent('upstream.breaker_open', { [ATTR.UPSTREAM_SERVICE]: service, [ATTR.BREAKER_STATE]: 'open' });
  }

  /** An internal span (token fetch, poller) around upstream calls; its context parents them. */
  startInternal(name: string, parent: Context, attributes: Record<string, string | number>): Context {
    return trace.setSpan(parent, this.tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, parent));
  }
}

/** Ends an internal span, failed with `code` when given. */
export function endInternal(ctx: Context, attributes: Record<string, string | number>, code?: string): void {
  const span = trace.getSpan(ctx);
  if (!span) return;
  span.setAttributes(attributes);
  if (code !== undefined) failSpan(span, code);
  else span.setStatus({ code: SpanStatusCode.UNSET });
  span.end();
}
