/**
 * vocabulary: the gateway's one error vocabulary and its error class.
 *
 * Every error a client receives carries `extensions.code` from {@link ErrorCode}. Errors that come
 * from an upstream also carry `extensions.upstream = { service, status, errorCode }`: enough for a
 * client or an operator to tell a quota from a bad credential, and nothing more. Never the upstream
 * URL, its query string, request or response headers, the raw body, or anything signed.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

export const ErrorCode = {
  /** The HTTP request itself is malformed (bad JSON, wrong content type, too large). Apollo uses it too. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** The document is not valid GraphQL, or has too many tokens (Apollo's code). */
  GRAPHQL_PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  /** The operation does not fit the schema, or exceeds a depth, alias, directive or cost limit (Apollo's code). */
  GRAPHQL_VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  /** `operationName` names no operation of the document, or several operations and none named (Apollo's code). */
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  /**
   * A persisted query hash or documentId the gateway does not know (Apollo's code): send the full query,
   * if allowed.
   */
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
