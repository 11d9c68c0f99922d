/**
 * sentences: what the gateway tells a client about each kind of failure, written once.
 *
 *   - {@link upstreamFailure}: failures of one exchange with an upstream, by kind (timeout,
 *     unreachable, too large, bad response, breaker open, cut by the deadline);
 *   - {@link upstreamStatusError}: an upstream's HTTP error status, through one status-to-code
 *     table with per-service overrides (Keystone answers every refusal of the gateway's own
 *     credentials with some 4xx; Nova's 406 is a microversion the gateway asked for…).
 *
 * Upstream clients add only what is theirs on top (NCP's errorCodes, Nova's fault names).
 */
import { ErrorCode, GatewayError, type UpstreamErrorInfo } from './vocabulary';

export type Service = UpstreamErrorInfo['service'];

/** How a sentence names each upstream. */
export const SERVICE_LABELS: Record<Service, string> = {
  cloudfunctions: 'Cloud Functions API',
  compute: 'compute API',
  identity: 'identity service',
};

export function serviceLabel(service: Service): string {
  return SERVICE_LABELS[service];
}

type Kind = 'timeout' | 'unreachable' | 'tooLarge' | 'badResponse' | 'breakerOpen';

const KINDS: Record<Kind, { code: ErrorCode; sentence: (label: string) => string }> = {
  timeout: { code: ErrorCode.UPSTREAM_TIMEOUT, sentence: (l) => `The ${l} did not answer in time.` },
  unreachable: { code: ErrorCode.UPSTREAM_UNAVAILABLE, sentence: (l) => `The ${l} could not be reached.` },
  tooLarge: { code: ErrorCode.UPSTREAM_BAD_RESPONSE, sentence: (l) => `The ${l} sent a response that is too large.` },
  badResponse: { code: ErrorCode.UPSTREAM_BAD_RESPONSE, sentence: (l) => `The ${l} answered with an unexpected body.` },
  breakerOpen: {
    code: ErrorCode.UPSTREAM_UNAVAILABLE,
    sentence: (l) => `The ${l} is failing; the gateway is not calling it for a moment.`,
  },
};

export interface FailureDetails {
  status?: number;
  /** Server-side only: the underlying error, logged but never sent. */
  cause?: unknown;
}

/** The GatewayError of one kind of failure of an exchange with `service`. */
export function upstreamFailure(kind: Kind, service: Service, details: FailureDetails = {}): GatewayError {
  const { code, sentence } = KINDS[kind];
  return new GatewayError(code, sentence(serviceLabel(service)), {
    upstream: { service, ...(details.status !== undefined ? { status: details.status } : {}) },
    ...(details.cause !== undefined ? { cause: details.cause } : {}),
  });
}

export interface StatusDetails {
  /** The upstream's own error code (NCP errorCode, Nova fault name), passed on to the client. */
  errorCode?: string;
  /** The upstream's explanation of a 400, already made safe to show. */
  details?: string;
  retryAfterSeconds?: number;
  /** The compute microversion sent (for Nova's 406). */
  microversion?: string;
}

type Rule = { code: ErrorCode; sentence: (label: string, d: StatusDetails) => string };

const rule = (code: ErrorCode, sentence: Rule['sentence']): Rule => ({ code, sentence });
const rejected = (l: string, d: StatusDetails) =>
  d.details ? `The ${l} rejected the request: ${d.details}` : `The ${l} rejected the request as invalid.`;

/** The status-to-code table, for any upstream. */
const BY_STATUS: Record<number, Rule> = {
  400: rule(ErrorCode.BAD_USER_INPUT, rejected),
  401: rule(ErrorCode.UPSTREAM_AUTH_FAILED, (l) => `The ${l} rejected the gateway's credentials.`),
  403: rule(ErrorCode.FORBIDDEN, () => "The gateway's cloud credentials are not permitted to do this."),
  404: rule(ErrorCode.NOT_FOUND, () => 'Not found.'),
  409: rule(ErrorCode.CONFLICT, () => 'The request conflicts with the current state.'),
  413: rule(ErrorCode.BAD_USER_INPUT, (l) => `The request is too large for the ${l}.`),
  429: rule(ErrorCode.RATE_LIMITED, (l) => `The ${l} is limiting requests; retry later.`),
  504: rule(ErrorCode.UPSTREAM_TIMEOUT, KINDS.timeout.sentence),
};
const SERVER_ERROR = rule(ErrorCode.UPSTREAM_UNAVAILABLE, (l) => `The ${l} failed to answer.`);
const UNEXPECTED = rule(ErrorCode.UPSTREAM_BAD_RESPONSE, (l) => `The ${l} answered unexpectedly.`);

const credentialsRefused = rule(
  ErrorCode.UPSTREAM_AUTH_FAILED,
  () => "The identity service rejected the gateway's OpenStack credentials.",
);

/** Where an upstream's statuses mean something else than the table says. */
const OVERRIDES: Record<Service, Record<number, Rule>> = {
  cloudfunctions: {},
  compute: {
    401: rule(ErrorCode.UPSTREAM_AUTH_FAILED, (l) => `The ${l} rejected the gateway's token.`),
    403: rule(ErrorCode.FORBIDDEN, () => "The gateway's OpenStack credentials are not permitted to do this."),
    406: rule(
      ErrorCode.UPSTREAM_CONFIGURATION,
      (l, d) =>
        `The ${l} does not support microversion ${d.microversion ?? '(configured)'}: ` +
        'set NOVA_MICROVERSION to a version it supports.',
    ),
    409: rule(ErrorCode.CONFLICT, () => 'The request conflicts with the server state.'),
    // Nova's overLimit.
    413: BY_STATUS[429]!,
  },
  // Whatever Keystone refuses, it is the gateway's own credentials (the request is always the same).
  identity: { 400: credentialsRefused, 401: credentialsRefused, 403: credentialsRefused, 404: credentialsRefused },
};

/** The GatewayError of an upstream's HTTP error status. */
export function upstreamStatusError(service: Service, status: number, details: StatusDetails = {}): GatewayError {
  const chosen = OVERRIDES[service][status] ?? BY_STATUS[status] ?? (status >= 500 ? SERVER_ERROR : UNEXPECTED);
  return new GatewayError(chosen.code, chosen.sentence(serviceLabel(service), details), {
    upstream: { service, status, ...(details.errorCode !== undefined ? { errorCode: details.errorCode } : {}) },
    ...(details.retryAfterSeconds !== undefined ? { retryAfterSeconds: details.retryAfterSeconds } : {}),
  });
}

const status400 = { httpStatus: 400 } as const;

/** A per-client rate limit's refusal: the whole request fails, HTTP 429 with Retry-After (whole seconds). */
function rateLimited(sentence: string, retryAfterSeconds: number): GatewayError {
  return new GatewayError(ErrorCode.RATE_LIMITED, `${sentence} Retry in ${retryAfterSeconds} s.`, {
    httpStatus: 429,
    httpHeaders: { 'retry-after': String(retryAfterSeconds) },
    retryAfterSeconds,
  });
}

/**
 * Refusals of an operation by the gateway itself, before or outside any upstream call. Those that
 * fail a whole HTTP request carry its status (400; 429 with Retry-After for a client's rate limit).
 */
export const refusals = {
  tooDeep: (what: string, max: number) =>
    new GatewayError(ErrorCode.BAD_USER_INPUT, `${what} nest deeper than the limit of ${max} levels.`, status400),
  tooExpensive: (cost: number, max: number) =>
    new GatewayError(
      ErrorCode.GRAPHQL_VALIDATION_FAILED,
      `The operation is too expensive: its cost is ${Math.ceil(cost)}, the limit is ${max}. ` +
        'Ask for smaller pages or fewer nested lists.',
      status400,
    ),
  subscriptionOverHttp: () =>
    new GatewayError(
      ErrorCode.BAD_REQUEST,
      'Subscriptions run over WebSocket: connect a graphql-ws client (protocol graphql-transport-ws) ' +
        'to this same URL with ws:// or wss://.',
      status400,
    ),
  unknownOperation: (name: string) =>
    new GatewayError(ErrorCode.OPERATION_RESOLUTION_FAILURE, `Unknown operation named "${name}".`, status400),
  ambiguousOperation: () =>
    new GatewayError(
      ErrorCode.OPERATION_RESOLUTION_FAILURE,
      'Must provide operation name if query contains multiple operations.',
      status400,
    ),
  untrustedDocument: () =>
    new GatewayError(
      ErrorCode.PERSISTED_QUERY_REQUIRED,
      'Only trusted operations are accepted: send the documentId of a persisted document.',
      status400,
    ),
  unknownDocumentId: () =>
    new GatewayError(
      ErrorCode.PERSISTED_QUERY_NOT_FOUND,
      'Unknown documentId: it is not in the persisted documents.',
      status400,
    ),
  unknownPersistedQuery: () =>
    new GatewayError(
      ErrorCode.PERSISTED_QUERY_NOT_FOUND,
      'Unknown persisted query: it is not in the persisted documents.',
      status400,
    ),
  unserializableBody: () =>
    new GatewayError(ErrorCode.BAD_USER_INPUT, 'The request body cannot be sent: it is not serializable JSON.'),
  missingScope: (scope: string) => new GatewayError(ErrorCode.FORBIDDEN, `This field needs the scope ${scope}.`),
  tooManyOperations: (limit: number) =>
    new GatewayError(
      ErrorCode.RATE_LIMITED,
      `Too many operations in flight on this connection (the limit is ${limit}); wait for one to end.`,
    ),
  credentialRevoked: () =>
    new GatewayError(
      ErrorCode.UNAUTHENTICATED,
      'The API key of this connection has been revoked; reconnect with another one.',
    ),
  credentialExpired: () =>
    new GatewayError(
      ErrorCode.UNAUTHENTICATED,
      'The credential of this connection has expired; reconnect with a new one.',
    ),
  shuttingDown: () =>
    new GatewayError(
      ErrorCode.SHUTTING_DOWN,
      'The gateway is shutting down; reconnect (another replica, or this one restarted, will answer).',
    ),
  cancelledBeforeRun: () => new GatewayError(ErrorCode.BAD_REQUEST, 'The operation was cancelled before it ran.'),
  tooManyOperationsForClient: (rate: string, retryAfterSeconds: number) =>
    rateLimited(`Too many operations from this client: its limit is ${rate}.`, retryAfterSeconds),
  tooManyInvokesForClient: (rate: string, retryAfterSeconds: number) =>
    rateLimited(
      `Too many invokeAction calls from this client: its limit is ${rate} (each invokeAction field counts).`,
      retryAfterSeconds,
    ),
  invokeSlotsBusy: (cap: number, retryAfterSeconds: number) =>
    new GatewayError(
      ErrorCode.RATE_LIMITED,
      `Too many runs in flight on Cloud Functions: the gateway runs at most ${cap} at once. ` +
        `Retry in ${retryAfterSeconds} s.`,
      { retryAfterSeconds },
    ),
  sharedAnswerTimedOut: () =>
    new GatewayError(
      ErrorCode.UPSTREAM_TIMEOUT,
      'The operation did not get its answer in time: the identical operation it waited for had not finished.',
    ),
  tooManyWatchedRuns: (max: number) =>
    new GatewayError(
      ErrorCode.RATE_LIMITED,
      `The gateway is already watching as many runs as it may (${max}); ` +
        'try again shortly, or read the run later with Query.activation.',
      { retryAfterSeconds: 5 },
    ),
  runNotFinished: (waitedSeconds: number) =>
    new GatewayError(
      ErrorCode.UPSTREAM_TIMEOUT,
      `The run did not finish within ${waitedSeconds} s of subscribing; read it later with Query.activation.`,
    ),
  subscriptionEnded: () =>
    new GatewayError(ErrorCode.UPSTREAM_TIMEOUT, 'The subscription ended before the run finished.'),
  noSuchAction: (action: string, platform: string) =>
    new GatewayError(ErrorCode.NOT_FOUND, `No action ${action} on the ${platform} platform.`),
  noSuchRun: (id: string, action: string, limitSeconds: number) =>
    new GatewayError(
      ErrorCode.NOT_FOUND,
      `No run ${id} of the action ${action}: a run of it ends within its time limit of ${limitSeconds} s, ` +
        'and none with this id has been recorded.',
    ),
};
