/**
 * envelope: the one shape of every answer that is an error as a whole, whatever transport and
 * whatever produced it. Every path that answers such an error writes it with these functions.
 */
import type { ErrorCode } from './vocabulary';

/**
 * The one error envelope of every answer that is an error as a whole (HTTP 4xx/5xx bodies,
 * refusals before GraphQL runs): `{ errors: [{ message, extensions: { code, requestId } }] }`.
 */
export function errorEnvelope(
  code: ErrorCode,
  message: string,
  requestId: string,
  extra: Record<string, unknown> = {},
) {
  return { errors: [{ message, extensions: { code, requestId, ...extra } }] };
}

/** The envelope as the text of an HTTP body. */
export function envelopeText(
  code: ErrorCode,
  message: string,
  requestId: string,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify(errorEnvelope(code, message, requestId, extra));
}
