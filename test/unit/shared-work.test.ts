import { SharedWork } from '../../src/shared-work';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const leftEarly = () => new Error('left early');

/** Work that ends when told to, recording the signal it was started with. */
function controllable<T>() {
  const started: Array<{ signal: AbortSignal; resolve: (v: T) => void; reject: (e: unknown) => void }> = [];
  const start = (signal: AbortSignal) =>
    new Promise<T>((resolve, reject) => {
      started.push({ signal, resolve, reject });
    });
  return { start, started };
}

describe('shared work', () => {
  it('shares work in flight; the last waiter to leave aborts it, and only the last', async () => {
    const work = new SharedWork<number>();
    const { start, started } = controllable<number>();
    const a = new AbortController();
    const b = new AbortController();
    const first = work.join('k', start, a.signal, leftEarly);
    const second = work.join('k', start, b.signal, leftEarly);
    expect([first.started, second.started]).toEqual([true, false]);
    expect(started).toHaveLength(1);

    a.abort();
    await expect(first.result).rejects.toThrow('left early');
    expect(started[0]!.signal.aborted).toBe(false);
    b.abort();
    await expect(second.result).rejects.toThrow('left early');
    expect(started[0]!.signal.aborted).toBe(true);
  });

  it('gives each piece of work a signal of its own: never that of earlier work, aborted or ended', async () => {
    const work = new SharedWork<number>();
    const { start, started } = controllable<number>();

    // Aborted: its only waiter left.
    const op = new AbortController();
    const left = work.join('k1', start, op.signal, leftEarly);
    op.abort();
    await expect(left.result).rejects.toThrow('left early');
    started[0]!.reject(new Error('aborted'));
    await nextTurn();

    // Still listened to after the work ended.
    const held = work.join('k2', start, undefined, leftEarly);
    started[1]!.signal.addEventListener('abort', () => undefined);
    started[1]!.resolve(2);
    await held.result;
    await nextTurn();

    const fresh = work.join('k3', start, undefined, leftEarly);
    expect(started[2]!.signal).not.toBe(started[0]!.signal);
    expect(started[2]!.signal).not.toBe(started[1]!.signal);
    expect(started[2]!.signal.aborted).toBe(false);
    started[2]!.resolve(3);
    expect(await fresh.result).toBe(3);
  });

  it(
    'a waiter whose work has ended gets its answer even when its operation ends a moment later, ' +
      'and the signal is not aborted',
    async () => {
      const work = new SharedWork<number>();
      const { start, started } = controllable<number>();
      const op = new AbortController();

      const one = work.join('k1', start, op.signal, leftEarly);
      started[0]!.resolve(1);
      // The work has ended, but this waiter has not been told yet: its operation ends now.
      await Promise.resolve();
      op.abort();
      await expect(one.result).resolves.toBe(1);
      await nextTurn();

      const two = work.join('k2', start, undefined, leftEarly);
      expect(started[1]!.signal.aborted).toBe(false);
      started[1]!.resolve(2);
      expect(await two.result).toBe(2);
    },
  );

  it('a failure nobody waits for any more is not an unhandled rejection, and the key is free again', async () => {
    const work = new SharedWork<number>();
    const { start, started } = controllable<number>();
    const op = new AbortController();
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const gone = work.join('k', start, op.signal, leftEarly);
      op.abort();
      await expect(gone.result).rejects.toThrow('left early');
      started[0]!.reject(new Error('upstream failed'));
      await nextTurn();
      expect(unhandled).not.toHaveBeenCalled();
      const again = work.join('k', start, undefined, leftEarly);
      expect(again.started).toBe(true);
      started[1]!.resolve(5);
      expect(await again.result).toBe(5);
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});
