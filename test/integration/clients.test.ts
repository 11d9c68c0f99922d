/** What mobile and web clients rely on: APQ, cacheable GETs, trusted documents, compression, media types. */
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { request } from 'undici';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { generateKey } from '../../src/auth/apikeys';
import { sha256Hex } from '../../src/pipeline/documents';
import { startHarness, useHarness, type Harness, withHarness } from '../helpers/gateway';

const MANIFEST = resolve(__dirname, '..', '..', 'src', '__generated__', 'client', 'persisted-documents.json');
const manifest: Record<string, string> = require(MANIFEST);
const idOf = (operation: string) =>
  Object.keys(manifest).find((k) => manifest[k]!.startsWith(`${operation.split(' ')[0]} ${operation.split(' ')[1]}`))!;
const LIST_PACKAGES_ID = idOf('query ListPackages');
const PREFLIGHT = { 'apollo-require-preflight': 'true' };

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { headers: { ...PREFLIGHT, ...headers } });
  const raw = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, raw };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as any };
}

describe('automatic persisted queries and cacheable GETs', () => {
  const h = useHarness({}, { resetCalls: false });

  const query = '{ packages { name } }';
  const hash = sha256Hex(query);
  const apq = { persistedQuery: { version: 1, sha256Hash: hash } };

  it('registers a query by hash over POST, then answers the hash alone over GET', async () => {
    const unknown = await post(h.url, { extensions: apq });
    expect(unknown.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registered = await post(h.url, { query, extensions: apq });
    expect(registered.body.data.packages).toHaveLength(3);
    const byHash = await get(`${h.url}?extensions=${encodeURIComponent(JSON.stringify(apq))}`);
    expect(byHash.status).toBe(200);
    expect(JSON.parse(byHash.raw.toString())).toEqual(registered.body);
    expect(byHash.headers['cache-control']).toBe('max-age=5, public');
  });

  it('never marks mutations or failed answers cacheable', async () => {
    const mutation = await post(h.url, {
      query: 'mutation { invokeAction(input: { package: "package003", action: "action000" }) { completed } }',
    });
    expect(mutation.headers['cache-control']).toBe('no-store');
    const failed = await get(`${h.url}?query=${encodeURIComponent('{ package(name: "legacy") { name } }')}`);
    expect(failed.headers['cache-control']).toBe('no-store');
  });

  it('marks answers private when clients authenticate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-cc-keys-'));
    const key = generateKey(['functions:read']);
    writeFileSync(join(dir, 'keys.json'), JSON.stringify({ keys: [key.stored] }));
    await withHarness(
      { env: { GATEWAY_AUTH: 'apikey', GATEWAY_API_KEYS_FILE: join(dir, 'keys.json') } },
      async (authed) => {
        const res = await get(`${authed.url}?query=${encodeURIComponent(query)}`, {
          authorization: `Bearer ${key.key}`,
        });
        expect(res.status).toBe(200);
        expect(JSON.parse(res.raw.toString())).toEqual({
          data: { packages: [{ name: 'examples' }, { name: 'package001' }, { name: 'package003' }] },
        });
        expect(res.headers['cache-control']).toBe('max-age=5, private');
      },
    );
  });
});

describe('trusted documents (GATEWAY_PERSISTED_DOCUMENTS)', () => {
  let open: Harness;
  let only: Harness;
  beforeAll(async () => {
    open = await startHarness({ env: { GATEWAY_PERSISTED_DOCUMENTS: MANIFEST } });
    only = await startHarness({
      env: { GATEWAY_PERSISTED_DOCUMENTS: MANIFEST, GATEWAY_PERSISTED_DOCUMENTS_ONLY: 'true' },
    });
  });
  afterAll(async () => {
    await open.close();
    await only.close();
  });

  it('runs a manifest document by documentId, over POST and GET', async () => {
    const byPost = await post(only.url, { documentId: LIST_PACKAGES_ID });
    expect(byPost.status).toBe(200);
    expect(byPost.body.data.packages.map((p: { name: string }) => p.name)).toEqual([
      'examples',
      'package001',
      'package003',
    ]);
    const byGet = await get(`${only.url}?documentId=${encodeURIComponent(LIST_PACKAGES_ID)}`);
    expect(JSON.parse(byGet.raw.toString())).toEqual(byPost.body);
    // An APQ hash of a manifest document needs no registration.
    const byHash = await post(only.url, {
      extensions: { persistedQuery: { version: 1, sha256Hash: LIST_PACKAGES_ID.slice(7) } },
    });
    expect(byHash.body).toEqual(byPost.body);
  });

  it('refuses anything else in trusted-only mode, before any upstream call', async () => {
    only.resetCalls();
    const raw = await post(only.url, { query: '{ packages { name } }' });
    expect(raw.status).toBe(400);
    expect(raw.body.errors).toEqual([
      {
        message: 'Only trusted operations are accepted: send the documentId of a persisted document.',
        extensions: { code: 'PERSISTED_QUERY_REQUIRED', requestId: raw.headers['x-request-id'] },
      },
    ]);
    const unknown = await post(only.url, { documentId: `sha256:${'0'.repeat(64)}` });
    expect(unknown.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registration = await post(only.url, {
      query: '{ packages { name } }',
      extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex('{ packages { name } }') } },
    });
    expect(registration.body.errors[0].extensions.code).toBe('PERSISTED_QUERY_REQUIRED');
    const viaGet = await get(`${only.url}?query=${encodeURIComponent('{ packages { name } }')}`);
    expect(viaGet.status).toBe(400);
    expect(only.upstreamCalls()).toEqual([]);
    // The exact manifest text is trusted even when sent in full.
    const exact = await post(only.url, { query: manifest[LIST_PACKAGES_ID] });
    expect(exact.body.data.packages).toHaveLength(3);
  });

  it('refuses untrusted subscriptions too', async () => {
    const client = createClient({ url: only.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const errors = await new Promise<unknown>((resolve) => {
        client.subscribe(
          { query: 'subscription { activationCompleted(action: "ping", id: "x") { id } }' },
          {
            next: () => undefined,
            error: resolve,
            complete: () => resolve(undefined),
          },
        );
      });
      expect(errors).toEqual([
        {
          message: 'Only trusted operations are accepted: send the documentId of a persisted document.',
          extensions: { code: 'PERSISTED_QUERY_REQUIRED', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
        },
      ]);
    } finally {
      await client.dispose();
    }
  });

  it('still accepts other documents when not in trusted-only mode', async () => {
    const res = await post(open.url, { query: '{ packages { name } }' });
    expect(res.body.data.packages).toHaveLength(3);
    const byId = await post(open.url, { documentId: LIST_PACKAGES_ID });
    expect(byId.body.data.packages).toHaveLength(3);
  });
});

describe('compression and media types', () => {
  const h = useHarness({}, { resetCalls: false });

  const big = `${'{ packages { name description actions { name runtime description } } }'}`;

  it('compresses with brotli or gzip when the client asks, and not otherwise', async () => {
    const url = `${h.url}?query=${encodeURIComponent(big)}`;
    const plain = await get(url, { 'accept-encoding': 'identity' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.raw.length).toBeGreaterThan(1024);
    const br = await get(url, { 'accept-encoding': 'br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.raw).toString()).toBe(plain.raw.toString());
    expect(br.raw.length).toBeLessThan(plain.raw.length);
    const gz = await get(url, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.raw).toString()).toBe(plain.raw.toString());
  });

  it('answers application/graphql-response+json when asked, with 400 for an invalid document', async () => {
    const headers = { 'content-type': 'application/json', accept: 'application/graphql-response+json' };
    const ok = await request(h.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: '{ packages { name } }' }),
    });
    await ok.body.dump();
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^application\/graphql-response\+json/);
    const invalid = await request(h.url, { method: 'POST', headers, body: JSON.stringify({ query: '{ nope }' }) });
    await invalid.body.dump();
    expect(invalid.statusCode).toBe(400);
    const unacceptable = await request(h.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/csv' },
      body: JSON.stringify({ query: '{ packages { name } }' }),
    });
    await unacceptable.body.dump();
    expect(unacceptable.statusCode).toBe(406);
  });
});
