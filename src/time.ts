/**
 * time: the clock the gateway's waits go through (retry backoff, the subscription poller), so that
 * tests can run them on a clock of their own instead of the machine's.
 */
export interface Clock {
  /** Epoch ms. */
  now(): number;
  /** Waits `ms`; resolves true when the time passed, false when `signal` aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve(false);
      const done = (slept: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(slept);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(true), ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  },
};
