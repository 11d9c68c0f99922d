// What the HTTP layer (server.ts) hands to the two API handlers and gets back.
import type { IncomingHttpHeaders } from 'node:http';

export interface EmulatorRequest {
  readonly method: string;
  /** Path as received, still percent-encoded, without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Serialized as JSON; no body when undefined. */
  body?: unknown;
  /** The negotiated compute microversion, for the request log. */
  microversion?: string;
}

/** A header's single value (Node joins most repeated headers; a few arrive as arrays). */
export const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};
