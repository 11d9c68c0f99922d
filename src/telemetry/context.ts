/**
 * context: the one process-wide piece of tracing, the active span (OpenTelemetry's context API
 * over AsyncLocalStorage), and what reads it: the log lines' `trace_id` and `span_id`.
 *
 * The context manager is registered while at least one gateway of the process traces, and only
 * then; with tracing off nothing is registered and {@link traceLogFields} answers at once, without
 * reading any context, so a log line costs what it did.
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

let users = 0;
let manager: AsyncLocalStorageContextManager | undefined;

/** A gateway starts tracing: the context manager is registered (once for the process). */
export function acquireContext(): void {
  users += 1;
  if (users > 1) return;
  manager = new AsyncLocalStorageContextManager().enable();
  // Another registration (an embedding application's own SDK) is kept: any manager carries spans.
  if (!context.setGlobalContextManager(manager)) {
    manager.disable();
    manager = undefined;
  }
}

/** A tracing gateway has stopped: the last one unregisters the context manager. */
export function releaseContext(): void {
  if (users === 0) return;
  users -= 1;
  if (users > 0 || !manager) return;
  context.disable();
  manager = undefined;
}

/** Marks a log line without trace fields (the merge then leaves the line untouched). */
const NO_FIELDS: Readonly<Record<string, never>> = Object.freeze({});

/**
 * The pino mixin: the active span's ids, so that a log line written during an operation joins
 * its trace. Nothing (and no context read) while no gateway traces.
 */
export function traceLogFields(): Record<string, string> {
  if (users === 0) return NO_FIELDS;
  const span = trace.getSpan(context.active());
  if (!span) return NO_FIELDS;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

/** pino's merge of the mixin's fields into a line's object; the line's own fields win. */
export function mergeTraceFields(line: object, fields: object): object {
  return fields === NO_FIELDS ? line : Object.assign(fields, line);
}
