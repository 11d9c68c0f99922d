/**
 * The Redis side of the pollers' leases (src/fleet/run-leases) against a real redis-server, with two
 * engines as two replicas: the NX lease, the compare-and-renew and compare-and-delete scripts, expiry,
 * the kept and published outcome, the key names (hashes, no credential), and Redis gone.
 */
import pino from 'pino';
import { FleetEngine } from '../../src/fleet/engine';
import { OUTCOME_KEEP_MS, RedisRunLeases, runName, type RunOutcome } from '../../src/fleet/run-leases';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis';

const suite = redisMissing() ? describe.skip : describe;
const SCOPE = 'http://127.0.0.1:1/ncf/api/v2 LEASE-TEST-ACCESS-KEY';
const RUN = JSON.stringify(['vpc', 'p', 'x', 'a1']);
const PREFIX = 'ncfgw-leases-test:';

suite('run leases in Redis', () => {
  let redis: TestRedis;
  let engines: FleetEngine[];
  let a: RedisRunLeases;
  let b: RedisRunLeases;

  beforeAll(async () => {
    redis = await startRedis();
    engines = [0, 1].map(
      () => new FleetEngine({ url: redis.url, prefix: PREFIX, timeoutMs: 250, logger: pino({ level: 'silent' }) }),
    );
    expect(await Promise.all(engines.map((e) => e.ready(5_000)))).toEqual([true, true]);
    [a, b] = engines.map((e) => new RedisRunLeases(e, { leaseMs: 600, scope: SCOPE })) as [
      RedisRunLeases,
      RedisRunLeases,
    ];
  });
  afterAll(async () => {
    await Promise.all(engines.map((e) => e.close()));
    await redis.stop();
  });

  it('one replica takes the lease; only the holder renews or deletes it; it expires unless renewed', async () => {
    const redisClient = engines[0]!.redis;
    const leaseKey = `${PREFIX}lease:${runName(SCOPE, RUN)}`;
    expect(await a.acquire(RUN)).toBe(true);
    expect(await b.acquire(RUN)).toBe(false);
    expect(await a.acquire(RUN)).toBe(true);
    expect(await redisClient.get(leaseKey)).toBe(engines[0]!.replicaId);

    expect(await b.renew(RUN)).toBe(false);
    await redisClient.pexpire(leaseKey, 100);
    expect(await a.renew(RUN)).toBe(true);
    expect(await redisClient.pttl(leaseKey)).toBeGreaterThan(500);

    await b.release(RUN);
    expect(await redisClient.get(leaseKey)).toBe(engines[0]!.replicaId);
    await a.release(RUN);
    expect(await redisClient.exists(leaseKey)).toBe(0);

    // Taken by B, never renewed: A gets it once it has expired (600 ms).
    expect(await b.acquire(RUN)).toBe(true);
    expect(await a.acquire(RUN)).toBe(false);
    await new Promise((r) => setTimeout(r, 700));
    expect(await a.renew(RUN)).toBe(false);
    expect(await a.acquire(RUN)).toBe(true);
    expect(await b.renew(RUN)).toBe(false);
    await a.release(RUN);
  });

  it('keeps and publishes an outcome in one step; every listener gets it, later readers find it', async () => {
    const heard: RunOutcome[] = [];
    const stop = b.listen(RUN, (o) => heard.push(o));
    // The subscription is set up on the engine's second connection.
    await new Promise((r) => setTimeout(r, 100));
    expect(await b.kept(RUN)).toBeNull();
    const outcome: RunOutcome = { record: { activationId: 'a1', response: { success: true, result: { n: 1 } } } };
    expect(await a.publish(RUN, outcome)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    stop();
    expect(heard).toEqual([outcome]);
    expect(await b.kept(RUN)).toEqual(outcome);
    const keptKey = `${PREFIX}run:${runName(SCOPE, RUN)}:outcome`;
    const ttl = await engines[1]!.redis.pttl(keptKey);
    expect(ttl).toBeGreaterThan(OUTCOME_KEEP_MS - 5_000);
    expect(ttl).toBeLessThanOrEqual(OUTCOME_KEEP_MS);

    // Nothing else kept, and no key names the run's address or the access key.
    const keys = await engines[0]!.redis.keys(`${PREFIX}*`);
    expect(keys).toEqual([keptKey]);
    expect(keys.join(' ')).not.toMatch(/LEASE-TEST-ACCESS-KEY|a1/);
  });

  it('answers undefined (poll locally) while Redis is down, and works again when it is back', async () => {
    await redis.stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(a.up).toBe(false);
    expect(await a.acquire(RUN)).toBeUndefined();
    expect(await a.renew(RUN)).toBeUndefined();
    expect(await a.kept(RUN)).toBeUndefined();
    expect(await a.publish(RUN, { record: { activationId: 'a1' } })).toBe(false);
    await redis.start();
    expect(await engines[0]!.ready(5_000)).toBe(true);
    expect(await a.kept(RUN)).toBeNull();
    expect(await a.acquire(RUN)).toBe(true);
    await a.release(RUN);
  });
});
