/**
 * Identical operations in flight at once are answered once (src/pipeline/operation-dedupe), over
 * both transports, against the real gateway and emulator. The upstream read de-duplication is off
 * (GATEWAY_DEDUPE=false) so that every execution shows as its own upstream call, and a gate proxy
 * holds upstream requests until the test has seen every operation arrive: no test depends on how
 * fast this machine sends requests.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey } from '../../src/auth/apikeys';
import { SEED_SERVER_ID } from '../../src/emulators/compute';
import { gateProxy, until } from '../helpers/gate-proxy';
import { useHarness, type GqlResponse, type Harness } from '../helpers/gateway';
import { closeClients, runOverWs, wsClientFor } from '../helpers/transports';
import { request } from 'undici';

const keysDir = mkdtempSync(join(tmpdir(), 'gw-dedupe-keys-'));
const reader = generateKey(['functions:read'], 'reader');
const otherReader = generateKey(['functions:read'], 'other-reader');
const invoker = generateKey(['functions:invoke', 'functions:read'], 'invoker');
const keysFile = join(keysDir, 'keys.json');
writeFileSync(keysFile, JSON.stringify({ keys: [reader.stored, otherReader.stored, invoker.stored] }));
const bearer = (key: { key: string }) => ({ authorization: `Bearer ${key.key}` });
const APIKEY_ENV = { GATEWAY_AUTH: 'apikey', GATEWAY_API_KEYS_FILE: keysFile, GATEWAY_DEDUPE: 'false' };

const PACKAGES = { packages: ['examples', 'package001', 'package003'].map((name) => ({ name })) };
const LIST_PACKAGES = 'GET /ncf/api/v2/packages?platform=vpc';

async function deduplicated(h: Harness, transport: 'http' | 'ws'): Promise<number> {
  const metric = await h.metrics.operationsDeduplicated.get();
  return metric.values.find((v) => v.labels.transport === transport)?.value ?? 0;
}

/** POST /graphql that the test can cut with `signal`: resolves with the error's name once cut. */
function cutShort(h: Harness, query: string, key: { key: string }, signal: AbortSignal): Promise<string> {
  return request(h.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(key) },
    body: JSON.stringify({ query }),
    signal,
  }).then(
    () => 'answered',
    (error: Error) => error.name,
  );
}

/** The `operation` log lines written since `from`. */
function operationLines(h: Harness, from: number): Array<Record<string, any>> {
  return h.logs
    .slice(from)
    .map((line) => JSON.parse(line) as Record<string, any>)
    .filter((line) => line.msg === 'operation');
}

describe('identical queries in flight at once (GATEWAY_OPERATION_DEDUPE on, the default)', () => {
  const gate = gateProxy();
  const h = useHarness({ env: APIKEY_ENV, proxy: gate.factory, logLevel: 'info' });
  beforeEach(() => {
    gate.shut();
    gate.reset();
  });

  it('10 over HTTP, from two keys with the same scopes: 1 execution, 10 answers, 10 own requestIds', async () => {
    const query = `{ packages { name } server(id: "${SEED_SERVER_ID}") { name } }`;
    const logsBefore = h.logs.length;
    const before = await deduplicated(h, 'http');
    const answers = Promise.all(
      Array.from({ length: 10 }, (_, i) => h.gql(query, undefined, bearer(i % 2 === 0 ? reader : otherReader))),
    );
    await until(async () => gate.held === 1 && (await deduplicated(h, 'http')) === before + 9, '1 held, 9 waiting');
    gate.open();
    const res = await answers;

    expect(h.upstreamCalls()).toEqual([LIST_PACKAGES]);
    expect(gate.arrived()).toBe(1);
    const requestIds = res.map((r) => r.headers['x-request-id']);
    expect(new Set(requestIds).size).toBe(10);
    res.forEach((r, i) => {
      expect(r.status).toBe(200);
      expect(r.body).toEqual({
        data: { ...PACKAGES, server: null },
        errors: [
          {
            message: 'This field needs the scope compute:read.',
            locations: [{ line: 1, column: 21 }],
            path: ['server'],
            extensions: { code: 'FORBIDDEN', requestId: requestIds[i] },
          },
        ],
      });
      // An answer with errors is never cacheable, for the followers as for the leader.
      expect(r.headers['cache-control']).toBe('no-store');
    });
    const lines = operationLines(h, logsBefore);
    expect(lines.map((l) => l.requestId).sort()).toEqual([...requestIds].sort());
    expect(lines.filter((l) => l.answered === 'shared')).toHaveLength(9);
    for (const line of lines) expect(line).toMatchObject({ transport: 'http', errorCodes: ['FORBIDDEN'] });
    // Only the leader made upstream calls.
    expect(lines.map((l) => l.upstreamCalls).sort()).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('followers get the leader’s Cache-Control', async () => {
    const before = await deduplicated(h, 'http');
    const answers = Promise.all(
      Array.from({ length: 3 }, () => h.gql('{ packages { name } }', undefined, bearer(reader))),
    );
    await until(async () => gate.held === 1 && (await deduplicated(h, 'http')) === before + 2, '1 held, 2 waiting');
    gate.open();
    for (const r of await answers) {
      expect(r.body).toEqual({ data: PACKAGES });
      expect(r.headers['cache-control']).toBe('max-age=5, private');
    }
    expect(h.upstreamCalls()).toEqual([LIST_PACKAGES]);
  });

  it('variables in another key order are the same variables', async () => {
    const query = 'query P($name: String!, $platform: Platform) { package(name: $name, platform: $platform) { name } }';
    const before = await deduplicated(h, 'http');
    const answers = Promise.all([
      h.gql(query, { name: 'package001', platform: 'VPC' }, bearer(reader)),
      h.gql(query, { platform: 'VPC', name: 'package001' }, bearer(reader)),
    ]);
    await until(async () => gate.held === 1 && (await deduplicated(h, 'http')) === before + 1, '1 held, 1 waiting');
    gate.open();
    for (const r of await answers) expect(r.body).toEqual({ data: { package: { name: 'package001' } } });
    expect(h.upstreamCalls()).toEqual(['GET /ncf/api/v2/packages/package001?platform=vpc']);
  });

  it('another scope set does not share: 5 + 5 queries, 2 executions', async () => {
    const before = await deduplicated(h, 'http');
    const answers = Promise.all(
      Array.from({ length: 10 }, (_, i) => h.gql('{ packages { name } }', undefined, bearer(i < 5 ? reader : invoker))),
    );
    await until(async () => gate.held === 2 && (await deduplicated(h, 'http')) === before + 8, '2 held, 8 waiting');
    gate.open();
    for (const r of await answers) expect(r.body).toEqual({ data: PACKAGES });
    expect(h.upstreamCalls()).toEqual([LIST_PACKAGES, LIST_PACKAGES]);
  });

  it('10 over WebSocket: 1 execution, each answered with its own requestId', async () => {
    const client = wsClientFor(h, bearer(reader));
    const query = '{ packages { name } nope: package(name: "-bad") { name } }';
    const logsBefore = h.logs.length;
    const before = await deduplicated(h, 'ws');
    const answers = Promise.all(Array.from({ length: 10 }, () => runOverWs(client, { query })));
    await until(async () => gate.held === 1 && (await deduplicated(h, 'ws')) === before + 9, '1 held, 9 waiting');
    gate.open();
    const res = await answers;
    await closeClients();

    expect(h.upstreamCalls()).toEqual([LIST_PACKAGES]);
    const requestIds = res.map((r) => r.errors?.[0]?.extensions?.requestId as string);
    expect(new Set(requestIds).size).toBe(10);
    for (const r of res) {
      expect(r.data).toEqual({ ...PACKAGES, nope: null });
      expect(r.errors).toEqual([
        expect.objectContaining({
          path: ['nope'],
          extensions: { code: 'BAD_USER_INPUT', requestId: expect.any(String) },
        }),
      ]);
    }
    const lines = operationLines(h, logsBefore);
    expect(lines.map((l) => l.requestId).sort()).toEqual([...requestIds].sort());
    expect(lines.filter((l) => l.answered === 'shared')).toHaveLength(9);
    for (const line of lines) expect(line).toMatchObject({ transport: 'ws', errorCodes: ['BAD_USER_INPUT'] });
  });

  it('mutations are never shared: 10 identical invokes, 10 runs', async () => {
    const mutation = 'mutation { invokeAction(input: { package: "examples", action: "echo" }) { completed } }';
    const before = await deduplicated(h, 'http');
    const answers = Promise.all(Array.from({ length: 10 }, () => h.gql(mutation, undefined, bearer(invoker))));
    await until(() => gate.held === 10, '10 invokes held');
    gate.open();
    for (const r of await answers) expect(r.body).toEqual({ data: { invokeAction: { completed: true } } });
    expect(h.upstreamCalls().filter((c) => c.startsWith('POST '))).toHaveLength(10);
    expect(await deduplicated(h, 'http')).toBe(before);
  });

  it('the leader goes on when its own client leaves while a follower waits', async () => {
    const query = '{ listed: packages { name } }';
    const leaving = new AbortController();
    const cut = cutShort(h, query, reader, leaving.signal);
    await until(() => gate.held === 1, 'the leader held');
    const before = await deduplicated(h, 'http');
    const follower = h.gql(query, undefined, bearer(otherReader));
    await until(async () => (await deduplicated(h, 'http')) === before + 1, '1 waiting');
    leaving.abort();
    expect(await cut).toBe('AbortError');
    // A request sent after the cut and answered: the gateway has seen the cut by then (without a
    // follower it abandons the upstream call at once: see the next test).
    expect((await h.gql('{ __typename }', undefined, bearer(reader))).status).toBe(200);
    expect(gate.abandoned).toBe(0);
    gate.open();
    const answer = await follower;
    expect(answer.body).toEqual({ data: { listed: PACKAGES.packages } });
    expect(gate.abandoned).toBe(0);
    expect(h.upstreamCalls()).toEqual([LIST_PACKAGES]);
  });

  it('without followers, a leader whose client leaves is cut (its upstream call too)', async () => {
    const leaving = new AbortController();
    const cut = cutShort(h, '{ packages { name description parameters } }', reader, leaving.signal);
    await until(() => gate.held === 1, 'held');
    leaving.abort();
    expect(await cut).toBe('AbortError');
    await until(() => gate.abandoned === 1, 'the upstream call abandoned');
    expect(gate.held).toBe(0);
  });

  it('a follower whose client leaves stops waiting; the others are still answered', async () => {
    const query = '{ packages { name description } }';
    const logsBefore = h.logs.length;
    const before = await deduplicated(h, 'http');
    const leaderAnswer = h.gql(query, undefined, bearer(reader));
    await until(() => gate.held === 1, 'held');
    const leaving = new AbortController();
    const cut = cutShort(h, query, reader, leaving.signal);
    await until(async () => (await deduplicated(h, 'http')) === before + 1, '1 waiting');
    leaving.abort();
    expect(await cut).toBe('AbortError');
    // Its operation ends at once, without waiting for the leader (still held).
    await until(() => operationLines(h, logsBefore).length === 1, 'the follower’s log line');
    expect(operationLines(h, logsBefore)[0]).toMatchObject({ errorCodes: ['UPSTREAM_TIMEOUT'] });
    expect(gate.held).toBe(1);
    gate.open();
    expect((await leaderAnswer).body.data.packages).toHaveLength(3);
    expect(h.upstreamCalls()).toEqual([LIST_PACKAGES]);
  });
});

describe('GATEWAY_OPERATION_DEDUPE=false', () => {
  const gate = gateProxy();
  const h = useHarness({ env: { ...APIKEY_ENV, GATEWAY_OPERATION_DEDUPE: 'false' }, proxy: gate.factory });

  it('10 identical queries over HTTP: 10 executions', async () => {
    const answers: Promise<GqlResponse>[] = Array.from({ length: 10 }, () =>
      h.gql('{ packages { name } }', undefined, bearer(reader)),
    );
    await until(() => gate.held === 10, '10 held');
    gate.open();
    for (const r of await Promise.all(answers)) expect(r.body).toEqual({ data: PACKAGES });
    expect(h.upstreamCalls()).toEqual(Array(10).fill(LIST_PACKAGES));
    expect(await deduplicated(h, 'http')).toBe(0);
  });
});
