/**
 * batch: the one way loaders are built.
 *
 * The upstream REST APIs have no batch endpoints, so a "batch" is the set of distinct keys asked for
 * in one tick of the event loop. DataLoader gives per-request de-duplication (the same key asked
 * twice is fetched once, and cached for the rest of the request); each distinct key then becomes
 * one call, run concurrently under the request's concurrency cap ({@link Schedule}).
 *
 * Loaders are created per request and never shared: a shared cache would serve one caller's data to
 * another and grow without bound (the DataLoader README's first warning).
 */
import DataLoader from 'dataloader';

/** Runs a task under the request's concurrency cap. */
export type Schedule = <T>(task: () => Promise<T>) => Promise<T>;

/**
 * A concurrency cap: at most `limit` tasks run at once, the rest wait in order. A task below the
 * cap starts at once, with no extra promise or microtask: it sits on every upstream call's path
 * (p-limit's queueing cost about 10 % of the gateway's CPU in a profile of the simplest query).
 */
export function createSchedule(limit: number): Schedule {
  let active = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    active -= 1;
    waiting.shift()?.();
  };
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = (): Promise<T> => {
      active += 1;
      let started: Promise<T>;
      try {
        started = task();
      } catch (error) {
        started = Promise.reject(error);
      }
      return started.finally(release);
    };
    if (active < limit) return run();
    return new Promise<T>((resolve, reject) => waiting.push(() => run().then(resolve, reject)));
  };
}

/** What every loader of one request shares. */
export interface LoaderEnv {
  schedule: Schedule;
  /** Reports each batch's size (metrics). */
  onBatch?: (loader: string, size: number) => void;
}

export function createLoader<K, V>(
  name: string,
  env: LoaderEnv,
  fetchOne: (key: K) => Promise<V>,
  cacheKey: (key: K) => string,
): DataLoader<K, V, string> {
  return new DataLoader<K, V, string>(
    (keys) => {
      env.onBatch?.(name, keys.length);
      return Promise.all(
        keys.map((key) => env.schedule(() => fetchOne(key)).catch((error: unknown) => toError(error))),
      );
    },
    { cacheKeyFn: cacheKey },
  );
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
