// Independent verifier for the NCP API Gateway "signature v2". Deliberately written from the documented
// algorithm only (see docs/upstream/signing.md#string-to-sign), never from the gateway's signer: a shared
// bug would otherwise pass every test.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError, authInvalid, authMissing, authTimestamp } from './errors';

/** The gateway rejects timestamps 5 minutes or more away from its clock. */
export const MAX_SKEW_MS = 5 * 60 * 1000;

export type AuthResult = { ok: true; accessKey: string } | { ok: false; error: ApiError };

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

export function expectedSignature(
  secretKey: string,
  method: string,
  rawUrl: string,
  timestamp: string,
  accessKey: string,
): string {
  const message = `${method} ${rawUrl}\n${timestamp}\n${accessKey}`;
  return createHmac('sha256', Buffer.from(secretKey, 'utf8')).update(message, 'utf8').digest('base64');
}

/**
 * @param rawUrl the request-target exactly as it came over the wire (Node's `req.url`): the signature
 *   covers those bytes, so any re-encoding or query re-ordering by the client must fail here.
 */
export function verifySignature(
  method: string,
  rawUrl: string,
  headers: IncomingHttpHeaders,
  secrets: ReadonlyMap<string, string>,
  nowMs: number,
): AuthResult {
  const timestamp = header(headers, 'x-ncp-apigw-timestamp');
  const accessKey = header(headers, 'x-ncp-iam-access-key');
  const signature = header(headers, 'x-ncp-apigw-signature-v2');
  if (timestamp === undefined || accessKey === undefined || signature === undefined) {
    return { ok: false, error: authMissing() };
  }
  if (!/^\d{1,16}$/.test(timestamp) || Math.abs(nowMs - Number(timestamp)) >= MAX_SKEW_MS) {
    return { ok: false, error: authTimestamp() };
  }
  const secretKey = secrets.get(accessKey);
  if (secretKey === undefined) return { ok: false, error: authInvalid() };

  const expected = Buffer.from(expectedSignature(secretKey, method, rawUrl, timestamp, accessKey), 'utf8');
  const given = Buffer.from(signature, 'utf8');
  // timingSafeEqual throws on unequal lengths; the length of a base64 HMAC-SHA256 is public anyway.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, error: authInvalid() };
  }
  return { ok: true, accessKey };
}
