/**
 * One poller per run across replicas (src/subscriptions/activation-watcher with src/fleet/run-leases),
 * on a manual clock: two watchers ("replicas") share an in-memory lease store that keeps the Redis
 * scripts' contract (NX lease with expiry, compare-and-renew, compare-and-delete, kept outcome plus
 * publish), so every read, renewal, takeover and fallback is asserted at its exact instant.
 */
import { ErrorCode, GatewayError } from '../../src/errors';
import {
  decodeOutcome,
  errorOf,
  runErrorOf,
  runName,
  type RunLeases,
  type RunOutcome,
} from '../../src/fleet/run-leases';
import { ActivationWatcher, type ActivationReader } from '../../src/subscriptions/activation-watcher';
import type { ActivationKey, ActivationRecord } from '../../src/upstream/cloudfunctions/types';
import { ManualClock, settle } from '../helpers/manual-clock';

const LEASE_MS = 1_000;

/** What Redis holds for the fleet, with the scripts' semantics; `up` false answers undefined everywhere. */
class LeaseBackend {
  up = true;
  readonly leases = new Map<string, { holder: string; expiresAt: number }>();
  readonly kept = new Map<string, RunOutcome>();
  readonly listeners = new Map<string, Set<(o: RunOutcome) => void>>();
  readonly states = new Set<(up: boolean) => void>();
  readonly calls: string[] = [];

  constructor(readonly clock: ManualClock) {}

  holder(run: string): string | undefined {
    const lease = this.leases.get(run);
    return lease && lease.expiresAt > this.clock.now() ? lease.holder : undefined;
  }

  setUp(up: boolean): void {
    this.up = up;
    for (const listener of [...this.states]) listener(up);
  }

  publish(run: string, outcome: RunOutcome): void {
    this.kept.set(run, outcome);
    for (const handler of [...(this.listeners.get(run) ?? [])]) handler(outcome);
  }

  /** One replica's view. `dead()` makes it hang like a killed process: nothing answers, nothing more is sent. */
  replica(id: string): RunLeases & { dead(): void } {
    return replicaView(this, id);
  }
}

function replicaView(backend: LeaseBackend, id: string): RunLeases & { dead(): void } {
  let dead = false;
  const op = async <T>(name: string, run: string, fn: () => T): Promise<T | undefined> => {
    if (dead) return new Promise<never>(() => undefined);
    if (!backend.up) return undefined;
    backend.calls.push(`${id} ${name} ${run}`);
    return fn();
  };
  return {
    leaseMs: LEASE_MS,
    get up() {
      return backend.up && !dead;
    },
    dead: () => {
      dead = true;
    },
    onState(listener) {
      backend.states.add(listener);
      return () => backend.states.delete(listener);
    },
    acquire: (run) =>
      op('acquire', run, () => {
        const holder = backend.holder(run);
        if (holder === undefined) backend.leases.set(run, { holder: id, expiresAt: backend.clock.now() + LEASE_MS });
        return (holder ?? id) === id;
      }),
    renew: (run) =>
      op('renew', run, () => {
        if (backend.holder(run) !== id) return false;
        backend.leases.set(run, { holder: id, expiresAt: backend.clock.now() + LEASE_MS });
        return true;
      }),
    release: async (run) => {
      await op('release', run, () => {
        if (backend.holder(run) === id) backend.leases.delete(run);
      });
    },
    kept: (run) => op('kept', run, () => backend.kept.get(run) ?? null),
    publish: async (run, outcome) =>
      (await op('publish', run, () => {
        backend.publish(run, outcome);
        return true;
      })) ?? false,
    listen(run, handler) {
      let set = backend.listeners.get(run);
      if (!set) backend.listeners.set(run, (set = new Set()));
      const wrapped = (o: RunOutcome) => {
        if (!dead) handler(o);
      };
      set.add(wrapped);
      return () => set.delete(wrapped);
    },
  };
}

/** The upstream: a run finishes at `finishAt`; each replica's reads are counted. */
class Upstream {
  readonly reads: Record<string, number> = {};
  finishAt = 3_000;
  failWith: GatewayError | undefined;
  readonly hung = new Set<string>();

  constructor(readonly clock: ManualClock) {}

  reader(replica: string): ActivationReader {
    return {
      getActivation: (key: ActivationKey, call: { signal?: AbortSignal } = {}) => {
        if (this.hung.has(replica)) {
          return new Promise<never>((_, reject) =>
            call.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
          );
        }
        this.reads[replica] = (this.reads[replica] ?? 0) + 1;
        if (this.failWith) return Promise.reject(this.failWith);
        return Promise.resolve(this.clock.now() >= this.finishAt ? record(key.id) : null);
      },
    };
  }
}

const record = (id: string): ActivationRecord => ({ activationId: id, response: { status: 'success', result: {} } });
const key = (id = 'a1'): ActivationKey => ({ platform: 'vpc', package: 'p', action: 'x', id });
const RUN = JSON.stringify(['vpc', 'p', 'x', 'a1']);

function setup(options: { maxWaitMs?: number; maxPollers?: number } = {}) {
  const clock = new ManualClock();
  const backend = new LeaseBackend(clock);
  const upstream = new Upstream(clock);
  const replica = (id: string) => {
    const leases = backend.replica(id);
    const watcher = new ActivationWatcher(
      upstream.reader(id),
      {
        maxIntervalMs: 1_000,
        maxWaitMs: options.maxWaitMs ?? 60_000,
        maxPollers: options.maxPollers ?? 10,
        leases,
      },
      clock,
    );
    return { id, leases, watcher };
  };
  return { clock, backend, upstream, a: replica('A'), b: replica('B') };
}

/** A subscriber: its result (or error) and the clock's time when it came. */
function subscribe(clock: ManualClock, watcher: ActivationWatcher, id = 'a1') {
  const controller = new AbortController();
  const outcome: { at?: number; record?: ActivationRecord; error?: unknown } = {};
  const done = watcher.wait(key(id), controller.signal).then(
    (r) => Object.assign(outcome, { at: clock.now(), record: r }),
    (e: unknown) => Object.assign(outcome, { at: clock.now(), error: e }),
  );
  return { outcome, done, leave: () => controller.abort() };
}

// Reads of one poller from t0 with maxIntervalMs 1000: t0, +250, +375, +562.5, +843.75, then every 1000.

describe('one poller per run across replicas', () => {
  it('the lease holder polls and renews; the other replica reads nothing and gets the published record', async () => {
    const { clock, backend, upstream, a, b } = setup();
    const first = subscribe(clock, a.watcher);
    const second = subscribe(clock, b.watcher);
    await clock.advanceTo(1_000);
    expect(backend.holder(RUN)).toBe('A');
    expect([a.watcher.pollers, b.watcher.pollers]).toEqual([1, 0]);

    await clock.advanceTo(5_000);
    // Reads at 0, 250, 625, 1187.5, 2031.25 (404s), 3031.25 (the record).
    expect(upstream.reads).toEqual({ A: 6 });
    expect(first.outcome).toEqual({ at: 3031.25, record: record('a1') });
    expect(second.outcome).toEqual({ at: 3031.25, record: record('a1') });
    // Renewed every 333 ms while polling (333 … 2997), then published, then let go.
    const calls = backend.calls.filter((c) => c.startsWith('A '));
    expect(calls.filter((c) => c.startsWith('A renew'))).toHaveLength(9);
    expect(calls.slice(-2)).toEqual([`A publish ${RUN}`, `A release ${RUN}`]);
    // B checked the kept outcome and tried the lease at 0, 500, … 3000.
    expect(backend.calls.filter((c) => c === `B acquire ${RUN}`)).toHaveLength(7);
    expect(backend.holder(RUN)).toBeUndefined();
    expect(backend.kept.get(RUN)).toEqual({ record: record('a1') });
    expect([a.watcher.pollers, b.watcher.pollers]).toEqual([0, 0]);
    expect(backend.listeners.get(RUN)?.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('a subscriber that comes after the outcome was kept gets it without any read', async () => {
    const { clock, backend, upstream, b } = setup();
    backend.kept.set(RUN, { record: record('a1') });
    const late = subscribe(clock, b.watcher);
    await clock.advance(0);
    expect(late.outcome).toEqual({ at: 0, record: record('a1') });
    expect(upstream.reads).toEqual({});
    expect(backend.calls).toEqual([`B kept ${RUN}`]);
  });

  it('when the polling replica dies, its lease expires and the other takes over and delivers', async () => {
    const { clock, backend, upstream, a, b } = setup();
    subscribe(clock, a.watcher);
    const survivor = subscribe(clock, b.watcher);
    await clock.advanceTo(1_000);
    // A read at 0, 250, 625. Killed at 1000: its last renewal (999) holds the lease until 1999.
    a.leases.dead();
    upstream.hung.add('A');
    await clock.advanceTo(1_999);
    expect(backend.holder(RUN)).toBeUndefined();
    expect(b.watcher.pollers).toBe(0);
    // B's next try (2000) takes it; B reads at 2000, 2250, 2625 (404s), 3187.5 (the record).
    await clock.advanceTo(6_000);
    expect(upstream.reads).toEqual({ A: 3, B: 4 });
    expect(survivor.outcome).toEqual({ at: 3187.5, record: record('a1') });
    // Within a lease and a poll interval of the run's end.
    expect(survivor.outcome.at! - upstream.finishAt).toBeLessThanOrEqual(LEASE_MS + 1_000);
  });

  it('the last local subscriber leaving releases the lease at once; the other replica takes it next try', async () => {
    const { clock, backend, upstream, a, b } = setup();
    const leaver = subscribe(clock, a.watcher);
    const stayer = subscribe(clock, b.watcher);
    await clock.advanceTo(1_100);
    leaver.leave();
    await clock.advance(0);
    expect(leaver.outcome.error).toMatchObject({ code: ErrorCode.UPSTREAM_TIMEOUT });
    expect(backend.holder(RUN)).toBeUndefined();
    expect(a.watcher.pollers).toBe(0);
    await clock.advanceTo(6_000);
    // A read at 0, 250, 625; B takes the lease at 1500 and reads at 1500, 1750, 2125, 2687.5, 3531.25.
    expect(upstream.reads).toEqual({ A: 3, B: 5 });
    expect(stayer.outcome).toEqual({ at: 3531.25, record: record('a1') });
  });

  it('Redis down mid-wait: the listener polls locally, nobody fails; new waits use the fleet again', async () => {
    const { clock, backend, upstream, a, b } = setup();
    const first = subscribe(clock, a.watcher);
    const second = subscribe(clock, b.watcher);
    await clock.advanceTo(1_000);
    backend.setUp(false);
    await clock.advance(0);
    expect([a.watcher.pollers, b.watcher.pollers]).toEqual([1, 1]);
    await clock.advanceTo(5_000);
    // A polls on (its renewals answer nothing); B reads at 1000, 1250, 1625, 2187.5, 3031.25.
    expect(upstream.reads).toEqual({ A: 6, B: 5 });
    expect(first.outcome).toEqual({ at: 3031.25, record: record('a1') });
    expect(second.outcome).toEqual({ at: 3031.25, record: record('a1') });

    // Back: a new run is polled once again.
    backend.setUp(true);
    upstream.finishAt = 8_000;
    const third = subscribe(clock, a.watcher, 'a2');
    const fourth = subscribe(clock, b.watcher, 'a2');
    await clock.advanceTo(12_000);
    // A reads at 5000, 5250, 5625, 6187.5, 7031.25 (404s), 8031.25 (the record).
    expect(upstream.reads).toEqual({ A: 12, B: 5 });
    expect(third.outcome.at).toBe(8031.25);
    expect(fourth.outcome).toEqual({ at: 8031.25, record: record('a2') });
  });

  it('Redis down when the wait starts: each replica polls the run itself, as without Redis', async () => {
    const { clock, backend, upstream, a, b } = setup();
    backend.setUp(false);
    const first = subscribe(clock, a.watcher);
    const second = subscribe(clock, b.watcher);
    await clock.advance(0);
    expect([a.watcher.pollers, b.watcher.pollers]).toEqual([1, 1]);
    await clock.advanceTo(5_000);
    expect(upstream.reads).toEqual({ A: 6, B: 6 });
    expect([first.outcome.at, second.outcome.at]).toEqual([3031.25, 3031.25]);
    expect(backend.calls).toEqual([]);
  });

  it("a terminal error reaches every replica's subscribers with its code and sentence", async () => {
    const { clock, backend, upstream, a, b } = setup();
    upstream.failWith = new GatewayError(ErrorCode.FORBIDDEN, 'The gateway may not read this run.', {
      upstream: { service: 'cloudfunctions', status: 403, errorCode: '80403' },
      cause: new Error('secret detail'),
    });
    const first = subscribe(clock, a.watcher);
    const second = subscribe(clock, b.watcher);
    await clock.advance(0);
    expect(upstream.reads).toEqual({ A: 1 });
    for (const { outcome } of [first, second]) {
      expect(outcome.at).toBe(0);
      expect(outcome.error).toBeInstanceOf(GatewayError);
      expect(outcome.error).toMatchObject({
        code: 'FORBIDDEN',
        message: 'The gateway may not read this run.',
        extensions: { code: 'FORBIDDEN', upstream: { service: 'cloudfunctions', status: 403, errorCode: '80403' } },
      });
    }
    expect((second.outcome.error as GatewayError).cause).toBeUndefined();
    expect(JSON.stringify(backend.kept.get(RUN))).not.toContain('secret');
  });

  it("one replica's deadline is not the run's outcome: it lets go, the other (subscribed later) goes on", async () => {
    const { clock, upstream, a, b } = setup({ maxWaitMs: 2_000 });
    upstream.finishAt = 2_500;
    const early = subscribe(clock, a.watcher);
    await clock.advanceTo(1_100);
    const later = subscribe(clock, b.watcher);
    await clock.advanceTo(6_000);
    expect(early.outcome.at).toBe(2_000);
    expect(early.outcome.error).toMatchObject({
      code: 'UPSTREAM_TIMEOUT',
      message: 'The run did not finish within 2 s of subscribing; read it later with Query.activation.',
    });
    // B tried at 1100, 1600, 2100 (taken): reads at 2100, 2350 (404s), 2725 (the record).
    expect(upstream.reads).toEqual({ A: 5, B: 3 });
    expect(later.outcome).toEqual({ at: 2725, record: record('a1') });
  });

  it('a holder whose renewal finds the lease taken stops polling and listens', async () => {
    const { clock, backend, upstream, a } = setup();
    const sub = subscribe(clock, a.watcher);
    await clock.advanceTo(500);
    backend.leases.set(RUN, { holder: 'C', expiresAt: 10_000 });
    await clock.advanceTo(700);
    // Reads at 0, 250, 625; the renewal at 666 found C's lease.
    expect(a.watcher.pollers).toBe(0);
    await clock.advanceTo(1_500);
    expect(upstream.reads).toEqual({ A: 3 });
    backend.publish(RUN, { record: record('a1') });
    await clock.advance(0);
    expect(sub.outcome).toEqual({ at: 1_500, record: record('a1') });
  });

  it('GATEWAY_SUBSCRIPTION_MAX_POLLERS bounds the runs a replica watches, polled by it or not', async () => {
    const { clock, a, b } = setup({ maxPollers: 1 });
    subscribe(clock, a.watcher);
    const listening = subscribe(clock, b.watcher);
    await clock.advance(0);
    expect(b.watcher.pollers).toBe(0);
    // B could have to poll it (takeover, Redis down): a second run is one too many for it.
    const refused = subscribe(clock, b.watcher, 'a2');
    await clock.advance(0);
    expect(refused.outcome.error).toMatchObject({ code: 'RATE_LIMITED', extensions: { retryAfterSeconds: 5 } });
    listening.leave();
  });
});

describe('run names and outcomes on the wire', () => {
  it('names a run by a 32-hex hash of its upstream and address, never the key itself', () => {
    const scope = 'https://ncf.example/ncf/api/v2 ACCESSKEY123';
    const name = runName(scope, RUN);
    expect(name).toMatch(/^[0-9a-f]{32}$/);
    expect(runName(scope, RUN)).toBe(name);
    expect(runName('https://ncf.example/ncf/api/v2 OTHERKEY', RUN)).not.toBe(name);
    expect(runName(scope, JSON.stringify(['vpc', 'p', 'x', 'a2']))).not.toBe(name);
  });

  it('sends a terminal error as its code, sentence and upstream facts, and reads it back as the same error', () => {
    const original = new GatewayError(ErrorCode.UPSTREAM_AUTH_FAILED, 'The upstream refused the credentials.', {
      upstream: { service: 'cloudfunctions', status: 401 },
      cause: new Error('signature for ACCESSKEY123'),
    });
    const sent = JSON.stringify({ error: runErrorOf(original) });
    expect(JSON.parse(sent)).toEqual({
      error: {
        code: 'UPSTREAM_AUTH_FAILED',
        message: 'The upstream refused the credentials.',
        upstream: { service: 'cloudfunctions', status: 401 },
      },
    });
    const decoded = decodeOutcome(sent);
    expect(decoded).toEqual(JSON.parse(sent));
    const error = errorOf((decoded as { error: Parameters<typeof errorOf>[0] }).error);
    expect(error.toJSON()).toEqual(original.toJSON());
  });

  it('refuses anything that is not an outcome', () => {
    expect(decodeOutcome('{"record":{"activationId":"a1"}}')).toEqual({ record: { activationId: 'a1' } });
    for (const text of [
      'not json',
      '[]',
      '{}',
      '{"record":{}}',
      '{"record":"x"}',
      '{"error":{"code":"NOPE","message":"x"}}',
      '{"error":{"code":"FORBIDDEN"}}',
      '{"error":{"code":"FORBIDDEN","message":"x","upstream":{"service":"mail"}}}',
      '{"error":{"code":"FORBIDDEN","message":"x","upstream":{"service":"compute","status":"403"}}}',
    ]) {
      expect(decodeOutcome(text)).toBeUndefined();
    }
  });
});

// Keeps the helper's microtask flush exercised on its own too: a settled chain leaves nothing pending.
it('the manual clock wakes sleepers in order at their instants', async () => {
  const clock = new ManualClock();
  const woke: Array<[string, number]> = [];
  void clock.sleep(300).then(() => woke.push(['b', clock.now()]));
  void clock.sleep(100).then(() => woke.push(['a', clock.now()]));
  const aborted = new AbortController();
  const gone = clock.sleep(200, aborted.signal);
  aborted.abort();
  expect(await gone).toBe(false);
  await clock.advance(250);
  expect(woke).toEqual([['a', 100]]);
  await clock.advance(100);
  await settle();
  expect(woke).toEqual([
    ['a', 100],
    ['b', 300],
  ]);
  expect(clock.now()).toBe(350);
});
