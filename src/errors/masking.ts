/**
 * masking: the rule that decides what a client may see of an error, the same on every transport.
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
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode, isGatewayError } from './vocabulary';

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
