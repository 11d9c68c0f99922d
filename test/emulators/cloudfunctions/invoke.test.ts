// Invoking actions (docs/upstream/cloud-functions.md#invoke): parameter merging, results and failures as
// OpenWhisk records them, logs, time limits and the worker pool, the 202 answer for runs that outlive the
// wait, and the emulator's own options (seed, latency, in-flight counters, close).
import {
  startCloudFunctionsEmulator,
  type ActionInput,
  type CloudFunctionsEmulator,
} from '../../../src/emulators/cloudfunctions';
import { eventually, startHarness, type Harness } from './helpers';

const LOG_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr): /;

function addAction(em: CloudFunctionsEmulator, name: string, code: string, extra: Partial<ActionInput> = {}): string {
  em.store.putAction({ packageName: 'tests', name, exec: { code }, ...extra });
  return `/ncf/api/v2/packages/tests/actions/${name}`;
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  h.emulator.store.putPackage({ name: 'tests', description: 'actions made by the invoke tests' });
});
afterAll(() => h.close());

describe('invoke', () => {
  it('runs package001/hello with the package defaults and captures its log line', async () => {
    const r = await h.call('POST', '/ncf/api/v2/packages/package001/actions/hello', { body: {} });
    expect(r.status).toBe(200);
    const c = r.json.content;
    expect(r.headers['x-openwhisk-activation-id']).toBe(c.activationId);
    expect(c).toMatchObject({
      activationId: expect.stringMatching(/^[0-9a-f]{32}$/),
      name: 'hello',
      namespace: 'ncf-emulator',
      subject: 'ncf-emulator-user-1',
      version: '0.0.1',
      publish: false,
      response: {
        status: 'success',
        statusCode: 0,
        success: true,
        result: { greeting: 'Hello, Cloud Functions from NAVER Cloud!' },
        size: 55,
      },
    });
    expect(c.duration).toBe(c.end - c.start);
    expect(Number.isInteger(c.start)).toBe(true);
    expect(c.logs).toHaveLength(1);
    expect(c.logs[0]).toMatch(LOG_LINE);
    expect(c.logs[0].endsWith(' stdout: Saying hello to Cloud Functions')).toBe(true);
    expect(c.annotations).toEqual(
      expect.arrayContaining([
        { key: 'path', value: 'ncf-emulator/package001/hello' },
        { key: 'kind', value: 'nodejs:16' },
        { key: 'limits', value: { concurrency: 1, logs: 10, memory: 256, timeout: 60000 } },
        { key: 'waitTime', value: expect.any(Number) },
      ]),
    );
    // The record is then in the history and the detail.
    const detail = await h.call('GET', `/ncf/api/v2/packages/package001/actions/hello/activations/${c.activationId}`);
    expect(detail.json.content).toEqual(c);
  });

  it('merges parameters: invoke > action defaults > package defaults', async () => {
    h.emulator.store.putPackage({ name: 'prec', parameters: { a: 'package', b: 'package', c: 'package' } });
    h.emulator.store.putAction({
      packageName: 'prec',
      name: 'show',
      parameters: { b: 'action', c: 'action' },
      exec: { code: 'function main(p) { return p; }' },
    });
    const r = await h.call('POST', '/ncf/api/v2/packages/prec/actions/show', { body: { c: 'invoke', d: 'invoke' } });
    expect(r.json.content.response.result).toEqual({ a: 'package', b: 'action', c: 'invoke', d: 'invoke' });
    const hello = await h.call('POST', '/ncf/api/v2/packages/package001/actions/hello', { body: { name: 'Gateway' } });
    expect(hello.json.content.response.result).toEqual({ greeting: 'Hello, Gateway from NAVER Cloud!' });
  });

  it('returns the documented payload of package003/action000, duration as a string on v2.0', async () => {
    const r = await h.call('POST', '/api/v2/packages/package003/actions/action000?platform=vpc');
    expect(r.status).toBe(200);
    expect(r.json.content.response.result).toEqual({ payload: 'abc' });
    expect(typeof r.json.content.duration).toBe('string');
    expect(r.json.content.duration).toBe(String(r.json.content.end - r.json.content.start));
  });

  it('runs an action in no package', async () => {
    const r = await h.call('POST', '/ncf/api/v2/packages/-/actions/ping');
    expect(r.json.content.response.result).toEqual({ pong: true });
    expect(r.json.content.annotations).toContainEqual({ key: 'path', value: 'ncf-emulator/ping' });
  });

  it('answers 502 with the full record for an application error', async () => {
    const r = await h.call('POST', '/ncf/api/v2/packages/examples/actions/fail');
    expect(r.status).toBe(502);
    expect(r.json.content.response).toEqual({
      status: 'application error',
      statusCode: 1,
      success: false,
      result: { error: 'Something went wrong' },
      size: 32,
    });
    const list = await h.call('GET', '/ncf/api/v2/packages/examples/actions/fail/activations');
    expect(list.json.content.activations[0]).toEqual({
      activationId: r.json.content.activationId,
      duration: r.json.content.duration,
      status: 'application error',
    });
  });

  it('answers 502 for a thrown exception (action developer error)', async () => {
    const r = await h.call('POST', '/ncf/api/v2/packages/examples/actions/crash');
    expect(r.status).toBe(502);
    expect(r.json.content.response).toMatchObject({
      status: 'action developer error',
      statusCode: 2,
      success: false,
      result: { error: 'An error has occurred: Error: Crash requested' },
    });
  });

  it('refuses kinds other than nodejs', async () => {
    const r = await h.call('POST', '/ncf/api/v2/packages/examples/actions/python');
    expect(r.status).toBe(502);
    expect(r.json.content.response).toMatchObject({
      status: 'action developer error',
      result: { error: 'The emulator runs only nodejs actions.' },
    });
  });

  it('captures logs, stdout and stderr, one line per call', async () => {
    const sum = await h.call('POST', '/ncf/api/v2/packages/examples/actions/sum', { body: { a: 2, b: 40 } });
    expect(sum.json.content.response.result).toEqual({ sum: 42 });
    expect(sum.json.content.logs.map((l: string) => l.replace(LOG_LINE, '$1: '))).toEqual([
      'stdout: a = 2',
      'stdout: b = 40',
    ]);
    const path = addAction(
      h.emulator,
      'logger',
      "function main() { console.info('info %d', 1); console.warn('careful'); " +
        "console.error(new Error('bad').message); console.log({ x: 1 }, 'multi\\nline'); return {}; }",
    );
    const r = await h.call('POST', path);
    expect(r.json.content.logs.map((l: string) => l.replace(LOG_LINE, '$1: '))).toEqual([
      'stdout: info 1',
      'stderr: careful',
      'stderr: bad',
      'stdout: { x: 1 } multi\nline',
    ]);
  });

  it('caps the logs at 1000 lines', async () => {
    const path = addAction(
      h.emulator,
      'chatty',
      'function main() { for (let i = 0; i < 1200; i++) console.log(i); return {}; }',
    );
    const r = await h.call('POST', path);
    expect(r.json.content.logs).toHaveLength(1001);
    expect(r.json.content.logs[1000]).toBe(
      'Logs were truncated because the number of lines exceeds the limit of 1000 lines.',
    );
  });

  it('supports exports.main, module.exports.main, async functions and a custom main', async () => {
    const a = addAction(h.emulator, 'cjs', 'exports.main = (p) => ({ via: "exports", n: p.n });');
    const b = addAction(
      h.emulator,
      'modexp',
      'module.exports = { main: async (p) => ({ via: "module.exports", n: p.n }) };',
    );
    const c = addAction(h.emulator, 'custom', 'function handler(p) { return { via: "handler" }; }', {
      exec: { code: 'function handler(p) { return { via: "handler" }; }', main: 'handler' },
    });
    expect((await h.call('POST', a, { body: { n: 1 } })).json.content.response.result).toEqual({
      via: 'exports',
      n: 1,
    });
    expect((await h.call('POST', b, { body: { n: 2 } })).json.content.response.result).toEqual({
      via: 'module.exports',
      n: 2,
    });
    expect((await h.call('POST', c)).json.content.response.result).toEqual({ via: 'handler' });
    const d = addAction(h.emulator, 'arrow', 'const main = async (p) => ({ via: "const", n: p.n });');
    expect((await h.call('POST', d, { body: { n: 4 } })).json.content.response.result).toEqual({ via: 'const', n: 4 });
    const e = addAction(h.emulator, 'dotted', 'const handlers = { run: () => ({ via: "dotted" }) };', {
      exec: { code: 'const handlers = { run: () => ({ via: "dotted" }) };', main: 'handlers.run' },
    });
    expect((await h.call('POST', e)).json.content.response.result).toEqual({ via: 'dotted' });
    const f = addAction(h.emulator, 'evil', 'function main() { return {}; }', {
      exec: { code: 'var hit = 0; function main() { return { hit }; }', main: 'hit = 1, main' },
    });
    expect((await h.call('POST', f)).json.content.response.result).toEqual({
      error: "Initialization has failed due to: Action entrypoint 'hit = 1, main' is not a function.",
    });
  });

  it('maps results the way the OpenWhisk Node.js runtime does', async () => {
    const cases: Array<[string, string, string, unknown]> = [
      ['noreturn', 'function main() {}', 'success', {}],
      [
        'number',
        'function main() { return 42; }',
        'action developer error',
        { error: 'The action did not return a dictionary.' },
      ],
      [
        'array',
        'function main() { return [1]; }',
        'action developer error',
        { error: 'The action did not return a dictionary.' },
      ],
      [
        'rejects',
        "async function main() { throw new Error('nope'); }",
        'application error',
        { error: { name: 'Error', message: 'nope' } },
      ],
      [
        'rejectsvalue',
        'function main() { return Promise.reject({ code: 7 }); }',
        'application error',
        { error: { code: 7 } },
      ],
      [
        'syntax',
        'function main( {',
        'action developer error',
        { error: expect.stringMatching(/^Initialization has failed due to: SyntaxError: /) },
      ],
      [
        'nomain',
        'function other() {}',
        'action developer error',
        { error: "Initialization has failed due to: Action entrypoint 'main' is not a function." },
      ],
      [
        'asyncthrow',
        "function main() { return new Promise(() => { setTimeout(() => { throw new Error('late'); }, 5); }); }",
        'action developer error',
        { error: 'The action did not produce a valid response and exited unexpectedly.' },
      ],
      [
        'params',
        'function main(p) { return { isObject: p instanceof Object, json: JSON.stringify(p) }; }',
        'success',
        { isObject: true, json: '{"k":"v"}' },
      ],
      [
        'builtins',
        "function main() { return { b: Buffer.from('hi').toString('base64'), " +
          "u: new URL('https://x.test/a?b=1').searchParams.get('b'), " +
          "t: new TextDecoder().decode(new TextEncoder().encode('ok')) }; }",
        'success',
        { b: 'aGk=', u: '1', t: 'ok' },
      ],
    ];
    for (const [name, code, status, result] of cases) {
      const r = await h.call('POST', addAction(h.emulator, name, code), { body: { k: 'v' } });
      expect([name, r.json.content.response.status, r.json.content.response.result]).toEqual([name, status, result]);
      expect(r.status).toBe(status === 'success' ? 200 : 502);
    }
  });

  it('gives every run a fresh global scope', async () => {
    const path = addAction(
      h.emulator,
      'leaky',
      'var counter = (typeof counter === "number" ? counter : 0) + 1; globalThis.seen = (globalThis.seen || 0) + 1; ' +
        'function main() { return { counter, seen: globalThis.seen }; }',
    );
    for (let i = 0; i < 3; i += 1) {
      expect((await h.call('POST', path)).json.content.response.result).toEqual({ counter: 1, seen: 1 });
    }
  });

  it('validates the invoke body and timeout', async () => {
    const path = '/ncf/api/v2/packages/examples/actions/echo';
    const before = h.emulator.store.runsStarted;
    for (const rawBody of ['[1,2]', '"text"', '42', 'null', '{oops']) {
      const r = await h.call('POST', path, { rawBody });
      expect([rawBody, r.status, r.json.error.errorCode]).toEqual([rawBody, 400, '100']);
    }
    for (const t of ['-1', '60001', 'abc', '1.5']) {
      const r = await h.call('POST', `${path}?timeout=${t}`, { body: {} });
      expect([t, r.status, r.json.error.errorCode]).toEqual([t, 400, '100']);
    }
    expect(h.emulator.store.runsStarted).toBe(before);
    const ok = await h.call('POST', `${path}?timeout=60000`);
    expect(ok.status).toBe(200);
    expect(ok.json.content.response.result).toEqual({});
  });

  it('answers 404 / 400 for unknown or foreign actions without running anything', async () => {
    const before = h.emulator.store.runsStarted;
    expect((await h.call('POST', '/ncf/api/v2/packages/examples/actions/nope')).json.error.errorCode).toBe('80301');
    expect((await h.call('POST', '/ncf/api/v2/packages/legacy/actions/status')).json.error.errorCode).toBe('80302');
    expect((await h.call('POST', '/ncf/api/v2/packages/nope/actions/x')).json.error.errorCode).toBe('80101');
    expect(h.emulator.store.runsStarted).toBe(before);
  });

  it('counts each run exactly once', async () => {
    const before = h.emulator.store.runsStarted;
    await Promise.all(
      [1, 2, 3].map((n) => h.call('POST', '/ncf/api/v2/packages/examples/actions/echo', { body: { n } })),
    );
    expect(h.emulator.store.runsStarted).toBe(before + 3);
  });

  it('answers 202 with only the activationId when the run outlives the wait, then records it', async () => {
    const started = Date.now();
    const r = await h.call('POST', '/ncf/api/v2/packages/examples/actions/slow?timeout=500');
    const waited = Date.now() - started;
    expect(r.status).toBe(202);
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeLessThan(2500);
    const id: string = r.json.content.activationId;
    expect(r.json).toEqual({ content: { activationId: expect.stringMatching(/^[0-9a-f]{32}$/) } });
    expect(r.headers['x-openwhisk-activation-id']).toBe(id);

    const detailPath = `/ncf/api/v2/packages/examples/actions/slow/activations/${id}`;
    const running = await h.call('GET', detailPath);
    expect(running.status).toBe(404);
    expect(running.json.error.errorCode).toBe('80401');

    const done = await eventually(async () => {
      const d = await h.call('GET', detailPath);
      return d.status === 200 ? d : undefined;
    }, 6000);
    expect(done.json.content.response).toMatchObject({ status: 'success', result: { done: true } });
    expect(done.json.content.duration).toBeGreaterThanOrEqual(2900);
    expect(done.json.content.logs).toHaveLength(1);
    const list = await h.call('GET', '/ncf/api/v2/packages/examples/actions/slow/activations');
    expect(list.json.content.activations[0].activationId).toBe(id);
  });

  it('answers at once with timeout=0', async () => {
    const path = addAction(
      h.emulator,
      'quick',
      'function main() { return new Promise((r) => setTimeout(() => r({ ok: 1 }), 100)); }',
    );
    const r = await h.call('POST', `${path}?timeout=0`);
    expect(r.status).toBe(202);
    expect(Object.keys(r.json.content)).toEqual(['activationId']);
    const rec = await eventually(() => h.emulator.store.getActivation(r.json.content.activationId));
    expect(rec.response.result).toEqual({ ok: 1 });
  });

  it('kills an action at its time limit and keeps serving', async () => {
    const r = await h.call('POST', '/ncf/api/v2/packages/examples/actions/timeout');
    expect(r.status).toBe(502);
    expect(r.json.content.response).toMatchObject({
      status: 'action developer error',
      success: false,
      result: { error: 'The action exceeded its time limits of 1000 milliseconds.' },
    });
    expect(r.json.content.duration).toBeGreaterThanOrEqual(1000);
    expect(r.json.content.annotations).toContainEqual({ key: 'timeout', value: true });
    const ok = await h.call('POST', '/ncf/api/v2/packages/-/actions/ping');
    expect(ok.json.content.response.result).toEqual({ pong: true });
  });
});

describe('invoke with a single worker', () => {
  let one: Harness;
  beforeAll(async () => {
    one = await startHarness({ workers: 1 });
    one.emulator.store.putPackage({ name: 'tests' });
  });
  afterAll(() => one.close());

  it('stops a synchronous infinite loop at the limit and replaces the worker', async () => {
    const loop = addAction(one.emulator, 'loop', 'function main() { for (;;) {} }', { limits: { timeout: 500 } });
    const logsFirst = addAction(one.emulator, 'logsfirst', "function main() { console.log('before'); for (;;) {} }", {
      limits: { timeout: 500 },
    });
    const r = await one.call('POST', loop);
    expect(r.json.content.response.result).toEqual({
      error: 'The action exceeded its time limits of 500 milliseconds.',
    });
    const withLogs = await one.call('POST', logsFirst);
    expect(withLogs.json.content.logs).toHaveLength(1);
    expect(withLogs.json.content.logs[0]).toMatch(/ stdout: before$/);
    const after = await one.call('POST', '/ncf/api/v2/packages/-/actions/ping');
    expect(after.status).toBe(200);
    expect(after.json.content.response.result).toEqual({ pong: true });
  });

  it('queues runs first come first served', async () => {
    const path = addAction(
      one.emulator,
      'nap',
      'function main(p) { return new Promise((r) => setTimeout(() => r({ n: p.n }), 150)); }',
    );
    const [a, b] = await Promise.all([
      one.call('POST', path, { body: { n: 1 } }),
      one.call('POST', path, { body: { n: 2 } }),
    ]);
    const first = a.json.content.start <= b.json.content.start ? a : b;
    const second = first === a ? b : a;
    expect(second.json.content.start).toBeGreaterThanOrEqual(first.json.content.end);
    const wait = second.json.content.annotations.find((x: { key: string }) => x.key === 'waitTime').value;
    expect(wait).toBeGreaterThanOrEqual(100);
  });

  it('does not let a leftover interval log into the next run', async () => {
    const ticker = addAction(
      one.emulator,
      'ticker',
      "function main() { setInterval(() => console.log('tick'), 5); return {}; }",
    );
    const quiet = addAction(
      one.emulator,
      'quiet',
      'function main() { return new Promise((r) => setTimeout(() => r({}), 60)); }',
    );
    await one.call('POST', ticker);
    const r = await one.call('POST', quiet);
    expect(r.json.content.logs).toEqual([]);
  });
});

describe('invoke status options', () => {
  let opt: Harness;
  beforeAll(async () => {
    opt = await startHarness({ pendingInvokeStatus: 200, failedInvokeStatus: 200, seed: true });
  });
  afterAll(() => opt.close());

  it('answers 200 for a failed blocking invoke when failedInvokeStatus is 200', async () => {
    const r = await opt.call('POST', '/ncf/api/v2/packages/examples/actions/fail');
    expect(r.status).toBe(200);
    expect(r.json.content.response.success).toBe(false);
  });

  it('answers 200 with only the activationId when pendingInvokeStatus is 200', async () => {
    const r = await opt.call('POST', '/ncf/api/v2/packages/examples/actions/echo?timeout=0');
    expect(r.status).toBe(200);
    expect(Object.keys(r.json.content)).toEqual(['activationId']);
  });
});

describe('emulator options', () => {
  it('starts empty without the seed', async () => {
    const bare = await startHarness({ seed: false });
    try {
      expect((await bare.call('GET', '/ncf/api/v2/packages')).json).toEqual({ content: [] });
      expect((await bare.call('GET', '/ncf/api/v2/activations')).json).toEqual({
        content: { activations: [], totalCount: 0 },
      });
    } finally {
      await bare.close();
    }
  });

  it('tracks requests in flight and their peak', async () => {
    const slow = await startHarness({ latencyMs: 60, seed: false });
    try {
      expect(slow.emulator.peakInFlight).toBe(0);
      await Promise.all([1, 2, 3].map(() => slow.call('GET', '/ncf/api/v2/packages')));
      expect(slow.emulator.peakInFlight).toBe(3);
      expect(slow.emulator.inFlight).toBe(0);
      slow.emulator.resetRequests();
      expect(slow.emulator.peakInFlight).toBe(0);
      await slow.call('GET', '/ncf/api/v2/packages');
      expect(slow.emulator.peakInFlight).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it('delays every response by latencyMs', async () => {
    const slow = await startHarness({ latencyMs: 120, seed: false });
    try {
      const t0 = Date.now();
      await slow.call('GET', '/ncf/api/v2/packages');
      await slow.call('GET', '/ncf/api/v2/packages', { signature: null });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(235);
    } finally {
      await slow.close();
    }
  });

  it('closes idempotently and refuses connections afterwards', async () => {
    const lines: string[] = [];
    const em = await startHarness({ seed: false, logger: (l) => lines.push(l) });
    await em.call('GET', '/ncf/api/v2/packages');
    const url = em.emulator.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(em.emulator.port).toBe(Number(new URL(url).port));
    await em.close();
    await em.emulator.close();
    await expect(fetch(`${url}/ncf/api/v2/packages`)).rejects.toThrow();
    expect(lines.some((l) => l.includes('GET /ncf/api/v2/packages -> 200'))).toBe(true);
  });

  it('closes promptly while an invoke is still waiting for its run', async () => {
    const busy = await startHarness();
    const pending = busy.call('POST', '/ncf/api/v2/packages/examples/actions/slow').catch((e: unknown) => e);
    await eventually(() => (busy.emulator.inFlight === 1 ? true : undefined));
    const t0 = Date.now();
    await busy.emulator.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    await pending;
    await busy.close();
  });

  it('requires a credential', async () => {
    await expect(startCloudFunctionsEmulator({ credentials: [] })).rejects.toThrow('at least one credential');
  });
});
