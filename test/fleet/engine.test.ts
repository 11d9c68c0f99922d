/**
 * The fleet engine (src/fleet/engine.ts) against a real Redis that is killed and started again: up at
 * start, down at once when Redis dies (one warn line, gateway_redis_up 0, attempt() answering undefined
 * without running its command), up again by itself when Redis is back (one info line, the gauge 1).
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { FleetEngine } from '../../src/fleet/engine';
import { GatewayMetrics } from '../../src/observability/metrics';
import { redisMissing, startRedis, type TestRedis } from '../helpers/redis';

let redis: TestRedis;

beforeAll(async () => {
  const missing = redisMissing();
  if (missing) throw new Error(missing);
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

async function gauge(metrics: GatewayMetrics): Promise<number> {
  const match = /^gateway_redis_up (\d)/m.exec(await metrics.registry.metrics());
  return Number(match?.[1]);
}

/** Resolves with the next change of state the engine reports (at most 10 s). */
function nextState(engine: FleetEngine): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no change of state within 10 s')), 10_000);
    const off = engine.onState((up) => {
      clearTimeout(timer);
      off();
      resolve(up);
    });
  });
}

it('is up, goes down at once when Redis dies, and comes back by itself', async () => {
  const lines: Array<{ level: number; msg: string; redis?: string; reason?: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  const metrics = new GatewayMetrics();
  metrics.redisUp.set(0);
  const engine = new FleetEngine({
    url: `redis://:s3cret-password@127.0.0.1:${redis.port}`,
    prefix: 'engine-test:',
    timeoutMs: 250,
    logger: pino({ level: 'info' }, sink),
    onState: (up) => metrics.redisUp.set(up ? 1 : 0),
    healthCheckMs: 100,
  });
  try {
    expect(await engine.ready(5_000)).toBe(true);
    expect(engine.up).toBe(true);
    expect(await gauge(metrics)).toBe(1);
    expect(engine.key('a', 'b')).toBe('engine-test:a:b');
    expect(await engine.attempt((r) => r.set(engine.key('k'), 'v'))).toBe('OK');
    expect(await engine.attempt((r) => r.get(engine.key('k')))).toBe('v');

    const down = nextState(engine);
    await redis.stop();
    expect(await down).toBe(false);
    expect(engine.up).toBe(false);
    expect(await gauge(metrics)).toBe(0);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toBe(
      'Redis is unavailable: caches and APQ are bypassed, rate limits and the invoke cap count in this ' +
        'replica only, subscriptions poll locally, until it answers again',
    );
    // Where, never the password.
    expect(warnings[0]!.redis).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(JSON.stringify(lines)).not.toContain('s3cret-password');

    // Down: the command is not even tried (no wait for the deadline).
    const op = jest.fn(async () => 'never');
    expect(await engine.attempt(op)).toBeUndefined();
    expect(op).not.toHaveBeenCalled();
    expect(await engine.publish(engine.key('c'), 'm')).toBe(false);

    const up = nextState(engine);
    await redis.start();
    expect(await up).toBe(true);
    expect(engine.up).toBe(true);
    expect(await gauge(metrics)).toBe(1);
    expect(lines.filter((l) => l.level === 40)).toHaveLength(1);
    expect(lines.filter((l) => l.level === 30).map((l) => l.msg)).toEqual([
      'Using Redis for shared state',
      'Redis answers again: shared state is back in use',
    ]);
    // Redis came back empty (persistence off); the engine works again.
    expect(await engine.attempt((r) => r.get(engine.key('k')))).toBeNull();
    expect(await engine.attempt((r) => r.incr(engine.key('n')))).toBe(1);
  } finally {
    await engine.close();
  }
});

it('passes messages between engines, and again after Redis restarts', async () => {
  const silent = pino({ level: 'silent' });
  const a = new FleetEngine({ url: redis.url, prefix: 'pubsub:', timeoutMs: 250, logger: silent, healthCheckMs: 100 });
  const b = new FleetEngine({ url: redis.url, prefix: 'pubsub:', timeoutMs: 250, logger: silent, healthCheckMs: 100 });
  try {
    expect(await a.ready(5_000)).toBe(true);
    expect(await b.ready(5_000)).toBe(true);
    expect(a.replicaId).not.toBe(b.replicaId);
    const received: string[] = [];
    const off = b.subscribe(b.key('ch'), (m) => received.push(m));
    await until(() => subscribers(a, a.key('ch')), 1);
    expect(await a.publish(a.key('ch'), 'one')).toBe(true);
    await until(async () => received.length, 1);

    const bothDown = Promise.all([nextState(a), nextState(b)]);
    await redis.stop();
    expect(await bothDown).toEqual([false, false]);
    const bothUp = Promise.all([nextState(a), nextState(b)]);
    await redis.start();
    expect(await bothUp).toEqual([true, true]);
    // The subscriber connection subscribes again by itself.
    await until(() => subscribers(a, a.key('ch')), 1);
    expect(await a.publish(a.key('ch'), 'two')).toBe(true);
    await until(async () => received.length, 2);
    expect(received).toEqual(['one', 'two']);

    off();
    await until(() => subscribers(a, a.key('ch')), 0);
  } finally {
    await a.close();
    await b.close();
  }
});

/** How many connections are subscribed to `channel` (PUBSUB NUMSUB), or undefined when Redis is unavailable. */
async function subscribers(engine: FleetEngine, channel: string): Promise<number | undefined> {
  const reply = (await engine.attempt((r) => r.pubsub('NUMSUB', channel))) as [string, number] | undefined;
  return reply === undefined ? undefined : Number(reply[1]);
}

/** Polls `read` every 20 ms (at most 10 s) until it gives `want`. */
async function until(read: () => Promise<number | undefined>, want: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const got = await read();
    if (got === want) return;
    if (Date.now() > deadline) throw new Error(`wanted ${want}, still ${got}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
