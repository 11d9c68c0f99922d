/**
 * errors: Nova fault bodies and Keystone error bodies -> the gateway's vocabulary.
 *
 * Nova: `{"<faultName>": {"code": 404, "message": "..."}}` (upstream-api.md 4.5); 401s come from
 * keystonemiddleware with Keystone's shape `{"error": {"code", "title", "message"}}`.
 * Clients get our sentence, the status and the fault name; Nova's own message only for 400s (it
 * says which argument was wrong, e.g. "Marker ... could not be found."), sanitised.
 */
import { ErrorCode, GatewayError } from '../../errors';
import { sanitizeUpstreamText } from '../http';

export interface OpenStackFault {
  name?: string;
  message?: string;
}

export function readFault(body: unknown): OpenStackFault {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  const entries = Object.entries(body as Record<string, unknown>);
  if (entries.length !== 1) return {};
  const [name, inner] = entries[0]!;
  if (!inner || typeof inner !== 'object') return { name };
  const message = (inner as { message?: unknown }).message;
  return { name, ...(typeof message === 'string' ? { message } : {}) };
}

export function novaError(status: number, body: unknown, retryAfterSeconds?: number, microversion?: string): GatewayError {
  const { name, message } = readFault(body);
  const upstream = { service: 'compute' as const, status, ...(name ? { errorCode: name } : {}) };
  const make = (code: ErrorCode, text: string) =>
    new GatewayError(code, text, { upstream, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) });
  switch (status) {
    case 400:
      return make(ErrorCode.BAD_USER_INPUT, message ? `The compute API rejected the request: ${sanitizeUpstreamText(message)}` : 'The compute API rejected the request as invalid.');
    case 401:
      return make(ErrorCode.UPSTREAM_AUTH_FAILED, "The compute API rejected the gateway's token.");
    case 403:
      return make(ErrorCode.FORBIDDEN, "The gateway's OpenStack credentials are not permitted to do this.");
    case 404:
      return make(ErrorCode.NOT_FOUND, 'Not found.');
    case 406:
      return make(
        ErrorCode.UPSTREAM_CONFIGURATION,
        `The compute API does not support microversion ${microversion ?? '(configured)'}: set NOVA_MICROVERSION to a version it supports.`,
      );
    case 409:
      return make(ErrorCode.CONFLICT, 'The request conflicts with the server state.');
    case 413:
    case 429:
      return make(ErrorCode.RATE_LIMITED, 'The compute API is limiting requests; retry later.');
    case 504:
      return make(ErrorCode.UPSTREAM_TIMEOUT, 'The compute API did not answer in time.');
    default:
      if (status >= 500) return make(ErrorCode.UPSTREAM_UNAVAILABLE, 'The compute API failed to answer.');
      return make(ErrorCode.UPSTREAM_BAD_RESPONSE, 'The compute API answered unexpectedly.');
  }
}

export function keystoneError(status: number, retryAfterSeconds?: number): GatewayError {
  const upstream = { service: 'identity' as const, status };
  if (status === 400 || status === 401 || status === 403 || status === 404) {
    return new GatewayError(ErrorCode.UPSTREAM_AUTH_FAILED, "The identity service rejected the gateway's OpenStack credentials.", { upstream });
  }
  if (status === 429) {
    return new GatewayError(ErrorCode.RATE_LIMITED, 'The identity service is limiting requests; retry later.', {
      upstream,
      ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    });
  }
  if (status >= 500) return new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, 'The identity service failed to answer.', { upstream });
  return new GatewayError(ErrorCode.UPSTREAM_BAD_RESPONSE, 'The identity service answered unexpectedly.', { upstream });
}
