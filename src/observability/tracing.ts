/**
 * tracing: W3C Trace Context. A client's `traceparent` is accepted (or a new trace is started) and
 * every upstream call of the operation carries the same trace id with a span id of its own, so the
 * upstream's logs join the client's trace. The operation also counts its upstream calls here.
 */
import { randomUUID } from 'node:crypto';

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

export interface RequestTrace {
  readonly traceId: string;
  /** The client's span, when it sent one. */
  readonly parentId: string | undefined;
  /** Upstream requests sent for this operation so far. */
  upstreamCalls: number;
  /** A `traceparent` for one upstream call: same trace, new span. */
  childTraceparent(): string;
}

export function startTrace(header: string | string[] | undefined): RequestTrace {
  const value = Array.isArray(header) ? header[0] : header;
  const match = value ? TRACEPARENT.exec(value.trim().toLowerCase()) : null;
  const valid =
    match !== null &&
    match[1] !== 'ff' &&
    !/^0+$/.test(match[2]!) &&
    !/^0+$/.test(match[3]!) &&
    (match[1] !== '00' || match[5] === undefined);
  const traceId = valid ? match![2]! : randomHex(32);
  const flags = valid ? match![4]! : '01';
  return {
    traceId,
    parentId: valid ? match![3] : undefined,
    upstreamCalls: 0,
    childTraceparent: () => `00-${traceId}-${randomHex(16)}-${flags}`,
  };
}

/**
 * Random lowercase hex of `length` (at most 32) characters. randomUUID draws from a cached pool of
 * entropy, far cheaper per call than randomBytes; its version and variant digits are fixed, which
 * still leaves more randomness than trace and span ids need.
 */
function randomHex(length: number): string {
  return randomUUID().replace(/-/g, '').slice(0, length);
}
