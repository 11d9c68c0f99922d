/**
 * An async iterator that yields one value, produced by a task that can be cancelled: when the
 * subscriber leaves (graphql-ws calls `return()`), the task's signal aborts at once, which an
 * async generator suspended in an `await` could not do.
 */
export function oneShot<T>(task: (signal: AbortSignal) => Promise<T>): AsyncIterableIterator<T> {
  const controller = new AbortController();
  let done = false;
  let pending: Promise<T> | undefined;
  const finish = (): IteratorResult<T> => {
    done = true;
    controller.abort();
    return { done: true, value: undefined };
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (done) return { done: true, value: undefined };
      pending ??= task(controller.signal);
      try {
        const value = await pending;
        if (done) return { done: true, value: undefined };
        done = true;
        return { done: false, value };
      } catch (error) {
        done = true;
        throw error;
      }
    },
    async return() {
      return finish();
    },
    async throw(error?: unknown) {
      finish();
      throw error;
    },
  };
}
