/**
 * shared-work: one piece of work that several waiters share. The first waiter starts it; it is
 * aborted when the last waiter leaves before it is done; each waiter stops waiting at its own
 * signal. Used for upstream reads shared across operations and for one poller per pending run.
 */
interface Entry<T> {
  promise: Promise<T>;
  controller: AbortController;
  waiters: number;
  /** Settled: leaving no longer aborts. */
  settled: boolean;
}

export class SharedWork<T> {
  readonly #entries = new Map<string, Entry<T>>();

  /**
   * Waits for the work `key`, starting it with `start` if nobody is doing it. When `signal` aborts
   * first, the returned promise rejects with `leftEarly()`.
   */
  join(
    key: string,
    start: (signal: AbortSignal) => Promise<T>,
    signal: AbortSignal | undefined,
    leftEarly: () => Error,
  ): { result: Promise<T>; started: boolean } {
    let entry = this.#entries.get(key);
    const started = entry === undefined;
    if (!entry) {
      const controller = new AbortController();
      const created: Entry<T> = { controller, waiters: 0, settled: false, promise: start(controller.signal) };
      const done = () => {
        created.settled = true;
        if (this.#entries.get(key) === created) this.#entries.delete(key);
      };
      // Registered before any waiter's: the entry is gone by the time a waiter hears the outcome.
      // It also handles a failure nobody waits for any more (not an unhandled rejection).
      created.promise.then(done, done);
      this.#entries.set(key, created);
      entry = created;
    }
    return { result: this.#wait(entry, signal, leftEarly), started };
  }

  /** Pieces of work in flight. */
  get size(): number {
    return this.#entries.size;
  }

  /** Whether the work `key` is in flight (a join would share it). */
  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** Forgets the work whose key matches, so the next join starts anew (current waiters keep theirs). */
  forget(matches: (key: string) => boolean): void {
    for (const key of [...this.#entries.keys()]) if (matches(key)) this.#entries.delete(key);
  }

  #wait(entry: Entry<T>, signal: AbortSignal | undefined, leftEarly: () => Error): Promise<T> {
    entry.waiters += 1;
    const leave = () => {
      entry.waiters -= 1;
      if (entry.waiters === 0 && !entry.settled) entry.controller.abort();
    };
    if (!signal) {
      return entry.promise.finally(() => {
        entry.waiters -= 1;
      });
    }
    if (signal.aborted) {
      leave();
      return Promise.reject(leftEarly());
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        leave();
        reject(leftEarly());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      entry.promise.then(
        (value) => {
          signal.removeEventListener('abort', onAbort);
          entry.waiters -= 1;
          resolve(value);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          entry.waiters -= 1;
          reject(error);
        },
      );
    });
  }
}
