import { GraphQLError } from 'graphql';
import { ErrorCode, formatError, GatewayError, isDeliberateError, MASKED_MESSAGE } from '../../src/errors';
import { ncpError, readNcpError } from '../../src/upstream/cloudfunctions/errors';
import { sanitizeUpstreamText } from '../../src/upstream/http';

const body = (errorCode: unknown, details = 'some details') => ({ error: { errorCode, message: 'MSG', details } });

describe('NCP error bodies', () => {
  it('reads errorCode as a string or a number', () => {
    expect(readNcpError(body('80101'))).toEqual({ errorCode: '80101', message: 'MSG', details: 'some details' });
    expect(readNcpError(body(80101))).toEqual({ errorCode: '80101', message: 'MSG', details: 'some details' });
    expect(readNcpError('<html>')).toEqual({});
    expect(readNcpError({ error: 'x' })).toEqual({});
  });

  it.each([
    [401, '200', ErrorCode.UPSTREAM_AUTH_FAILED],
    [401, 210, ErrorCode.UPSTREAM_AUTH_FAILED],
    [403, '80002', ErrorCode.FORBIDDEN],
    [403, '230', ErrorCode.FORBIDDEN],
    [400, '80102', ErrorCode.BAD_USER_INPUT],
    [400, '80302', ErrorCode.BAD_USER_INPUT],
    [400, '80306', ErrorCode.BAD_USER_INPUT],
    [400, '80031', ErrorCode.UPSTREAM_UNAVAILABLE],
    [404, '80101', ErrorCode.NOT_FOUND],
    [409, '80109', ErrorCode.CONFLICT],
    [413, '430', ErrorCode.BAD_USER_INPUT],
    [429, '400', ErrorCode.RATE_LIMITED],
    [429, '420', ErrorCode.RATE_LIMITED],
    [500, '81313', ErrorCode.UPSTREAM_UNAVAILABLE],
    [500, '900', ErrorCode.UPSTREAM_UNAVAILABLE],
    [503, '500', ErrorCode.UPSTREAM_UNAVAILABLE],
    [504, '510', ErrorCode.UPSTREAM_TIMEOUT],
    [418, undefined, ErrorCode.UPSTREAM_BAD_RESPONSE],
  ])('maps HTTP %i errorCode %p to %s', (status, code, expected) => {
    const error = ncpError(status, code === undefined ? undefined : body(code));
    expect(error.code).toBe(expected);
    expect(error.extensions).toMatchObject({
      code: expected,
      upstream: { service: 'cloudfunctions', status, ...(code !== undefined ? { errorCode: String(code) } : {}) },
    });
  });

  it('passes Retry-After on as retryAfterSeconds', () => {
    expect(ncpError(429, body('420'), { retryAfterSeconds: 7 }).extensions).toEqual({
      code: 'RATE_LIMITED',
      upstream: { service: 'cloudfunctions', status: 429, errorCode: '420' },
      retryAfterSeconds: 7,
    });
  });

  it('explains a 400 with the upstream details, stripped of markup and URLs', () => {
    expect(ncpError(400, body('80306', 'limits.timeout is required')).message).toBe(
      'The Cloud Functions API rejected the request: limits.timeout is required',
    );
    expect(sanitizeUpstreamText('<strong>Please</strong> see https://internal.example/x?sig=abc now')).toBe(
      'Please see [redacted] now',
    );
    expect(
      sanitizeUpstreamText(
        'limits.timeout is required (127.0.0.1:38283/ncf/api/v2/x) at api.example.com:443 or 10.0.0.7 or /srv/app',
      ),
    ).toBe('limits.timeout is required [redacted] at [redacted] or [redacted] or [redacted]');
    expect(sanitizeUpstreamText('Value: 2026-01-01T00:00:00Z is invalid.')).toBe(
      'Value: 2026-01-01T00:00:00Z is invalid.',
    );
  });
});

describe('masking', () => {
  const internal = new GraphQLError('boom', { originalError: new TypeError('secret internals at /srv/x.ts') });

  it('passes deliberate errors and masks everything else', () => {
    const gw = new GatewayError(ErrorCode.FORBIDDEN, 'No.');
    expect(isDeliberateError(gw)).toBe(true);
    expect(isDeliberateError(new GraphQLError('Cannot query field "x"'))).toBe(true);
    expect(isDeliberateError(new GraphQLError('wrapped', { originalError: gw }))).toBe(true);
    expect(isDeliberateError(internal)).toBe(false);
    // During execution, graphql-js's own errors describe upstream data: masked.
    const serialization = new GraphQLError('String cannot represent value: { self: "http://10.0.0.1/x" }', {
      path: ['activation', 'namespace'],
      originalError: new GraphQLError('String cannot represent value: { self: "http://10.0.0.1/x" }'),
    });
    expect(isDeliberateError(serialization)).toBe(false);
    expect(isDeliberateError(new GraphQLError('wrapped', { path: ['a'], originalError: gw }))).toBe(true);
    expect(isDeliberateError(new Error('plain'))).toBe(false);
  });

  it('formats a masked error as a generic internal error', () => {
    expect(
      formatError(
        { message: 'secret internals at /srv/x.ts', path: ['a'], extensions: { code: 'X', stacktrace: ['at'] } },
        internal,
      ),
    ).toEqual({
      message: MASKED_MESSAGE,
      path: ['a'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  });

  it('strips stack traces from deliberate errors', () => {
    const gw = new GatewayError(ErrorCode.BAD_USER_INPUT, 'Bad.');
    expect(formatError({ message: 'Bad.', extensions: { code: 'BAD_USER_INPUT', stacktrace: ['at x'] } }, gw)).toEqual({
      message: 'Bad.',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('never serialises the cause of a GatewayError', () => {
    const gw = new GatewayError(ErrorCode.UPSTREAM_UNAVAILABLE, 'Down.', {
      cause: new Error('connect ECONNREFUSED https://secret-host/x'),
    });
    expect(JSON.stringify(gw)).not.toContain('secret-host');
    expect(JSON.stringify({ ...gw })).not.toContain('secret-host');
  });
});
