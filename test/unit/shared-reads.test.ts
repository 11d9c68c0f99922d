import { createSchedule } from '../../src/loaders/batch';
import type { Exchange } from '../../src/upstream/http';
import { SharedReads, type SharedOutcome } from '../../src/upstream/shared-reads';

const ok = (n: number): Exchange => ({ status: 200, body: { n }, headers: {} });

/** A fetch that answers when told to, counting calls and recording the signal it was given. */
function controllable() {
  const calls: Array<{
    signal: AbortSignal | undefined;
    resolve: (e: Exchange) => void;
    reject: (e: unknown) => void;
  }> = [];
  const fetch = jest.fn(
    (signal: AbortSignal | undefined) =>
      new Promise<Exchange>((resolve, reject) => {
        calls.push({ signal, resolve, reject });
        signal?.addEventListener('abort', () => reject(new Error('aborted')));
      }),
  );
  return { fetch, calls };
}

describe('shared reads', () => {
  it('de-duplicates identical reads in flight, and only those', async () => {
    const outcomes: SharedOutcome[] = [];
    const shared = new SharedReads({ dedupe: true, ttlMs: 0, onOutcome: (_s, o) => outcomes.push(o) });
    const { fetch, calls } = controllable();
    const a = shared.read('cloudfunctions', 'k1', undefined, fetch);
    const b = shared.read('cloudfunctions', 'k1', undefined, fetch);
    const c = shared.read('cloudfunctions', 'k2', undefined, fetch);
    expect(fetch).toHaveBeenCalledTimes(2);
    calls[0]!.resolve(ok(1));
    calls[1]!.resolve(ok(2));
    expect(await a).toBe(await b);
    expect((await c).body).toEqual({ n: 2 });
    expect(outcomes).toEqual(['miss', 'shared', 'miss']);
    // Finished reads are not kept without a cache.
    const d = shared.read('cloudfunctions', 'k1', undefined, fetch);
    expect(fetch).toHaveBeenCalledTimes(3);
    calls[2]!.resolve(ok(3));
    expect((await d).body).toEqual({ n: 3 });
  });

  it('lets one waiter leave at its deadline without aborting the read for the others', async () => {
    const shared = new SharedReads({ dedupe: true, ttlMs: 0 });
    const { fetch, calls } = controllable();
    const leaving = new AbortController();
    const a = shared.read('compute', 'k', leaving.signal, fetch);
    const b = shared.read('compute', 'k', new AbortController().signal, fetch);
    leaving.abort();
    await expect(a).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_TIMEOUT' } });
    expect(calls[0]!.signal!.aborted).toBe(false);
    calls[0]!.resolve(ok(7));
    expect((await b).body).toEqual({ n: 7 });
  });

  it('aborts the shared read when every waiter has left', async () => {
    const shared = new SharedReads({ dedupe: true, ttlMs: 0 });
    const { fetch, calls } = controllable();
    const x = new AbortController();
    const y = new AbortController();
    const a = shared.read('compute', 'k', x.signal, fetch).catch((e) => e);
    const b = shared.read('compute', 'k', y.signal, fetch).catch((e) => e);
    x.abort();
    expect(calls[0]!.signal!.aborted).toBe(false);
    y.abort();
    expect(calls[0]!.signal!.aborted).toBe(true);
    await a;
    await b;
  });

  it('caches successful answers for the TTL, never errors, and forgets what is invalidated', async () => {
    const shared = new SharedReads({ dedupe: true, ttlMs: 60 });
    let n = 0;
    const fetch = jest.fn(async () => (n++ === 0 ? { status: 503, body: {}, headers: {} } : ok(n)));
    expect((await shared.read('cloudfunctions', 'cf /a/activations?x', undefined, fetch)).status).toBe(503);
    expect((await shared.read('cloudfunctions', 'cf /a/activations?x', undefined, fetch)).body).toEqual({ n: 2 });
    expect((await shared.read('cloudfunctions', 'cf /a/activations?x', undefined, fetch)).body).toEqual({ n: 2 });
    expect(fetch).toHaveBeenCalledTimes(2);
    shared.invalidate(['cf /a/activations']);
    expect((await shared.read('cloudfunctions', 'cf /a/activations?x', undefined, fetch)).body).toEqual({ n: 3 });
    await new Promise((r) => setTimeout(r, 80));
    expect((await shared.read('cloudfunctions', 'cf /a/activations?x', undefined, fetch)).body).toEqual({ n: 4 });
    expect(fetch).toHaveBeenCalledTimes(4);
  });

  it('passes every read through when de-duplication is off and there is no cache', async () => {
    const shared = new SharedReads({ dedupe: false, ttlMs: 0 });
    expect(shared.enabled).toBe(false);
  });
});

describe('the per-request concurrency cap', () => {
  it('runs at most `limit` tasks at once, the rest in order, and survives failing tasks', async () => {
    const schedule = createSchedule(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const task =
      (n: number, fail = false) =>
      async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 10));
        running -= 1;
        order.push(n);
        if (fail) throw new Error(`task ${n}`);
        return n;
      };
    const results = await Promise.allSettled([1, 2, 3, 4, 5].map((n) => schedule(task(n, n === 2))));
    expect(peak).toBe(2);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      1,
      'task 2',
      3,
      4,
      5,
    ]);
    expect(order).toEqual([1, 2, 3, 4, 5]);
    // A task that throws synchronously is a rejection, and frees its slot.
    await expect(
      schedule(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(await schedule(async () => 'after')).toBe('after');
  });
});
