// The compute side of the HTTP plumbing: pick the service by path (/identity is Keystone, everything else is
// Nova's side of the server), turn thrown faults into Keystone or Nova bodies, add their request-id headers
// (docs/upstream/compute.md#version-headers), and record the exchange.
//
// The server may live inside another process (the gateway embeds it under `npm start`), so nothing it does
// may escape a request: any failure becomes a Keystone or Nova 500 body, and when no answer can be written
// any more the connection is dropped. The generic steps (body, latency, writing with a 500 in reserve, the
// logger that cannot throw) are the shared kit's (../kit).
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { exchange, guardedListener, readBody, requestTarget, send, type Logger, type Traffic } from '../kit';
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

type Service = RecordedComputeRequest['service'];

export interface HandlerSettings {
  keystone: Keystone;
  nova: Nova;
  traffic: Traffic<RecordedComputeRequest>;
  latencyMs: number;
  /** Already unable to throw (safeLogger). */
  log: Logger;
}

const NAME = 'compute-emulator';
const GLOBAL_REQUEST_ID = /^req-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$/;

/** Keystone's or Nova's body for a fault either throws on purpose; undefined for anything else. */
function faultReply(err: unknown): Reply | undefined {
  if (err instanceof KeystoneError || err instanceof NovaFault) {
    return { status: err.status, headers: err.headers, body: err.body() };
  }
  return undefined;
}

/** The service's own 500, for anything else thrown: the emulator's fault, not the client's. */
function internalReply(service: Service): Reply {
  return service === 'identity'
    ? {
        status: 500,
        body: new KeystoneError(500, 'An unexpected error prevented the server from fulfilling your request.').body(),
      }
    : { status: 500, body: new NovaFault(500, 'Unexpected API Error.').body() };
}

/** Serializes and writes one answer; throws if it cannot (the caller answers 500 or drops the connection). */
function write(res: http.ServerResponse, reply: Reply, service: Service): void {
  const requestId = `req-${randomUUID()}`;
  const ids: Record<string, string> =
    service === 'identity'
      ? { vary: 'X-Auth-Token', 'x-openstack-request-id': requestId }
      : { 'x-compute-request-id': requestId, 'x-openstack-request-id': requestId };
  let payload: string | undefined;
  if (reply.body !== undefined && reply.status !== 204) {
    payload = JSON.stringify(reply.body);
    // A body JSON has no text for (a function, say) is as unwritable as one it cannot hold.
    if (payload === undefined) throw new TypeError('the reply body has no JSON form');
  }
  send(res, reply.status, { ...ids, ...reply.headers }, payload, 'application/json');
}

/** Reads the body and hands the request to Keystone or Nova; a body over the limit is their 413. */
async function answer(
  settings: HandlerSettings,
  req: http.IncomingMessage,
  record: RecordedComputeRequest,
): Promise<Reply> {
  const { service, method, path } = record;
  const { body, tooLarge } = await readBody(req, MAX_BODY_BYTES);
  if (tooLarge) {
    throw service === 'identity'
      ? new KeystoneError(413, 'Request is too large.')
      : new NovaFault(413, 'Request is too large.');
  }
  const query = new URLSearchParams(record.query);
  const request: EmulatorRequest = { method, path, query, headers: req.headers, body };
  return service === 'identity' ? settings.keystone.handle(request) : settings.nova.handle(request);
}

function respond(
  settings: HandlerSettings,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  record: RecordedComputeRequest,
): Promise<void> {
  const { service } = record;
  return exchange(res, {
    name: NAME,
    log: settings.log,
    what: `${record.method} ${req.url ?? '/'}`,
    latencyMs: settings.latencyMs,
    // The body is read inside the answer: one that fails to arrive is recorded as the service's 500.
    answer: () => answer(settings, req, record),
    known: faultReply,
    internal: () => internalReply(service),
    write: (r, reply) => write(r, reply, service),
    settle: (reply) => {
      record.status = reply.status;
      if (reply.microversion !== undefined) record.microversion = reply.microversion;
    },
  });
}

/** The record of one request, before it is handled: service, request line, and the ids it came with. */
function newRecord(req: http.IncomingMessage): RecordedComputeRequest {
  const { method, path, query } = requestTarget(req);
  const service = path === IDENTITY_PREFIX || path.startsWith(`${IDENTITY_PREFIX}/`) ? 'identity' : 'compute';
  const record: RecordedComputeRequest = { service, method, path, query, status: 0 };
  const token = header(req.headers, 'x-auth-token');
  if (token !== undefined) record.token = token.slice(0, 8);
  const globalId = header(req.headers, 'x-openstack-request-id');
  if (service === 'compute' && globalId !== undefined && GLOBAL_REQUEST_ID.test(globalId)) {
    record.globalRequestId = globalId;
  }
  return record;
}

export function createRequestHandler(settings: HandlerSettings): http.RequestListener {
  return guardedListener(NAME, settings.log, (req, res) => {
    const record = newRecord(req);
    return settings.traffic.track(record, () => respond(settings, req, res, record));
  });
}
