/**
 * http/errors: every HTTP answer that is an error, whatever produced it (Fastify's body parser, an
 * unknown route, Apollo's own refusals such as CSRF or batching, a slow client, a draining
 * gateway), leaves in the one envelope of src/errors.ts: `{ errors: [{ message, extensions: { code,
 * requestId } }] }`. A body that already is that envelope is completed (code, requestId); any other
 * body is replaced by the sentence of its status.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { envelopeText, ErrorCode, errorEnvelope, MASKED_MESSAGE } from '../errors';

const JSON_TYPE = 'application/json; charset=utf-8';

/** The code and the client's sentence of an HTTP error status that carries no GraphQL error of its own. */
export function statusError(status: number): { code: ErrorCode; message: string } {
  switch (status) {
    case 400:
      return { code: ErrorCode.BAD_REQUEST, message: 'Bad request.' };
    case 401:
      return { code: ErrorCode.UNAUTHENTICATED, message: 'Authentication is required.' };
    case 403:
      return { code: ErrorCode.FORBIDDEN, message: 'Forbidden.' };
    case 404:
      return { code: ErrorCode.NOT_FOUND, message: 'Not found: the GraphQL endpoint is /graphql.' };
    case 405:
      return { code: ErrorCode.BAD_REQUEST, message: 'Method not allowed.' };
    case 408:
      return { code: ErrorCode.BAD_REQUEST, message: 'The request was not received in time.' };
    case 413:
      return { code: ErrorCode.BAD_REQUEST, message: 'The request body is too large.' };
    case 415:
      return { code: ErrorCode.BAD_REQUEST, message: 'Unsupported content type: send application/json.' };
    case 429:
      return { code: ErrorCode.RATE_LIMITED, message: 'Too many requests.' };
    case 431:
      return { code: ErrorCode.BAD_REQUEST, message: 'The request headers are too large.' };
    case 503:
      return { code: ErrorCode.SHUTTING_DOWN, message: 'The gateway is shutting down; retry.' };
    default:
      return status >= 500
        ? { code: ErrorCode.INTERNAL_SERVER_ERROR, message: MASKED_MESSAGE }
        : { code: ErrorCode.BAD_REQUEST, message: `${STATUS_CODES[status] ?? 'Bad request'}.` };
  }
}

/** Sends the envelope with this status (the sentence of the status unless given). */
export function sendError(reply: FastifyReply, status: number, code?: ErrorCode, message?: string) {
  const fallback = statusError(status);
  return reply
    .code(status)
    .type(JSON_TYPE)
    .send(errorEnvelope(code ?? fallback.code, message ?? fallback.message, reply.request.id));
}

interface EnvelopeError {
  message?: unknown;
  extensions?: Record<string, unknown>;
}

/**
 * The onSend step for error answers: makes sure the body is the envelope, with the request id and
 * a code on each error. Only error statuses pay for the check.
 */
export function envelopeOf(
  payload: unknown,
  status: number,
  requestId: string,
  contentType: unknown,
): { body: string; replaced: boolean } | undefined {
  const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : undefined;
  let parsed: { errors?: EnvelopeError[] } | undefined;
  if (text !== undefined && typeof contentType === 'string' && contentType.includes('json')) {
    try {
      parsed = JSON.parse(text) as { errors?: EnvelopeError[] };
    } catch {
      parsed = undefined;
    }
  }
  const errors = parsed?.errors;
  if (Array.isArray(errors) && errors.length > 0 && errors.every((e) => e && typeof e.message === 'string')) {
    const complete = errors.every((e) => e.extensions?.code !== undefined && e.extensions.requestId === requestId);
    if (complete) return undefined;
    const fallback = statusError(status);
    const fixed = errors.map((e) => ({ ...e, extensions: { code: fallback.code, ...e.extensions, requestId } }));
    return { body: JSON.stringify({ ...parsed, errors: fixed }), replaced: false };
  }
  // Any other body (a stream, plain text, another JSON shape): the sentence of the status.
  const fallback = statusError(status);
  return { body: envelopeText(fallback.code, fallback.message, requestId), replaced: true };
}

export async function ensureErrorEnvelope(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
): Promise<unknown> {
  if (reply.statusCode < 400) return payload;
  const fixed = envelopeOf(payload, reply.statusCode, request.id, reply.getHeader('content-type'));
  if (!fixed) return payload;
  if (fixed.replaced || !String(reply.getHeader('content-type') ?? '').includes('json')) reply.type(JSON_TYPE);
  reply.removeHeader('content-length');
  return fixed.body;
}

/** What a client may be told of a Fastify failure before GraphQL runs (malformed body, size…). */
function clientMessageFor(error: FastifyError): string | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is too large.';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Unsupported content type: send application/json.';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The request body is empty.';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'The request body is not valid JSON.';
    default:
      return undefined;
  }
}

/** Fastify's error handler: the envelope with the status Fastify chose, and no internals. */
export function handleFastifyError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status === 500) request.log.error({ err: error }, 'request failed');
  const fallback = statusError(status);
  return sendError(
    reply,
    status,
    fallback.code,
    status === 500 ? MASKED_MESSAGE : (clientMessageFor(error) ?? fallback.message),
  );
}

/**
 * Node's `clientError`: a request that could not be read (sent too slowly, headers too large,
 * malformed). There is no request object, so the answer is written on the socket directly, in the
 * envelope, and the connection is closed.
 */
export function clientErrorHandler(logger: Logger) {
  return function onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const requestId = randomUUID();
    const { code, message } = statusError(status);
    logger.info(
      { requestId, status, reason: error.code ?? 'unknown', remoteAddress: socket.remoteAddress },
      'client request refused before it was read',
    );
    if (socket.writable) {
      const body = envelopeText(code, message, requestId);
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${JSON_TYPE}\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n` +
          `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
