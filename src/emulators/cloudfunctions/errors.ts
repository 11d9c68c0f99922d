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

export const packageNotFound = (name: string): ApiError =>
  new ApiError(404, '80101', 'PACKAGE_NOT_FOUND', `The package '${name}' does not exist.`);
export const packagePlatformMismatch = (name: string, platform: string): ApiError =>
  new ApiError(
    400,
    '80102',
    'PACKAGE_PLATFORM_MISMATCH',
    `The package '${name}' does not belong to platform '${platform}'.`,
  );
export const packageNotEmpty = (name: string): ApiError =>
  new ApiError(409, '80109', 'PACKAGE_NOT_EMPTY', `The package '${name}' still contains actions.`);
export const actionNotFound = (name: string): ApiError =>
  new ApiError(404, '80301', 'ACTION_NOT_FOUND', `The action '${name}' does not exist.`);
export const actionPlatformMismatch = (name: string, platform: string): ApiError =>
  new ApiError(
    400,
    '80302',
    'ACTION_PLATFORM_MISMATCH',
    `The action '${name}' does not belong to platform '${platform}'.`,
  );
export const actionBodyMissingField = (details: string): ApiError =>
  new ApiError(400, '80306', 'ACTION_BODY_MISSING_FIELD', details);
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
