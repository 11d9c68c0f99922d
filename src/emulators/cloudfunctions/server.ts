// HTTP plumbing: read the body, authenticate, route, write the envelope, record the request. Ordering
// follows the real API Gateway: authentication happens before routing, so even an unknown path answers 401
// when unsigned.
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
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

export function createEmulatorServer(settings: ServerSettings): http.Server {
  const { now, requests, logger, stats } = settings;

  const errorReply = (err: unknown, method: string, url: string): Reply => {
    let apiError: ApiError;
    if (err instanceof ApiError) {
      apiError = err;
    } else {
      logger?.(`cloudfunctions-emulator: internal error on ${method} ${url}: ${String((err as Error)?.stack ?? err)}`);
      apiError = unexpected();
    }
    return { status: apiError.status, body: errorBody(apiError, settings.errorCodeAsNumber) };
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
      const { gen, segments } = splitPath(path);
      reply = await route(
        { method, gen, segments, query: new URLSearchParams(rawQuery), body, accessKey: auth.accessKey },
        settings.deps,
      );
    } catch (err) {
      reply = errorReply(err, method, rawUrl);
    }

    if (settings.latencyMs > 0) await delay(settings.latencyMs);
    record.status = reply.status;
    if (res.destroyed) return;
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
    logger?.(`cloudfunctions-emulator: ${method} ${rawUrl} -> ${reply.status} (${Date.now() - started} ms)`);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // Only a broken client connection gets here (the body read failed): there is no one left to answer.
      logger?.(`cloudfunctions-emulator: request aborted: ${String(err)}`);
      if (!res.headersSent && !res.destroyed) res.destroy();
    });
  });
  return server;
}
