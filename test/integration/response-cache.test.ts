/**
 * The response cache in one process (GATEWAY_RESPONSE_CACHE_TTL_MS, in memory without Redis;
 * src/pipeline/response-cache): a second identical query is answered with no upstream call and
 * no execution, per scope set (two keys with the same scopes share, another scope set misses), and
 * an invoke drops the answers that list the activations it added. The upstream read cache is off,
 * so every miss shows as upstream calls. The fleet's (Redis) is test/fleet/response-cache.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { generateKey } from '../../src/auth/apikeys';
import { SEED_SERVER_ID } from '../../src/emulators/compute';
import { useHarness, type Harness } from '../helpers/gateway';
import { closeClients, runOverWs, wsClientFor } from '../helpers/transports';

const keysDir = mkdtempSync(join(tmpdir(), 'gw-response-cache-keys-'));
const reader = generateKey(['functions:read'], 'reader');
const sameScopes = generateKey(['functions:read'], 'same-scopes');
const invoker = generateKey(['functions:invoke', 'functions:read'], 'invoker');
const keysFile = join(keysDir, 'keys.json');
writeFileSync(keysFile, JSON.stringify({ keys: [reader.stored, sameScopes.stored, invoker.stored] }));
const bearer = (key: { key: string }) => ({ authorization: `Bearer ${key.key}` });

const PACKAGES = { packages: ['examples', 'package001', 'package003'].map((name) => ({ name })) };
const ECHO_RUNS = '{ action(package: "examples", name: "echo") { activations { totalCount nodes { id } } } }';

async function lookups(h: Harness): Promise<Record<string, number>> {
  const metric = await h.metrics.responseCacheLookups.get();
  return Object.fromEntries(metric.values.map((v) => [v.labels.outcome, v.value]));
}

function lastOperationLine(h: Harness): Record<string, any> {
  const lines = h.logs.map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l.msg === 'operation');
  return lines[lines.length - 1]!;
}

describe('the response cache, in memory (GATEWAY_RESPONSE_CACHE_TTL_MS=60000)', () => {
  const h = useHarness({
    env: {
      GATEWAY_AUTH: 'apikey',
      GATEWAY_API_KEYS_FILE: keysFile,
      GATEWAY_RESPONSE_CACHE_TTL_MS: '60000',
      GATEWAY_DEDUPE: 'false',
    },
    logLevel: 'info',
  });

  it('answers a second identical query with 0 upstream calls, with its own log line', async () => {
    const before = await lookups(h);
    const query = '{ cached: packages { name } }';
    expect((await h.gql(query, undefined, bearer(reader))).body).toEqual({ data: { cached: PACKAGES.packages } });
    expect(h.upstreamCalls()).toEqual(['GET /ncf/api/v2/packages?platform=vpc']);
    expect(lastOperationLine(h)).not.toHaveProperty('answered');
    h.resetCalls();
    const second = await h.gql(query, undefined, bearer(reader));
    expect(second.body).toEqual({ data: { cached: PACKAGES.packages } });
    expect(h.upstreamCalls()).toEqual([]);
    expect(lastOperationLine(h)).toMatchObject({
      answered: 'cache',
      upstreamCalls: 0,
      requestId: second.headers['x-request-id'],
    });
    const after = await lookups(h);
    expect({ hit: (after.hit ?? 0) - (before.hit ?? 0), miss: (after.miss ?? 0) - (before.miss ?? 0) }).toEqual({
      hit: 1,
      miss: 1,
    });
  });

  it('is shared by keys with the same scopes, not by another scope set', async () => {
    const query = '{ scoped: packages { name } }';
    await h.gql(query, undefined, bearer(reader));
    h.resetCalls();
    expect((await h.gql(query, undefined, bearer(sameScopes))).body).toEqual({ data: { scoped: PACKAGES.packages } });
    expect(h.upstreamCalls()).toEqual([]);
    expect((await h.gql(query, undefined, bearer(invoker))).body).toEqual({ data: { scoped: PACKAGES.packages } });
    expect(h.upstreamCalls()).toEqual(['GET /ncf/api/v2/packages?platform=vpc']);
  });

  it('serves a WebSocket query from an answer kept over HTTP (no errors: the same answer on both)', async () => {
    const query = '{ both: packages { name } }';
    await h.gql(query, undefined, bearer(reader));
    h.resetCalls();
    const answer = await runOverWs(wsClientFor(h, bearer(sameScopes)), { query });
    await closeClients();
    expect(answer).toEqual({ data: { both: PACKAGES.packages } });
    expect(h.upstreamCalls()).toEqual([]);
  });

  it('an invoke drops the answers listing the activations it added; the next read sees the new run', async () => {
    const first = await h.gql(ECHO_RUNS, undefined, bearer(invoker));
    const runs = first.body.data.action.activations;
    h.resetCalls();
    expect((await h.gql(ECHO_RUNS, undefined, bearer(invoker))).body.data.action.activations).toEqual(runs);
    expect(h.upstreamCalls()).toEqual([]);

    const invoked = await h.gql(
      'mutation { invokeAction(input: { package: "examples", action: "echo" }) { activationId } }',
      undefined,
      bearer(invoker),
    );
    const id = invoked.body.data.invokeAction.activationId as string;
    h.resetCalls();
    const after = (await h.gql(ECHO_RUNS, undefined, bearer(invoker))).body.data.action.activations;
    expect(after.totalCount).toBe(runs.totalCount + 1);
    expect(after.nodes[0]).toEqual({ id });
    expect(h.upstreamCalls()).toEqual([
      'GET /ncf/api/v2/packages/examples/actions/echo?platform=vpc',
      expect.stringMatching(/^GET \/ncf\/api\/v2\/packages\/examples\/actions\/echo\/activations\?platform=vpc&/),
    ]);
    // An answer that lists other things is kept through it.
    await h.gql('{ kept: packages { name } }', undefined, bearer(invoker));
    await h.gql(
      'mutation { invokeAction(input: { package: "examples", action: "echo" }) { completed } }',
      undefined,
      bearer(invoker),
    );
    h.resetCalls();
    await h.gql('{ kept: packages { name } }', undefined, bearer(invoker));
    expect(h.upstreamCalls()).toEqual([]);
  });

  it('keeps no answer with errors, and none with a read that was not 2xx (a null for a 404)', async () => {
    const forbidden = `{ p: packages { name } server(id: "${SEED_SERVER_ID}") { name } }`;
    const missing = '{ package(name: "nosuchpackage") { name } }';
    for (const query of [forbidden, missing]) {
      for (let i = 0; i < 2; i++) {
        h.resetCalls();
        await h.gql(query, undefined, bearer(reader));
        expect(h.upstreamCalls()).toHaveLength(1);
      }
    }
    expect((await h.gql(missing, undefined, bearer(reader))).body).toEqual({ data: { package: null } });
  });

  it('a GET answered from the cache has the same Cache-Control as the one that filled it', async () => {
    const url = `${h.url}?query=${encodeURIComponent('{ viaGet: packages { name } }')}`;
    const get = async () => {
      const res = await request(url, { headers: { ...bearer(reader), 'apollo-require-preflight': 'true' } });
      return { status: res.statusCode, cacheControl: res.headers['cache-control'], body: await res.body.json() };
    };
    const first = await get();
    h.resetCalls();
    const second = await get();
    expect(h.upstreamCalls()).toEqual([]);
    expect(second).toEqual(first);
    expect(first).toEqual({
      status: 200,
      cacheControl: 'max-age=5, private',
      body: { data: { viaGet: PACKAGES.packages } },
    });
  });
});
