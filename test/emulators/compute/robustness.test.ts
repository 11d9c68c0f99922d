// The compute emulator against the inputs that took the Cloud Functions emulator down (JSON nested
// thousands of levels deep, bodies that are not objects, odd bytes, repeated headers, very long or badly
// encoded paths, a logger that throws): each must get Keystone's or Nova's own answer, the emulator must keep
// serving, and nothing may escape into the hosting process (the gateway's, under `npm start`).
import { request } from 'undici';
import { expectNoProcessFailures, nestedJson, rawRequest } from '../hazards';
import { passwordAuth, startHarness, UNAUTHORIZED, type Harness } from './helpers';

const TOKENS = '/identity/v3/auth/tokens';
const expecting = (attribute: string, target: string): unknown => ({
  error: {
    code: 400,
    title: 'Bad Request',
    message:
      `Expecting to find ${attribute} in ${target}. The server could not comply with the request since it is either ` +
      'malformed or otherwise incorrect. The client is assumed to be in error.',
  },
});
const notFound = (id: string): unknown => ({
  itemNotFound: { code: 404, message: `Instance ${id} could not be found.` },
});

expectNoProcessFailures();

describe('hostile requests', () => {
  let h: Harness;
  let token: string;
  beforeAll(async () => {
    h = await startHarness();
    token = await h.login();
  });
  afterAll(() => h.close());

  it(
    'answers Keystone bodies nested 3,000 and 20,000 deep, or not objects, ' + 'with its 400, and keeps issuing',
    async () => {
      for (const depth of [3000, 20000]) {
        const top = await h.call('POST', TOKENS, { rawBody: nestedJson(depth) });
        expect([depth, top.status, top.json]).toEqual([depth, 400, expecting('auth', 'request body')]);
        const inner = await h.call('POST', TOKENS, {
          rawBody:
            '{"auth":{"identity":{"methods":["password"],"password":' +
            `{"user":{"name":${nestedJson(depth)},"password":"x"}}}}}`,
        });
        expect([depth, inner.status, inner.json]).toEqual([depth, 400, expecting('name', 'user')]);
      }
      const arrays = await h.call('POST', TOKENS, { rawBody: '['.repeat(400_000) + ']'.repeat(400_000) });
      expect([arrays.status, arrays.json]).toEqual([400, expecting('auth', 'request body')]);
      for (const rawBody of ['[1]', '"auth"', 'null', '42']) {
        const r = await h.call('POST', TOKENS, { rawBody });
        expect([rawBody, r.status, r.json]).toEqual([rawBody, 400, expecting('auth', 'request body')]);
      }
      for (const rawBody of ['\ufeff{}', Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1')]) {
        const r = await h.call('POST', TOKENS, { rawBody });
        expect([r.status, r.json]).toEqual([400, expecting('valid JSON', 'request body')]);
      }
      const ok = await h.call('POST', `${TOKENS}?nocatalog`, {
        body: passwordAuth({ name: 'alice', password: 'alice-pw' }),
      });
      expect(ok.status).toBe(201);
    },
  );

  it('answers repeated auth headers with 401, as one joined value', async () => {
    const res = await request(`${h.emulator.url}/compute/v2.1/servers/x/os-instance-actions`, {
      headers: { 'x-auth-token': [token, token] },
    });
    expect([res.statusCode, await res.body.json()]).toEqual([401, UNAUTHORIZED]);
  });

  it('answers very long and badly encoded server ids with Nova 404s', async () => {
    const long = 'x'.repeat(10_000);
    const r = await h.nova(`/servers/${long}/os-instance-actions`, token, '2.84');
    expect([r.status, r.json]).toEqual([404, notFound(long)]);
    const bad = await h.nova('/servers/%E0%A4%A/os-instance-actions', token, '2.84');
    expect([bad.status, bad.json]).toEqual([404, notFound('%E0%A4%A')]);
  });

  it('lets Node answer a request line over 16 KiB with 431 and goes on serving', async () => {
    const port = Number(new URL(h.emulator.url).port);
    const answer = await rawRequest(
      port,
      `GET /compute/v2.1/servers/${'y'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    // Eventlet-era Nova answers a bare 414 here; Node's bare 431 is close enough, and no handler ran.
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    const ok = await h.nova('/', token);
    expect(ok.status).toBe(200);
  });
});

describe('a logger that throws', () => {
  it('costs neither the answer nor the host process', async () => {
    let broken = false;
    const h = await startHarness({
      logger: () => {
        if (broken) throw new Error('log sink is down');
      },
    });
    broken = true;
    try {
      const token = await h.login();
      expect((await h.nova('/', token)).status).toBe(200);
      expect((await h.nova('/servers/nope/os-instance-actions', token)).status).toBe(404);
    } finally {
      await h.close();
    }
  });
});
