import { ErrorCode, GatewayError } from '../../src/errors';
import { transportError, type Exchange } from '../../src/upstream/http';
import { UpstreamGuard } from '../../src/upstream/resilience';
import { FakeClock } from '../helpers/clock';

const config = {
  retryAttempts: 3,
  retryBaseDelayMs: 10,
  retryMaxDelayMs: 200,
  breakerFailures: 3,
  breakerCooldownMs: 150,
};
const answer = (status: number, headers: Record<string, string> = {}): Exchange => ({ status, body: {}, headers });
/** A failure below HTTP as the upstream clients report it (src/upstream/http.ts). */
const transport = (code: string) => transportError('cloudfunctions', Object.assign(new Error(code), { code }), false);

/** An attempt function that plays a script of outcomes and counts its calls. */
function script(...outcomes: Array<Exchange | Error>) {
  let i = 0;
  const fn = jest.fn(async () => {
    const next = outcomes[Math.min(i++, outcomes.length - 1)]!;
    if (next instanceof Error) throw next;
    return next;
  });
  return fn;
}

describe('retries', () => {
  it.each([429, 502, 503, 504])('retries an idempotent read answered %i, up to the attempt limit', async (status) => {
    const guard = new UpstreamGuard('cloudfunctions', { ...config, breakerFailures: 100 }, { clock: new FakeClock() });
    const attempt = script(answer(status), answer(status), answer(200));
    expect((await guard.run(attempt, { idempotent: true })).status).toBe(200);
    expect(attempt).toHaveBeenCalledTimes(3);
    const always = script(answer(status));
    expect((await guard.run(always, { idempotent: true })).status).toBe(status);
    expect(always).toHaveBeenCalledTimes(3);
  });

  it.each([400, 401, 403, 404, 409, 500])('does not retry %i', async (status) => {
    const guard = new UpstreamGuard('cloudfunctions', config, { clock: new FakeClock() });
    const attempt = script(answer(status), answer(200));
    expect((await guard.run(attempt, { idempotent: true })).status).toBe(status);
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('retries answers the upstream documents as transient', async () => {
    const guard = new UpstreamGuard('cloudfunctions', config, { clock: new FakeClock() });
    const attempt = script(answer(400), answer(200));
    const res = await guard.run(attempt, { idempotent: true, isTransient: (r) => r.status === 400 });
    expect(res.status).toBe(200);
  });

  it('retries connection errors of reads, but not timeouts', async () => {
    const guard = new UpstreamGuard('cloudfunctions', { ...config, breakerFailures: 100 }, { clock: new FakeClock() });
    const reset = script(transport('ECONNRESET'), answer(200));
    expect((await guard.run(reset, { idempotent: true })).status).toBe(200);
    expect(reset).toHaveBeenCalledTimes(2);
    const stalled = script(transport('UND_ERR_HEADERS_TIMEOUT'), answer(200));
    await expect(guard.run(stalled, { idempotent: true })).rejects.toThrow(
      'The Cloud Functions API did not answer in time.',
    );
    expect(stalled).toHaveBeenCalledTimes(1);
  });

  it('never retries a call that is not idempotent once it may have been sent', async () => {
    const guard = new UpstreamGuard('cloudfunctions', { ...config, breakerFailures: 100 }, { clock: new FakeClock() });
    for (const outcome of [
      answer(503),
      answer(429),
      transport('ECONNRESET'),
      transport('UND_ERR_SOCKET'),
      transport('UND_ERR_HEADERS_TIMEOUT'),
    ]) {
      const attempt = script(outcome, answer(200));
      await guard.run(attempt, { idempotent: false }).catch(() => undefined);
      expect(attempt).toHaveBeenCalledTimes(1);
    }
    // Refused connections prove the request never left: safe to send again.
    const refused = script(transport('ECONNREFUSED'), answer(200));
    expect((await guard.run(refused, { idempotent: false })).status).toBe(200);
    expect(refused).toHaveBeenCalledTimes(2);
  });

  it('waits at least Retry-After, and gives up when it asks for longer than the cap', async () => {
    const clock = new FakeClock();
    const guard = new UpstreamGuard('cloudfunctions', { ...config, retryMaxDelayMs: 1500 }, { random: () => 0, clock });
    const attempt = script(answer(429, { 'retry-after': '1' }), answer(200));
    expect((await guard.run(attempt, { idempotent: true })).status).toBe(200);
    // The jitter alone would wait 0 ms: Retry-After says 1 s.
    expect(clock.sleeps).toEqual([1000]);
    const tooLong = script(answer(503, { 'retry-after': '120' }), answer(200));
    expect((await guard.run(tooLong, { idempotent: true })).status).toBe(503);
    expect(tooLong).toHaveBeenCalledTimes(1);
    expect(clock.sleeps).toEqual([1000]);
  });

  it('uses capped exponential backoff with full jitter: the exact waits', async () => {
    const clock = new FakeClock();
    const retries: string[] = [];
    const guard = new UpstreamGuard(
      'cloudfunctions',
      { ...config, retryAttempts: 6, breakerFailures: 100 },
      { events: { onRetry: (_service, reason) => retries.push(reason) }, random: () => 1, clock },
    );
    const attempt = script(answer(503));
    await guard.run(attempt, { idempotent: true });
    expect(attempt).toHaveBeenCalledTimes(6);
    // random() = 1: the ceiling itself, base 10 ms doubling, capped at 200.
    expect(clock.sleeps).toEqual([10, 20, 40, 80, 160]);
    expect(retries).toEqual(['503', '503', '503', '503', '503']);
    const jittered = new FakeClock();
    const halves = new UpstreamGuard(
      'cloudfunctions',
      { ...config, retryAttempts: 7, breakerFailures: 100 },
      { random: () => 0.5, clock: jittered },
    );
    await halves.run(script(answer(502)), { idempotent: true });
    expect(jittered.sleeps).toEqual([5, 10, 20, 40, 80, 100]);
  });

  it('does not wait past the deadline', async () => {
    const clock = new FakeClock();
    const guard = new UpstreamGuard(
      'cloudfunctions',
      { ...config, retryBaseDelayMs: 500, retryMaxDelayMs: 500 },
      { random: () => 1, clock },
    );
    const attempt = script(answer(503), answer(200));
    const res = await guard.run(attempt, { idempotent: true, deadline: clock.now() + 100 });
    expect(res.status).toBe(503);
    expect(attempt).toHaveBeenCalledTimes(1);
    expect(clock.sleeps).toEqual([]);
    // With room before the deadline, it waits and tries again.
    const roomy = script(answer(503), answer(200));
    expect((await guard.run(roomy, { idempotent: true, deadline: clock.now() + 600 })).status).toBe(200);
    expect(clock.sleeps).toEqual([500]);
  });

  it('makes no retry for an aborted operation, and a wait cut by an abort ends with UPSTREAM_TIMEOUT', async () => {
    const clock = new FakeClock();
    const guard = new UpstreamGuard('identity', { ...config, breakerFailures: 100 }, { random: () => 1, clock });
    const controller = new AbortController();
    const attempt = jest.fn(async () => {
      controller.abort();
      return answer(503);
    });
    expect((await guard.run(attempt, { idempotent: true, signal: controller.signal })).status).toBe(503);
    expect(clock.sleeps).toEqual([]);
    // The abort arrives while waiting before the second attempt.
    const cut = { now: () => clock.now(), sleep: async () => false };
    const waiting = new UpstreamGuard('identity', { ...config, breakerFailures: 100 }, { random: () => 1, clock: cut });
    const twice = script(answer(503), answer(200));
    await expect(waiting.run(twice, { idempotent: true, signal: new AbortController().signal })).rejects.toMatchObject({
      message: 'The identity service did not answer in time.',
      extensions: { code: 'UPSTREAM_TIMEOUT', upstream: { service: 'identity' } },
    });
    expect(twice).toHaveBeenCalledTimes(1);
  });
});

describe('circuit breaker', () => {
  it('opens after consecutive failures, answers at once while open, and closes after a good trial call', async () => {
    const states: string[] = [];
    jest.useFakeTimers({ now: Date.UTC(2026, 0, 1) });
    const guard = new UpstreamGuard(
      'compute',
      { ...config, retryAttempts: 1 },
      { events: { onBreakerState: (_s, state) => states.push(state) } },
    );
    const failing = script(answer(503));
    for (let i = 0; i < 3; i++) await guard.run(failing, { idempotent: true });
    expect(guard.state).toBe('open');
    const blocked = script(answer(200));
    await expect(guard.run(blocked, { idempotent: true })).rejects.toMatchObject({
      message: 'The compute API is failing; the gateway is not calling it for a moment.',
      extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: { service: 'compute' } },
    });
    expect(blocked).not.toHaveBeenCalled();
    // The cooldown (150 ms), on the fake clock.
    jest.advanceTimersByTime(149);
    await expect(guard.run(blocked, { idempotent: true })).rejects.toMatchObject({
      extensions: { code: 'UPSTREAM_UNAVAILABLE' },
    });
    jest.advanceTimersByTime(1);
    expect((await guard.run(blocked, { idempotent: true })).status).toBe(200);
    expect(guard.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
    jest.useRealTimers();
  });

  it('is not tripped by 4xx answers or by calls the gateway aborted itself', async () => {
    const guard = new UpstreamGuard('cloudfunctions', { ...config, retryAttempts: 1 });
    for (let i = 0; i < 10; i++) await guard.run(script(answer(404)), { idempotent: true });
    const aborted = new AbortController();
    aborted.abort();
    for (let i = 0; i < 10; i++) {
      await guard
        .run(script(transport('UND_ERR_ABORTED')), { idempotent: true, signal: aborted.signal })
        .catch(() => undefined);
    }
    expect(guard.state).toBe('closed');
    for (let i = 0; i < 3; i++)
      await guard.run(script(transport('ECONNRESET')), { idempotent: true }).catch(() => undefined);
    expect(guard.state).toBe('open');
  });

  it('counts only requests that went out: 100 failures before sending leave it closed', async () => {
    const states: string[] = [];
    const guard = new UpstreamGuard(
      'cloudfunctions',
      { ...config, retryAttempts: 1 },
      { events: { onBreakerState: (_s, state) => states.push(state) } },
    );
    const notSent: Error[] = [
      // A body that cannot be serialized (what a 20,000-deep `params` did inside the attempt).
      new RangeError('Maximum call stack size exceeded'),
      new GatewayError(ErrorCode.BAD_USER_INPUT, 'The request body cannot be sent: it is not serializable JSON.'),
      // undici refusing a request it never tried to send.
      transport('UND_ERR_INVALID_ARG'),
      new TypeError('a bug before the request'),
    ];
    for (let i = 0; i < 100; i++) {
      await expect(guard.run(script(notSent[i % notSent.length]!), { idempotent: false })).rejects.toBeDefined();
    }
    expect(guard.state).toBe('closed');
    expect(states).toEqual([]);
    // The next real call goes through.
    const ok = script(answer(200));
    expect((await guard.run(ok, { idempotent: true })).status).toBe(200);
    expect(ok).toHaveBeenCalledTimes(1);
  });
});
