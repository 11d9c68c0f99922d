/**
 * errors: NCP error bodies -> the gateway's vocabulary (docs/upstream/cloud-functions.md#envelopes,
 * #error-codes; docs/upstream/signing.md#gateway-error-codes).
 *
 * Body: `{"error":{"errorCode": "80101" | 80101, "message": "...", "details": "..."}}`. The
 * errorCode arrives as a string or a number and is normalised to a string. The client gets our own
 * sentence, the HTTP status and the upstream errorCode; the upstream `details` are passed on only
 * for 400s (they explain which input was wrong, e.g. "limits.timeout is required"), stripped of
 * markup and of anything that looks like a URL.
 */
import { ErrorCode, GatewayError, upstreamStatusError } from '../../errors';
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
/** Statuses that say what went wrong whatever the errorCode. */
const CLIENT_STATUSES = new Set([400, 401, 403, 404, 409, 413, 429]);

/** What a request was about, to name it in the messages that need to (not found, other platform). */
export interface NcpTarget {
  platform: string;
  package?: string;
  action?: string;
}

export interface NcpErrorOptions {
  retryAfterSeconds?: number | undefined;
  /** What shown details must never carry (the gateway's own access key, which an upstream might echo). */
  redact?: readonly string[];
  target?: NcpTarget;
}

/** `"pkg/action"`, or `"action"` for one in no package (`-`). */
function actionLabel(target: NcpTarget): string {
  return !target.package || target.package === '-' ? `"${target.action}"` : `"${target.package}/${target.action}"`;
}

/** The GatewayError of an NCP error answer. */
export function ncpError(status: number, body: unknown, options: NcpErrorOptions = {}): GatewayError {
  const { retryAfterSeconds, redact = [], target } = options;
  const { errorCode, details } = readNcpError(body);
  const upstream = { service: 'cloudfunctions' as const, status, ...(errorCode !== undefined ? { errorCode } : {}) };
  const make = (code: ErrorCode, message: string) =>
    new GatewayError(code, message, { upstream, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) });

  // NCP's own codes first, where they mean more than their status.
  if (errorCode !== undefined && TRANSIENT_CODES.has(errorCode)) {
    return make(
      ErrorCode.UPSTREAM_UNAVAILABLE,
      errorCode === '80031'
        ? 'Cloud Functions is temporarily unavailable; try again in a few minutes.'
        : "The action's VPC subnet connection is not ready; try again later.",
    );
  }
  if (errorCode === '80102') {
    const what = target?.package ? `The package "${target.package}"` : 'The package';
    return make(
      ErrorCode.BAD_USER_INPUT,
      `${what} is not on the ${target?.platform ?? 'requested'} platform: it exists on the other one.`,
    );
  }
  if (errorCode === '80302') {
    const what = target?.action ? `The action ${actionLabel(target)}` : 'The action';
    return make(
      ErrorCode.BAD_USER_INPUT,
      `${what} is not on the ${target?.platform ?? 'requested'} platform: it exists on the other one.`,
    );
  }
  if (status === 404 && target && (target.action || target.package)) {
    const what = target.action ? `action ${actionLabel(target)}` : `package "${target.package}"`;
    return make(ErrorCode.NOT_FOUND, `No ${what} on the ${target.platform} platform.`);
  }
  if (errorCode === '80109') return make(ErrorCode.CONFLICT, 'The package still contains actions.');
  // The API Gateway's "Endpoint Timeout" (errorCode 510), on a status that does not say more itself.
  const effective = errorCode === '510' && (status >= 500 || !CLIENT_STATUSES.has(status)) ? 504 : status;
  const why = status === 400 && details ? sanitizeUpstreamText(details, redact) : '';
  return upstreamStatusError('cloudfunctions', effective, {
    ...(errorCode !== undefined ? { errorCode } : {}),
    ...(why ? { details: why } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  });
}
