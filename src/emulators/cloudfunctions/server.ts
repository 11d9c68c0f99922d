// The Cloud Functions side of the HTTP plumbing: authenticate, route, write the NCP envelope, record the
// request. Ordering follows the real API Gateway: authentication happens before routing, so even an unknown
// path answers 401 when unsigned (docs/upstream/signing.md#gateway-authentication-errors).
//
// The server may live inside another process (the gateway embeds it under `npm start`), so nothing it does
// may escape a request: any failure becomes an NCP-style error answer (500/900 when it is the emulator's
// own), and when no answer can be written any more the connection is dropped. The generic steps (body,
// latency, writing with a 500 in reserve, the logger that cannot throw) are the shared kit's (../kit).
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import {
  exchange,
  guardedListener,
  readBody,
  requestTarget,
  send,
  type ClientErrorAnswer,
  type ClientErrorStatus,
  type Logger,
  type RequestTarget,
  type Traffic,
} from '../kit';
import { ApiError, badRequest, entityTooLarge, errorBody, routeNotFound, unexpected } from './errors';
import { route, type Reply, type RouteDeps } from './routes';
import { verifySignature } from './signature';
import type { Generation } from './types';

export const MAX_BODY_BYTES = 1024 * 1024;
/**
 * The body of PUT action, for a signed request: room for 38 MB of code (a binary grows by a third in base64)
 * plus 1 MB of parameters. Everything else, and any unsigned request, keeps MAX_BODY_BYTES.
 */
export const MAX_ACTION_BODY_BYTES = 56 * 1024 * 1024;
const ACTION_PATH = /^\/(ncf\/)?api\/v2\/packages\/[^/]+\/actions\/[^/]+$/;

const NAME = 'cloudfunctions-emulator';
const CONTENT_TYPE = 'application/json;charset=UTF-8';

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

export interface HandlerSettings {
  secrets: ReadonlyMap<string, string>;
  /** Access key -> the namespace user it belongs to (the activation `subject`). */
  subjects: ReadonlyMap<string, string>;
  now: () => number;
  errorCodeAsNumber: boolean;
  latencyMs: number;
  /** Already unable to throw (safeLogger). */
  log: Logger;
  traffic: Traffic<RecordedRequest>;
  deps: RouteDeps;
}

// Longest prefix first: '/ncf/api/v2' must win over a bare '/api/v2' check
// (docs/upstream/cloud-functions.md#hosts-and-path-generations).
const PREFIXES: Array<[string, Generation]> = [
  ['/ncf/api/v2', 'v2.1'],
  ['/api/v2', 'v2.0'],
];

function splitPath(path: string): { gen: Generation; segments: string[] } {
  for (const [prefix, gen] of PREFIXES) {
    if (path.startsWith(prefix + '/')) {
      const segments = path
        .slice(prefix.length + 1)
        .split('/')
        .map((s) => {
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

/** The NCP envelope of an error, with the code as a string or a number as configured. */
const errorReply = (apiError: ApiError, settings: HandlerSettings): Reply => ({
  status: apiError.status,
  body: errorBody(apiError, settings.errorCodeAsNumber),
});

/** Writes one answer with the gateway's id headers; throws only if it cannot be written as built. */
function write(res: http.ServerResponse, reply: Reply): void {
  const ids = { 'x-ncp-apigw-request-id': randomUUID(), 'x-ncp-trace-id': randomBytes(16).toString('hex') };
  send(res, reply.status, { ...ids, ...reply.headers }, reply.body, CONTENT_TYPE);
}

/** Authentication, then the size limit, then routing: the order the real gateway checks in. */
async function answer(
  settings: HandlerSettings,
  req: http.IncomingMessage,
  target: RequestTarget,
  read: { body: Buffer; tooLarge: boolean; limit: number },
): Promise<Reply> {
  const { method, rawUrl, path, query } = target;
  const auth = verifySignature(method, rawUrl, req.headers, settings.secrets, settings.now());
  if (!auth.ok) throw auth.error;
  if (read.tooLarge) throw entityTooLarge(read.limit);
  const subject = settings.subjects.get(auth.accessKey);
  if (subject === undefined) throw new Error('no subject for an accepted access key');
  const { gen, segments } = splitPath(path);
  return route({ method, gen, segments, query: new URLSearchParams(query), body: read.body, subject }, settings.deps);
}

async function respond(
  settings: HandlerSettings,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  target: RequestTarget,
  record: RecordedRequest,
): Promise<void> {
  const started = Date.now();
  // Before the exchange: a body that never arrives means the client is gone, not an error to answer.
  const limit = bodyLimit(settings, req, target);
  const read = { ...(await readBody(req, limit)), limit };
  await exchange(res, {
    name: NAME,
    log: settings.log,
    what: `${target.method} ${target.rawUrl}`,
    started,
    latencyMs: settings.latencyMs,
    answer: () => answer(settings, req, target, read),
    known: (err) => (err instanceof ApiError ? errorReply(err, settings) : undefined),
    // What is not an ApiError is the emulator's own fault: 500/900.
    internal: () => errorReply(unexpected(), settings),
    write,
    settle: (r) => {
      record.status = r.status;
    },
  });
}

/** MAX_ACTION_BODY_BYTES for a signed PUT action (checked before any byte is held), else MAX_BODY_BYTES. */
function bodyLimit(settings: HandlerSettings, req: http.IncomingMessage, target: RequestTarget): number {
  if (target.method !== 'PUT' || !ACTION_PATH.test(target.path)) return MAX_BODY_BYTES;
  const auth = verifySignature(target.method, target.rawUrl, req.headers, settings.secrets, settings.now());
  return auth.ok ? MAX_ACTION_BODY_BYTES : MAX_BODY_BYTES;
}

export function createRequestHandler(settings: HandlerSettings): http.RequestListener {
  return guardedListener(NAME, settings.log, (req, res) => {
    const target = requestTarget(req);
    const { method, path, query } = target;
    const record: RecordedRequest = { method, path, query, status: 0, at: settings.now() };
    return settings.traffic.track(record, () => respond(settings, req, res, target, record));
  });
}

const CLIENT_ERRORS: Readonly<Record<ClientErrorStatus, () => ApiError>> = {
  400: () => badRequest('The request is not valid HTTP.'),
  408: () => new ApiError(408, '100', 'Request Timeout', 'The request did not arrive in time.'),
  431: () =>
    new ApiError(
      431,
      '100',
      'Request Header Fields Too Large',
      `The request line and headers exceed ${http.maxHeaderSize} bytes.`,
    ),
};

/**
 * The NCP envelope for a request Node's parser refuses (a request line plus headers over 16 KiB, bytes
 * that are not HTTP, a request that never finished arriving), so clients can read it like any other gateway
 * error. The wording is the emulator's: the real gateway's answer was never captured.
 */
export const clientErrorAnswer =
  (codeAsNumber: boolean): ClientErrorAnswer =>
  (status) => ({ contentType: CONTENT_TYPE, body: errorBody(CLIENT_ERRORS[status](), codeAsNumber) });
