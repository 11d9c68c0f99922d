/**
 * A clock for tests where several waits run at once (src/time.ts): its time moves only when the test
 * advances it, and each sleeper wakes at its own instant, in order, with every promise that follows
 * settled before the next one wakes. Unlike ./clock (FakeClock), whose sleeps return at once, it can
 * interleave pollers, lease renewals and retries of several replicas exactly.
 */
import type { Clock } from '../../src/time';

interface Timer {
  at: number;
  seq: number;
  wake: (slept: boolean) => void;
}

/** Lets every pending promise chain run (a macrotask turn drains the microtask queue). */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  readonly #timers: Timer[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer: Timer = {
        at: this.#now + Math.max(0, ms),
        seq: this.#seq++,
        wake: (slept) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(slept);
        },
      };
      const onAbort = () => {
        const at = this.#timers.indexOf(timer);
        if (at >= 0) this.#timers.splice(at, 1);
        timer.wake(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#timers.push(timer);
    });
  }

  /** Sleepers waiting now. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, waking each sleeper due on the way at its instant. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.#now + ms);
  }

  async advanceTo(end: number): Promise<void> {
    for (;;) {
      await settle();
      const next = this.#timers.reduce<Timer | undefined>(
        (best, t) => (t.at <= end && (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) ? t : best),
        undefined,
      );
      if (!next) break;
      this.#timers.splice(this.#timers.indexOf(next), 1);
      this.#now = next.at;
      next.wake(true);
    }
    this.#now = Math.max(this.#now, end);
    await settle();
  }
}
