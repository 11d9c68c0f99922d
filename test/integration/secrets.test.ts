/**
 * Secrets stay inside the gateway. Known secrets are planted (an NCP access key and secret key the
 * emulator accepts, an OpenStack password the compute emulator accepts), upstream failures of every
 * kind are forced through a fault proxy and the emulators, each operation is sent over HTTP and over
 * WebSocket, and then neither any answer (HTTP status, headers, body; WebSocket message) nor any log
 * line (LOG_LEVEL debug) may contain: the access key or the secret key, a signature the gateway
 * actually sent (recorded at the proxy), the upstream origins (emulator, proxy, Keystone, Nova;
 * host:port or path prefix), the OpenStack password, or a Keystone token the gateway held. Every
 * error must carry a code from the vocabulary and the request id, on both transports alike.
 */
import { request } from 'undici';
import { SEED_LOCKED_SERVER_ID, SEED_SERVER_ID } from '../../src/emulators/compute';
import { ErrorCode } from '../../src/errors';
import {
  captureFaultProxy,
  ncpErrorBody,
  reset,
  stallBody,
  stallHeaders,
  status,
  type Fault,
  type FaultProxy,
} from '../helpers/fault-proxy';
import { startHarness, TEST_OS_USER, type GqlResponse, type Harness, type HarnessOptions } from '../helpers/gateway';
import { closeClients, runOverWs, wsClientFor, type OperationAnswer } from '../helpers/transports';

const PLANTED = { accessKey: 'planted-access-key-AK7Q', secretKey: 'PLANTED-SECRET-7f3a9c1e5b2d4f60e8a1' };
const OS_PASSWORD = 'PLANTED-OS-PASSWORD-91b7e2c4d8';
const WRONG_OS_PASSWORD = 'PLANTED-WRONG-OS-PASSWORD-3e5a7c';
const VOCABULARY = new Set<string>(Object.values(ErrorCode));

const FAST = {
  GATEWAY_UPSTREAM_HEADERS_TIMEOUT_MS: '300',
  GATEWAY_UPSTREAM_BODY_TIMEOUT_MS: '300',
  GATEWAY_RETRY_BASE_DELAY_MS: '10',
  GATEWAY_RETRY_MAX_DELAY_MS: '1500',
  GATEWAY_BREAKER_COOLDOWN_MS: '5000',
  GATEWAY_BREAKER_FAILURES: '1000',
  GATEWAY_METRICS: 'true',
  // Counts are of real upstream calls: no cache between operations.
  GATEWAY_CACHE_TTL_MS: '0',
};

const PACKAGES = '{ packages { name } }';
const PACKAGE = '{ package(name: "package001") { name description } }';
const INVOKE =
  'mutation { invokeAction(input: { package: "package003", action: "action000" }) { completed activationId } }';
const SERVER =
  `{ server(id: "${SEED_SERVER_ID}") { id name instanceActions(first: 2) ` +
  '{ nodes { action events { event } } } } }';
const LOCKED = `{ server(id: "${SEED_LOCKED_SERVER_ID}") { id name } }`;
const ACTIVATION_ID = 'abcdef0123456789abcdef0123456789';
const ACTIVATION = (fields: string) =>
  `{ activation(package: "package003", action: "action000", id: "${ACTIVATION_ID}") { ${fields} } }`;

interface Planted {
  h: Harness;
  proxy: FaultProxy;
  /** Keystone tokens the gateway held, read from its own cache after each compute call. */
  tokens: Set<string>;
  responses: GqlResponse[];
  /** The same operations' answers over WebSocket. */
  wsAnswers: OperationAnswer[];
  /** Other HTTP answers of the gateway (probes, metrics), as status, headers and body. */
  otherAnswers: string[];
}

async function startPlanted(options: HarnessOptions = {}): Promise<Planted> {
  const slot = captureFaultProxy();
  const h = await startHarness({
    gatewayCredentials: PLANTED,
    emulator: { credentials: [PLANTED] },
    compute: { users: [{ ...TEST_OS_USER, password: OS_PASSWORD }] },
    osPassword: OS_PASSWORD,
    logLevel: 'debug',
    proxy: slot.factory,
    ...options,
    env: { ...FAST, ...options.env },
  });
  return { h, proxy: slot.proxy, tokens: new Set(), responses: [], wsAnswers: [], otherAnswers: [] };
}

/**
 * Sends an operation through the gateway with faults scheduled, over HTTP and then over WebSocket,
 * keeping both answers for the audit. Unless `parity` is off (the gateway's state changes between
 * the two, as a breaker opening), both must answer the same error codes.
 */
async function send(p: Planted, query: string, fault?: Fault, { parity = true } = {}): Promise<GqlResponse> {
  p.proxy.clear();
  if (fault) p.proxy.always(fault);
  const res = await p.h.gql(query);
  const overWs = await runOverWs(wsClientFor(p.h), { query });
  p.proxy.clear();
  p.responses.push(res);
  p.wsAnswers.push(overWs);
  if (parity) {
    expect({ query, ws: overWs.errors?.map((e) => e.extensions?.code) }).toEqual({
      query,
      ws: res.body.errors?.map((e) => e.extensions?.code),
    });
  }
  return res;
}

/** Closes the planted gateway (and its WebSocket client). */
async function stop(p: Planted): Promise<void> {
  await closeClients();
  await p.h.close();
}

/** Records the Keystone token in the gateway's own cache (issued now only if none is cached and valid). */
async function recordToken(p: Planted): Promise<void> {
  try {
    p.tokens.add((await p.h.upstreams.keystone.session()).token);
  } catch {
    // No valid token (e.g. Keystone rejects the password): nothing to record.
  }
}

function forbiddenStrings(p: Planted): string[] {
  const { h, proxy } = p;
  const signatures = proxy.requests
    .map((r) => r.headers['x-ncp-apigw-signature-v2'])
    .filter((s): s is string => typeof s === 'string');
  const origins = [h.emulator.url, proxy.url, h.compute.url].map((u) => new URL(u));
  return [
    PLANTED.accessKey,
    PLANTED.secretKey,
    OS_PASSWORD,
    WRONG_OS_PASSWORD,
    ...signatures,
    ...p.tokens,
    ...origins.flatMap((u) => [u.origin, u.host, `:${u.port}`]),
    h.compute.authUrl,
    h.compute.computeUrl,
    '/ncf/api/v2',
    '/identity/v3',
    '/compute/v2.1',
  ];
}

function responseText(res: GqlResponse): string {
  return JSON.stringify({ status: res.status, headers: res.headers, body: res.body });
}

/** The audit: every response and every log line, against every planted and observed secret. */
async function audit(p: Planted): Promise<void> {
  await recordToken(p);
  const forbidden = forbiddenStrings(p);
  // Not vacuous: the proxy saw signed requests, and the gateway logged.
  expect(p.proxy.requests.some((r) => typeof r.headers['x-ncp-apigw-signature-v2'] === 'string')).toBe(true);
  expect(p.h.logs.length).toBeGreaterThan(0);

  for (const res of p.responses) {
    const text = responseText(res);
    for (const secret of forbidden)
      expect({ response: text, contains: text.includes(secret) ? secret : null }).toEqual({
        response: text,
        contains: null,
      });
    // No stack trace.
    expect(text).not.toMatch(/\bat .*\.[jt]s:\d+/);
    // Upstream response headers are never relayed.
    expect(
      Object.keys(res.headers).filter(
        (k) => k.startsWith('x-ncp') || k.startsWith('x-openstack') || k === 'retry-after',
      ),
    ).toEqual([]);
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
    for (const error of res.body.errors ?? []) {
      expect(VOCABULARY.has(error.extensions?.code)).toBe(true);
      expect(error.extensions?.requestId).toBe(res.headers['x-request-id']);
      // Nothing beyond the documented extensions.
      for (const key of Object.keys(error.extensions ?? {})) {
        expect(['code', 'requestId', 'upstream', 'retryAfterSeconds']).toContain(key);
      }
    }
  }

  for (const answer of p.wsAnswers) {
    const text = JSON.stringify(answer);
    for (const secret of forbidden)
      expect({ answer: text, contains: text.includes(secret) ? secret : null }).toEqual({
        answer: text,
        contains: null,
      });
    expect(text).not.toMatch(/\bat .*\.[jt]s:\d+/);
    for (const error of answer.errors ?? []) {
      expect(VOCABULARY.has(error.extensions?.code)).toBe(true);
      const requestId = error.extensions?.requestId;
      expect(requestId).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
      for (const key of Object.keys(error.extensions ?? {}))
        expect(['code', 'requestId', 'upstream', 'retryAfterSeconds']).toContain(key);
      // Its failure was logged under the same request id (masked errors in full, at error level).
      const level = error.extensions?.code === 'INTERNAL_SERVER_ERROR' ? '"level":"error"' : '"level":"';
      expect(p.h.logs.some((line) => line.includes(requestId) && line.includes(level))).toBe(true);
    }
  }

  for (const text of p.otherAnswers) {
    for (const secret of forbidden)
      expect({ answer: text.slice(0, 300), contains: text.includes(secret) ? secret : null }).toEqual({
        answer: text.slice(0, 300),
        contains: null,
      });
  }

  for (const line of p.h.logs) {
    for (const secret of forbidden)
      expect({ line, contains: line.includes(secret) ? secret : null }).toEqual({ line, contains: null });
    // No credential header with a value other than the redaction marker.
    expect(line).not.toMatch(/"x-auth-token"\s*:\s*"(?!\[redacted\])/i);
    expect(line).not.toMatch(/"x-subject-token"\s*:\s*"(?!\[redacted\])/i);
    expect(line).not.toMatch(/"x-ncp-apigw-signature-v2"\s*:\s*"(?!\[redacted\])/i);
    expect(line).not.toMatch(/"password"\s*:\s*"(?!\[redacted\])/i);
  }
}

function codeOf(res: GqlResponse, index = 0): string | undefined {
  return res.body.errors?.[index]?.extensions?.code;
}

describe('secrets never leave the gateway', () => {
  it(
    'through Cloud Functions failures of every kind: ' + '4xx/5xx bodies with upstream details, HTML, stalls, resets',
    async () => {
      const p = await startPlanted();
      try {
        const { h, proxy } = p;
        const here = `${h.emulator.url}/ncf/api/v2/packages/package001?platform=vpc`;
        const upstreamHeaders = { 'x-ncp-apigw-request-id': 'apigw-req-1', 'x-ncp-trace-id': 'trace-1' };
        const withDetails = (code: number, errorCode: string, message: string) =>
          status(code, ncpErrorBody(errorCode, message, `failed at ${here} (via ${proxy.url})`), upstreamHeaders);

        // A healthy call first, so real signatures are recorded.
        expect((await send(p, PACKAGE)).body).toEqual({
          data: { package: { name: 'package001', description: expect.any(String) } },
        });

        const cases: Array<[Fault, string, string]> = [
          [withDetails(401, '200', 'Authentication Failed'), PACKAGES, 'UPSTREAM_AUTH_FAILED'],
          [withDetails(403, '80002', 'SUB_ACC_NO_PERMISSION'), PACKAGES, 'FORBIDDEN'],
          [withDetails(404, '80101', 'PACKAGE_NOT_FOUND'), INVOKE, 'NOT_FOUND'],
          [withDetails(409, '80109', 'PACKAGE_NOT_EMPTY'), INVOKE, 'CONFLICT'],
          [withDetails(500, '900', 'Unexpected Error'), PACKAGES, 'UPSTREAM_UNAVAILABLE'],
          [withDetails(500, '900', 'Unexpected Error'), INVOKE, 'UPSTREAM_UNAVAILABLE'],
          [
            status(
              500,
              ncpErrorBody(
                '900',
                'Unexpected Error',
                `upstream ${new URL(h.emulator.url).host} signed by ${PLANTED.accessKey}`,
              ),
            ),
            PACKAGES,
            'UPSTREAM_UNAVAILABLE',
          ],
          // 400 details are shown (sanitised): the URL in them must be gone.
          [withDetails(400, '80306', 'ACTION_BODY_MISSING_FIELD'), PACKAGE, 'BAD_USER_INPUT'],
          [
            status(
              400,
              ncpErrorBody(
                '80031',
                `<strong>Please try again in a few minutes.</strong><br><a href="${here}">status</a>`,
              ),
              upstreamHeaders,
            ),
            PACKAGES,
            'UPSTREAM_UNAVAILABLE',
          ],
          [
            status(502, `<html><body><h1>502 Bad Gateway</h1><p>${here}</p></body></html>`, {
              'content-type': 'text/html',
            }),
            PACKAGES,
            'UPSTREAM_UNAVAILABLE',
          ],
          [
            status(200, `<html><body>${here}</body></html>`, { 'content-type': 'text/html' }),
            PACKAGES,
            'UPSTREAM_BAD_RESPONSE',
          ],
          [
            status(429, ncpErrorBody('429', 'Too Many Requests', here), { ...upstreamHeaders, 'retry-after': '30' }),
            PACKAGES,
            'RATE_LIMITED',
          ],
          [stallHeaders(), PACKAGES, 'UPSTREAM_TIMEOUT'],
          [stallBody(200, `{"content":[{"name":"${here}`), PACKAGES, 'UPSTREAM_TIMEOUT'],
          [reset(), PACKAGES, 'UPSTREAM_UNAVAILABLE'],
          [reset(), INVOKE, 'UPSTREAM_UNAVAILABLE'],
        ];
        for (const [fault, query, code] of cases) {
          const res = await send(p, query, fault);
          expect({ query, fault: fault.kind, code: codeOf(res) }).toEqual({ query, fault: fault.kind, code });
        }
        // The gateway's other answers, after all that: probes and metrics (labels are route templates).
        const origin = new URL(h.url).origin;
        for (const path of ['/healthz', '/readyz', '/metrics']) {
          const answer = await request(`${origin}${path}`);
          const body = await answer.body.text();
          expect({ path, status: answer.statusCode }).toEqual({ path, status: 200 });
          p.otherAnswers.push(JSON.stringify({ status: answer.statusCode, headers: answer.headers, body }));
        }
        expect(p.otherAnswers[2]).toContain('GET /packages/{pkg}');
        // Every failure was logged (warn, with the request id), and nothing more than the code and cause.
        for (const res of p.responses.slice(1)) {
          const id = String(res.headers['x-request-id']);
          expect(h.logs.some((line) => line.includes(id) && line.includes('"level":"warn"'))).toBe(true);
        }
        await audit(p);
      } finally {
        await stop(p);
      }
    },
  );

  it(
    'through a rejected signature (the emulator does not know the planted secret): ' + '401 from the real verifier',
    async () => {
      const p = await startPlanted({
        emulator: { credentials: [{ accessKey: PLANTED.accessKey, secretKey: 'the-emulator-knows-another-secret' }] },
      });
      try {
        for (const query of [PACKAGES, PACKAGE, INVOKE]) {
          const res = await send(p, query);
          expect(res.body.errors?.[0]).toMatchObject({
            message: "The Cloud Functions API rejected the gateway's credentials.",
            extensions: { code: 'UPSTREAM_AUTH_FAILED', upstream: { service: 'cloudfunctions', status: 401 } },
          });
        }
        // Each operation over HTTP, then over WebSocket.
        expect(p.h.emulator.requests.map((r) => r.status)).toEqual([401, 401, 401, 401, 401, 401]);
        await audit(p);
      } finally {
        await stop(p);
      }
    },
  );

  it('through an open circuit breaker', async () => {
    const p = await startPlanted({ env: { GATEWAY_BREAKER_FAILURES: '2' } });
    try {
      await send(p, PACKAGES);
      // Two failures (one per transport) open it.
      const failing = await send(p, PACKAGES, status(503, ncpErrorBody('900', 'Unexpected Error', p.h.emulator.url)));
      expect(codeOf(failing)).toBe('UPSTREAM_UNAVAILABLE');
      expect(p.h.upstreams.guards.cloudfunctions.state).toBe('open');
      const open = await send(p, PACKAGES);
      expect(open.body.errors?.[0]?.message).toBe(
        'The Cloud Functions API is failing; the gateway is not calling it for a moment.',
      );
      const openInvoke = await send(p, INVOKE);
      expect(codeOf(openInvoke)).toBe('UPSTREAM_UNAVAILABLE');
      await audit(p);
    } finally {
      await stop(p);
    }
  });

  it(
    'through compute: tokens renewed after a revocation, a 403, ' + 'and partial data beside a Cloud Functions failure',
    async () => {
      const p = await startPlanted();
      try {
        const first = await send(p, SERVER);
        expect(first.body.errors).toBeUndefined();
        await recordToken(p);
        p.h.compute.revokeAllTokens();
        const renewed = await send(p, SERVER);
        expect(renewed.body.errors).toBeUndefined();
        await recordToken(p);
        expect(p.tokens.size).toBe(2);
        const locked = await send(p, LOCKED);
        expect(codeOf(locked)).toBe('FORBIDDEN');
        const partial = await send(p, `{ packages { name } server(id: "${SEED_SERVER_ID}") { id } }`, reset());
        expect(codeOf(partial)).toBe('UPSTREAM_UNAVAILABLE');
        await audit(p);
      } finally {
        await stop(p);
      }
    },
  );

  it('through a Keystone 401 (the gateway holds a wrong OpenStack password)', async () => {
    const p = await startPlanted({ osPassword: WRONG_OS_PASSWORD });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await send(p, SERVER);
        expect(res.body.errors?.[0]).toMatchObject({
          message: "The identity service rejected the gateway's OpenStack credentials.",
          extensions: { code: 'UPSTREAM_AUTH_FAILED', upstream: { service: 'identity', status: 401 } },
        });
      }
      expect(p.h.computeCalls()).toEqual(Array.from({ length: 4 }, () => 'POST /identity/v3/auth/tokens'));
      await send(p, PACKAGES);
      await audit(p);
    } finally {
      await stop(p);
    }
  });

  it(
    'through a 400 whose details name the upstream host:port without a scheme: ' +
      'the shown details must not carry it',
    async () => {
      const p = await startPlanted();
      try {
        const host = new URL(p.h.emulator.url).host;
        const res = await send(
          p,
          PACKAGE,
          status(
            400,
            ncpErrorBody(
              '80306',
              'ACTION_BODY_MISSING_FIELD',
              `limits.timeout is required (${host}/ncf/api/v2/packages/package001)`,
            ),
          ),
        );
        expect(codeOf(res)).toBe('BAD_USER_INPUT');
        await audit(p);
      } finally {
        await stop(p);
      }
    },
  );

  it(
    'through an unexpected exception (an upstream time no Date can hold): ' +
      'the generic message, and a log line under the request id',
    async () => {
      const p = await startPlanted();
      try {
        const record = {
          activationId: ACTIVATION_ID,
          name: 'action000',
          start: 1e20,
          logs: [],
          response: { success: true },
        };
        const res = await send(p, ACTIVATION('id startedAt'), status(200, { content: record }));
        expect(res.body.data).toEqual({ activation: { id: ACTIVATION_ID, startedAt: null } });
        expect(res.body.errors).toEqual([
          {
            message: 'Internal server error',
            locations: [{ line: 1, column: 103 }],
            path: ['activation', 'startedAt'],
            extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: res.headers['x-request-id'] },
          },
        ]);
        // The README: "the server log has the details under the same request id".
        const id = String(res.headers['x-request-id']);
        expect(p.h.logs.filter((line) => line.includes(id) && line.includes('"level":"error"')).length).toBeGreaterThan(
          0,
        );
        await audit(p);
      } finally {
        await stop(p);
      }
    },
  );

  it("through the gateway's own access key in an activation's subject or in details the gateway shows", async () => {
    const p = await startPlanted();
    try {
      // Runs recorded by the emulator, and a record that names the signing key as its subject.
      const recorded = await send(
        p,
        '{ action(package: "package003", name: "action000") { activations(pageSize: 3) { nodes { id subject } } } }',
      );
      expect(recorded.body.data.action.activations.nodes).toHaveLength(3);
      const record = {
        activationId: ACTIVATION_ID,
        name: 'action000',
        subject: PLANTED.accessKey,
        logs: [],
        response: { success: true, status: 'success' },
      };
      const faked = await send(p, ACTIVATION('id subject status'), status(200, { content: record }));
      expect(faked.body).toEqual({ data: { activation: { id: ACTIVATION_ID, subject: null, status: 'SUCCESS' } } });
      expect(p.wsAnswers.at(-1)).toEqual({
        data: { activation: { id: ACTIVATION_ID, subject: null, status: 'SUCCESS' } },
      });
      const shown = await send(
        p,
        PACKAGE,
        status(
          400,
          ncpErrorBody('80306', 'ACTION_BODY_MISSING_FIELD', `limits.timeout is required for ${PLANTED.accessKey}`),
        ),
      );
      expect(codeOf(shown)).toBe('BAD_USER_INPUT');
      await audit(p);
    } finally {
      await stop(p);
    }
  });

  it('through upstream values of the wrong type that carry the upstream URL: the URL is in no response', async () => {
    const p = await startPlanted();
    try {
      const self = `${p.h.emulator.url}/ncf/api/v2/namespaces/x`;
      const record = {
        activationId: ACTIVATION_ID,
        name: 'action000',
        namespace: { self },
        subject: [self],
        logs: [],
        response: { success: true },
      };
      const res = await send(p, ACTIVATION('id namespace subject'), status(200, { content: record }));
      expect(res.body.data?.activation?.id).toBe(ACTIVATION_ID);
      await audit(p);
    } finally {
      await stop(p);
    }
  });
});
