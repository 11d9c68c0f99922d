/**
 * errors: NCP error bodies -> the gateway's vocabulary (upstream-api.md 1.3, 1.4, 2.3, 2.4).
 *
 * Body: `{"error":{"errorCode": "80101" | 80101, "message": "...", "details": "..."}}`. The
 * errorCode arrives as a string or a number and is normalised to a string. The client gets our own
 * sentence, the HTTP status and the upstream errorCode; the upstream `details` are passed on only
 * for 400s (they explain which input was wrong, e.g. "limits.timeout is required"), stripped of
 * markup and of anything that looks like a URL.
 */
import { ErrorCode, GatewayError } from '../../errors';
import { sanitizeUpstreamText } from '../http';

export interface NcpErrorBody {
  errorCode?: string;
  message?: string;
  details?: string;
}

/** Reads `{error:{...}}`, tolerating a number errorCode and a missing envelope. */
export function readNcpError(body: unknown): NcpErrorBody {
  if (!body || typeof body !== 'object') return {};
  const inner = (body as { error?: unknown }).error;
  if (!inner || typeof inner !== 'object') return {};
  const e = inner as Record<string, unknown>;
  const code = e.errorCode;
  return {
    errorCode: typeof code === 'string' || typeof code === 'number' ? String(code) : undefined,
    message: typeof e.message === 'string' ? e.message : undefined,
    details: typeof e.details === 'string' ? e.details : undefined,
  };
}

/** Codes the upstream documents as transient even though they come with a 4xx/5xx status. */
const TRANSIENT_CODES = new Set(['80031', '81311', '81312', '81313', '81314']);

/**
 * The GatewayError of an NCP error answer. `redact` lists what shown details must never carry (the
 * gateway's own access key, which an upstream might echo).
 */
export function ncpError(status: number, body: unknown, retryAfterSeconds?: number, redact: readonly string[] = []): GatewayError {
  const { errorCode, details } = readNcpError(body);
  const upstream = { service: 'cloudfunctions' as const, status, ...(errorCode !== undefined ? { errorCode } : {}) };
  const make = (code: ErrorCode, message: string) =>
    new GatewayError(code, message, { upstream, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) });

  if (errorCode !== undefined && TRANSIENT_CODES.has(errorCode)) {
    return make(
      ErrorCode.UPSTREAM_UNAVAILABLE,
      errorCode === '80031'
        ? 'Cloud Functions is temporarily unavailable; try again in a few minutes.'
        : "The action's VPC subnet connection is not ready; try again later.",
    );
  }
  switch (status) {
    case 400: {
      if (errorCode === '80102') return make(ErrorCode.BAD_USER_INPUT, 'The package exists on the other platform.');
      if (errorCode === '80302') return make(ErrorCode.BAD_USER_INPUT, 'The action exists on the other platform.');
      const why = details ? sanitizeUpstreamText(details, redact) : '';
      return make(ErrorCode.BAD_USER_INPUT, why ? `Cloud Functions rejected the request: ${why}` : 'Cloud Functions rejected the request as invalid.');
    }
    case 401:
      return make(ErrorCode.UPSTREAM_AUTH_FAILED, "Cloud Functions rejected the gateway's credentials.");
    case 403:
      return make(ErrorCode.FORBIDDEN, "The gateway's cloud credentials are not permitted to do this.");
    case 404:
      return make(ErrorCode.NOT_FOUND, 'Not found.');
    case 409:
      return make(
        ErrorCode.CONFLICT,
        errorCode === '80109' ? 'The package still contains actions.' : 'The request conflicts with the current state.',
      );
    case 413:
      return make(ErrorCode.BAD_USER_INPUT, 'The request is too large for Cloud Functions.');
    case 429:
      return make(ErrorCode.RATE_LIMITED, 'Cloud Functions is throttling requests; retry later.');
    case 504:
      return make(ErrorCode.UPSTREAM_TIMEOUT, 'Cloud Functions did not answer in time.');
    default:
      if (errorCode === '510') return make(ErrorCode.UPSTREAM_TIMEOUT, 'Cloud Functions did not answer in time.');
      if (status >= 500) return make(ErrorCode.UPSTREAM_UNAVAILABLE, 'Cloud Functions failed to answer.');
      return make(ErrorCode.UPSTREAM_BAD_RESPONSE, 'Cloud Functions answered unexpectedly.');
  }
}
