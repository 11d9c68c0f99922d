/**
 * The response cache of a fleet (issue 14, identical operations answered once): two real gateway
 * replicas over one real Redis (src/pipeline/response-cache). An answer filled through replica 1 is
 * served by replica 2 with no upstream call; an invoke through replica 2 drops, for replica 1, the
 * answer listing the activations it added; Redis stopped: every query still answered (the cache
 * bypassed), and shared again once Redis is back. The same Redis also holds the store's own tests
 * (its Lua scripts: generations, a write between lookup and store), from an engine in this process.
 */
import pino from 'pino';
import { startComputeEmulator, type ComputeEmulator } from '../../src/emulators/compute';
import { FleetEngine } from '../../src/fleet/engine';
import { RedisResponseCache } from '../../src/pipeline/response-cache';
import type { SharedAnswer } from '../../src/pipeline/operation-dedupe';
import { startFleet, type Fleet, type Replica } from '../helpers/fleet';
import { redisMissing } from '../helpers/redis';

const BASE = '/ncf/api/v2';
const ECHO_RUNS =
  '{ action(package: "examples", name: "echo") { activations(pageSize: 3) { totalCount nodes { id } } } }';
const INVOKE_ECHO = 'mutation { invokeAction(input: { package: "examples", action: "echo" }) { activationId } }';
const PACKAGES = { data: { packages: [{ name: 'examples' }, { name: 'package001' }, { name: 'package003' }] } };

let fleet: Fleet;
let compute: ComputeEmulator;
const OS_USER = { name: 'demo', password: 'fleet-os-password-0123', project: 'demo' };

beforeAll(async () => {
  const missing = redisMissing();
  if (missing) throw new Error(missing);
  // One compute upstream for both: an answer's key includes the credentials the gateway calls with,
  // which differ between two embedded emulators (each replica's own).
  compute = await startComputeEmulator({ users: [OS_USER] });
  fleet = await startFleet({
    replicas: 2,
    env: {
      GATEWAY_RESPONSE_CACHE_TTL_MS: '60000',
      // Every miss shows as upstream calls.
      GATEWAY_DEDUPE: 'false',
      OS_AUTH_URL: compute.authUrl,
      OS_USERNAME: OS_USER.name,
      OS_PASSWORD: OS_USER.password,
      OS_PROJECT_NAME: OS_USER.project,
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
      OS_REGION_NAME: 'RegionOne',
    },
  });
}, 60_000);

afterAll(async () => {
  await fleet?.close();
  await compute?.close();
});

async function metric(replica: Replica, pattern: RegExp): Promise<number> {
  const match = pattern.exec(await replica.metrics());
  return match ? Number(match[1]) : 0;
}

const redisUp = (replica: Replica) => metric(replica, /^gateway_redis_up (\d)/m);
const bypassed = (replica: Replica) =>
  metric(replica, /^gateway_response_cache_lookups_total\{outcome="bypass"\} (\d+)/m);

async function until(condition: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the response cache across replicas', () => {
  it('filled through replica 1, served by replica 2 with 0 upstream calls; no credential in its keys', async () => {
    const [one, two] = fleet.replicas as [Replica, Replica];
    fleet.resetCalls();
    const filled = await one.gql('{ packages { name } }');
    expect(filled.body).toEqual(PACKAGES);
    expect(fleet.upstreamCalls()).toEqual([`GET ${BASE}/packages`]);
    fleet.resetCalls();
    const served = await two.gql('{ packages { name } }');
    expect(served.body).toEqual(PACKAGES);
    expect(served.headers['cache-control']).toBe(filled.headers['cache-control']);
    expect(fleet.upstreamCalls()).toEqual([]);

    const keys = await (await fleet.inspect()).keys(`${fleet.prefix}resp:*`);
    expect(keys.filter((k) => /^.+:resp:[0-9a-f]{64}$/.test(k))).toHaveLength(1);
    expect(keys.join(' ')).not.toContain('fleet-access-key');
  });

  it('an invoke through replica 2 drops, for replica 1, the answer listing the activations it added', async () => {
    const [one, two] = fleet.replicas as [Replica, Replica];
    const before = (await one.gql(ECHO_RUNS)).body.data.action.activations;
    fleet.resetCalls();
    expect((await one.gql(ECHO_RUNS)).body.data.action.activations).toEqual(before);
    expect((await two.gql(ECHO_RUNS)).body.data.action.activations).toEqual(before);
    expect(fleet.upstreamCalls()).toEqual([]);

    const id = (await two.gql(INVOKE_ECHO)).body.data.invokeAction.activationId as string;
    fleet.resetCalls();
    const after = (await one.gql(ECHO_RUNS)).body.data.action.activations;
    expect(after.totalCount).toBe(before.totalCount + 1);
    expect(after.nodes[0]).toEqual({ id });
    expect(fleet.upstreamCalls()).toEqual([
      `GET ${BASE}/packages/examples/actions/echo`,
      `GET ${BASE}/packages/examples/actions/echo/activations`,
    ]);
    // What the invoke did not touch is still served from Redis.
    fleet.resetCalls();
    expect((await one.gql('{ packages { name } }')).body).toEqual(PACKAGES);
    expect(fleet.upstreamCalls()).toEqual([]);
  });

  it('Redis stopped: every query is answered (the cache bypassed); back: shared again', async () => {
    const [one, two] = fleet.replicas as [Replica, Replica];
    const bypassedBefore = await Promise.all(fleet.replicas.map(bypassed));
    await fleet.redis.stop();
    await until(async () => (await Promise.all(fleet.replicas.map(redisUp))).every((v) => v === 0), 'redis down');
    fleet.resetCalls();
    for (let i = 0; i < 3; i++) {
      for (const replica of fleet.replicas) {
        const res = await replica.gql('{ down: packages { name } }');
        expect(res.status).toBe(200);
        expect(res.body).toEqual({ data: { down: PACKAGES.data.packages } });
      }
    }
    // Nothing kept nor served while down: each of the 6 executed.
    expect(fleet.upstreamCalls()).toEqual(Array(6).fill(`GET ${BASE}/packages`));
    const bypassedAfter = await Promise.all(fleet.replicas.map(bypassed));
    expect(bypassedAfter.map((n, i) => n - bypassedBefore[i]!)).toEqual([3, 3]);

    await fleet.redis.start();
    await until(async () => (await Promise.all(fleet.replicas.map(redisUp))).every((v) => v === 1), 'redis up');
    fleet.resetCalls();
    await one.gql('{ back: packages { name } }');
    expect(fleet.upstreamCalls()).toEqual([`GET ${BASE}/packages`]);
    fleet.resetCalls();
    expect((await two.gql('{ back: packages { name } }')).body).toEqual({ data: { back: PACKAGES.data.packages } });
    expect(fleet.upstreamCalls()).toEqual([]);
  }, 30_000);
});

describe('the Redis store (its scripts against the real Redis)', () => {
  const answer = (n: number): SharedAnswer => ({ result: { data: { n } }, cachePolicy: { maxAge: 5 } });
  const ECHO = 'cloudfunctions /ncf/api/v2/packages/examples/actions/echo/activations';
  const SUM = 'cloudfunctions /ncf/api/v2/packages/examples/actions/sum/activations';
  let engine: FleetEngine;
  let cache: RedisResponseCache;
  const told: string[][] = [];

  beforeAll(async () => {
    engine = new FleetEngine({
      url: fleet.redis.url,
      prefix: `resp-store-${process.pid}:`,
      timeoutMs: 500,
      logger: pino({ level: 'silent' }),
    });
    expect(await engine.ready(5_000)).toBe(true);
    cache = new RedisResponseCache(engine, { ttlMs: 60_000, onInvalidated: (p) => told.push(p) });
  });
  afterAll(async () => {
    cache?.close();
    await engine?.close();
  });

  it('keeps an answer for its TTL (PX) and serves it with the epoch', async () => {
    const { epoch, answer: none } = await cache.get('a'.repeat(64));
    expect(none).toBeUndefined();
    await cache.put('a'.repeat(64), answer(1), [`${ECHO}?platform=vpc&pageNo=1`], epoch!);
    expect((await cache.get('a'.repeat(64))).answer).toEqual(answer(1));
    const ttl = await (await fleet.inspect()).pttl(engine.key('resp', 'a'.repeat(64)));
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('an invalidation of one of its reads’ prefixes drops it; one of another action’s does not', async () => {
    const key = 'b'.repeat(64);
    const { epoch } = await cache.get(key);
    await cache.put(
      key,
      answer(2),
      [`${ECHO}/0123abcd?platform=vpc`, 'cloudfunctions /ncf/api/v2/packages?platform=vpc'],
      epoch!,
    );
    await cache.invalidate([SUM]);
    expect((await cache.get(key)).answer).toEqual(answer(2));
    await cache.invalidate([ECHO]);
    expect((await cache.get(key)).answer).toBeUndefined();
    expect(await (await fleet.inspect()).exists(engine.key('resp', key))).toBe(0);
    // Every replica is told (this one too), for its operations in flight.
    await until(async () => told.some((p) => p[0] === ECHO), 'the pub/sub message');
  });

  it('keeps no answer whose read was invalidated after its lookup (made from the state before the write)', async () => {
    const key = 'c'.repeat(64);
    const { epoch } = await cache.get(key);
    await cache.invalidate([ECHO]);
    await cache.put(key, answer(3), [`${ECHO}?platform=vpc`], epoch!);
    expect((await cache.get(key)).answer).toBeUndefined();
    // A write elsewhere meanwhile does not prevent it.
    const again = await cache.get(key);
    await cache.invalidate([SUM]);
    await cache.put(key, answer(3), [`${ECHO}?platform=vpc`], again.epoch!);
    expect((await cache.get(key)).answer).toEqual(answer(3));
  });
});
