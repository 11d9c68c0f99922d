/** Client authentication and scopes, over HTTP: API keys, JWTs against a local JWKS, and their errors. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { request } from 'undici';
import WebSocket from 'ws';
import { generateKey } from '../../src/auth/apikeys';
import { SEED_SERVER_ID } from '../../src/emulators/compute';
import { startHarness, type Harness, type HarnessOptions } from '../helpers/gateway';

const QUERY = `{ packages { name } server(id: "${SEED_SERVER_ID}") { id } }`;
const INVOKE = 'mutation { invokeAction(input: { package: "package003", action: "action000" }) { completed } }';

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as any };
}

describe('GATEWAY_AUTH=apikey', () => {
  let h: Harness;
  const reader = generateKey(['functions:read'], 'reader');
  const invoker = generateKey(['functions:read', 'functions:invoke', 'compute:read'], 'ops');

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-keys-'));
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify({ keys: [reader.stored, invoker.stored] }));
    h = await startHarness({ env: { GATEWAY_AUTH: 'apikey', GATEWAY_API_KEYS_FILE: file } });
  });
  afterAll(() => h.close());
  beforeEach(() => h.resetCalls());

  it(
    'answers 401 UNAUTHENTICATED without a key, with a bad key, or a forged one, ' + 'and calls nothing upstream',
    async () => {
      const forged = `${reader.key.slice(0, -4)}AAAA`;
      const attempts: Array<Record<string, string>> = [
        {},
        { authorization: 'Bearer nope' },
        { authorization: `Bearer ${forged}` },
        { 'x-api-key': forged },
      ];
      for (const headers of attempts) {
        const res = await post(h.url, { query: QUERY }, headers);
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Bearer realm="ncf-gateway"');
        expect(res.body.errors).toEqual([
          expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }),
        ]);
        expect(res.body.data).toBeUndefined();
      }
      expect(h.upstreamCalls()).toEqual([]);
      expect(h.computeCalls()).toEqual([]);
    },
  );

  it('lets a key read what its scopes allow, and answers FORBIDDEN on the other fields only', async () => {
    const res = await post(h.url, { query: QUERY }, { authorization: `Bearer ${reader.key}` });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      packages: [{ name: 'examples' }, { name: 'package001' }, { name: 'package003' }],
      server: null,
    });
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        message: 'This field needs the scope compute:read.',
        path: ['server'],
        extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
      }),
    ]);
    expect(h.computeCalls()).toEqual([]);
  });

  it('needs functions:invoke to invoke', async () => {
    const denied = await post(h.url, { query: INVOKE }, { 'x-api-key': reader.key });
    expect(denied.body).toEqual({
      data: null,
      errors: [
        expect.objectContaining({ path: ['invokeAction'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
      ],
    });
    expect(h.upstreamCalls()).toEqual([]);
    const allowed = await post(h.url, { query: INVOKE }, { authorization: `Bearer ${invoker.key}` });
    expect(allowed.body).toEqual({ data: { invokeAction: { completed: true } } });
  });
});

describe('GATEWAY_AUTH=jwt', () => {
  let h: Harness;
  let jwks: Server;
  let privateKey: CryptoKey;
  let otherKey: CryptoKey;
  const ISSUER = 'https://issuer.test/';
  const AUDIENCE = 'ncf-gateway';

  const sign = (
    claims: Record<string, unknown>,
    opts: { key?: CryptoKey; kid?: string; issuer?: string; audience?: string; exp?: string | number | null } = {},
  ) => {
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: opts.kid ?? 'k1' })
      .setSubject('user-42')
      .setIssuer(opts.issuer ?? ISSUER)
      .setAudience(opts.audience ?? AUDIENCE)
      .setIssuedAt();
    if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? '5m');
    return jwt.sign(opts.key ?? privateKey);
  };

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair('ES256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const port = (jwks.address() as AddressInfo).port;
    h = await startHarness({
      env: {
        GATEWAY_AUTH: 'jwt',
        GATEWAY_JWKS_URL: `http://127.0.0.1:${port}/.well-known/jwks.json`,
        GATEWAY_JWT_ISSUER: ISSUER,
        GATEWAY_JWT_AUDIENCE: AUDIENCE,
      },
    });
  });
  afterAll(async () => {
    await h.close();
    await new Promise((resolve) => jwks.close(resolve));
  });

  it('takes scopes from the space-separated scope claim', async () => {
    const token = await sign({ scope: 'openid functions:read compute:read' });
    const res = await post(h.url, { query: QUERY }, { authorization: `Bearer ${token}` });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.server).toEqual({ id: SEED_SERVER_ID });
  });

  it('takes scopes from an scp array', async () => {
    const token = await sign({ scp: ['functions:read', 'functions:invoke'] });
    const res = await post(h.url, { query: INVOKE }, { authorization: `Bearer ${token}` });
    expect(res.body).toEqual({ data: { invokeAction: { completed: true } } });
    const read = await post(h.url, { query: QUERY }, { authorization: `Bearer ${token}` });
    expect(read.body.errors.map((e: any) => e.extensions.code)).toEqual(['FORBIDDEN']);
  });

  it('refuses a missing, expired, foreign, mis-addressed or unsigned token with 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    const base64urlJson = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const bad = [
      '',
      await sign({ scope: 'functions:read' }, { exp: now - 120 }),
      await sign({ scope: 'functions:read' }, { issuer: 'https://evil.test/' }),
      await sign({ scope: 'functions:read' }, { audience: 'someone-else' }),
      await sign({ scope: 'functions:read' }, { key: otherKey }),
      await sign({ scope: 'functions:read' }, { key: otherKey, kid: 'unknown' }),
      // alg "none": an unsigned token with a valid-looking payload.
      `${base64urlJson({ alg: 'none' })}.` +
        `${base64urlJson({ sub: 'x', iss: ISSUER, aud: AUDIENCE, scope: 'functions:read', exp: now + 60 })}.`,
    ];
    for (const token of bad) {
      const res = await post(h.url, { query: QUERY }, token ? { authorization: `Bearer ${token}` } : {});
      expect(res.status).toBe(401);
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses a token without exp, over HTTP (401, logged with the reason) and WebSocket (4403)', async () => {
    const forever = await sign({ scope: 'functions:read' }, { exp: null });
    const res = await post(h.url, { query: QUERY }, { authorization: `Bearer ${forever}` });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      errors: [
        {
          message: 'The bearer token is not valid.',
          extensions: { code: 'UNAUTHENTICATED', requestId: res.headers['x-request-id'] },
        },
      ],
    });
    expect(res.headers['www-authenticate']).toBe('Bearer realm="ncf-gateway", error="invalid_token"');
    const line = h.logs.map((l) => JSON.parse(l)).find((l) => l.requestId === res.headers['x-request-id']);
    expect(line).toMatchObject({ level: 'warn', code: 'UNAUTHENTICATED', reason: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
    expect(h.logs.join('\n')).not.toContain(forever);
    expect(await socketOutcome(h, forever)).toEqual({ code: 4403, reason: 'Forbidden' });
  });

  it('closes a WebSocket when its token expires (4403), having served it until then', async () => {
    const soon = await sign({ scope: 'functions:read' }, { exp: Math.floor(Date.now() / 1000) + 2 });
    const outcome = await socketOutcome(h, soon, '{ packages { name } }');
    expect(outcome).toEqual({
      code: 4403,
      reason: 'The credential has expired',
      answered: { data: { packages: expect.any(Array) } },
    });
  });
});

/**
 * Opens a graphql-ws socket with this token, runs `query` when given, and waits for the socket to
 * be closed by the gateway: its close code and reason, and the answer to the query.
 */
async function socketOutcome(
  h: Harness,
  token: string,
  query?: string,
): Promise<{ code: number; reason: string; answered?: unknown }> {
  const socket = new WebSocket(h.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  let answered: unknown;
  socket.on('open', () =>
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
  );
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    if (message.type === 'connection_ack' && query)
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
    if (message.type === 'next') answered = message.payload;
  });
  const closed = await new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  return { ...closed, ...(answered !== undefined ? { answered } : {}) };
}

describe('GATEWAY_AUTH=jwt with an identity provider that cannot be asked', () => {
  const ISSUER = 'https://issuer.test/';
  const AUDIENCE = 'ncf-gateway';
  let token: string;
  let privateKey: CryptoKey;

  beforeAll(async () => {
    privateKey = (await generateKeyPair('ES256')).privateKey;
    token = await new SignJWT({ scope: 'functions:read' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setSubject('user-42')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(privateKey);
  });

  /** A gateway whose JWKS is served by `handler` (or nothing listens at all). */
  async function withJwks(
    handler: ((req: unknown, res: import('node:http').ServerResponse) => void) | 'closed',
    run: (h: Harness) => Promise<void>,
  ) {
    const server = createServer(handler === 'closed' ? () => undefined : handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    if (handler === 'closed') await new Promise((resolve) => server.close(resolve));
    const options: HarnessOptions = {
      env: {
        GATEWAY_AUTH: 'jwt',
        GATEWAY_JWKS_URL: `http://127.0.0.1:${port}/jwks`,
        GATEWAY_JWT_ISSUER: ISSUER,
        GATEWAY_JWT_AUDIENCE: AUDIENCE,
      },
    };
    const h = await startHarness(options);
    try {
      await run(h);
    } finally {
      await h.close();
      if (handler !== 'closed') {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    }
  }

  it.each([
    ['hangs', (() => undefined) as (req: unknown, res: import('node:http').ServerResponse) => void, 'ERR_JWKS_TIMEOUT'],
    [
      'answers 500',
      ((_req: unknown, res: import('node:http').ServerResponse) => res.writeHead(500).end('oops')) as (
        req: unknown,
        res: import('node:http').ServerResponse,
      ) => void,
      'ERR_JOSE_GENERIC',
    ],
    ['is not listening', 'closed' as const, 'ECONNREFUSED'],
  ])(
    'answers 503 AUTH_UNAVAILABLE, quickly and logged, when the JWKS %s; a WebSocket closes with 1013',
    async (_name, handler, reason) => {
      await withJwks(handler, async (h) => {
        const started = Date.now();
        const res = await post(h.url, { query: QUERY }, { authorization: `Bearer ${token}` });
        expect(Date.now() - started).toBeLessThan(3_500);
        expect(res.status).toBe(503);
        expect(res.headers['retry-after']).toBe('5');
        expect(res.body).toEqual({
          errors: [
            {
              message: 'The identity provider could not be reached to check the token; try again shortly.',
              extensions: { code: 'AUTH_UNAVAILABLE', requestId: res.headers['x-request-id'] },
            },
          ],
        });
        const line = h.logs.map((l) => JSON.parse(l)).find((l) => l.requestId === res.headers['x-request-id']);
        expect(line).toMatchObject({ level: 'warn', code: 'AUTH_UNAVAILABLE', reason });
        expect(h.upstreamCalls()).toEqual([]);
        expect(await socketOutcome(h, token)).toEqual({
          code: 1013,
          reason: 'The identity provider is unavailable; try again later',
        });
      });
    },
  );
});
