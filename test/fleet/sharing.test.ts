/**
 * What three real gateway replicas share through one real Redis (issue 14, parts 1 and 2): automatic
 * persisted queries registered through one replica and served by another, the upstream read cache
 * filled through one replica, served by another and invalidated by an invoke through a third, and all
 * of it bypassed while Redis is stopped under load (every request still answered) and shared again once
 * it is back.
 */
import { sha256Hex } from '../../src/pipeline/documents';
import { startFleet, type Fleet, type Replica } from '../helpers/fleet';
import { redisMissing } from '../helpers/redis';

const TTL_MS = 60_000;
const BASE = '/ncf/api/v2';

let fleet: Fleet;

beforeAll(async () => {
  const missing = redisMissing();
  if (missing) throw new Error(missing);
  fleet = await startFleet({
    replicas: 3,
    env: {
      GATEWAY_CACHE_TTL_MS: String(TTL_MS),
    },
  });
}, 60_000);

afterAll(async () => {
  await fleet?.close();
});

const apq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

const activationsOf = (action: string) =>
  `{ action(package: "examples", name: "${action}") { name activations(pageSize: 3) { totalCount nodes { id } } } }`;

const INVOKE = `mutation Run($action: String!) {
  invokeAction(input: { package: "examples", action: $action, params: { from: "sharing" } }) { activationId completed }
}`;

/** 0 or 1: what gateway_redis_up says on a replica. */
async function redisUp(replica: Replica): Promise<number> {
  const match = /^gateway_redis_up (\d)/m.exec(await replica.metrics());
  if (!match) throw new Error(`replica ${replica.index}: no gateway_redis_up`);
  return Number(match[1]);
}

/** Polls until every replica's gauge reads `value`; how long that took (at most `withinMs`). */
async function everyRedisUp(value: number, withinMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const values = await Promise.all(fleet.replicas.map(redisUp));
    if (values.every((v) => v === value)) return Date.now() - started;
    if (Date.now() - started > withinMs) throw new Error(`gateway_redis_up still ${values.join(',')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('automatic persisted queries', () => {
  const query = 'query SharedApq { packages { name } }';
  const hash = sha256Hex(query);
  const packages = { data: { packages: [{ name: 'examples' }, { name: 'package001' }, { name: 'package003' }] } };

  it('registered through replica 1 are served by replica 3 from the hash alone', async () => {
    const [one, two, three] = fleet.replicas as [Replica, Replica, Replica];
    // Unknown everywhere at first: what every replica but the first would answer without Redis.
    const unknown = await two.post({ extensions: apq(hash) });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({
      errors: [
        {
          message: 'PersistedQueryNotFound',
          extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', requestId: unknown.headers['x-request-id'] },
        },
      ],
    });
    expect(await (await fleet.inspect()).keys(`${fleet.prefix}apq:*`)).toEqual([]);

    const registered = await one.post({ query, extensions: apq(hash) });
    expect(registered.status).toBe(200);
    expect(registered.body).toEqual(packages);
    // One registration, under its hash, for a day.
    expect(await (await fleet.inspect()).keys(`${fleet.prefix}apq:*`)).toEqual([`${fleet.prefix}apq:${hash}`]);
    expect(await (await fleet.inspect()).get(`${fleet.prefix}apq:${hash}`)).toBe(query);
    const ttl = await (await fleet.inspect()).ttl(`${fleet.prefix}apq:${hash}`);
    expect(ttl).toBeGreaterThan(86_400 - 60);
    expect(ttl).toBeLessThanOrEqual(86_400);

    const served = await three.post({ extensions: apq(hash) });
    expect(served.status).toBe(200);
    expect(served.body).toEqual(packages);
    // Replica 3 never saw the document: nothing registered again.
    expect(await (await fleet.inspect()).keys(`${fleet.prefix}apq:*`)).toEqual([`${fleet.prefix}apq:${hash}`]);

    // A document in Redis that does not hash to its key is not run.
    const forged = sha256Hex('query Forged { packages { name } }');
    await (await fleet.inspect()).set(`${fleet.prefix}apq:${forged}`, '{ actions { name } }', 'EX', 60);
    const refused = await two.post({ extensions: apq(forged) });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('the upstream read cache', () => {
  it('is filled through replica 1, served by replica 2, and invalidated by an invoke through replica 3', async () => {
    const [one, two, three] = fleet.replicas as [Replica, Replica, Replica];
    const read = activationsOf('echo');
    fleet.resetCalls();
    const filled = await one.gql(read);
    expect(filled.status).toBe(200);
    expect(fleet.upstreamCalls()).toEqual([
      `GET ${BASE}/packages/examples/actions/echo`,
      `GET ${BASE}/packages/examples/actions/echo/activations`,
    ]);
    const before = filled.body.data.action.activations;

    fleet.resetCalls();
    const served = await two.gql(read);
    expect(served.body).toEqual(filled.body);
    expect(fleet.upstreamCalls()).toEqual([]);

    fleet.resetCalls();
    const invoked = await three.gql(INVOKE, { action: 'echo' });
    expect(invoked.body.errors).toBeUndefined();
    const { activationId, completed } = invoked.body.data.invokeAction;
    expect(completed).toBe(true);
    expect(fleet.upstreamCalls()).toEqual([`POST ${BASE}/packages/examples/actions/echo`]);

    // Only the activation list is stale: the action itself is still served from the cache.
    fleet.resetCalls();
    const after = await two.gql(read);
    expect(fleet.upstreamCalls()).toEqual([`GET ${BASE}/packages/examples/actions/echo/activations`]);
    expect(after.body.data.action.activations.totalCount).toBe(before.totalCount + 1);
    expect(after.body.data.action.activations.nodes[0].id).toBe(activationId);

    // No key holds the access key; the cache's keys are hashes.
    const keys = await (await fleet.inspect()).keys(`${fleet.prefix}*`);
    for (const key of keys) expect(key).not.toContain('fleet-access-key');
    const reads = keys.filter((key) => key.startsWith(`${fleet.prefix}read:`));
    expect(reads.length).toBeGreaterThanOrEqual(3); // two entries, at least one generation
    for (const key of reads) expect(key.slice(fleet.prefix.length)).toMatch(/^read:\{r\}:[eg]:[0-9a-f]{32}$/);
  });
});

describe('Redis stopped under load', () => {
  it('answers every request, bypasses Redis on each replica, and shares again once it is back', async () => {
    const stable = 'query StableApq { packages { name } }';
    const stableHash = sha256Hex(stable);
    await fleet.replicas[0]!.post({ query: stable, extensions: apq(stableHash) });
    // Every replica has served it once (from Redis) before Redis goes.
    for (const replica of fleet.replicas) {
      expect((await replica.post({ extensions: apq(stableHash) })).body.data.packages).toHaveLength(3);
    }

    const answers: Array<{ replica: number; kind: string; status: number; ok: boolean }> = [];
    let retries = 0;
    let fresh = 0;
    let running = true;
    /** An APQ client: the hash first, the document only when the replica does not know it. */
    const persisted = async (replica: Replica, document: string) => {
      const hash = sha256Hex(document);
      const first = await replica.post({ extensions: apq(hash) });
      if (first.body.errors?.[0]?.extensions?.code !== 'PERSISTED_QUERY_NOT_FOUND') return first;
      retries += 1;
      return replica.post({ query: document, extensions: apq(hash) });
    };
    const loop = async (replica: Replica) => {
      for (let i = 0; running; i += 1) {
        const kind = ['read', 'stable', 'fresh'][i % 3]!;
        let res;
        if (kind === 'read') res = await replica.gql(activationsOf('echo'));
        else if (kind === 'stable') res = await persisted(replica, stable);
        else {
          fresh += 1;
          res = await persisted(replica, `query Fresh${replica.index}x${i} { packages { name } }`);
        }
        answers.push({
          replica: replica.index,
          kind,
          status: res.status,
          ok: res.body.errors === undefined && res.body.data !== null && res.body.data !== undefined,
        });
      }
    };
    const load = Promise.all(fleet.replicas.map(loop));
    const count = () => answers.length;

    await until(() => count() >= 30);
    await fleet.redis.stop();
    const down = await everyRedisUp(0, 10_000);
    const atDown = count();
    await until(() => count() >= atDown + 60);
    for (const replica of fleet.replicas) {
      expect(replica.process.output()).toContain('Redis is unavailable: caches and APQ are bypassed');
    }
    fleet.resetCalls();
    const atMeasure = count();
    await until(() => count() >= atMeasure + 30);
    // Straight through while down: the reads reach the upstream.
    expect(fleet.upstreamCalls().some((call) => call.includes('/actions/echo/activations'))).toBe(true);

    await fleet.redis.start();
    const back = await everyRedisUp(1, 10_000);
    const atBack = count();
    await until(() => count() >= atBack + 30);
    running = false;
    await load;

    expect(answers.filter((a) => a.status !== 200 || !a.ok)).toEqual([]);
    expect(answers.length).toBeGreaterThanOrEqual(atBack + 30);
    expect(new Set(answers.map((a) => a.replica))).toEqual(new Set([0, 1, 2]));
    // Every fresh document needed its one retry; the stable one never did (each replica keeps what it saw).
    expect(retries).toBe(fresh);
    expect(down).toBeLessThan(10_000);
    expect(back).toBeLessThan(10_000);

    // Sharing resumes: a new fill through replica 1 served by replica 2, a new registration served by replica 3.
    const [one, two, three] = fleet.replicas as [Replica, Replica, Replica];
    fleet.resetCalls();
    const filled = await one.gql(activationsOf('sum'));
    expect(fleet.upstreamCalls()).toEqual([
      `GET ${BASE}/packages/examples/actions/sum`,
      `GET ${BASE}/packages/examples/actions/sum/activations`,
    ]);
    fleet.resetCalls();
    expect((await two.gql(activationsOf('sum'))).body).toEqual(filled.body);
    expect(fleet.upstreamCalls()).toEqual([]);
    const after = 'query AfterRestart { packages { name } }';
    await one.post({ query: after, extensions: apq(sha256Hex(after)) });
    const served = await three.post({ extensions: apq(sha256Hex(after)) });
    expect(served.body.data.packages).toHaveLength(3);
    console.log(
      `redis down seen by all 3 in ${down} ms, up again in ${back} ms; ${answers.length} answers, ${retries} re-sent`,
    );
  }, 60_000);
});

/** Polls `check` every 10 ms, for at most 20 s. */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within 20 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}
