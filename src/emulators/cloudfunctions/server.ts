// HTTP plumbing: read the body, authenticate, route, write the envelope, record the request. Ordering
// follows the real API Gateway: authentication happens before routing, so even an unknown path answers 401
// when unsigned.
//
// The server may live inside another process (the gateway embeds it under `npm start`), so nothing it does
// may escape a request: any failure becomes an NCP-style error answer (500/900 when it is the emulator's
// own), and when no answer can be written any more the connection is dropped. Not even the logger, which
// the host supplies, is allowed to throw out of here.
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, badRequest, entityTooLarge, errorBody, routeNotFound, unexpected } from './errors';
import { route, type Reply, type RouteDeps } from './routes';
import { verifySignature } from './signature';
import type { Generation } from './types';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface RecordedRequest {
  method: string;
  /** Raw path as received (still percent-encoded), without the query. */
  path: string;
  /** Raw query string without the leading '?', '' when absent. */
  query: string;
  /** HTTP status answered; 0 while the request is still being handled. */
  status: number;
  /** Emulator-clock epoch ms at arrival. */
  at: number;
}

/** Live concurrency counters, for tests that check how many upstream calls a client runs at once. */
export interface InFlightStats {
  inFlight: number;
  peakInFlight: number;
}

export interface ServerSettings {
  secrets: ReadonlyMap<string, string>;
  /** Access key -> the namespace user it belongs to (the activation `subject`). */
  subjects: ReadonlyMap<string, string>;
  now: () => number;
  errorCodeAsNumber: boolean;
  latencyMs: number;
  logger?: (line: string) => void;
  requests: RecordedRequest[];
  stats: InFlightStats;
  deps: RouteDeps;
}

// Longest prefix first: '/ncf/api/v2' must win over a bare '/api/v2' check.
const PREFIXES: Array<[string, Generation]> = [
  ['/ncf/api/v2', 'v2.1'],
  ['/api/v2', 'v2.0'],
];

function splitPath(path: string): { gen: Generation; segments: string[] } {
  for (const [prefix, gen] of PREFIXES) {
    if (path.startsWith(prefix + '/')) {
      const segments = path.slice(prefix.length + 1).split('/').map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          throw badRequest('The request path is not valid percent-encoding.');
        }
      });
      if (segments.some((s) => s === '')) throw routeNotFound();
      return { gen, segments };
    }
  }
  throw routeNotFound();
}

function readBody(req: http.IncomingMessage, limit: number): Promise<{ body: Buffer; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    // Keep draining past the limit (and drop the bytes) so the 413 can go out on a healthy connection.
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve({ body: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge }));
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

export function createEmulatorServer(settings: ServerSettings): http.Server {
  const { now, requests, stats } = settings;
  const log = safeLogger(settings.logger);

  const errorReply = (err: unknown, method: string, url: string): Reply => {
    let apiError: ApiError;
    if (err instanceof ApiError) {
      apiError = err;
    } else {
      log(`cloudfunctions-emulator: internal error on ${method} ${url}: ${describeError(err)}`);
      apiError = unexpected();
    }
    return { status: apiError.status, body: errorBody(apiError, settings.errorCodeAsNumber) };
  };

  /** Writes one answer; throws only if the response cannot be written as built (the caller answers 500). */
  const write = (res: http.ServerResponse, reply: Reply): void => {
    const headers: Record<string, string | number> = {
      'x-ncp-apigw-request-id': randomUUID(),
      'x-ncp-trace-id': randomBytes(16).toString('hex'),
      ...reply.headers,
    };
    if (reply.body !== undefined) {
      headers['content-type'] = 'application/json;charset=UTF-8';
      headers['content-length'] = Buffer.byteLength(reply.body);
    }
    res.writeHead(reply.status, headers);
    res.end(reply.body);
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const rawQuery = q < 0 ? '' : rawUrl.slice(q + 1);
    const record: RecordedRequest = { method, path, query: rawQuery, status: 0, at: now() };
    requests.push(record);
    stats.inFlight += 1;
    stats.peakInFlight = Math.max(stats.peakInFlight, stats.inFlight);
    try {
      await respond(req, res, record, rawUrl, started);
    } finally {
      stats.inFlight -= 1;
    }
  }

  async function respond(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: RecordedRequest,
    rawUrl: string,
    started: number,
  ): Promise<void> {
    const { method, path, query: rawQuery } = record;
    // Outside the try: a body that never arrives means the client is gone, not an error to answer.
    const { body, tooLarge } = await readBody(req, MAX_BODY_BYTES);
    let reply: Reply;
    try {
      const auth = verifySignature(method, rawUrl, req.headers, settings.secrets, now());
      if (!auth.ok) throw auth.error;
      if (tooLarge) throw entityTooLarge(MAX_BODY_BYTES);
      const subject = settings.subjects.get(auth.accessKey);
      if (subject === undefined) throw new Error('no subject for an accepted access key');
      const { gen, segments } = splitPath(path);
      reply = await route({ method, gen, segments, query: new URLSearchParams(rawQuery), body, subject }, settings.deps);
    } catch (err) {
      reply = errorReply(err, method, rawUrl);
    }

    if (settings.latencyMs > 0) await delay(settings.latencyMs);
    record.status = reply.status;
    if (res.destroyed) return;
    try {
      write(res, reply);
    } catch (err) {
      // The reply could not go out as built (an invalid header, say): answer 500 if nothing was sent yet.
      if (res.headersSent) throw err;
      reply = errorReply(err, method, rawUrl);
      record.status = reply.status;
      write(res, reply);
    }
    log(`cloudfunctions-emulator: ${method} ${rawUrl} -> ${reply.status} (${Date.now() - started} ms)`);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A broken client connection (the body read failed) or an answer that could not be written: there
      // is no one left to answer, or no way to.
      log(`cloudfunctions-emulator: request aborted: ${describeError(err)}`);
      if (!res.destroyed) res.destroy();
    });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => answerClientError(err, socket, settings.errorCodeAsNumber));
  return server;
}

/**
 * A request Node's parser refuses before any handler sees it: a request line plus headers over 16 KiB
 * (a very long path), bytes that are not HTTP, or a request that never finished arriving. Node would answer
 * a bare 431/400/408; this gives the same status with the NCP envelope, so clients can read it like any
 * other gateway error. The wording is the emulator's: the real gateway's answer was never captured.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, codeAsNumber: boolean): void {
  try {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    let apiError: ApiError;
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      apiError = new ApiError(431, '100', 'Request Header Fields Too Large', `The request line and headers exceed ${http.maxHeaderSize} bytes.`);
    } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      apiError = new ApiError(408, '100', 'Request Timeout', 'The request did not arrive in time.');
    } else {
      apiError = badRequest('The request is not valid HTTP.');
    }
    const body = errorBody(apiError, codeAsNumber);
    socket.end(
      `HTTP/1.1 ${apiError.status} ${http.STATUS_CODES[apiError.status]}\r\n` +
        'Content-Type: application/json;charset=UTF-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  } catch {
    socket.destroy();
  }
}
