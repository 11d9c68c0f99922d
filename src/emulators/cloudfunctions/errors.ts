// Error bodies of the emulated API. Two vocabularies meet here: the API Gateway's own codes
// (100, 200, 300, 430, 900: the gateway answers these before Cloud Functions sees the request) and the
// Cloud Functions 80xxx codes. Both use the same envelope.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly errorMessage: string,
    readonly details: string,
  ) {
    super(`${status} ${code} ${errorMessage}: ${details}`);
  }
}

export const badRequest = (details: string): ApiError => new ApiError(400, '100', 'Bad Request Exception', details);

export const routeNotFound = (details = 'The requested resource does not exist.'): ApiError =>
  new ApiError(404, '300', 'Not Found Exception', details);

/** A body nested deeper than the JSON parser accepts (see MAX_JSON_DEPTH in validate.ts). */
export const jsonTooDeep = (limit: number): ApiError =>
  badRequest(`The request body is not valid JSON: it is nested more than ${limit} levels deep.`);

export const methodNotAllowed = (method: string): ApiError =>
  new ApiError(405, '100', 'Method Not Allowed', `Method ${method} is not allowed on this resource.`);

export const entityTooLarge = (limit: number): ApiError =>
  new ApiError(413, '430', 'Request Entity Too Large', `The request body exceeds ${limit} bytes.`);

export const unexpected = (): ApiError =>
  new ApiError(500, '900', 'Unexpected Error', 'An unexpected error occurred in the emulator.');

// The three gateway authentication failures. The first two bodies are observed in real traffic; the
// timestamp wording is the emulator's choice (the real one was never captured).
const AUTH_FAILED = 'Authentication Failed';
export const authMissing = (): ApiError =>
  new ApiError(401, '200', AUTH_FAILED, 'Authentication information are missing.');
export const authInvalid = (): ApiError => new ApiError(401, '200', AUTH_FAILED, 'Invalid authentication information.');
export const authTimestamp = (): ApiError =>
  new ApiError(401, '200', AUTH_FAILED, 'The timestamp is out of the allowed range.');

/** The not-found and wrong-platform answers of one kind of entity, with the codes NCP gives that kind. */
function entityErrors(kind: 'package' | 'action' | 'trigger', notFoundCode: string, mismatchCode: string) {
  const upper = kind.toUpperCase();
  return {
    notFound: (name: string): ApiError =>
      new ApiError(404, notFoundCode, `${upper}_NOT_FOUND`, `The ${kind} '${name}' does not exist.`),
    platformMismatch: (name: string, platform: string): ApiError =>
      new ApiError(
        400,
        mismatchCode,
        `${upper}_PLATFORM_MISMATCH`,
        `The ${kind} '${name}' does not belong to platform '${platform}'.`,
      ),
  };
}

const PACKAGE = entityErrors('package', '80101', '80102');
export const packageNotFound = PACKAGE.notFound;
export const packagePlatformMismatch = PACKAGE.platformMismatch;
export const packageNotEmpty = (name: string): ApiError =>
  new ApiError(409, '80109', 'PACKAGE_NOT_EMPTY', `The package '${name}' still contains actions.`);
const ACTION = entityErrors('action', '80301', '80302');
export const actionNotFound = ACTION.notFound;
export const actionPlatformMismatch = ACTION.platformMismatch;
export const actionBodyMissingField = (details: string): ApiError =>
  new ApiError(400, '80306', 'ACTION_BODY_MISSING_FIELD', details);
// Codes of the console endpoints (docs/upstream/triggers.md#error-codes). The 805xx trigger codes, the 8052x
// rule (link) codes and the 813xx VPC codes are documented; the duplicate-name, resource-limit and
// trigger-body codes are not, and the ones below are the emulator's choice in the ranges the documented
// codes suggest (each marked so).

/** The emulator's choice (undocumented): OpenWhisk answers 409 for a name another entity holds. */
export const nameTaken = (kind: 'package' | 'action' | 'trigger', name: string, holder: string): ApiError => {
  const code = { package: '80103', action: '80303', trigger: '80503' }[kind];
  const message = `${kind.toUpperCase()}_NAME_DUPLICATED`;
  const article = holder === 'action' ? 'an' : 'a';
  return new ApiError(
    409,
    code,
    message,
    `The name '${name}' is already used by ${article} ${holder} in this namespace.`,
  );
};

/** 500 of each per account (documented); the code and status are the emulator's choice (v3: ResourceLimitExceeded). */
export const resourceLimitExceeded = (kind: string, limit: number): ApiError =>
  new ApiError(400, '80010', 'RESOURCE_LIMIT_EXCEEDED', `A namespace holds at most ${limit} ${kind}.`);

/** The emulator's own bound on the action code it keeps in memory (not an NCP limit). */
export const codeStoreFull = (limit: number): ApiError =>
  new ApiError(413, '430', 'Request Entity Too Large', `The emulator keeps at most ${limit} bytes of action code.`);

const TRIGGER = entityErrors('trigger', '80501', '80502');
export const triggerNotFound = TRIGGER.notFound;
export const triggerPlatformMismatch = TRIGGER.platformMismatch;
/** The emulator's choice (undocumented), after 80520/80521: a trigger body field of the wrong type or value. */
export const triggerBodyInvalidType = (details: string): ApiError =>
  new ApiError(400, '80505', 'TRIGGER_BODY_INVALID_TYPE', details);
/** The emulator's choice (undocumented), after 80520/80521 and 80306: a required trigger body field missing. */
export const triggerBodyMissingField = (details: string): ApiError =>
  new ApiError(400, '80506', 'TRIGGER_BODY_MISSING_FIELD', details);
export const triggerInvalidRuntimeParams = (details: string): ApiError =>
  new ApiError(400, '80511', 'TRIGGER_INVALID_RUNTIME_PARAMS', details);
export const triggerInvokeFail = (name: string): ApiError =>
  new ApiError(400, '80512', 'TRIGGER_INVOKE_FAIL', `The trigger '${name}' has no linked action to run.`);
export const ruleBodyInvalidType = (details: string): ApiError =>
  new ApiError(400, '80520', 'RULE_BODY_INVALID_TYPE', details);
export const ruleBodyMissingField = (details: string): ApiError =>
  new ApiError(400, '80521', 'RULE_BODY_MISSING_FIELD', details);

const VPC_FAULTS: Record<string, [string, string]> = {
  '81311': ['ACTION_NAT_EXCEPTION', 'The subnet of the action could not be looked up.'],
  '81312': ['NAT_CREATE_FAIL', 'The action could not be connected to its subnet.'],
  '81313': ['NAT_BEING_CREATED', 'The connection of the action to its subnet is in progress.'],
  '81314': ['NAT_RETURN_FAIL', 'The action is being disconnected from its subnet.'],
};
export const vpcFault = (code: '81311' | '81312' | '81313' | '81314'): ApiError => {
  const [message, details] = VPC_FAULTS[code]!;
  return new ApiError(500, code, message, details);
};

/** The real code is undocumented; 80401 follows the 80x01 "not found" pattern of packages and actions. */
export const activationNotFound = (id: string): ApiError =>
  new ApiError(404, '80401', 'ACTIVATION_NOT_FOUND', `The activation '${id}' does not exist.`);

export function errorBody(err: ApiError, codeAsNumber: boolean): string {
  return JSON.stringify({
    error: {
      errorCode: codeAsNumber ? Number(err.code) : err.code,
      message: err.errorMessage,
      details: err.details,
    },
  });
}
