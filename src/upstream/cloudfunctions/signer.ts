/**
 * signer: NCP API Gateway request signing, "signature v2" (docs/upstream/signing.md#string-to-sign).
 *
 *   string to sign = `${METHOD} ${pathWithQuery}\n${timestamp}\n${accessKey}`
 *   signature      = base64(HMAC-SHA256(secretKey, string to sign))
 *
 * `pathWithQuery` must be exactly the bytes put on the wire (same percent-encoding, same parameter
 * order, no `?` when there is no query): the client builds the path once and passes the same string
 * to the signer and to undici. The body is not signed. Each attempt is signed anew, so a retry
 * carries a fresh timestamp.
 *
 * The secret key lives only in this closure: it is not a property of the returned object, so it
 * cannot reach the GraphQL context, an error or a log line through it.
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADERS = {
  timestamp: 'x-ncp-apigw-timestamp',
  accessKey: 'x-ncp-iam-access-key',
  signature: 'x-ncp-apigw-signature-v2',
} as const;

export interface Signer {
  /** The access key id (not secret; sent in clear on every call). */
  readonly accessKey: string;
  /** Headers that authenticate one request. */
  sign(method: string, pathWithQuery: string): Record<string, string>;
}

export function stringToSign(method: string, pathWithQuery: string, timestamp: string, accessKey: string): string {
  return `${method.toUpperCase()} ${pathWithQuery}\n${timestamp}\n${accessKey}`;
}

export function createSigner(accessKey: string, secretKey: string, now: () => number = Date.now): Signer {
  return {
    accessKey,
    sign(method, pathWithQuery) {
      const timestamp = String(Math.trunc(now()));
      const signature = createHmac('sha256', Buffer.from(secretKey, 'utf8'))
        .update(stringToSign(method, pathWithQuery, timestamp, accessKey), 'utf8')
        .digest('base64');
      return {
        [SIGNATURE_HEADERS.timestamp]: timestamp,
        [SIGNATURE_HEADERS.accessKey]: accessKey,
        [SIGNATURE_HEADERS.signature]: signature,
      };
    },
  };
}
