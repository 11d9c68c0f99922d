/**
 * errors: Nova fault bodies and Keystone error bodies -> the gateway's vocabulary.
 *
 * Nova: `{"<faultName>": {"code": 404, "message": "..."}}` (docs/upstream/compute.md#error-bodies); 401s come from
 * keystonemiddleware with Keystone's shape `{"error": {"code", "title", "message"}}`.
 * Clients get our sentence, the status and the fault name; Nova's own message only for 400s (it
 * says which argument was wrong, e.g. "Marker ... could not be found."), sanitised.
 */
import { upstreamStatusError, type GatewayError } from '../../errors';
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

export function novaError(
  status: number,
  body: unknown,
  retryAfterSeconds?: number,
  microversion?: string,
): GatewayError {
  const { name, message } = readFault(body);
  return upstreamStatusError('compute', status, {
    ...(name ? { errorCode: name } : {}),
    ...(status === 400 && message ? { details: sanitizeUpstreamText(message) } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    ...(microversion !== undefined ? { microversion } : {}),
  });
}

export function keystoneError(status: number, retryAfterSeconds?: number): GatewayError {
  return upstreamStatusError('identity', status, retryAfterSeconds !== undefined ? { retryAfterSeconds } : {});
}
