// Error bodies. Nova and Keystone speak different envelopes (docs/upstream/compute.md#error-bodies):
// - Nova's `Fault` (from its WSGI layer): {"<faultName>": {"code": n, "message": "..."}}, with the fault
//   name chosen by status, and "computeFault" for any status not in the table (406 included).
// - Keystone (and keystonemiddleware's 401 in front of Nova):
//   {"error": {"code": n, "title": "...", "message": "..."}}.

const FAULT_NAMES: Readonly<Record<number, string>> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

export const faultName = (status: number): string => FAULT_NAMES[status] ?? 'computeFault';

export class NovaFault extends Error {
  constructor(
    readonly status: number,
    readonly explanation: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${explanation}`);
  }

  body(): Record<string, { code: number; message: string }> {
    return { [faultName(this.status)]: { code: this.status, message: this.explanation } };
  }
}

export const badRequest = (message: string): NovaFault => new NovaFault(400, message);
export const notFound = (message = 'The resource could not be found.'): NovaFault => new NovaFault(404, message);
export const forbidden = (policy: string): NovaFault =>
  new NovaFault(403, `Policy doesn't allow ${policy} to be performed.`);
export const badMethod = (method: string, allow: string): NovaFault =>
  new NovaFault(405, `The method ${method} is not allowed for this resource.`, { allow });

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Request Entity Too Large',
  500: 'Internal Server Error',
};

export class KeystoneError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${status} ${detail}`);
  }

  body(): { error: { code: number; title: string; message: string } } {
    return { error: { code: this.status, title: TITLES[this.status] ?? 'Error', message: this.detail } };
  }
}

/** The message Keystone (with insecure_debug off) and keystonemiddleware give for every authentication failure. */
export const AUTH_REQUIRED = 'The request you have made requires authentication.';

export const unauthorized = (headers: Record<string, string> = {}): KeystoneError =>
  new KeystoneError(401, AUTH_REQUIRED, headers);

/** Keystone's ValidationError wording. */
export const expecting = (attribute: string, target: string): KeystoneError =>
  new KeystoneError(
    400,
    `Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either ` +
      'malformed or otherwise incorrect. The client is assumed to be in error.',
  );
