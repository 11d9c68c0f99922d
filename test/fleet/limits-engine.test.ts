/**
 * The rate limits and the invoke cap against a real Redis, in-process (src/fleet/rate-limits.ts,
 * src/fleet/invoke-slots.ts): two or three engines over one redis-server stand for replicas. A limit
 * holds exactly across them under concurrent counts; Redis keys carry hashes, never an identity; a
 * slot released on one replica wakes a waiter on another (pub/sub), a crashed replica's slots come
 * back at their deadline; with Redis stopped every count and slot is answered from each replica's
 * memory (said in a log line), and once it is started again they are shared again.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { ANONYMOUS, type Principal } from '../../src/auth/principal';
import { FleetEngine } from '../../src/fleet/engine';
import { InvokeSlots, type InvokeSlot } from '../../src/fleet/invoke-slots';
import { principalKey } from '../../src/fleet/principal-key';
import { RateLimits, type RateLimitsConfig } from '../../src/fleet/rate-limits';
import { useRedisForFile } from '../helpers/redis';

const file = useRedisForFile();
const opened = file.opened;

function freshPrefix(): string {
  return file.prefix('limits-test');
}

/** Lines a replica logs (JSON), to read its warnings. */
function logSink() {
  const lines: Array<{ level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

async function engine(prefix: string, logger = pino({ level: 'silent' })): Promise<FleetEngine> {
  const made = new FleetEngine({ url: file.redis.url, prefix, timeoutMs: 250, logger, healthCheckMs: 50 });
  opened.push(made);
  expect(await made.ready(5_000)).toBe(true);
  return made;
}

/** Waits until `check` holds (every 10 ms), failing after `ms`. */
async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const perMin = (points: number) => ({ points, windowSeconds: 60 });
const config = (rate: number): RateLimitsConfig => ({
  rateLimit: perMin(rate),
  invokeRateLimit: null,
  jwtRateLimits: [],
  jwtInvokeRateLimits: [],
});
const KEY: Principal = { id: '3f9a1c2b', kind: 'apikey', scopes: new Set() };

describe('rate limits shared through Redis', () => {
  it('hold exactly across replicas under concurrent counts, keyed by a hash', async () => {
    const prefix = freshPrefix();
    const limits = await Promise.all(
      [0, 1, 2].map(async () => new RateLimits({ config: config(10), engine: await engine(prefix) })),
    );
    const caller = principalKey(KEY, undefined);
    const outcomes = await Promise.all(
      Array.from({ length: 45 }, (_, i) => limits[i % 3]!.check({ principal: KEY, caller, invokes: 0 })),
    );
    expect(outcomes.filter((o) => o === undefined)).toHaveLength(10);
    const refused = outcomes.filter((o) => o !== undefined);
    expect(refused).toHaveLength(35);
    for (const error of refused) {
      expect(error!.extensions).toMatchObject({ code: 'RATE_LIMITED', http: { status: 429 } });
      expect([59, 60]).toContain(error!.extensions.retryAfterSeconds);
    }
    // Another client has its own count.
    const other = principalKey({ ...KEY, id: '00000001' }, undefined);
    expect(await limits[1]!.check({ principal: KEY, caller: other, invokes: 0 })).toBeUndefined();

    const look = await engine('');
    const keys = (await look.redis.keys(`${prefix}*`)).sort();
    expect(keys).toEqual([`${prefix}rl:operations:10-60:${other}`, `${prefix}rl:operations:10-60:${caller}`].sort());
    expect(keys.join(' ')).not.toContain(KEY.id);
    expect(await look.redis.get(`${prefix}rl:operations:10-60:${caller}`)).toBe('45');
  });

  it('count in each replica alone while Redis is down, and share again once it is back', async () => {
    const prefix = freshPrefix();
    const engines = [await engine(prefix), await engine(prefix)];
    const limits = engines.map((e) => new RateLimits({ config: config(3), engine: e }));
    const anonymous = { principal: ANONYMOUS, caller: principalKey(ANONYMOUS, '10.1.2.3'), invokes: 0 };
    try {
      await file.redis.stop();
      // Every count answers (none throws), from each replica's own memory: 3 each.
      const down = await Promise.all(Array.from({ length: 10 }, (_, i) => limits[i % 2]!.check(anonymous)));
      expect(down.map((o) => o === undefined)).toEqual([
        true,
        true,
        true,
        true,
        true,
        true,
        false,
        false,
        false,
        false,
      ]);
      expect(engines.map((e) => e.up)).toEqual([false, false]);
    } finally {
      await file.redis.start();
    }
    await until(() => engines.every((e) => e.up), 5_000, 'both engines up again');
    // Redis started empty: the fleet's count starts again, and is one count for both.
    const up = await Promise.all(Array.from({ length: 10 }, (_, i) => limits[i % 2]!.check(anonymous)));
    expect(up.filter((o) => o === undefined)).toHaveLength(3);
  });
});

describe('the invoke cap shared through Redis', () => {
  const hold = (slots: InvokeSlots, key: string, deadline?: number) => {
    const state: { slot?: InvokeSlot; error?: Error } = {};
    slots.acquire({ caller: { key, class: 'apikey' }, deadline: deadline ?? Date.now() + 30_000 }).then(
      (slot) => (state.slot = slot),
      (error: Error) => (state.error = error),
    );
    return state;
  };

  it('holds the cap across replicas, and a release on one wakes a waiter on another', async () => {
    const prefix = freshPrefix();
    const [a, b] = [await engine(prefix), await engine(prefix)].map(
      (e) => new InvokeSlots({ cap: 3, queueTimeoutMs: 10_000, engine: e, pollMs: { first: 5_000, last: 5_000 } }),
    );
    opened.push(a!, b!);
    const onA = [hold(a!, 'p1'), hold(a!, 'p1'), hold(a!, 'p2')];
    await until(() => onA.every((s) => s.slot), 2_000, 'three slots on a');
    const onB = [hold(b!, 'p3'), hold(b!, 'p3')];
    await new Promise((r) => setTimeout(r, 100));
    expect(onB.map((s) => s.slot !== undefined)).toEqual([false, false]);
    expect(b!.usage).toEqual({ inUse: 0, waiting: 2 });
    const look = await engine('');
    expect(await look.redis.zcard(`${prefix}invoke:slots`)).toBe(3);

    // Polling is 5 s apart here: what wakes b this soon is a's release, published.
    const released = Date.now();
    onA[0]!.slot!.release();
    await until(() => onB[0]!.slot !== undefined, 1_000, "b's first waiter woken");
    expect(Date.now() - released).toBeLessThan(1_000);
    expect(onB[1]!.slot).toBeUndefined();
    expect(await look.redis.zcard(`${prefix}invoke:slots`)).toBe(3);
    // Tokens name a replica (random) and a counter, never a client.
    const tokens = await look.redis.zrange(`${prefix}invoke:slots`, '0', '-1');
    for (const token of tokens) expect(token).toMatch(/^[0-9a-f]{16}:\d+$/);
    for (const s of [...onA.slice(1), onB[0]!]) s.slot!.release();
    await until(() => onB[1]!.slot !== undefined, 1_000, "b's second waiter woken");
    onB[1]!.slot!.release();
    await until(() => a!.usage.inUse + b!.usage.inUse === 0, 1_000, 'all released');
  });

  it("gets a crashed replica's slots back at their deadline", async () => {
    const prefix = freshPrefix();
    const crashed = new InvokeSlots({ cap: 2, queueTimeoutMs: 0, engine: await engine(prefix) });
    const gone = [hold(crashed, 'p1', Date.now() + 400), hold(crashed, 'p1', Date.now() + 400)];
    await until(() => gone.every((s) => s.slot), 2_000, 'two slots on the replica that crashes');
    // It dies holding both: nothing is released.
    const alive = new InvokeSlots({
      cap: 2,
      queueTimeoutMs: 5_000,
      engine: await engine(prefix),
      pollMs: { first: 20, last: 50 },
    });
    opened.push(alive);
    const waiting = hold(alive, 'p2');
    await new Promise((r) => setTimeout(r, 150));
    expect(waiting.slot).toBeUndefined();
    await until(() => waiting.slot !== undefined, 2_000, 'a slot back after the deadline');
    waiting.slot!.release();
  });

  it('caps each replica alone while Redis is down (and says so), and shares again when it is back', async () => {
    const prefix = freshPrefix();
    const logs = [logSink(), logSink()];
    const engines = [await engine(prefix, logs[0]!.logger), await engine(prefix, logs[1]!.logger)];
    const [a, b] = engines.map(
      (e, i) => new InvokeSlots({ cap: 2, queueTimeoutMs: 200, engine: e, logger: logs[i]!.logger }),
    );
    opened.push(a!, b!);
    let held: Array<ReturnType<typeof hold>> = [];
    try {
      await file.redis.stop();
      await until(() => engines.every((e) => !e.up), 2_000, 'both engines down');
      held = [hold(a!, 'p'), hold(a!, 'p'), hold(a!, 'p'), hold(b!, 'p'), hold(b!, 'p'), hold(b!, 'p')];
      await until(() => held.every((s) => s.slot || s.error), 2_000, 'every acquire answered');
      // Two on each replica: four in flight for the fleet, as the warning says.
      expect(held.map((s) => (s.slot ? 'slot' : 'refused'))).toEqual([
        'slot',
        'slot',
        'refused',
        'slot',
        'slot',
        'refused',
      ]);
      for (const { lines } of logs) {
        expect(lines.filter((l) => l.level === 40 && l.msg.startsWith('Invoke cap:')).map((l) => l.msg)).toEqual([
          'Invoke cap: Redis is unavailable, so this replica alone lets up to 2 runs be in flight ' +
            '(the fleet as a whole up to that many per replica) until Redis answers again',
        ]);
      }
      for (const s of held) s.slot?.release();
    } finally {
      await file.redis.start();
    }
    await until(() => engines.every((e) => e.up), 5_000, 'both engines up again');
    const again = [hold(a!, 'p'), hold(b!, 'p'), hold(a!, 'p'), hold(b!, 'p')];
    await until(() => again.every((s) => s.slot || s.error), 2_000, 'every acquire answered');
    expect(again.filter((s) => s.slot)).toHaveLength(2);
    for (const { lines } of logs) {
      expect(lines.some((l) => l.msg === 'Invoke cap: shared by the fleet through Redis')).toBe(true);
    }
    for (const s of again) s.slot?.release();
  });
});
