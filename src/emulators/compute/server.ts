// HTTP plumbing: read the body, pick the service by path (/identity is Keystone, everything else is Nova's
// side of the server), turn thrown faults into replies, add request-id headers, wait the configured latency,
// write, and record the exchange.
//
// The server may live inside another process (the gateway embeds it under `npm start`), so nothing it does
// may escape a request: any failure becomes a Keystone or Nova 500 body, and when no answer can be written
// any more the connection is dropped. Not even the host's logger is allowed to throw out of here.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { KeystoneError, NovaFault } from './faults';
import { header, type EmulatorRequest, type Reply } from './http-types';
import { IDENTITY_PREFIX, type Keystone } from './keystone';
import type { Nova } from './nova';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface RecordedComputeRequest {
  service: 'identity' | 'compute';
  method: string;
  /** Raw path as received (still percent-encoded), without the query. */
  path: string;
  /** Raw query string without the leading '?', '' when absent. */
  query: string;
  /** HTTP status answered; 0 while the request is still being handled. */
  status: number;
  /** Negotiated compute microversion, when the request got that far. */
  microversion?: string;
  /** First 8 characters of the X-Auth-Token sent, if any. */
  token?: string;
  /**
   * The client's X-Openstack-Request-Id when it has the `req-<uuid>` form (oslo.middleware accepts it as the
   * global request id; the response still carries Nova's own local id).
   */
  globalRequestId?: string;
}

export interface InFlightStats {
  inFlight: number;
  peakInFlight: number;
}

export interface HandlerSettings {
  keystone: Keystone;
  nova: Nova;
  requests: RecordedComputeRequest[];
  stats: InFlightStats;
  latencyMs: number;
  logger?: (line: string) => void;
}

const GLOBAL_REQUEST_ID = /^req-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/;

function readBody(req: http.IncomingMessage, limit: number): Promise<{ body: Buffer; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Keep draining past the limit (dropping the bytes) so the 413 goes out on a healthy connection.
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve({ body: size > limit ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge: size > limit }));
    req.on('error', reject);
  });
}

const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/** Text for a log line, whatever was thrown (String() itself throws for some values). */
export function describeError(err: unknown): string {
  try {
    return String((err as Error)?.stack ?? err);
  } catch {
    return Object.prototype.toString.call(err);
  }
}

/** The host's logger, made unable to throw into the emulator (or, through it, into the host). */
export function safeLogger(logger: ((line: string) => void) | undefined): (line: string) => void {
  return (line) => {
    try {
      logger?.(line);
    } catch {
      // A log line is not worth a failed request.
    }
  };
}

export function createRequestHandler(settings: HandlerSettings): http.RequestListener {
  const { keystone, nova, requests, stats } = settings;
  const log = safeLogger(settings.logger);

  function errorReply(err: unknown, service: RecordedComputeRequest['service'], what: string): Reply {
    if (err instanceof KeystoneError || err instanceof NovaFault) {
      return { status: err.status, headers: err.headers, body: err.body() };
    }
    log(`compute-emulator: internal error on ${what}: ${describeError(err)}`);
    return service === 'identity'
      ? { status: 500, body: new KeystoneError(500, 'An unexpected error prevented the server from fulfilling your request.').body() }
      : { status: 500, body: new NovaFault(500, 'Unexpected API Error.').body() };
  }

  /** Serializes and writes one answer; throws if it cannot (the caller answers 500 or drops the connection). */
  function write(res: http.ServerResponse, reply: Reply, service: RecordedComputeRequest['service']): void {
    const requestId = `req-${randomUUID()}`;
    const headers: Record<string, string | number> =
      service === 'identity'
        ? { vary: 'X-Auth-Token', 'x-openstack-request-id': requestId }
        : { 'x-compute-request-id': requestId, 'x-openstack-request-id': requestId };
    Object.assign(headers, reply.headers);
    let payload: string | undefined;
    if (reply.body !== undefined && reply.status !== 204) {
      payload = JSON.stringify(reply.body);
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    res.writeHead(reply.status, headers);
    res.end(payload);
  }

  async function respond(req: http.IncomingMessage, res: http.ServerResponse, record: RecordedComputeRequest): Promise<void> {
    const started = Date.now();
    const { service, method, path } = record;
    const what = `${method} ${req.url ?? '/'}`;
    let reply: Reply;
    try {
      const { body, tooLarge } = await readBody(req, MAX_BODY_BYTES);
      if (tooLarge) {
        throw service === 'identity' ? new KeystoneError(413, 'Request is too large.') : new NovaFault(413, 'Request is too large.');
      }
      const request: EmulatorRequest = { method, path, query: new URLSearchParams(record.query), headers: req.headers, body };
      reply = service === 'identity' ? keystone.handle(request) : nova.handle(request);
    } catch (err) {
      reply = errorReply(err, service, what);
    }

    if (settings.latencyMs > 0) await delay(settings.latencyMs);
    record.status = reply.status;
    if (reply.microversion !== undefined) record.microversion = reply.microversion;
    if (res.destroyed) return;
    try {
      write(res, reply, service);
    } catch (err) {
      // The reply could not go out as built (a body JSON cannot hold, an invalid header): 500 instead.
      if (res.headersSent) throw err;
      reply = errorReply(err, service, what);
      record.status = reply.status;
      write(res, reply, service);
    }
    log(`compute-emulator: ${what} -> ${reply.status} (${Date.now() - started} ms)`);
  }

  return (req, res) => {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const service = path === IDENTITY_PREFIX || path.startsWith(`${IDENTITY_PREFIX}/`) ? 'identity' : 'compute';
    const record: RecordedComputeRequest = {
      service,
      method: (req.method ?? 'GET').toUpperCase(),
      path,
      query: q < 0 ? '' : rawUrl.slice(q + 1),
      status: 0,
    };
    const token = header(req.headers, 'x-auth-token');
    if (token !== undefined) record.token = token.slice(0, 8);
    const globalId = header(req.headers, 'x-openstack-request-id');
    if (service === 'compute' && globalId !== undefined && GLOBAL_REQUEST_ID.test(globalId)) record.globalRequestId = globalId;
    requests.push(record);
    stats.inFlight += 1;
    stats.peakInFlight = Math.max(stats.peakInFlight, stats.inFlight);
    respond(req, res, record)
      .catch((err: unknown) => {
        // An answer that could not be written at all: drop the connection rather than leave it hanging.
        log(`compute-emulator: request aborted: ${describeError(err)}`);
        if (!res.destroyed) res.destroy();
      })
      .finally(() => {
        stats.inFlight -= 1;
      });
  };
}
