/**
 * A clock for tests (src/time.ts): its time moves only when the code under test sleeps on it, so
 * waits are asserted exactly and take no real time.
 */
import type { Clock } from '../../src/time';

export class FakeClock implements Clock {
  /** Every wait asked for, in ms, in order. */
  readonly sleeps: number[] = [];
  #now: number;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  advance(ms: number): void {
    this.#now += ms;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
    this.sleeps.push(ms);
    if (signal?.aborted) return false;
    this.#now += ms;
    return true;
  }
}
