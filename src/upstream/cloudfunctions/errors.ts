/**
 * errors: NCP error bodies -> the gateway's vocabulary (docs/upstream/cloud-functions.md#envelopes,
 * #error-codes; docs/upstream/signing.md#gateway-error-codes).
 *
 * Body: `{"error":{"errorCode": "80101" | 80101, "message": "...", "details": "..."}}`. The
 * errorCode arrives as a string or a number and is normalised to a string. The client gets our own
 * sentence, the HTTP status and the upstream errorCode; the upstream `details` are passed on only
 * for 400s (they explain which input was wrong, e.g. "limits.timeout is required"), stripped of
 * markup and of anything that looks like a URL. The codes that mean more than their status (801xx,
 * 803xx, 805xx triggers, 8052x links, 813xx VPC) have their own sentences (src/errors/sentences.ts).
 */
import { actionLabel, ErrorCode, GatewayError, NCP_CODES, upstreamStatusError } from '../../errors';
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

/** Statuses that say what went wrong whatever the errorCode. */
const CLIENT_STATUSES = new Set([400, 401, 403, 404, 409, 413, 429]);

/** What a request was about, to name it in the messages that need to (not found, other platform). */
export interface NcpTarget {
  platform: string;
  package?: string;
  action?: string;
  trigger?: string;
}

export interface NcpErrorOptions {
  retryAfterSeconds?: number | undefined;
  /** What shown details must never carry (the gateway's own access key, which an upstream might echo). */
  redact?: readonly string[];
  target?: NcpTarget;
}

/** The GatewayError of an NCP error answer. */
export function ncpError(status: number, body: unknown, options: NcpErrorOptions = {}): GatewayError {
  const { retryAfterSeconds, redact = [], target } = options;
  const { errorCode, details } = readNcpError(body);
  const upstream = { service: 'cloudfunctions' as const, status, ...(errorCode !== undefined ? { errorCode } : {}) };
  const make = (code: ErrorCode, message: string) =>
    new GatewayError(code, message, { upstream, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) });

  const why = status === 400 && details ? sanitizeUpstreamText(details, redact) : '';

  // NCP's own codes first, where they mean more than their status (src/errors/sentences.ts NCP_CODES).
  const known = errorCode === undefined ? undefined : NCP_CODES[errorCode];
  if (known) return make(known.code, known.sentence(target ?? {}, why || undefined));
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
  if (status === 404 && target && (target.trigger || target.action || target.package)) {
    const what = target.trigger
      ? `trigger "${target.trigger}"`
      : target.action
        ? `action ${actionLabel(target)}`
        : `package "${target.package}"`;
    return make(ErrorCode.NOT_FOUND, `No ${what} on the ${target.platform} platform.`);
  }
  // The API Gateway's "Endpoint Timeout" (errorCode 510), on a status that does not say more itself.
  const effective = errorCode === '510' && (status >= 500 || !CLIENT_STATUSES.has(status)) ? 504 : status;
  return upstreamStatusError('cloudfunctions', effective, {
    ...(errorCode !== undefined ? { errorCode } : {}),
    ...(why ? { details: why } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
  });
}
