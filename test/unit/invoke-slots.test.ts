/**
 * The invoke cap in one process (src/fleet/invoke-slots, no Redis), on a fake clock (Jest's modern
 * timers): at most `cap` slots held, waiters served round-robin by principal, a wait bounded by the
 * queue timeout and by the invoke's deadline, an ended operation that stops waiting, every timer and
 * listener released, and the refusal's exact words and retryAfterSeconds.
 */
import { FairQueue, InvokeSlots, type InvokeSlot } from '../../src/fleet/invoke-slots';
import type { PrincipalClass } from '../../src/fleet/principal-key';

const T0 = Date.UTC(2026, 0, 1);
const caller = (key: string, kind: PrincipalClass = 'apikey') => ({ key, class: kind });

/** Lets the slots' promise chains run (no time passes). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

/** An acquire whose outcome the test reads later. */
function track(promise: Promise<InvokeSlot>) {
  const state: { slot?: InvokeSlot; error?: Error & { extensions?: Record<string, unknown> } } = {};
  promise.then(
    (slot) => (state.slot = slot),
    (error: Error) => (state.error = error),
  );
  return state;
}

describe('FairQueue', () => {
  it('serves the oldest item of each key in turn, and a key that gave up an item keeps its turn', () => {
    const queue = new FairQueue<string>();
    for (const [key, item] of [
      ['a', 'a1'],
      ['a', 'a2'],
      ['a', 'a3'],
      ['b', 'b1'],
      ['c', 'c1'],
      ['c', 'c2'],
    ] as const)
      queue.push(key, item);
    const order: string[] = [];
    queue.remove('c', 'c1');
    for (let item = queue.next(); item; item = queue.next()) {
      order.push(item);
      queue.served(item[0]!, item);
      if (item === 'a1') queue.push('d', 'd1');
    }
    // d arrives after a's turn: a's next item comes before it.
    expect(order).toEqual(['a1', 'b1', 'c2', 'a2', 'd1', 'a3']);
    expect(queue.size).toBe(0);
  });
});

describe('invoke slots in one process', () => {
  beforeEach(() => jest.useFakeTimers({ now: T0 }));
  afterEach(() => jest.useRealTimers());

  it('holds at most the cap, and a released slot goes to the next principal in turn', async () => {
    const slots = new InvokeSlots({ cap: 2, queueTimeoutMs: 5_000 });
    const held = [track(slots.acquire({ caller: caller('a') })), track(slots.acquire({ caller: caller('a') }))];
    // Principal a has three more waiting, b one, c one: b and c are not served after all of a's.
    const waiting = [
      ['a', track(slots.acquire({ caller: caller('a') }))],
      ['a', track(slots.acquire({ caller: caller('a') }))],
      ['b', track(slots.acquire({ caller: caller('b') }))],
      ['a', track(slots.acquire({ caller: caller('a') }))],
      ['c', track(slots.acquire({ caller: caller('c') }))],
    ] as const;
    await settle();
    expect(held.map((h) => h.slot !== undefined)).toEqual([true, true]);
    expect(slots.usage).toEqual({ inUse: 2, waiting: 5 });

    const served: string[] = [];
    const current = held.map((h) => h.slot!);
    while (served.length < waiting.length) {
      const slot = current.shift()!;
      slot.release();
      slot.release(); // once only
      await settle();
      const next = waiting.find(([, state], i) => state.slot && !served.includes(String(i)));
      const index = waiting.indexOf(next!);
      served.push(String(index));
      current.push(next![1].slot!);
      expect(slots.usage.inUse).toBe(2);
    }
    expect(served.map((i) => waiting[Number(i)]![0])).toEqual(['a', 'b', 'c', 'a', 'a']);
    for (const slot of current) slot.release();
    expect(slots.usage).toEqual({ inUse: 0, waiting: 0 });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('refuses after the queue timeout with RATE_LIMITED and retryAfterSeconds 1', async () => {
    const refused: string[] = [];
    const slots = new InvokeSlots({ cap: 1, queueTimeoutMs: 2_000, onRefused: (c) => refused.push(c) });
    const first = track(slots.acquire({ caller: caller('a') }));
    const second = track(slots.acquire({ caller: caller('b', 'jwt') }));
    await settle();
    jest.advanceTimersByTime(1_999);
    await settle();
    expect(second).toEqual({});
    jest.advanceTimersByTime(1);
    await settle();
    expect(second.error?.message).toBe(
      'Too many runs in flight on Cloud Functions: the gateway runs at most 1 at once. Retry in 1 s.',
    );
    expect(second.error?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: 1 });
    expect(refused).toEqual(['jwt']);
    expect(slots.usage).toEqual({ inUse: 1, waiting: 0 });
    first.slot!.release();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('never waits past the deadline, and stops waiting when the operation ends', async () => {
    const slots = new InvokeSlots({ cap: 1, queueTimeoutMs: 10_000 });
    const first = track(slots.acquire({ caller: caller('a') }));
    const near = track(slots.acquire({ caller: caller('b'), deadline: T0 + 300 }));
    const controller = new AbortController();
    const ended = track(slots.acquire({ caller: caller('c'), signal: controller.signal }));
    await settle();
    jest.advanceTimersByTime(300);
    await settle();
    expect(near.error?.extensions?.code).toBe('RATE_LIMITED');
    expect(ended).toEqual({});
    controller.abort();
    await settle();
    expect(ended.error?.extensions?.code).toBe('RATE_LIMITED');
    expect(slots.usage).toEqual({ inUse: 1, waiting: 0 });
    // Neither holds a slot: the next one gets the first's at once.
    first.slot!.release();
    const next = track(slots.acquire({ caller: caller('d') }));
    await settle();
    expect(next.slot).toBeDefined();
    next.slot!.release();
    // An operation that had already ended does not wait at all.
    const aborted = track(slots.acquire({ caller: caller('e'), signal: AbortSignal.abort() }));
    await settle();
    expect(aborted.error?.extensions?.code).toBe('RATE_LIMITED');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('with a queue timeout of 0, takes a free slot and refuses at once when there is none', async () => {
    const slots = new InvokeSlots({ cap: 1, queueTimeoutMs: 0 });
    const first = track(slots.acquire({ caller: caller('a') }));
    await settle();
    const second = track(slots.acquire({ caller: caller('a') }));
    await settle();
    jest.advanceTimersByTime(0);
    await settle();
    expect(first.slot).toBeDefined();
    expect(second.error?.extensions?.code).toBe('RATE_LIMITED');
    first.slot!.release();
  });

  it('refuses what still waits when closed, and takes nothing after', async () => {
    const slots = new InvokeSlots({ cap: 1, queueTimeoutMs: 60_000 });
    const first = track(slots.acquire({ caller: caller('a') }));
    const second = track(slots.acquire({ caller: caller('a') }));
    await settle();
    slots.close();
    await settle();
    expect(first.slot).toBeDefined();
    expect(second.error?.extensions?.code).toBe('RATE_LIMITED');
    const late = track(slots.acquire({ caller: caller('b') }));
    await settle();
    expect(late.error?.extensions?.code).toBe('RATE_LIMITED');
    first.slot!.release();
    expect(jest.getTimerCount()).toBe(0);
  });
});
