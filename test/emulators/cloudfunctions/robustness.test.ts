// Regression tests for the security review's "one request takes the emulator down" finding: inputs the
// emulator cannot handle (JSON nested thousands of levels deep in params, results or rejections; odd bytes,
// repeated headers, very long paths; a logger that throws) must each get an NCP-style answer or a recorded
// failed activation, and nothing may escape into the hosting process. Under `npm start` that process is
// the gateway itself.
import { request } from 'undici';
import { expectNoProcessFailures, nestedJson, nestedObject, rawRequest } from '../hazards';
import { ACCESS_KEY, sign, startHarness, type Harness } from './helpers';

const ECHO = '/ncf/api/v2/packages/examples/actions/echo';
const TOO_DEEP = {
  error: {
    errorCode: '100',
    message: 'Bad Request Exception',
    details: 'The request body is not valid JSON: it is nested more than 1000 levels deep.',
  },
};
const INVALID_RESULT = {
  status: 'action developer error',
  statusCode: 2,
  success: false,
  result: { error: 'The action did not produce a valid JSON response.' },
  size: 61,
};

expectNoProcessFailures();

describe('JSON nested too deep', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    h.emulator.store.putPackage({ name: 'tests' });
  });
  afterAll(() => h.close());

  it('refuses echo params nested 3,000 and 20,000 deep with 400/100, runs nothing, and keeps serving', async () => {
    const before = h.emulator.store.runsStarted;
    for (const depth of [3000, 20000]) {
      const t0 = Date.now();
      const r = await h.call('POST', ECHO, { rawBody: nestedJson(depth) });
      expect([depth, r.status, r.json]).toEqual([depth, 400, TOO_DEEP]);
      expect(r.headers['content-type']).toBe('application/json;charset=UTF-8');
      expect(Date.now() - t0).toBeLessThan(2000);
    }
    expect(h.emulator.store.runsStarted).toBe(before);
    expect(h.emulator.store.listActivations({ packageName: 'examples', actionName: 'echo' })).toEqual([]);

    const ok = await h.call('POST', ECHO, { body: { n: 1 } });
    expect(ok.status).toBe(200);
    expect(ok.json.content.response).toEqual({
      status: 'success',
      statusCode: 0,
      success: true,
      result: { n: 1 },
      size: 7,
    });
  }, 20_000);

  it('draws the line at 1,000 levels, as spray-json does', async () => {
    const at = await h.call('POST', ECHO, { rawBody: nestedJson(1000) });
    expect(at.status).toBe(200);
    expect(JSON.stringify(at.json.content.response.result)).toBe(nestedJson(1000));
    expect(at.json.content.response.size).toBe(nestedJson(1000).length);
    const over = await h.call('POST', ECHO, { rawBody: nestedJson(1001) });
    expect([over.status, over.json]).toEqual([400, TOO_DEEP]);
    // Brackets inside strings are text, not nesting.
    const text = await h.call('POST', ECHO, { body: { s: '{['.repeat(5000), q: '"\\{' } });
    expect(text.status).toBe(200);
    expect(text.json.content.response.result).toEqual({ s: '{['.repeat(5000), q: '"\\{' });
  });

  it('refuses package and action bodies nested too deep, on both generations', async () => {
    const pkg = await h.call('PUT', '/ncf/api/v2/packages/deep', { rawBody: `{"parameters":${nestedJson(3000)}}` });
    expect([pkg.status, pkg.json]).toEqual([400, TOO_DEEP]);
    expect(h.emulator.store.getPackage('deep')).toBeUndefined();
    const action = await h.call('PUT', '/api/v2/packages/tests/actions/deep?platform=vpc', {
      rawBody:
        '{"exec":{"kind":"nodejs:16","code":"x","main":"main","binary":false},' +
        `"limits":{"timeout":1000,"memory":256},"parameters":${nestedJson(20000)}}`,
    });
    expect([action.status, action.json]).toEqual([400, TOO_DEEP]);
    expect(h.emulator.store.getAction('tests', 'deep')).toBeUndefined();
    const arrays = await h.call('POST', '/api/v2/packages/examples/actions/echo?platform=vpc', {
      rawBody: '['.repeat(400_000) + ']'.repeat(400_000),
    });
    expect([arrays.status, arrays.json]).toEqual([400, TOO_DEEP]);
  });

  it('records a result, an error or a rejection nested too deep as an action developer error', async () => {
    const build = 'function deep(n) { let o = {}; for (let i = 1; i < n; i++) o = { a: o }; return o; }';
    const cases: Array<[string, string]> = [
      ['result3k', `${build} function main() { return deep(3000); }`],
      ['result20k', `${build} function main() { return deep(20000); }`],
      ['error3k', `${build} function main() { return { error: deep(3000) }; }`],
      ['reject3k', `${build} function main() { return Promise.reject(deep(3000)); }`],
      ['reject20k', `${build} function main() { return Promise.reject(deep(20000)); }`],
    ];
    for (const [name, code] of cases) {
      h.emulator.store.putAction({ packageName: 'tests', name, limits: { timeout: 10000 }, exec: { code } });
      const path = `/ncf/api/v2/packages/tests/actions/${name}`;
      const t0 = Date.now();
      const r = await h.call('POST', `${path}?timeout=10000`);
      expect([name, r.status, r.json.content.response]).toEqual([name, 502, INVALID_RESULT]);
      // Answered by the run itself, not by the 10 s time limit.
      expect(Date.now() - t0).toBeLessThan(5000);
      const detail = await h.call('GET', `${path}/activations/${r.json.content.activationId}`);
      expect(detail.status).toBe(200);
      expect(detail.json.content).toEqual(r.json.content);
    }
    // The worker that produced them is still good for ordinary work.
    const ok = await h.call('POST', '/ncf/api/v2/packages/-/actions/ping');
    expect(ok.json.content.response.result).toEqual({ pong: true });
  }, 30_000);
});

describe('parameters that cannot be handed to a worker', () => {
  let one: Harness;
  beforeAll(async () => {
    one = await startHarness({ workers: 1 });
    // Only the store API can put such defaults in place: the HTTP API refuses them (above).
    one.emulator.store.putPackage({ name: 'deepdefaults', parameters: { d: nestedObject(20000) } });
    one.emulator.store.putAction({
      packageName: 'deepdefaults',
      name: 'echo',
      exec: { code: 'function main(p) { return p; }' },
    });
    one.emulator.store.putPackage({ name: 'tests' });
    one.emulator.store.putAction({
      packageName: 'tests',
      name: 'nap',
      exec: { code: 'function main() { return new Promise((r) => setTimeout(() => r({ napped: true }), 300)); }' },
    });
  });
  afterAll(() => one.close());

  it('records a whisk internal error, also while queued behind a busy worker, and frees the worker', async () => {
    const expected = {
      status: 'whisk internal error',
      statusCode: 3,
      success: false,
      result: { error: 'The emulator failed to run the action.' },
      size: 50,
    };
    // The only worker is busy, so this run would wait in the queue and be handed over from the worker's
    // message event when the nap ends: where encoding its parameters used to throw, uncaught, in the host.
    const nap = await one.call('POST', '/ncf/api/v2/packages/tests/actions/nap?timeout=0');
    expect(nap.status).toBe(202);
    const queued = await one.call('POST', '/ncf/api/v2/packages/deepdefaults/actions/echo?timeout=10000');
    expect([queued.status, queued.json.content.response]).toEqual([502, expected]);

    // With the worker idle it used to fail inside the invoke, leaving the worker taken for the 60 s limit.
    const idle = await one.call('POST', '/ncf/api/v2/packages/deepdefaults/actions/echo?timeout=10000');
    expect([idle.status, idle.json.content.response]).toEqual([502, expected]);

    const t0 = Date.now();
    const ping = await one.call('POST', '/ncf/api/v2/packages/-/actions/ping?timeout=10000');
    expect(ping.status).toBe(200);
    expect(ping.json.content.response.result).toEqual({ pong: true });
    expect(Date.now() - t0).toBeLessThan(3000);
  }, 20_000);
});

describe('odd requests', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  /** A signed request whose headers may repeat (undici sends an array as repeated header lines). */
  async function send(
    path: string,
    headers: Record<string, string | string[]>,
  ): Promise<{ status: number; json: unknown }> {
    const res = await request(`${h.emulator.url}${path}`, { method: 'GET', headers });
    return { status: res.statusCode, json: await res.body.json() };
  }

  /** Raw bytes on a fresh connection, for requests no HTTP client would send. */
  const raw = (bytes: string): Promise<string> => rawRequest(h.emulator.port, bytes);

  it('answers bytes that are not UTF-8 or not JSON as invalid JSON, and keeps odd strings intact', async () => {
    const notJson = {
      error: { errorCode: '100', message: 'Bad Request Exception', details: 'The request body is not valid JSON.' },
    };
    for (const rawBody of [Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), Buffer.from('{"a":1}', 'utf16le'), '\ufeff{}']) {
      const r = await h.call('POST', ECHO, { rawBody });
      expect([r.status, r.json]).toEqual([400, notJson]);
    }
    const odd = await h.call('POST', ECHO, { rawBody: '{"lone":"\\ud800","nul":"\\u0000","emoji":"\ud83d\ude00"}' });
    expect(odd.status).toBe(200);
    expect(odd.json.content.response.result).toEqual({ lone: '\ud800', nul: '\u0000', emoji: '\ud83d\ude00' });
  });

  it('answers repeated signing headers with 401, as one joined value', async () => {
    const path = '/ncf/api/v2/packages';
    const timestamp = String(Date.now());
    const signature = sign('GET', path, timestamp);
    const base = {
      'x-ncp-apigw-timestamp': timestamp,
      'x-ncp-iam-access-key': ACCESS_KEY,
      'x-ncp-apigw-signature-v2': signature,
    };
    const timestamps = await send(path, { ...base, 'x-ncp-apigw-timestamp': [timestamp, timestamp] });
    expect(timestamps).toEqual({
      status: 401,
      json: {
        error: {
          errorCode: '200',
          message: 'Authentication Failed',
          details: 'The timestamp is out of the allowed range.',
        },
      },
    });
    const keys = await send(path, { ...base, 'x-ncp-iam-access-key': [ACCESS_KEY, ACCESS_KEY] });
    expect(keys).toEqual({
      status: 401,
      json: {
        error: { errorCode: '200', message: 'Authentication Failed', details: 'Invalid authentication information.' },
      },
    });
    expect(await send(path, base)).toEqual({
      status: 200,
      json: expect.objectContaining({ content: expect.any(Array) }),
    });
  });

  it('answers a long action name with 400 and a request line over 16 KiB with 431, both NCP-style', async () => {
    const name = 'x'.repeat(10_000);
    const long = await h.call('POST', `/ncf/api/v2/packages/examples/actions/${name}`);
    expect([long.status, long.json]).toEqual([
      400,
      {
        error: {
          errorCode: '100',
          message: 'Bad Request Exception',
          details: `Invalid action name '${name}': use 1-50 characters of [A-Za-z0-9_-], not starting with '-'.`,
        },
      },
    ]);
    const body =
      '{"error":{"errorCode":"100","message":"Request Header Fields Too Large",' +
      '"details":"The request line and headers exceed 16384 bytes."}}';
    const answer = await raw(`GET /ncf/api/v2/packages/${'y'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(answer.endsWith(`\r\n\r\n${body}`)).toBe(true);
    const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
    expect(garbage.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(
      garbage.endsWith(
        '\r\n\r\n{"error":{"errorCode":"100","message":"Bad Request Exception",' +
          '"details":"The request is not valid HTTP."}}',
      ),
    ).toBe(true);
    expect((await h.call('GET', '/ncf/api/v2/packages')).status).toBe(200);
  });
});

describe('a logger that throws', () => {
  it('costs neither the answer nor the host process', async () => {
    let broken = false;
    const h = await startHarness({
      seed: true,
      logger: () => {
        if (broken) throw new Error('log sink is down');
      },
    });
    broken = true;
    try {
      expect((await h.call('GET', '/ncf/api/v2/packages')).status).toBe(200);
      expect((await h.call('GET', '/ncf/api/v2/packages', { signature: null })).status).toBe(401);
      const r = await h.call('POST', ECHO, { body: { n: 2 } });
      expect([r.status, r.json.content.response.result]).toEqual([200, { n: 2 }]);
    } finally {
      await h.close();
    }
  });
});
