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

/** What an NCP Cloud Functions error is about, for the sentences that name it. */
export interface NcpSubject {
  platform?: string;
  package?: string;
  action?: string;
  trigger?: string;
}

/** `"pkg/action"`, or `"action"` for one in no package (`-`). */
export function actionLabel(s: NcpSubject): string {
  return !s.package || s.package === '-' ? `"${s.action}"` : `"${s.package}/${s.action}"`;
}

const theTrigger = (s: NcpSubject) => (s.trigger ? `The trigger "${s.trigger}"` : 'The trigger');
const because = (details: string | undefined) => (details ? `: ${details}` : '.');

/**
 * NCP Cloud Functions errorCodes that say more than their HTTP status, with their code in the
 * vocabulary and the sentence the client gets (docs/upstream/triggers.md#error-codes,
 * docs/upstream/cloud-functions.md#error-codes): 801xx packages, 803xx actions, 805xx triggers, 8052x
 * trigger-to-action links, 813xx the VPC connection of an action. 80503, 80505 and 80506 are the
 * emulator's choices for undocumented cases (inferred); 80103 and 80303 likewise.
 */
export const NCP_CODES: Record<string, { code: ErrorCode; sentence: (s: NcpSubject, details?: string) => string }> = {
  '80031': {
    code: ErrorCode.UPSTREAM_UNAVAILABLE,
    sentence: () => 'Cloud Functions is temporarily unavailable; try again in a few minutes.',
  },
  '80103': {
    code: ErrorCode.CONFLICT,
    sentence: (s) => `A package named "${s.package}" already exists, or another resource has its name.`,
  },
  '80109': {
    code: ErrorCode.CONFLICT,
    sentence: (s) =>
      `The package${s.package ? ` "${s.package}"` : ''} still contains actions: delete them first, then the package.`,
  },
  '80303': {
    code: ErrorCode.CONFLICT,
    sentence: (s) => `An action named ${actionLabel(s)} already exists, or another resource has its name.`,
  },
  '80501': {
    code: ErrorCode.NOT_FOUND,
    sentence: (s) => `No trigger${s.trigger ? ` "${s.trigger}"` : ''} on the ${s.platform ?? 'requested'} platform.`,
  },
  '80502': {
    code: ErrorCode.BAD_USER_INPUT,
    sentence: (s) =>
      `${theTrigger(s)} is not on the ${s.platform ?? 'requested'} platform: it exists on the other one.`,
  },
  '80503': {
    code: ErrorCode.CONFLICT,
    sentence: (s) => `${theTrigger(s)} already exists, or another resource has its name.`,
  },
  '80505': { code: ErrorCode.BAD_USER_INPUT, sentence: (s, d) => `${theTrigger(s)} was refused${because(d)}` },
  '80506': { code: ErrorCode.BAD_USER_INPUT, sentence: (s, d) => `${theTrigger(s)} misses a field${because(d)}` },
  '80511': {
    code: ErrorCode.BAD_USER_INPUT,
    sentence: (s, d) => `${theTrigger(s)} refused the runtime parameters${because(d)}`,
  },
  '80512': {
    code: ErrorCode.CONFLICT,
    sentence: (s) => `${theTrigger(s)} has no linked action to run: link one first.`,
  },
  '80520': {
    code: ErrorCode.BAD_USER_INPUT,
    sentence: (_s, d) => `The trigger-to-action link was refused (a field has the wrong type)${because(d)}`,
  },
  '80521': {
    code: ErrorCode.BAD_USER_INPUT,
    sentence: (_s, d) => `The trigger-to-action link was refused (a field is missing)${because(d)}`,
  },
  '81311': {
    code: ErrorCode.UPSTREAM_UNAVAILABLE,
    sentence: () => "Cloud Functions could not look up the action's VPC subnet; try again later.",
  },
  '81312': {
    code: ErrorCode.UPSTREAM_UNAVAILABLE,
    sentence: () => 'Cloud Functions could not connect the action to its VPC subnet; try again later.',
  },
  '81313': {
    code: ErrorCode.UPSTREAM_UNAVAILABLE,
    sentence: () => "The action's VPC subnet connection is still being set up; try again shortly.",
  },
  '81314': {
    code: ErrorCode.UPSTREAM_UNAVAILABLE,
    sentence: () => "The action's VPC subnet is being disconnected; try again later.",
  },
};

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
  // The console's writes (src/resolvers/console-writes.ts): what they check before any upstream call.
  alreadyExists: (what: string, platform: string) =>
    new GatewayError(
      ErrorCode.CONFLICT,
      `${what} already exists on the ${platform} platform: create never replaces one (update it instead).`,
    ),
  doesNotExist: (what: string, platform: string) =>
    new GatewayError(
      ErrorCode.NOT_FOUND,
      `${what} does not exist on the ${platform} platform: update never creates one (create it instead).`,
    ),
  notFoundOn: (what: string, platform: string) =>
    new GatewayError(ErrorCode.NOT_FOUND, `${what} does not exist on the ${platform} platform.`),
  alreadyLinked: (action: string, trigger: string) =>
    new GatewayError(ErrorCode.CONFLICT, `The action ${action} is already linked to the trigger "${trigger}".`),
  notLinked: (action: string, trigger: string) =>
    new GatewayError(ErrorCode.NOT_FOUND, `The action ${action} is not linked to the trigger "${trigger}".`),
  nothingLinked: (trigger: string) =>
    new GatewayError(
      ErrorCode.CONFLICT,
      `The trigger "${trigger}" has no linked action to run: link one first (linkTrigger).`,
    ),
  nameTaken: (name: string, holder: string) =>
    new GatewayError(
      ErrorCode.BAD_USER_INPUT,
      `The name "${name}" is taken by ${holder}: NCP requires packages, triggers and actions in no package ` +
        'to have different names.',
    ),
  immutableType: (what: string, current: string, asked: string) =>
    new GatewayError(
      ErrorCode.BAD_USER_INPUT,
      `${what} is of type ${current}, not ${asked}: a type cannot change after creation.`,
    ),
  missingComponent: (component: string, platform: string) =>
    new GatewayError(
      ErrorCode.BAD_USER_INPUT,
      `The sequence component "${component}" does not exist on the ${platform} platform.`,
    ),
  unusableCurrent: (what: string, missing: string) =>
    new GatewayError(
      ErrorCode.UPSTREAM_BAD_RESPONSE,
      `${what} cannot be updated: the Cloud Functions API did not send its ${missing}.`,
    ),
  noSuchRun: (id: string, action: string, limitSeconds: number) =>
    new GatewayError(
      ErrorCode.NOT_FOUND,
      `No run ${id} of the action ${action}: a run of it ends within its time limit of ${limitSeconds} s, ` +
        'and none with this id has been recorded.',
    ),
};
