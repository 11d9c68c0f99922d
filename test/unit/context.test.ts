import pino from 'pino';
import { ANONYMOUS } from '../../src/auth/principal';
import { createContext, type ContextDependencies } from '../../src/context';

const deps = {
  defaultPlatform: 'vpc',
  requestTimeoutMs: 60,
  upstreamConcurrency: 4,
  compute: { microversion: '2.84' },
} as unknown as ContextDependencies;
const scope = { requestId: 'r1', principal: ANONYMOUS, logger: pino({ level: 'silent' }) };

describe('operation context', () => {
  it('aborts its signal when the request ends', () => {
    let end: (() => void) | undefined;
    const ctx = createContext(deps, { ...scope, onEnd: (e) => (end = e) });
    // Every upstream call listens to it: more than Node's default of 10 must not warn.
    for (let i = 0; i < 25; i++) ctx.signal.addEventListener('abort', () => undefined);
    expect(ctx.signal.aborted).toBe(false);
    end!();
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toMatchObject({ message: 'The operation ended.' });
  });

  it('aborts at the deadline', async () => {
    const ctx = createContext(deps, scope);
    expect(ctx.deadline - Date.now()).toBeLessThanOrEqual(60);
    await new Promise((r) => setTimeout(r, 90));
    expect(ctx.signal.aborted).toBe(true);
    expect(ctx.signal.reason).toMatchObject({ name: 'TimeoutError' });
  });

  it('takes a longer budget when asked (subscriptions)', () => {
    const ctx = createContext(deps, { ...scope, timeoutMs: 10_000 });
    expect(ctx.deadline - Date.now()).toBeGreaterThan(9_000);
  });
});
