/**
 * The fleet's upstream read cache (src/fleet/read-store.ts under src/upstream/shared-reads.ts) against a
 * real Redis: two SharedReads with an engine each stand for two replicas. Generations make an invalidation
 * through one replica hide the other's entries at once, a fill fetched across an invalidation is not
 * kept, an invalidation reaches the other replica's reads in flight, no key holds a credential, and when a
 * replica is cut off from Redis it reads straight through and replays its invalidations when it is back.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import pino from 'pino';
import { FleetEngine } from '../../src/fleet/engine';
import { candidatePrefixes, FleetReadStore, GENERATION_LIFE_MS, hashPart } from '../../src/fleet/read-store';
import type { Exchange } from '../../src/upstream/http';
import { SharedReads, type SharedOutcome } from '../../src/upstream/shared-reads';
import { useRedisForFile } from '../helpers/redis';

const ACCESS_KEY = 'AKIA-read-store-test';
const KEY = `cloudfunctions ${ACCESS_KEY} GET /ncf/api/v2/packages/p1/actions/a1/activations?platform=x`;
const ACTION_PREFIX = `cloudfunctions ${ACCESS_KEY} GET /ncf/api/v2/packages/p1/actions/a1/activations`;
const OTHER = `cloudfunctions ${ACCESS_KEY} GET /ncf/api/v2/packages?platform=x`;
const TTL_MS = 60_000;

const ok = (n: number): Exchange => ({ status: 200, body: { n }, headers: { 'content-type': 'application/json' } });

const file = useRedisForFile();
const opened = file.opened;

/** An engine on `url` (default: the test's Redis) under this test's own prefix. */
async function engine(prefix: string, url = file.redis.url): Promise<FleetEngine> {
  const made = new FleetEngine({ url, prefix, timeoutMs: 250, logger: pino({ level: 'silent' }), healthCheckMs: 50 });
  opened.push(made);
  expect(await made.ready(5_000)).toBe(true);
  return made;
}

function freshPrefix(): string {
  return file.prefix('rs-test');
}

/** A replica's shared reads, counting what it fetches and what it answers from. */
async function replica(prefix: string, url?: string) {
  const fleet = await engine(prefix, url);
  const outcomes: SharedOutcome[] = [];
  const shared = new SharedReads({ dedupe: true, ttlMs: TTL_MS, fleet, onOutcome: (_s, o) => outcomes.push(o) });
  opened.push(shared);
  return { fleet, shared, outcomes };
}

/** Raw access to the test's Redis (a third connection, for the test's own looks). */
async function inspector(): Promise<FleetEngine> {
  return engine('');
}

describe('candidate prefixes', () => {
  it('are the empty prefix, every prefix ending before a / or ?, and the whole key', () => {
    expect(candidatePrefixes('svc ak GET /a/b?x=1/2')).toEqual([
      '',
      'svc ak GET ',
      'svc ak GET /a',
      'svc ak GET /a/b',
      'svc ak GET /a/b?x=1',
      'svc ak GET /a/b?x=1/2',
    ]);
    expect(candidatePrefixes(KEY)).toContain(ACTION_PREFIX);
    expect(candidatePrefixes(KEY)).toContain(`cloudfunctions ${ACCESS_KEY} GET /ncf/api/v2`);
  });
});

describe('the read cache shared through Redis', () => {
  it('serves a fill from one replica to another, and an invalidation from either hides it', async () => {
    const prefix = freshPrefix();
    const one = await replica(prefix);
    const two = await replica(prefix);
    let n = 0;
    const fetch = jest.fn(async () => ok(++n));

    expect((await one.shared.read('cloudfunctions', KEY, undefined, fetch)).body).toEqual({ n: 1 });
    expect((await two.shared.read('cloudfunctions', KEY, undefined, fetch)).body).toEqual({ n: 1 });
    expect((await one.shared.read('cloudfunctions', KEY, undefined, fetch)).body).toEqual({ n: 1 });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(one.outcomes).toEqual(['miss', 'hit']);
    expect(two.outcomes).toEqual(['hit']);

    // Another key under no invalidated prefix keeps its entry.
    await one.shared.read('cloudfunctions', OTHER, undefined, fetch);
    expect(fetch).toHaveBeenCalledTimes(2);

    await two.shared.invalidate([ACTION_PREFIX]);
    expect((await one.shared.read('cloudfunctions', KEY, undefined, fetch)).body).toEqual({ n: 3 });
    expect((await two.shared.read('cloudfunctions', KEY, undefined, fetch)).body).toEqual({ n: 3 });
    expect((await two.shared.read('cloudfunctions', OTHER, undefined, fetch)).body).toEqual({ n: 2 });
    expect(fetch).toHaveBeenCalledTimes(3);

    // The empty prefix invalidates everything.
    await one.shared.invalidate(['']);
    await two.shared.read('cloudfunctions', KEY, undefined, fetch);
    await two.shared.read('cloudfunctions', OTHER, undefined, fetch);
    expect(fetch).toHaveBeenCalledTimes(5);
  });

  it('does not keep an answer fetched across an invalidation', async () => {
    const prefix = freshPrefix();
    const one = await engine(prefix);
    const two = await engine(prefix);
    const store = new FleetReadStore(one, TTL_MS);
    const other = new FleetReadStore(two, TTL_MS);
    opened.push(store, other);

    const before = await store.lookup(KEY);
    expect(before).toEqual({
      hit: undefined,
      generations: candidatePrefixes(KEY)
        .map(() => '0')
        .join(','),
    });
    // Another replica's invoke lands while this fetch is on its way.
    expect(await other.invalidate([ACTION_PREFIX])).toBe(true);
    expect(await store.store(KEY, before!.generations, ok(1))).toBe(false);
    const after = await store.lookup(KEY);
    expect(after!.hit).toBeUndefined();
    expect(after!.generations).not.toBe(before!.generations);

    // With current generations it is kept; an entry stored under older ones is never served.
    expect(await store.store(KEY, after!.generations, ok(2))).toBe(true);
    expect((await other.lookup(KEY))!.hit).toEqual(ok(2));
    await other.invalidate([KEY]);
    expect((await store.lookup(KEY))!.hit).toBeUndefined();

    // Errors are never kept.
    const now = (await store.lookup(KEY))!.generations;
    expect(await store.store(KEY, now, { status: 503, body: {}, headers: {} })).toBe(false);
  });

  it('keeps no credential in any key, entries for the TTL and counters longer than any entry', async () => {
    const prefix = freshPrefix();
    const one = await replica(prefix);
    await one.shared.read('cloudfunctions', KEY, undefined, async () => ok(1));
    await one.shared.invalidate([ACTION_PREFIX]);
    await one.shared.read('cloudfunctions', KEY, undefined, async () => ok(2));

    const raw = (await inspector()).redis;
    const keys = (await raw.keys(`${prefix}*`)).sort();
    const entry = `${prefix}read:{r}:e:${hashPart(KEY)}`;
    const generation = `${prefix}read:{r}:g:${hashPart(ACTION_PREFIX)}`;
    expect(keys).toEqual([entry, generation].sort());
    for (const key of keys) expect(key).not.toContain(ACCESS_KEY);
    expect(await raw.get(generation)).toBe('1');
    const entryTtl = await raw.pttl(entry);
    expect(entryTtl).toBeGreaterThan(TTL_MS - 5_000);
    expect(entryTtl).toBeLessThanOrEqual(TTL_MS);
    const generationTtl = await raw.pttl(generation);
    expect(generationTtl).toBeGreaterThan(GENERATION_LIFE_MS - 5_000);
    expect(generationTtl).toBeLessThanOrEqual(GENERATION_LIFE_MS);
    expect(GENERATION_LIFE_MS).toBeGreaterThan(3_600_000); // GATEWAY_CACHE_TTL_MS is at most 1 h
    const stored = (await raw.get(entry))!;
    expect(stored).not.toContain(ACCESS_KEY);
    expect(JSON.parse(stored.slice(stored.indexOf('\n') + 1))).toEqual(ok(2));
  });

  it("ends the other replica's de-duplication of what an invalidation touched", async () => {
    const prefix = freshPrefix();
    const one = await replica(prefix);
    const two = await replica(prefix);
    const pending: Array<(e: Exchange) => void> = [];
    const fetch = jest.fn(() => new Promise<Exchange>((resolve) => pending.push(resolve)));

    const first = one.shared.read('cloudfunctions', KEY, undefined, fetch);
    const other = one.shared.read('cloudfunctions', OTHER, undefined, fetch);
    await until(() => fetch.mock.calls.length === 2);
    const joined = one.shared.read('cloudfunctions', KEY, undefined, fetch);
    await new Promise((r) => setImmediate(r));
    expect(fetch).toHaveBeenCalledTimes(2);

    // The message reaches replica one's handlers in order: SharedReads' first, then this probe's.
    const heard = new Promise<void>((resolve) => {
      const off = one.fleet.subscribe(one.fleet.key('inv'), () => {
        off();
        resolve();
      });
    });
    await new Promise((r) => setTimeout(r, 50)); // the probe's SUBSCRIBE is on the wire
    await two.shared.invalidate([ACTION_PREFIX]);
    await heard;

    const fresh = one.shared.read('cloudfunctions', KEY, undefined, fetch);
    const stillShared = one.shared.read('cloudfunctions', OTHER, undefined, fetch);
    await until(() => fetch.mock.calls.length === 3);
    await new Promise((r) => setImmediate(r));
    expect(fetch).toHaveBeenCalledTimes(3);
    pending.forEach((resolve, i) => resolve(ok(i + 1)));
    expect((await first).body).toEqual({ n: 1 });
    expect((await joined).body).toEqual({ n: 1 });
    expect((await other).body).toEqual({ n: 2 });
    expect((await stillShared).body).toEqual({ n: 2 });
    expect((await fresh).body).toEqual({ n: 3 });
    expect(one.outcomes).toEqual(['miss', 'miss', 'shared', 'miss', 'shared']);
  });
});

describe('a replica cut off from Redis', () => {
  it('reads straight through (de-duplicated in flight), then replays its invalidations when back', async () => {
    const prefix = freshPrefix();
    const cut = await cuttableProxy(file.redis.port);
    const one = await replica(prefix, `redis://127.0.0.1:${cut.port}`);
    const two = await replica(prefix);
    let n = 0;
    let release: (() => void) | undefined;
    const slow = jest.fn(async () => {
      const value = ok(++n);
      if (n === 2) await new Promise<void>((resolve) => (release = resolve));
      return value;
    });

    await two.shared.read('cloudfunctions', KEY, undefined, slow);
    expect(slow).toHaveBeenCalledTimes(1);
    cut.cut();
    await until(() => !one.fleet.up);

    // Down: no cache, but identical reads in flight still share one fetch.
    const a = one.shared.read('cloudfunctions', KEY, undefined, slow);
    const b = one.shared.read('cloudfunctions', KEY, undefined, slow);
    await until(() => release !== undefined);
    release!();
    expect((await a).body).toEqual({ n: 2 });
    expect(await b).toBe(await a);
    expect((await one.shared.read('cloudfunctions', KEY, undefined, slow)).body).toEqual({ n: 3 });
    expect(slow).toHaveBeenCalledTimes(3);
    expect(one.outcomes).toEqual(['miss', 'shared', 'miss']);

    // Its invoke cannot reach Redis: remembered. Meanwhile the other replica still serves its entry.
    await one.shared.invalidate([ACTION_PREFIX]);
    expect(one.shared.pendingInvalidations).toBe(1);
    expect((await two.shared.read('cloudfunctions', KEY, undefined, slow)).body).toEqual({ n: 1 });

    // Back: the invalidation is replayed, and the other replica's entry is stale from then on.
    cut.restore();
    await until(() => one.fleet.up && one.shared.pendingInvalidations === 0);
    expect((await two.shared.read('cloudfunctions', KEY, undefined, slow)).body).toEqual({ n: 4 });
    expect((await one.shared.read('cloudfunctions', KEY, undefined, slow)).body).toEqual({ n: 4 });
    expect(slow).toHaveBeenCalledTimes(4);
  });

  it('answers a lookup with undefined at once while down, and keeps only a bounded list to replay', async () => {
    const prefix = freshPrefix();
    const cut = await cuttableProxy(file.redis.port);
    const fleet = await engine(prefix, `redis://127.0.0.1:${cut.port}`);
    const store = new FleetReadStore(fleet, TTL_MS);
    opened.push(store);
    cut.cut();
    await until(() => !fleet.up);
    expect(await store.lookup(KEY)).toBeUndefined();
    expect(await store.store(KEY, '0', ok(1))).toBe(false);
    for (let i = 0; i < 1_000; i += 1) await store.invalidate([`${ACTION_PREFIX}/${i}`]);
    expect(store.pending).toBe(1_000);
    await store.invalidate([ACTION_PREFIX]);
    // One more than it keeps: everything (the empty prefix) is invalidated when Redis is back.
    expect(store.pending).toBe(1);
    cut.restore();
    await until(() => fleet.up && store.pending === 0);
    expect(await (await inspector()).redis.get(`${prefix}read:{r}:g:${hashPart('')}`)).toBe('1');
  });
});

/** Polls `check` every 10 ms, for at most 5 s. */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A TCP relay to Redis that can cut every connection (and refuse new ones) until restored. */
async function cuttableProxy(targetPort: number): Promise<{ port: number; cut(): void; restore(): void }> {
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const proxy = {
    port,
    cut() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      open = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        proxy.cut();
        server.close(() => resolve());
      }),
  };
  opened.unshift(proxy); // closed after the engines that use it
  return proxy;
}
