/**
 * Resilience through the real gateway, with a fault-injecting proxy between it and the Cloud
 * Functions emulator: timeouts, resets, retries (and their fresh signatures), invokes never sent
 * twice, the circuit breaker, the operation deadline, probes, and partial data.
 *
 * Attempts are counted at the proxy (every request the gateway sent) and at the emulator (what was
 * forwarded). Timings use small timeouts set through the environment, with generous upper bounds:
 * undici checks its headers and body timeouts on a coarse timer (a tick about every 500 ms), so a
 * 300 ms timeout fires after about 0.5 to 1 s (observed: 0.85 to 1.0 s).
 */
import { request } from 'undici';
import { SEED_SERVER_ID } from '../../src/emulators/compute';
import { expectedSignature } from '../../src/emulators/cloudfunctions/signature';
import {
  captureFaultProxy,
  delay,
  ncpErrorBody,
  reset,
  stallAfterForward,
  stallBody,
  stallHeaders,
  status,
  type FaultProxy,
} from '../helpers/fault-proxy';
import { startHarness, TEST_CREDENTIALS, type GqlResponse, type Harness } from '../helpers/gateway';

const FAST = {
  GATEWAY_UPSTREAM_HEADERS_TIMEOUT_MS: '300',
  GATEWAY_UPSTREAM_BODY_TIMEOUT_MS: '300',
  GATEWAY_RETRY_BASE_DELAY_MS: '10',
  GATEWAY_RETRY_MAX_DELAY_MS: '1500',
  GATEWAY_BREAKER_COOLDOWN_MS: '300',
  // Counts are of real upstream calls: no cache between operations.
  GATEWAY_CACHE_TTL_MS: '0',
};
/** Suites that are not about the breaker keep it out of the way. */
const NO_BREAKER = { GATEWAY_BREAKER_FAILURES: '1000' };

const PACKAGES = '{ packages { name } }';
const PACKAGE_NAMES = { packages: [{ name: 'examples' }, { name: 'package001' }, { name: 'package003' }] };
const LIST_PATH = '/ncf/api/v2/packages?platform=vpc';
const INVOKE =
  'mutation { invokeAction(input: { package: "package003", action: "action000" }) ' +
  '{ completed activation { result } } }';
const INVOKE_PATH = '/ncf/api/v2/packages/package003/actions/action000?platform=vpc';

const TIMEOUT_ERROR = {
  message: 'The Cloud Functions API did not answer in time.',
  extensions: { code: 'UPSTREAM_TIMEOUT', upstream: { service: 'cloudfunctions' } },
};
const UNREACHABLE_ERROR = {
  message: 'The Cloud Functions API could not be reached.',
  extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: { service: 'cloudfunctions' } },
};
const BREAKER_OPEN_ERROR = {
  message: 'The Cloud Functions API is failing; the gateway is not calling it for a moment.',
  extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: { service: 'cloudfunctions' } },
};
const failedToAnswer = (status: number, errorCode?: string) => ({
  message: 'The Cloud Functions API failed to answer.',
  extensions: {
    code: 'UPSTREAM_UNAVAILABLE',
    upstream: { service: 'cloudfunctions', status, ...(errorCode ? { errorCode } : {}) },
  },
});

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await run();
  return { value, ms: performance.now() - started };
}

/** Upstream retries the gateway has scheduled so far (gateway_upstream_retries_total). */
async function retries(h: Harness): Promise<number> {
  return (await h.metrics.upstreamRetries.get()).values.reduce((sum, v) => sum + v.value, 0);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The one error of a response whose only (nullable or root) field failed, with its request id. */
function onlyError(res: GqlResponse, path: string[]) {
  expect(res.status).toBe(200);
  expect(res.body.errors).toHaveLength(1);
  const error = res.body.errors![0]! as {
    message: string;
    locations?: unknown;
    path?: unknown;
    extensions?: Record<string, unknown>;
  };
  expect(error.path).toEqual(path);
  expect(error.extensions?.requestId).toBe(res.headers['x-request-id']);
  const { locations: _l, path: _p, ...rest } = error;
  const { requestId: _r, ...extensions } = rest.extensions ?? {};
  return { ...rest, extensions };
}

function seen(proxy: FaultProxy): string[] {
  return proxy.requests.map((r) => `${r.method} ${r.path}`);
}

async function startProxied(env: Record<string, string>): Promise<{ h: Harness; proxy: FaultProxy }> {
  const slot = captureFaultProxy();
  const h = await startHarness({ env: { ...FAST, ...env }, proxy: slot.factory });
  return { h, proxy: slot.proxy };
}

describe('resilience: timeouts, resets and retries', () => {
  let h: Harness;
  let proxy: FaultProxy;
  beforeAll(async () => {
    ({ h, proxy } = await startProxied(NO_BREAKER));
  });
  afterAll(() => h.close());
  beforeEach(() => {
    proxy.clear();
    proxy.resetRecords();
    h.resetCalls();
  });

  it('forwards untouched when no fault is scheduled: one request, one forward', async () => {
    const res = await h.gql(PACKAGES);
    expect(res.body).toEqual({ data: PACKAGE_NAMES });
    expect(seen(proxy)).toEqual([`GET ${LIST_PATH}`]);
    expect(proxy.forwarded).toBe(1);
    expect(h.upstreamCalls()).toEqual([`GET ${LIST_PATH}`]);
  });

  it(
    'ends a stalled answer (no headers) with UPSTREAM_TIMEOUT at about the headers timeout, ' + 'without retrying it',
    async () => {
      proxy.always(stallHeaders());
      const { value: res, ms } = await timed(() => h.gql(PACKAGES));
      expect(res.body.data).toEqual({ packages: null });
      expect(onlyError(res, ['packages'])).toEqual(TIMEOUT_ERROR);
      expect(seen(proxy)).toEqual([`GET ${LIST_PATH}`]);
      expect(proxy.forwarded).toBe(0);
      // Ended by the headers timeout (300 ms), not by the stall (forever) nor the deadline (65 s).
      expect(ms).toBeGreaterThanOrEqual(290);
      expect(ms).toBeLessThan(10_000);
      expect(h.logs.join('')).toContain('"cause":"UND_ERR_HEADERS_TIMEOUT"');
    },
  );

  it(
    'ends a body that stalls halfway with UPSTREAM_TIMEOUT at about the body timeout, ' + 'without retrying it',
    async () => {
      proxy.always(stallBody());
      const { value: res, ms } = await timed(() => h.gql(PACKAGES));
      expect(res.body.data).toEqual({ packages: null });
      expect(onlyError(res, ['packages'])).toEqual(TIMEOUT_ERROR);
      expect(seen(proxy)).toEqual([`GET ${LIST_PATH}`]);
      expect(ms).toBeGreaterThanOrEqual(290);
      expect(ms).toBeLessThan(10_000);
      expect(h.logs.join('')).toContain('"cause":"UND_ERR_BODY_TIMEOUT"');
    },
  );

  it('retries a read after a connection reset: one reset, then success, in exactly 2 attempts', async () => {
    proxy.next(reset());
    const res = await h.gql(PACKAGES);
    expect(res.body).toEqual({ data: PACKAGE_NAMES });
    expect(seen(proxy)).toEqual([`GET ${LIST_PATH}`, `GET ${LIST_PATH}`]);
    expect(proxy.requests.map((r) => r.fault)).toEqual(['reset', 'forward']);
    expect(proxy.forwarded).toBe(1);
    expect(h.upstreamCalls()).toEqual([`GET ${LIST_PATH}`]);
  });

  it('gives up after GATEWAY_RETRY_ATTEMPTS (3) resets with UPSTREAM_UNAVAILABLE', async () => {
    proxy.always(reset());
    const res = await h.gql(PACKAGES);
    expect(res.body.data).toEqual({ packages: null });
    expect(onlyError(res, ['packages'])).toEqual(UNREACHABLE_ERROR);
    expect(seen(proxy)).toEqual([`GET ${LIST_PATH}`, `GET ${LIST_PATH}`, `GET ${LIST_PATH}`]);
    expect(proxy.forwarded).toBe(0);
    expect(h.upstreamCalls()).toEqual([]);
    expect(h.logs.join('')).toContain('"cause":"ECONNRESET"');
  });

  it.each([502, 503, 504])('retries a read after one %i, then succeeds in exactly 2 attempts', async (code) => {
    proxy.next(status(code, ncpErrorBody('900', 'Unexpected Error')));
    const res = await h.gql(PACKAGES);
    expect(res.body).toEqual({ data: PACKAGE_NAMES });
    expect(proxy.requests.map((r) => r.fault)).toEqual(['status', 'forward']);
    expect(h.upstreamCalls()).toEqual([`GET ${LIST_PATH}`]);
  });

  it('retries the transient NCP 400/80031 (HTML message) once, then succeeds', async () => {
    const html = '<strong>Please try again in a few minutes.</strong><br><br>It is temporarily unavailable.';
    proxy.next(status(400, ncpErrorBody('80031', html)));
    const res = await h.gql(PACKAGES);
    expect(res.body).toEqual({ data: PACKAGE_NAMES });
    expect(proxy.requests.map((r) => r.fault)).toEqual(['status', 'forward']);
  });

  it('does not retry a 500 (only 429/502/503/504 and connection errors are retried)', async () => {
    proxy.always(status(500, ncpErrorBody('900', 'Unexpected Error', 'java.lang.NullPointerException at ...')));
    const res = await h.gql(PACKAGES);
    expect(onlyError(res, ['packages'])).toEqual(failedToAnswer(500, '900'));
    expect(seen(proxy)).toEqual([`GET ${LIST_PATH}`]);
  });

  it('gives up after 3 attempts of a 503 storm with the last answer', async () => {
    proxy.always(status(503));
    const res = await h.gql(PACKAGES);
    expect(onlyError(res, ['packages'])).toEqual(failedToAnswer(503));
    expect(seen(proxy)).toHaveLength(3);
  });

  it('honours 429 Retry-After: 1 (waits at least 1 s) and succeeds on the 2nd attempt', async () => {
    proxy.next(status(429, ncpErrorBody('429', 'Too Many Requests'), { 'retry-after': '1' }));
    const { value: res, ms } = await timed(() => h.gql(PACKAGES));
    expect(res.body).toEqual({ data: PACKAGE_NAMES });
    expect(proxy.requests.map((r) => r.fault)).toEqual(['status', 'forward']);
    expect(proxy.requests[1]!.at - proxy.requests[0]!.at).toBeGreaterThanOrEqual(1000);
    expect(ms).toBeGreaterThanOrEqual(1000);
  });

  it(
    'does not retry when Retry-After asks for longer than GATEWAY_RETRY_MAX_DELAY_MS: ' +
      'RATE_LIMITED with retryAfterSeconds',
    async () => {
      proxy.always(status(429, ncpErrorBody('429', 'Too Many Requests'), { 'retry-after': '5' }));
      const retriesBefore = await retries(h);
      const { value: res } = await timed(() => h.gql(PACKAGES));
      expect(onlyError(res, ['packages'])).toEqual({
        message: 'The Cloud Functions API is limiting requests; retry later.',
        extensions: {
          code: 'RATE_LIMITED',
          upstream: { service: 'cloudfunctions', status: 429, errorCode: '429' },
          retryAfterSeconds: 5,
        },
      });
      // One attempt, and no wait for it: no retry was scheduled.
      expect(seen(proxy)).toEqual([`GET ${LIST_PATH}`]);
      expect(await retries(h)).toBe(retriesBefore);
    },
  );

  it(
    'signs every attempt anew: a fresh timestamp and signature, each valid, ' +
      'the retried one accepted by the emulator',
    async () => {
      proxy.next(status(503, '', { 'retry-after': '1' }));
      const res = await h.gql(PACKAGES);
      expect(res.body).toEqual({ data: PACKAGE_NAMES });
      expect(proxy.requests).toHaveLength(2);
      const [first, second] = proxy.requests.map((r) => ({
        path: r.path,
        timestamp: String(r.headers['x-ncp-apigw-timestamp']),
        accessKey: String(r.headers['x-ncp-iam-access-key']),
        signature: String(r.headers['x-ncp-apigw-signature-v2']),
      }));
      expect(Number(second!.timestamp) - Number(first!.timestamp)).toBeGreaterThanOrEqual(1000);
      expect(second!.signature).not.toBe(first!.signature);
      for (const attempt of [first!, second!]) {
        expect(attempt.accessKey).toBe(TEST_CREDENTIALS.accessKey);
        // The emulator's own, independent verifier.
        expect(attempt.signature).toBe(
          expectedSignature(TEST_CREDENTIALS.secretKey, 'GET', attempt.path, attempt.timestamp, attempt.accessKey),
        );
      }
      expect(h.emulator.requests.map((r) => r.status)).toEqual([200]);
    },
  );

  it('keeps the compute part of a query while Cloud Functions fails (partial data)', async () => {
    proxy.always(status(503));
    const res = await h.gql(`{ package(name: "package001") { name } server(id: "${SEED_SERVER_ID}") { id } }`);
    expect(res.body.data).toEqual({ package: null, server: { id: SEED_SERVER_ID } });
    expect(onlyError(res, ['package'])).toEqual(failedToAnswer(503));
    expect(seen(proxy)).toEqual(Array(3).fill('GET /ncf/api/v2/packages/package001?platform=vpc'));
    expect(h.computeCalls().filter((c) => c.startsWith('GET /compute/'))).toHaveLength(1);
  });

  it('answers /healthz and /readyz 200 without any upstream request while the upstream is failing', async () => {
    proxy.always(stallHeaders());
    const origin = new URL(h.url).origin;
    for (const [path, body] of [
      ['/healthz', { status: 'ok' }],
      ['/readyz', { status: 'ready' }],
    ] as const) {
      const res = await request(`${origin}${path}`);
      expect(res.statusCode).toBe(200);
      expect(await res.body.json()).toEqual(body);
    }
    expect(proxy.requests).toEqual([]);
    expect(h.compute.requests).toEqual([]);
    expect(h.emulator.requests).toEqual([]);
  });
});

describe('resilience: invokeAction is never sent twice', () => {
  let h: Harness;
  let proxy: FaultProxy;
  beforeAll(async () => {
    ({ h, proxy } = await startProxied(NO_BREAKER));
  });
  afterAll(() => h.close());
  beforeEach(() => {
    proxy.clear();
    proxy.resetRecords();
    h.resetCalls();
  });

  it.each([
    ['503', status(503, ncpErrorBody('900', 'Unexpected Error')), failedToAnswer(503, '900')],
    ['502 without a record', status(502, 'Bad Gateway'), failedToAnswer(502)],
    ['a connection reset', reset(), UNREACHABLE_ERROR],
  ])('answers %s with one POST, a clear error, and no run started', async (_name, fault, error) => {
    const runs = h.emulator.store.runsStarted;
    proxy.always(fault);
    const res = await h.gql(INVOKE);
    expect(res.body.data).toBeNull();
    expect(onlyError(res, ['invokeAction'])).toEqual(error);
    expect(seen(proxy)).toEqual([`POST ${INVOKE_PATH}`]);
    expect(proxy.forwarded).toBe(0);
    expect(h.emulator.store.runsStarted).toBe(runs);
  });

  it('answers 429 Retry-After: 1 with RATE_LIMITED and one POST (no retry, even within the cap)', async () => {
    proxy.always(status(429, ncpErrorBody('429', 'Too Many Requests'), { 'retry-after': '1' }));
    const res = await h.gql(INVOKE);
    expect(onlyError(res, ['invokeAction'])).toEqual({
      message: 'The Cloud Functions API is limiting requests; retry later.',
      extensions: {
        code: 'RATE_LIMITED',
        upstream: { service: 'cloudfunctions', status: 429, errorCode: '429' },
        retryAfterSeconds: 1,
      },
    });
    expect(seen(proxy)).toEqual([`POST ${INVOKE_PATH}`]);
  });

  it('still invokes normally through the proxy: one POST, one run', async () => {
    const runs = h.emulator.store.runsStarted;
    const res = await h.gql(INVOKE);
    expect(res.body).toEqual({
      data: { invokeAction: { completed: true, activation: { result: { payload: 'abc' } } } },
    });
    expect(seen(proxy)).toEqual([`POST ${INVOKE_PATH}`]);
    expect(h.emulator.store.runsStarted).toBe(runs + 1);
  });
});

describe('resilience: the operation deadline (GATEWAY_REQUEST_TIMEOUT_MS=1000)', () => {
  let h: Harness;
  let proxy: FaultProxy;
  beforeAll(async () => {
    ({ h, proxy } = await startProxied({
      ...NO_BREAKER,
      GATEWAY_REQUEST_TIMEOUT_MS: '1000',
      // Longer than the deadline: the deadline is what ends these operations.
      GATEWAY_UPSTREAM_HEADERS_TIMEOUT_MS: '5000',
      GATEWAY_UPSTREAM_BODY_TIMEOUT_MS: '5000',
    }));
  });
  afterAll(() => h.close());
  beforeEach(() => {
    proxy.clear();
    proxy.resetRecords();
    h.resetCalls();
  });

  it('ends a slow upstream with UPSTREAM_TIMEOUT at the deadline', async () => {
    proxy.always(delay(8000));
    const { value: res, ms } = await timed(() => h.gql(PACKAGES));
    expect(res.body.data).toEqual({ packages: null });
    expect(onlyError(res, ['packages'])).toEqual(TIMEOUT_ERROR);
    expect(seen(proxy)).toEqual([`GET ${LIST_PATH}`]);
    // The deadline (1 s) ended it, not the upstream (8 s).
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(6000);
  });

  it('stops retrying at the deadline: a slow 503, a retry cut by the deadline, no third attempt', async () => {
    proxy.always(delay(600, status(503)));
    const { value: res, ms } = await timed(() => h.gql(PACKAGES));
    expect(onlyError(res, ['packages'])).toEqual(TIMEOUT_ERROR);
    expect(seen(proxy)).toHaveLength(2);
    expect(ms).toBeGreaterThanOrEqual(950);
  });

  it('does not wait for a Retry-After that ends past the deadline: RATE_LIMITED at once, one attempt', async () => {
    proxy.always(status(429, ncpErrorBody('429', 'Too Many Requests'), { 'retry-after': '1' }));
    const retriesBefore = await retries(h);
    const { value: res } = await timed(() => h.gql(PACKAGES));
    expect(onlyError(res, ['packages'])).toMatchObject({ extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 1 } });
    expect(seen(proxy)).toEqual([`GET ${LIST_PATH}`]);
    expect(await retries(h)).toBe(retriesBefore);
  });

  it('invoke that stalls before reaching the upstream: UPSTREAM_TIMEOUT, one POST, no run', async () => {
    const runs = h.emulator.store.runsStarted;
    proxy.always(stallHeaders());
    const { value: res, ms } = await timed(() => h.gql(INVOKE));
    expect(onlyError(res, ['invokeAction'])).toEqual(TIMEOUT_ERROR);
    expect(seen(proxy)).toEqual([`POST ${INVOKE_PATH}`]);
    expect(proxy.forwarded).toBe(0);
    expect(h.emulator.store.runsStarted).toBe(runs);
    // The deadline (1 s) ended it: the headers timeout is 5 s, the stall forever.
    expect(ms).toBeLessThan(4500);
  });

  it('invoke whose answer is lost after the run started: UPSTREAM_TIMEOUT, one POST, exactly one run', async () => {
    const runs = h.emulator.store.runsStarted;
    proxy.always(stallAfterForward());
    const { value: res, ms } = await timed(() => h.gql(INVOKE));
    expect(onlyError(res, ['invokeAction'])).toEqual(TIMEOUT_ERROR);
    expect(seen(proxy)).toEqual([`POST ${INVOKE_PATH}`]);
    expect(proxy.forwarded).toBe(1);
    expect(h.upstreamCalls()).toEqual([`POST ${INVOKE_PATH}`]);
    expect(h.emulator.store.runsStarted).toBe(runs + 1);
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(4500);
  });
});

/**
 * The breaker's cooldown here is 1 s, not FAST's 300 ms: what a test does while the breaker is open (a few
 * operations that call nothing) must fit in it on a loaded machine, or a trial goes through early.
 */
const BREAKER_COOLDOWN_MS = 1000;

describe('resilience: circuit breaker (GATEWAY_BREAKER_FAILURES=4, GATEWAY_BREAKER_COOLDOWN_MS=1000)', () => {
  let h: Harness;
  let proxy: FaultProxy;
  beforeEach(async () => {
    ({ h, proxy } = await startProxied({
      GATEWAY_BREAKER_FAILURES: '4',
      GATEWAY_BREAKER_COOLDOWN_MS: String(BREAKER_COOLDOWN_MS),
    }));
  });
  afterEach(() => h.close());

  it(
    'opens after 4 consecutive failed attempts, fails at once without calling, ' +
      'lets one trial through after the cooldown, and closes when it succeeds',
    async () => {
      proxy.always(status(503));
      // 3 attempts: 3 failures, still closed.
      const first = await h.gql(PACKAGES);
      expect(onlyError(first, ['packages'])).toEqual(failedToAnswer(503));
      expect(proxy.requests).toHaveLength(3);
      expect(h.upstreams.guards.cloudfunctions.state).toBe('closed');

      // The 4th failed attempt opens it; this operation's own retry is then refused.
      const second = await h.gql(PACKAGES);
      expect(onlyError(second, ['packages'])).toEqual(BREAKER_OPEN_ERROR);
      expect(proxy.requests).toHaveLength(4);
      expect(h.upstreams.guards.cloudfunctions.state).toBe('open');

      // Open: fails at once, nothing reaches the proxy.
      for (let i = 0; i < 5; i++) {
        const res = await h.gql(PACKAGES);
        expect(onlyError(res, ['packages'])).toEqual(BREAKER_OPEN_ERROR);
      }
      // At once: nothing reached the proxy (not even a connection attempt that could wait).
      expect(proxy.requests).toHaveLength(4);

      // After the cooldown, one trial; it fails, so the breaker opens again at once.
      await sleep(BREAKER_COOLDOWN_MS + 150);
      const trial = await h.gql(PACKAGES);
      expect(onlyError(trial, ['packages'])).toEqual(BREAKER_OPEN_ERROR);
      expect(proxy.requests).toHaveLength(5);
      expect(h.upstreams.guards.cloudfunctions.state).toBe('open');

      // Healthy again: after the cooldown the trial succeeds and the breaker closes.
      proxy.clear();
      const stillOpen = await h.gql(PACKAGES);
      expect(onlyError(stillOpen, ['packages'])).toEqual(BREAKER_OPEN_ERROR);
      expect(proxy.requests).toHaveLength(5);
      await sleep(BREAKER_COOLDOWN_MS + 150);
      const healed = await h.gql(PACKAGES);
      expect(healed.body).toEqual({ data: PACKAGE_NAMES });
      expect(proxy.requests).toHaveLength(6);
      expect(h.upstreams.guards.cloudfunctions.state).toBe('closed');
      const after = await h.gql(PACKAGES);
      expect(after.body).toEqual({ data: PACKAGE_NAMES });
      expect(proxy.requests).toHaveLength(7);
      expect(proxy.forwarded).toBe(2);
    },
  );

  it('counts resets and timeouts as failures too', async () => {
    proxy.next(reset(), 3);
    proxy.next(stallHeaders());
    const resets = await h.gql(PACKAGES);
    expect(onlyError(resets, ['packages'])).toEqual(UNREACHABLE_ERROR);
    const stalled = await h.gql(PACKAGES);
    expect(onlyError(stalled, ['packages'])).toEqual(TIMEOUT_ERROR);
    expect(proxy.requests.map((r) => r.fault)).toEqual(['reset', 'reset', 'reset', 'stallHeaders']);
    expect(h.upstreams.guards.cloudfunctions.state).toBe('open');
    const refused = await h.gql(PACKAGES);
    expect(onlyError(refused, ['packages'])).toEqual(BREAKER_OPEN_ERROR);
    expect(proxy.requests).toHaveLength(4);
  });

  it('is per upstream: compute still answers while the Cloud Functions breaker is open', async () => {
    proxy.always(status(503));
    await h.gql(PACKAGES);
    await h.gql(PACKAGES);
    expect(h.upstreams.guards.cloudfunctions.state).toBe('open');
    const res = await h.gql(`{ package(name: "package001") { name } server(id: "${SEED_SERVER_ID}") { id name } }`);
    expect(res.body.data).toEqual({ package: null, server: { id: SEED_SERVER_ID, name: 'web-1' } });
    expect(onlyError(res, ['package'])).toEqual(BREAKER_OPEN_ERROR);
    expect(proxy.requests).toHaveLength(4);
  });

  it('is never opened by 4xx answers, however many', async () => {
    const get = '{ package(name: "package001") { name } }';
    proxy.always(status(404, ncpErrorBody('80101', 'PACKAGE_NOT_FOUND')));
    for (let i = 0; i < 10; i++) expect((await h.gql(get)).body).toEqual({ data: { package: null } });
    proxy.always(status(400, ncpErrorBody('80306', 'ACTION_BODY_MISSING_FIELD', 'limits.timeout is required')));
    for (let i = 0; i < 10; i++) {
      const res = await h.gql(get);
      expect(onlyError(res, ['package'])).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    }
    proxy.always(status(403, ncpErrorBody('80002', 'SUB_ACC_NO_PERMISSION')));
    for (let i = 0; i < 10; i++) {
      const res = await h.gql(get);
      expect(onlyError(res, ['package'])).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    }
    proxy.always(status(409, ncpErrorBody('80109', 'PACKAGE_NOT_EMPTY')));
    for (let i = 0; i < 10; i++) {
      const res = await h.gql(get);
      expect(onlyError(res, ['package'])).toMatchObject({ extensions: { code: 'CONFLICT' } });
    }
    // One attempt each (4xx are not retried), and every one reached the proxy.
    expect(proxy.requests).toHaveLength(40);
    expect(h.upstreams.guards.cloudfunctions.state).toBe('closed');
    proxy.clear();
    expect((await h.gql(get)).body).toEqual({ data: { package: { name: 'package001' } } });
  });

  it(
    'is not opened by actions whose runs fail: ' + 'a 502 carrying the run record is a result, not an upstream failure',
    async () => {
      const fail =
        'mutation { invokeAction(input: { package: "examples", action: "fail" }) ' +
        '{ completed activation { success status } } }';
      for (let i = 0; i < 4; i++) {
        const res = await h.gql(fail);
        expect(res.body).toEqual({
          data: { invokeAction: { completed: true, activation: { success: false, status: 'APPLICATION_ERROR' } } },
        });
      }
      expect(proxy.forwarded).toBe(4);
      const read = await h.gql(PACKAGES);
      expect(read.body).toEqual({ data: PACKAGE_NAMES });
      expect(h.upstreams.guards.cloudfunctions.state).toBe('closed');
    },
  );
});
