/**
 * API keys change while the gateway runs: the real gateway (GATEWAY_AUTH=apikey) watches its keys
 * file, so a key created with `npm run apikey -- create` after start-up is accepted once the file
 * is written, a revoked one is refused (401, and at a new WebSocket's connection_init) right after,
 * a file that does not parse keeps the previous keys (warned, without a key or a hash), and no
 * request is refused while the file is rewritten under load.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import WebSocket from 'ws';
import { generateKey } from '../../src/auth/apikeys';
import { runApiKeyCommand, writeFileAtomic } from '../../src/cli/apikey-command';
import { startHarness, type Harness } from '../helpers/gateway';

const QUERY = '{ packages { name } }';
const PACKAGES = { packages: [{ name: 'examples' }, { name: 'package001' }, { name: 'package003' }] };

async function post(h: Harness, key: string): Promise<{ status: number; body: any }> {
  const res = await request(h.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: QUERY }),
  });
  return { status: res.statusCode, body: await res.body.json() };
}

/** A new WebSocket's connection_init with this key: `ack`, or the close code. */
function wsInit(h: Harness, key: string): Promise<'ack' | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(h.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    ws.once('error', reject);
    ws.once('open', () =>
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } })),
    );
    ws.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') {
        resolve('ack');
        ws.close();
      }
    });
    ws.once('close', (code) => resolve(code));
  });
}

async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The CLI, in-process, on this file: its stdout. */
function apikey(file: string, ...argv: string[]): string {
  let stdout = '';
  const code = runApiKeyCommand([...argv, '--file', file], {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: () => true },
    env: {},
  });
  if (code !== 0) throw new Error(`apikey ${argv.join(' ')} exited ${code}`);
  return stdout.trimEnd();
}

function logLines(h: Harness): Array<Record<string, any>> {
  return h.logs
    .flatMap((chunk) => chunk.split('\n').filter(Boolean))
    .map((line) => JSON.parse(line) as Record<string, any>);
}

const reloads = (h: Harness) => logLines(h).filter((l) => /^API keys (reloaded|file not reloaded)/.test(l.msg));

describe('reloading GATEWAY_API_KEYS_FILE while the gateway runs', () => {
  let h: Harness;
  let file: string;
  const first = generateKey(['functions:read'], 'first');

  beforeAll(async () => {
    file = join(mkdtempSync(join(tmpdir(), 'gw-keys-live-')), 'api-keys.json');
    writeFileSync(file, JSON.stringify({ keys: [first.stored] }), { mode: 0o600 });
    h = await startHarness({ env: { GATEWAY_AUTH: 'apikey', GATEWAY_API_KEYS_FILE: file } });
  });
  afterAll(() => h.close());

  it('accepts a key created after start-up once the file is written, and logs the number of keys', async () => {
    const key = apikey(file, 'create', '--scopes', 'functions:read', '--name', 'late');
    await eventually(async () => (await post(h, key)).status === 200);
    expect(await post(h, key)).toEqual({ status: 200, body: { data: PACKAGES } });
    expect(await wsInit(h, key)).toBe('ack');
    expect(reloads(h).at(-1)).toMatchObject({
      level: 'info',
      trigger: 'change',
      file,
      keys: 2,
      withdrawn: [],
      msg: 'API keys reloaded (change): 2 keys',
    });
    expect(h.server.authenticator.keys).toBe(2);
  });

  it('refuses a revoked key at once, over HTTP (401) and at a new WebSocket connection (4403)', async () => {
    const key = apikey(file, 'create', '--scopes', 'functions:read', '--name', 'doomed');
    await eventually(async () => (await post(h, key)).status === 200);
    const id = /^ncfgw_([0-9a-f]{8})_/.exec(key)![1]!;
    apikey(file, 'revoke', id);
    await eventually(async () => (await post(h, key)).status === 401);
    const refused = await post(h, key);
    expect(refused.status).toBe(401);
    expect(refused.body.errors.map((e: any) => e.extensions.code)).toEqual(['UNAUTHENTICATED']);
    expect(await wsInit(h, key)).toBe(4403);
    expect(reloads(h).at(-1)).toMatchObject({
      level: 'info',
      keys: 2,
      withdrawn: [id],
      msg: 'API keys reloaded (change): 2 keys, 1 withdrawn',
    });
    // The others still work.
    expect((await post(h, first.key)).status).toBe(200);
  });

  it('closes a WebSocket already open with a key once that key is revoked (4403), and only that one', async () => {
    const key = apikey(file, 'create', '--scopes', 'functions:read', '--name', 'open socket');
    await eventually(async () => (await post(h, key)).status === 200);
    const open = (k: string) =>
      new Promise<{ ws: WebSocket; closed: Promise<{ code: number; reason: string }> }>((resolve, reject) => {
        const ws = new WebSocket(h.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
        const closed = new Promise<{ code: number; reason: string }>((r) =>
          ws.once('close', (code, reason) => r({ code, reason: String(reason) })),
        );
        ws.once('error', reject);
        ws.once('open', () =>
          ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${k}` } })),
        );
        ws.on('message', (data) => {
          if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') resolve({ ws, closed });
        });
      });
    const doomed = await open(key);
    const other = await open(first.key);
    const id = /^ncfgw_([0-9a-f]{8})_/.exec(key)![1]!;
    apikey(file, 'revoke', id);
    expect(await doomed.closed).toEqual({ code: 4403, reason: 'The credential has been revoked' });
    expect(other.ws.readyState).toBe(WebSocket.OPEN);
    other.ws.close();
    await other.closed;
  });

  it('keeps the previous keys when the file is broken, with a warning that carries no key or hash', async () => {
    const good = readFileSync(file, 'utf8');
    const before = reloads(h).length;
    writeFileSync(file, good.slice(0, good.length / 2));
    await eventually(() => reloads(h).length > before);
    const warning = reloads(h).at(-1)!;
    expect(warning).toMatchObject({
      level: 'warn',
      trigger: 'change',
      file,
      keys: 2,
      error: 'GATEWAY_API_KEYS_FILE: is not valid JSON',
      msg: 'API keys file not reloaded (change): GATEWAY_API_KEYS_FILE: is not valid JSON; the 2 keys in use stay',
    });
    const text = JSON.stringify(warning);
    for (const stored of JSON.parse(good).keys) expect(text).not.toContain(stored.sha256);
    expect(text).not.toContain(first.key);
    expect(await post(h, first.key)).toEqual({ status: 200, body: { data: PACKAGES } });
    writeFileAtomic(file, good);
    await eventually(() => reloads(h).at(-1)?.level === 'info');
    expect((await post(h, first.key)).status).toBe(200);
  });

  it('answers every one of 200 concurrent requests while the file is rewritten many times', async () => {
    const base = JSON.parse(readFileSync(file, 'utf8')) as { keys: unknown[] };
    const startedAt = Date.now();
    let writing = true;
    const rewrites = (async () => {
      for (let i = 0; writing; i++) {
        // Each rewrite adds a different extra key; every other one is written in place (so a
        // reload may read it half-written, and must keep the keys it has).
        const text = JSON.stringify({ keys: [...base.keys, generateKey(['compute:read'], `extra ${i}`).stored] });
        if (i % 2 === 0) writeFileAtomic(file, text);
        else writeFileSync(file, text);
        await new Promise((r) => setTimeout(r, 120));
      }
    })();
    // 200 requests started over ~1.6 s, all in flight together for most of it.
    const statuses = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        new Promise((r) => setTimeout(r, i * 8)).then(async () => (await post(h, first.key)).status),
      ),
    );
    const endedAt = Date.now();
    writing = false;
    await rewrites;
    expect(statuses).toHaveLength(200);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // The keys were swapped several times while those requests were being answered.
    const during = reloads(h).filter(
      (l) => l.level === 'info' && Date.parse(l.time) >= startedAt && Date.parse(l.time) <= endedAt,
    );
    expect(during.length).toBeGreaterThanOrEqual(3);
  });
});
