/**
 * websocket/tracing: WebSocket operations when the gateway traces (src/telemetry).
 *
 *   - each operation (a graphql-ws `subscribe` message) has a server span, `graphql-ws subscribe`,
 *     continuing the `traceparent` of the message's `extensions` when it has one, else the one the
 *     upgrade request carried (one trace per socket, then);
 *   - graphql-ws executes in the operation span's context ({@link tracedExecution}), the results of
 *     a subscription are pulled in it too, so what runs meanwhile (the poller of a run, log lines)
 *     hangs below the operation.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { context, SpanKind, trace, type Context, type Tracer } from '@opentelemetry/api';
import { ATTR_HTTP_ROUTE, ATTR_NETWORK_PROTOCOL_NAME } from '@opentelemetry/semantic-conventions';
import { execute, subscribe, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { GatewayContext } from '../context';
import { extractParent } from '../telemetry';
import { ATTR, operationContext } from '../telemetry/spans';

/** Opens the server span of one WebSocket operation; its context is the operation span's parent. */
export function startWsServerSpan(
  tracer: Tracer,
  operationId: string,
  extensions: unknown,
  upgrade: IncomingHttpHeaders | undefined,
): Context {
  const own =
    typeof extensions === 'object' &&
    extensions !== null &&
    typeof (extensions as { traceparent?: unknown }).traceparent === 'string';
  const parent = extractParent(own ? (extensions as Record<string, unknown>) : (upgrade ?? {}));
  const span = tracer.startSpan(
    'graphql-ws subscribe',
    {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_NETWORK_PROTOCOL_NAME]: 'websocket',
        [ATTR_HTTP_ROUTE]: '/graphql',
        [ATTR.WS_OPERATION_ID]: operationId,
      },
    },
    parent,
  );
  return trace.setSpan(parent, span);
}

function spanOf(args: ExecutionArgs): Context | undefined {
  return operationContext((args.contextValue as GatewayContext | undefined)?.trace);
}

/** Results pulled in `ctx`: the work a subscription does for its next value runs in its span. */
function pulledIn<T>(iterator: AsyncIterableIterator<T>, ctx: Context): AsyncIterableIterator<T> {
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next: () => context.with(ctx, () => iterator.next()),
    return: (value?: unknown) =>
      context.with(ctx, () => iterator.return?.(value) ?? Promise.resolve({ done: true, value: undefined })),
    throw: (error?: unknown) => context.with(ctx, () => iterator.throw?.(error) ?? Promise.reject(error)),
  } as AsyncIterableIterator<T>;
}

/** graphql-ws's `execute` and `subscribe`, run in the operation span's context. */
export function tracedExecution() {
  return {
    execute: (args: ExecutionArgs) => {
      const ctx = spanOf(args);
      return ctx ? context.with(ctx, execute, undefined, args) : execute(args);
    },
    subscribe: async (args: ExecutionArgs) => {
      const ctx = spanOf(args);
      if (!ctx) return subscribe(args);
      const result = await context.with(ctx, subscribe, undefined, args);
      if (!(Symbol.asyncIterator in result)) return result;
      return pulledIn(result as AsyncIterableIterator<ExecutionResult>, ctx) as typeof result;
    },
  };
}
