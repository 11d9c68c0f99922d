/**
 * HTTP hygiene (src/http): bounds on receiving a request, the loopback Host guard, one error
 * envelope whatever produced the error, 401s logged, and the refusals GraphQL over HTTP owes:
 * subscriptions (they need the WebSocket) and input nested too deep, as 400s without a stack trace.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import WebSocket from 'ws';
import { generateKey } from '../../src/auth/apikeys';
import { startHarness, useHarness, type Harness, withHarness } from '../helpers/gateway';

const REQUEST_ID = /^[0-9a-f-]{36}$/;

async function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const res = await request(url, {
    method: (init.method ?? 'GET') as 'GET',
    headers: init.headers ?? {},
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await res.body.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

/** The one envelope, with the response's own request id. */
const envelope = (res: { headers: Record<string, unknown> }, code: string, message: string | RegExp) => ({
  errors: [
    {
      message: typeof message === 'string' ? message : expect.stringMatching(message),
      extensions: { code, requestId: res.headers['x-request-id'] },
    },
  ],
});

/** A raw TCP connection to the gateway; resolves with everything it received once the server closes it. */
function rawConnection(h: Harness): { socket: Socket; received: Promise<{ data: string; afterMs: number }> } {
  const { port } = new URL(h.url);
  const started = Date.now();
  const socket = connect(Number(port), '127.0.0.1');
  let data = '';
  socket.on('data', (chunk) => (data += chunk));
  const received = new Promise<{ data: string; afterMs: number }>((resolve) => {
    socket.on('close', () => resolve({ data, afterMs: Date.now() - started }));
    socket.on('error', () => undefined);
  });
  return { socket, received };
}

function errorLines(h: Harness): string[] {
  return h.logs.filter((l) => l.includes('"level":"error"'));
}

describe('receiving a request is bounded (GATEWAY_CLIENT_TIMEOUT_MS)', () => {
  // examples/slow at 2 s: twice the bound, for the operation that must outlive it.
  const h = useHarness(
    { env: { GATEWAY_CLIENT_TIMEOUT_MS: '1000' }, emulator: { slowActionMs: 2000 } },
    { resetCalls: false },
  );

  it('answers 408 in the envelope and closes a client that dribbles its body', async () => {
    const { socket, received } = rawConnection(h);
    const host = new URL(h.url).host;
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{`,
    );
    const dribble = setInterval(() => socket.writable && socket.write(' '), 300);
    const { data, afterMs } = await received;
    clearInterval(dribble);
    expect(afterMs).toBeLessThan(3_000);
    expect(data).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    const body = JSON.parse(data.slice(data.indexOf('\r\n\r\n') + 4));
    expect(body).toEqual({
      errors: [
        {
          message: 'The request was not received in time.',
          extensions: { code: 'BAD_REQUEST', requestId: expect.stringMatching(REQUEST_ID) },
        },
      ],
    });
    expect(h.upstreamCalls()).toEqual([]);
  });

  it('closes a client that never finishes its headers', async () => {
    const { socket, received } = rawConnection(h);
    socket.write('POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const dribble = setInterval(() => socket.writable && socket.write('a'), 300);
    const { data, afterMs } = await received;
    clearInterval(dribble);
    expect(afterMs).toBeLessThan(3_000);
    expect(data).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('does not cut an operation that takes longer than the bound once the request is in', async () => {
    const res = await h.gql(
      'mutation { invokeAction(input: { package: "examples", action: "slow", timeoutMs: 10000 }) { completed } }',
    );
    expect(res.body).toEqual({ data: { invokeAction: { completed: true } } });
  });
});

describe('the loopback Host guard (GATEWAY_AUTH=none)', () => {
  let h: Harness;
  let port: string;
  beforeAll(async () => {
    h = await startHarness();
    port = new URL(h.url).port;
  });
  afterAll(() => h.close());
  beforeEach(() => h.resetCalls());

  const query = JSON.stringify({ query: '{ packages { name } }' });
  const post = (host: string) =>
    send(h.url, { method: 'POST', headers: { host, 'content-type': 'application/json' }, body: query });

  it('answers the gateway’s own loopback names on its port', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      const res = await post(host);
      expect({ host, status: res.status }).toEqual({ host, status: 200 });
    }
  });

  it('refuses any other Host with 421 before anything runs: a DNS-rebinding page cannot read or invoke', async () => {
    for (const host of [
      `evil.example:${port}`,
      `127.0.0.1:1`,
      `localhost`,
      `127.0.0.2:${port}`,
      `localhost.evil.example:${port}`,
    ]) {
      const res = await post(host);
      expect({ host, status: res.status, body: res.json }).toEqual({
        host,
        status: 421,
        body: envelope(
          res,
          'BAD_REQUEST',
          'Misdirected request: without client authentication this gateway answers only localhost, ' +
            '127.0.0.1 and [::1] on its own port.',
        ),
      });
    }
    const upgrade = new WebSocket(h.url.replace(/^http/, 'ws'), 'graphql-transport-ws', {
      headers: { host: `evil.example:${port}` },
    });
    const status = await new Promise<number>((resolve) =>
      upgrade.once('unexpected-response', (req, res) => {
        resolve(res.statusCode!);
        req.destroy();
      }),
    );
    expect(status).toBe(421);
    expect(h.upstreamCalls()).toEqual([]);
  });

  it('serves any Host when clients authenticate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-host-keys-'));
    const key = generateKey(['functions:read']);
    writeFileSync(join(dir, 'keys.json'), JSON.stringify({ keys: [key.stored] }));
    await withHarness(
      { env: { GATEWAY_AUTH: 'apikey', GATEWAY_API_KEYS_FILE: join(dir, 'keys.json') } },
      async (authed) => {
        const res = await send(authed.url, {
          method: 'POST',
          headers: {
            host: 'gateway.internal.example',
            'content-type': 'application/json',
            authorization: `Bearer ${key.key}`,
          },
          body: query,
        });
        expect(res.status).toBe(200);
        // A Host that is not a host name at all is answered in the envelope, not with a crash.
        const odd = await send(authed.url, {
          method: 'POST',
          headers: { host: 'a b[', 'content-type': 'application/json', authorization: `Bearer ${key.key}` },
          body: query,
        });
        expect({ status: odd.status, body: odd.json }).toEqual({
          status: 400,
          body: envelope(odd, 'BAD_REQUEST', 'The Host header is not a host name.'),
        });
        expect(errorLines(authed)).toEqual([]);
      },
    );
  });
});

describe('every error answer is the one envelope', () => {
  let h: Harness;
  let keys: { key: string };
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-env-keys-'));
    const key = generateKey(['functions:read']);
    keys = key;
    writeFileSync(join(dir, 'keys.json'), JSON.stringify({ keys: [key.stored] }));
    h = await startHarness({ env: { GATEWAY_AUTH: 'apikey', GATEWAY_API_KEYS_FILE: join(dir, 'keys.json') } });
  });
  afterAll(() => h.close());

  const auth = () => ({ authorization: `Bearer ${keys.key}` });
  const json = { 'content-type': 'application/json' };

  it('401: with the request id, logged at warn with the reason and never the credential', async () => {
    const forged = `${keys.key.slice(0, -4)}AAAA`;
    const res = await send(h.url, {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${forged}` },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(res.status).toBe(401);
    expect(res.json).toEqual(envelope(res, 'UNAUTHENTICATED', 'The API key is not valid.'));
    const line = h.logs.map((l) => JSON.parse(l)).find((l) => l.requestId === res.headers['x-request-id']);
    expect(line).toEqual({
      level: 'warn',
      time: expect.any(String),
      requestId: res.headers['x-request-id'],
      transport: 'http',
      code: 'UNAUTHENTICATED',
      reason: `wrong secret for key ${keys.key.split('_')[1]}`,
      msg: 'request refused: credential not accepted',
    });
    expect(h.logs.join('\n')).not.toContain(forged);
    expect(h.logs.join('\n')).not.toContain(forged.split('_')[2]);
  });

  it('unknown routes, CSRF refusals, batching, a non-string query, a mutation over GET', async () => {
    const cases: Array<[Promise<Awaited<ReturnType<typeof send>>>, number, string, string | RegExp]> = [
      [send(`${new URL(h.url).origin}/nope`), 404, 'NOT_FOUND', 'Not found: the GraphQL endpoint is /graphql.'],
      [
        send(`${new URL(h.url).origin}/graphql/../../etc/passwd`, { headers: auth() }),
        404,
        'NOT_FOUND',
        'Not found: the GraphQL endpoint is /graphql.',
      ],
      [send(`${h.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: auth() }), 400, 'BAD_REQUEST', /CSRF/],
      [
        send(h.url, {
          method: 'POST',
          headers: { ...json, ...auth() },
          body: JSON.stringify([{ query: '{ __typename }' }]),
        }),
        400,
        'BAD_REQUEST',
        'Operation batching disabled.',
      ],
      [
        send(h.url, { method: 'POST', headers: { ...json, ...auth() }, body: JSON.stringify({ query: 1 }) }),
        400,
        'BAD_REQUEST',
        'GraphQL queries must be strings.',
      ],
      [
        send(
          `${h.url}?query=${encodeURIComponent('mutation { invokeAction(input: {action: "ping"}) { completed } }')}`,
          { headers: { ...auth(), 'apollo-require-preflight': '1' } },
        ),
        405,
        'BAD_REQUEST',
        'GET requests only support query operations, not mutation operations',
      ],
      [
        send(h.url, { method: 'POST', headers: { ...json, ...auth() }, body: '{"query": ' }),
        400,
        'BAD_REQUEST',
        'The request body is not valid JSON.',
      ],
    ];
    for (const [pending, status, code, message] of cases) {
      const res = await pending;
      expect({ status: res.status, body: res.json }).toEqual({ status, body: envelope(res, code, message) });
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    }
    expect(errorLines(h)).toEqual([]);
  });

  it('a subscription over HTTP: 400, pointing at the WebSocket, with no error logged', async () => {
    const res = await send(h.url, {
      method: 'POST',
      headers: { ...json, ...auth() },
      body: JSON.stringify({ query: 'subscription { activationCompleted(action: "ping", id: "x") { id } }' }),
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(
      envelope(
        res,
        'BAD_REQUEST',
        'Subscriptions run over WebSocket: connect a graphql-ws client (protocol graphql-transport-ws) ' +
          'to this same URL with ws:// or wss://.',
      ),
    );
    expect(h.upstreamCalls()).toEqual([]);
    expect(errorLines(h)).toEqual([]);
  });

  it('variables nested 10,000 deep: 400 BAD_USER_INPUT, before any other work, with no error logged', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const res = await send(h.url, {
      method: 'POST',
      headers: { ...json, ...auth() },
      body: `{"query":"query($v: JSON) { __typename }","variables":{"v":${deep}}}`,
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(envelope(res, 'BAD_USER_INPUT', 'The variables nest deeper than the limit of 64 levels.'));
    const deepVariables = encodeURIComponent(`{"v":${deep.slice(9_000, 11_000)}}`);
    const viaGet = await send(`${h.url}?query=${encodeURIComponent('{ __typename }')}&variables=${deepVariables}`, {
      headers: { ...auth(), 'apollo-require-preflight': '1' },
    });
    expect(viaGet.status).toBe(400);
    expect(viaGet.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(errorLines(h)).toEqual([]);
  });
});
