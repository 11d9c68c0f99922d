/**
 * errors: the gateway's one error vocabulary, and the rule that decides what a client may see.
 *
 * Every error a client receives carries `extensions.code` from {@link ErrorCode}. Errors that come
 * from an upstream also carry `extensions.upstream = { service, status, errorCode }`: enough for a
 * client or an operator to tell a quota from a bad credential, and nothing more. Never the upstream
 * URL, its query string, request or response headers, the raw body, or anything signed.
 *
 * Masking is an allowlist, not a denylist (the graphql-yoga rule): an error reaches the client
 * unchanged only when it was raised on purpose:
 *   - a {@link GatewayError} (which resolvers, loaders and upstream clients throw), or
 *   - a GraphQLError created by graphql-js or Apollo Server themselves (syntax, validation,
 *     variable coercion, a scalar rejecting its input).
 * Anything else (a TypeError in a resolver, an undici error that escaped the client, a bug) becomes
 * "Internal server error" with code INTERNAL_SERVER_ERROR; the original is logged on the server with
 * the request id, which the client also receives, so the two can be matched.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';

export const ErrorCode = {
  /** The HTTP request itself is malformed (bad JSON, wrong content type, too large). Apollo uses it too. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** The document is not valid GraphQL, or has too many tokens (Apollo's code). */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /** The operation does not fit the schema, or exceeds a depth, alias, directive or cost limit (Apollo's code). */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** `operationName` names no operation of the document, or several operations and none named (Apollo's code). */
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  /** A persisted query hash or documentId the gateway does not know (Apollo's code): send the full query, if allowed. */
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  /** Trusted-documents mode: only operations of the persisted-documents manifest are accepted. */
  PERSISTED_QUERY_REQUIRED: 'PERSISTED_QUERY_REQUIRED',
  /** The client sent something the gateway or the upstream rejects as invalid. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** The client is not authenticated to the gateway. */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The identity provider that vouches for client tokens (its JWKS) cannot be reached: retry later (HTTP 503). */
  AUTH_UNAVAILABLE: 'AUTH_UNAVAILABLE',
  /** The caller (or the gateway's upstream credential) may not do this. */
  FORBIDDEN: 'FORBIDDEN',
  /** A mutation addressed something that does not exist (queries answer null instead). */
  NOT_FOUND: 'NOT_FOUND',
  /** The change conflicts with the resource's state (for example a package that still has actions). */
  CONFLICT: 'CONFLICT',
  /** The upstream (or the gateway) throttled the call; retry later. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** The upstream rejected the gateway's own credentials or signature: an operator must act. */
  UPSTREAM_AUTH_FAILED: 'UPSTREAM_AUTH_FAILED',
  /** The upstream could not be reached or failed; retrying later may help. */
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  /** The upstream did not answer in time, or the operation's deadline passed. */
  UPSTREAM_TIMEOUT: 'UPSTREAM_TIMEOUT',
  /** The upstream answered with something the gateway cannot use. */
  UPSTREAM_BAD_RESPONSE: 'UPSTREAM_BAD_RESPONSE',
  /** The gateway is misconfigured for this upstream (for example an unsupported API version). */
  UPSTREAM_CONFIGURATION: 'UPSTREAM_CONFIGURATION',
  /** This gateway process is shutting down: retry, and another replica (or the restarted one) answers. */
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  /** Anything unexpected. The message is generic; the server log has the details. */
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** What a client may learn about an upstream failure. */
export interface UpstreamErrorInfo {
  service: 'cloudfunctions' | 'compute' | 'identity';
  status?: number;
  errorCode?: string;
}

export interface GatewayErrorOptions {
  upstream?: UpstreamErrorInfo;
  /** HTTP status for errors that fail the whole request (Apollo reads extensions.http). */
  httpStatus?: number;
  /** HTTP headers to send with such an error (e.g. WWW-Authenticate). */
  httpHeaders?: Record<string, string>;
  /** Seconds after which a retry may succeed (from Retry-After), when known. */
  retryAfterSeconds?: number;
  /** Server-side only: the underlying error, logged but never sent. */
  cause?: unknown;
}

/** The only error class the gateway throws on purpose. Its message is written for the client. */
export class GatewayError extends GraphQLError {
  readonly code: ErrorCode;
  readonly upstream: UpstreamErrorInfo | undefined;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    const extensions: Record<string, unknown> = { code };
    if (options.upstream) extensions.upstream = { ...options.upstream };
    if (options.retryAfterSeconds !== undefined) extensions.retryAfterSeconds = options.retryAfterSeconds;
    super(message, { extensions });
    if (options.httpStatus !== undefined) {
      // Apollo reads extensions.http to choose the status and headers, and strips it from the response.
      this.extensions.http = {
        status: options.httpStatus,
        ...(options.httpHeaders ? { headers: new Map(Object.entries(options.httpHeaders)) } : {}),
      };
    }
    this.name = 'GatewayError';
    this.code = code;
    this.upstream = options.upstream;
    // Kept off the enumerable properties so that no serializer ever sends or logs it by accident.
    Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false });
  }

  /** Logged form (pino uses toJSON when present): code, message and upstream facts only. */
  override toJSON(): GraphQLFormattedError {
    return { message: this.message, extensions: this.extensions };
  }
}

export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError;
}

export function badInput(message: string): GatewayError {
  return new GatewayError(ErrorCode.BAD_USER_INPUT, message);
}

/**
 * True when the error was raised on purpose:
 *   - a GatewayError, anywhere;
 *   - before execution (no `path`: syntax, validation, variable coercion, a scalar rejecting an
 *     input), a GraphQLError created by graphql-js or Apollo: its innermost original, if any, is
 *     itself a GraphQLError.
 * During execution (the error has a `path`), only GatewayErrors pass: graphql-js's own errors there
 * (a value that does not serialize, a null in a non-null field) describe upstream data and are masked.
 */
export function isDeliberateError(error: unknown): boolean {
  let current: unknown = unwrapResolverError(error);
  if (isGatewayError(current)) return true;
  if (!(current instanceof GraphQLError)) return false;
  if (error instanceof GraphQLError && error.path !== undefined) return false;
  while (current instanceof GraphQLError && current.originalError) {
    current = current.originalError;
  }
  return current instanceof GraphQLError;
}

export const MASKED_MESSAGE = 'Internal server error';

/** graphql-js's "Did you mean …?" hint at the end of a message (fields, arguments, types, enum values). */
const SUGGESTION = / ?Did you mean [^]*\?$/;

/**
 * The error formatter of every transport. Passes deliberate errors and masks the rest (see
 * {@link formatError}); with `hideSuggestions` (a schema that is not public), also removes the
 * "Did you mean …?" hints that would describe it.
 */
export function createErrorFormatter(options: { hideSuggestions: boolean }) {
  if (!options.hideSuggestions) return formatError;
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const safe = formatError(formatted, error);
    return SUGGESTION.test(safe.message) ? { ...safe, message: safe.message.replace(SUGGESTION, '') } : safe;
  };
}

export type ErrorFormatter = ReturnType<typeof createErrorFormatter>;

/**
 * The one error envelope of every answer that is an error as a whole (HTTP 4xx/5xx bodies,
 * refusals before GraphQL runs): `{ errors: [{ message, extensions: { code, requestId } }] }`.
 */
export function errorEnvelope(code: ErrorCode, message: string, requestId: string, extra: Record<string, unknown> = {}) {
  return { errors: [{ message, extensions: { code, requestId, ...extra } }] };
}

/**
 * Apollo's formatError: passes deliberate errors, masks the rest. Never throws.
 * Stack traces are never included (includeStacktraceInErrorResponses is off as well).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  if (isDeliberateError(error)) {
    const { extensions, ...rest } = formatted;
    const { stacktrace: _stack, exception: _exception, ...safe } = (extensions ?? {}) as Record<string, unknown>;
    // A request-level error Apollo raised without a code of its own (a malformed persisted-query
    // extension, say) is the client's mistake; Apollo would label it INTERNAL_SERVER_ERROR.
    const original = unwrapResolverError(error);
    if (original instanceof GraphQLError && original.extensions?.code === undefined) safe.code = ErrorCode.BAD_REQUEST;
    return { ...rest, extensions: safe };
  }
  return {
    message: MASKED_MESSAGE,
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}
