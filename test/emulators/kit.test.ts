// The HTTP kit both emulators are built on (src/emulators/kit), on its own: what each emulator's tests only
// reach through that emulator's answers. A tiny server built from the kit's pieces stands in for an
// emulator, with its own made-up error bodies, so every behaviour here is the kit's and none an emulator's.
import { request } from 'undici';
import {
  exchange,
  guardedListener,
  listenAddressFromEnv,
  readBody,
  requestTarget,
  safeLogger,
  send,
  serve,
  Traffic,
  type Served,
} from '../../src/emulators/kit';
import { expectNoProcessFailures, rawRequest } from './hazards';

interface Answer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
}

class Refusal extends Error {
  constructor(readonly status: number) {
    super(`refused with ${status}`);
  }
}

expectNoProcessFailures();

describe('listenAddressFromEnv', () => {
  it('reads <PREFIX>_HOST and <PREFIX>_PORT, with 127.0.0.1 and the default port otherwise', () => {
    expect(listenAddressFromEnv('X', 8790, {})).toEqual({ host: '127.0.0.1', port: 8790 });
    expect(listenAddressFromEnv('X', 8790, { X_HOST: '::1', X_PORT: '0' })).toEqual({ host: '::1', port: 0 });
    expect(listenAddressFromEnv('X', 8790, { X_HOST: '', X_PORT: '65535' })).toEqual({
      host: '127.0.0.1',
      port: 65535,
    });
  });

  it('refuses what is not a port, naming the variable and the value', () => {
    for (const value of ['abc', '-1', '65536', '80.5']) {
      expect(() => listenAddressFromEnv('X', 1, { X_PORT: value })).toThrow(`X_PORT is not a port: ${value}`);
    }
  });
});

describe('Traffic', () => {
  it('records each request, counts it in flight until its work settles, and resets in place', async () => {
    const traffic = new Traffic<{ n: number }>();
    const list = traffic.requests;
    let release!: () => void;
    const held = traffic.track({ n: 1 }, () => new Promise<void>((r) => (release = r)));
    const failed = traffic.track({ n: 2 }, () => Promise.reject(new Error('boom')));
    expect([traffic.inFlight, traffic.peakInFlight]).toEqual([2, 2]);
    await expect(failed).rejects.toThrow('boom');
    expect([traffic.inFlight, traffic.peakInFlight]).toEqual([1, 2]);
    traffic.reset();
    expect([list, traffic.requests.length, traffic.peakInFlight]).toEqual([traffic.requests, 0, 1]);
    release();
    await held;
    expect([traffic.inFlight, traffic.peakInFlight]).toEqual([0, 1]);
  });
});

describe('a server built from the kit', () => {
  const lines: string[] = [];
  let served: Served;
  const traffic = new Traffic<{ path: string; status: number }>();

  beforeAll(async () => {
    const log = safeLogger((line) => lines.push(line));
    served = await serve({
      name: 'kit-test',
      host: '127.0.0.1',
      port: 0,
      log,
      clientError: (status) => ({ contentType: 'text/plain', body: `refused ${status}` }),
    });
    served.server.on(
      'request',
      guardedListener('kit-test', log, async (req, res) => {
        const target = requestTarget(req);
        const record = { path: target.path, status: 0 };
        await traffic.track(record, async () => {
          const { body, tooLarge } = await readBody(req, 10);
          return exchange<Answer>(res, {
            name: 'kit-test',
            log,
            what: `${target.method} ${target.rawUrl}`,
            latencyMs: target.query === 'slow' ? 300 : 0,
            answer: async () => {
              if (tooLarge) throw new Refusal(413);
              if (target.path === '/bug') throw new Error('a bug');
              if (target.path === '/empty') return { status: 204 };
              if (target.path === '/bad-header') return { status: 200, body: 'x', headers: { 'x-bad': 'a\nb' } };
              return { status: 200, body: `${target.method} ${target.path} ${target.query} ${body.toString()}` };
            },
            known: (err) => (err instanceof Refusal ? { status: err.status, body: 'refusal' } : undefined),
            internal: () => ({ status: 500, body: 'ours' }),
            write: (r, a) => send(r, a.status, { 'x-id': '1', ...a.headers }, a.body, 'text/plain'),
            settle: (a) => {
              record.status = a.status;
            },
          });
        });
      }),
    );
  });
  afterAll(() => served.close());

  async function call(path: string, body?: string): Promise<{ status: number; text: string; headers: unknown }> {
    const res = await request(`${served.url}${path}`, { method: body === undefined ? 'GET' : 'POST', body });
    return { status: res.statusCode, text: await res.body.text(), headers: res.headers };
  }

  it('listens where it was told and gives its origin', () => {
    expect(served.url).toBe(`http://127.0.0.1:${served.port}`);
    expect(lines).toContain(`kit-test: listening on ${served.url}`);
  });

  it('answers with the content type and length only when there is a body, and logs the exchange', async () => {
    const r = await call('/echo?q=1', 'hi');
    expect([r.status, r.text]).toEqual([200, 'POST /echo q=1 hi']);
    expect(r.headers).toMatchObject({ 'content-type': 'text/plain', 'content-length': '17', 'x-id': '1' });
    expect(lines.some((l) => /^kit-test: POST \/echo\?q=1 -> 200 \(\d+ ms\)$/.test(l))).toBe(true);
    const empty = await call('/empty');
    expect([empty.status, empty.text]).toEqual([204, '']);
    expect(empty.headers).not.toHaveProperty('content-type');
    expect(empty.headers).toHaveProperty('x-id', '1');
  });

  it('answers known errors with their answer and anything else with the 500, logging only the latter', async () => {
    const big = await call('/echo', '01234567890');
    expect([big.status, big.text]).toEqual([413, 'refusal']);
    expect((await call('/echo', '0123456789')).status).toBe(200);
    const bug = await call('/bug');
    expect([bug.status, bug.text]).toEqual([500, 'ours']);
    expect(lines.some((l) => l.startsWith('kit-test: internal error on GET /bug: Error: a bug'))).toBe(true);
    expect(lines.some((l) => l.startsWith('kit-test: internal error on POST /echo'))).toBe(false);
  });

  it('answers 500 in place of an answer that cannot go out as built, and records it', async () => {
    const r = await call('/bad-header');
    expect([r.status, r.text]).toEqual([500, 'ours']);
    expect(traffic.requests.filter((q) => q.path === '/bad-header')).toEqual([{ path: '/bad-header', status: 500 }]);
  });

  it('waits the latency before answering', async () => {
    const t0 = Date.now();
    expect((await call('/echo?slow')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it("answers what Node's parser refuses with the caller's body and status, and goes on serving", async () => {
    const garbage = await rawRequest(served.port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(garbage).toBe(
      'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n' +
        'Connection: close\r\n\r\nrefused 400',
    );
    const long = await rawRequest(served.port, `GET /${'y'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(long.split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(long.endsWith('\r\n\r\nrefused 431')).toBe(true);
    expect((await call('/echo')).status).toBe(200);
  });

  it('logs a server error after listen instead of throwing it into the process', () => {
    served.server.emit('error', new Error('accept failed'));
    expect(lines.some((l) => l.startsWith('kit-test: server error: Error: accept failed'))).toBe(true);
  });
});

describe('serve without a clientError answer', () => {
  it("leaves Node's bare answer in place", async () => {
    const served = await serve({ name: 'bare', host: '127.0.0.1', port: 0, log: () => undefined });
    try {
      const garbage = await rawRequest(served.port, 'NOT HTTP AT ALL\r\n\r\n');
      expect(garbage).toBe('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    } finally {
      await served.close();
    }
  });
});

describe('guardedListener', () => {
  it('logs what the handler rejects with and drops the connection, and a throwing logger changes nothing', async () => {
    const lines: string[] = [];
    const served = await serve({ name: 'guard', host: '127.0.0.1', port: 0, log: () => undefined });
    let logged = 0;
    const log = safeLogger((line) => {
      lines.push(line);
      logged += 1;
      if (logged > 1) throw new Error('log sink is down');
    });
    served.server.on(
      'request',
      guardedListener('guard', log, () => Promise.reject(new Error('gone'))),
    );
    try {
      for (let i = 0; i < 2; i += 1) {
        await expect(request(`${served.url}/x`)).rejects.toThrow();
      }
      expect(lines.length).toBe(2);
      expect(lines[0]).toMatch(/^guard: request aborted: Error: gone/);
    } finally {
      await served.close();
    }
  });
});

describe('close', () => {
  it('closes idle and active connections, and the port stops answering', async () => {
    const served = await serve({ name: 'closing', host: '127.0.0.1', port: 0, log: () => undefined });
    // A handler that never answers: the request stays active until close.
    served.server.on('request', () => undefined);
    const hanging = request(`${served.url}/hang`).then(
      () => 'answered',
      () => 'dropped',
    );
    // Let the request arrive before closing.
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await served.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await hanging).toBe('dropped');
    await expect(request(`${served.url}/`)).rejects.toThrow();
  });
});
