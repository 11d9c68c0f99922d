/**
 * Per-client rate limits and the invoke cap across three real gateway replicas over one real Redis
 * (issue 14, part 4 and 5), with API keys (GATEWAY_AUTH=apikey, a keys file written here):
 *
 *   - a key's limit of 30 per minute holds exactly under 90 concurrent requests spread over the
 *     replicas: 30 answered, 60 refused with 429, Retry-After and RATE_LIMITED, none of them reaching
 *     the upstream; another key's requests meanwhile all answer;
 *   - GATEWAY_INVOKE_CONCURRENCY=8 under 300 concurrent invokes of a 300 ms action spread over the
 *     replicas: the emulator never has more than 8 in flight; every invoke is answered with its own
 *     run or refused with RATE_LIMITED (both counted exactly), and the emulator ran each answered
 *     one exactly once and nothing else;
 *   - Redis stopped: every request still answered, each replica counting a key's limit alone;
 *     started again: the limit is the fleet's again.
 *
 * Request de-duplication and caches are off so that upstream calls are counted exactly.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey } from '../../src/auth/apikeys';
import { startFleet, type Fleet, type Replica } from '../helpers/fleet';
import type { GqlResponse } from '../helpers/gateway';
import { redisMissing } from '../helpers/redis';

const dir = mkdtempSync(join(tmpdir(), 'gw-fleet-limits-'));
const keysFile = join(dir, 'keys.json');
const made = {
  limited: generateKey(['functions:read'], 'thirty a minute'),
  other: generateKey(['functions:read'], 'default limits'),
  runner: generateKey(['functions:read', 'functions:invoke'], 'invokes, limits off'),
  down: generateKey(['functions:read'], 'five a minute, Redis down'),
  back: generateKey(['functions:read'], 'five a minute, Redis back'),
};
writeFileSync(
  keysFile,
  JSON.stringify({
    keys: [
      { ...made.limited.stored, rateLimit: '30/min' },
      made.other.stored,
      { ...made.runner.stored, rateLimit: 'off', invokeRateLimit: 'off' },
      { ...made.down.stored, rateLimit: '5/min' },
      { ...made.back.stored, rateLimit: '5/min' },
    ],
  }),
);
const bearer = (key: { key: string }) => ({ authorization: `Bearer ${key.key}` });

const CAP = 8;
const RUN_MS = 300;
const QUEUE_TIMEOUT_MS = 2_500;
/** What an invoke refused for want of a slot says. */
const CAP_REFUSAL =
  'Too many runs in flight on Cloud Functions: ' + `the gateway runs at most ${CAP} at once. Retry in 1 s.`;
const PACKAGES = '{ packages { name } }';
const INVOKE = `mutation Run($n: Int!) {
  invokeAction(input: { package: "examples", action: "slow", params: { n: $n }, timeoutMs: 10000 }) {
    activationId completed activation { id success }
  }
}`;

let fleet: Fleet;

beforeAll(async () => {
  const missing = redisMissing();
  if (missing) throw new Error(missing);
  fleet = await startFleet({
    replicas: 3,
    env: {
      GATEWAY_AUTH: 'apikey',
      GATEWAY_API_KEYS_FILE: keysFile,
      GATEWAY_INVOKE_CONCURRENCY: String(CAP),
      GATEWAY_INVOKE_QUEUE_TIMEOUT_MS: String(QUEUE_TIMEOUT_MS),
      GATEWAY_OPERATION_DEDUPE: 'false',
      GATEWAY_DEDUPE: 'false',
      GATEWAY_CACHE_TTL_MS: '0',
      // Two loaded cores: a replica's event loop can be busy past the default 250 ms while a Redis
      // reply waits, which would count as Redis failing (and a count in memory): not what is tested here.
      GATEWAY_REDIS_TIMEOUT_MS: '2000',
    },
    emulator: { slowActionMs: RUN_MS, workers: CAP },
  });
  // Warm every replica (its first operation loads and compiles what the next ones use).
  await spread(6, (replica) => replica.gql(PACKAGES, undefined, bearer(made.other)));
}, 60_000);

afterAll(async () => {
  await fleet?.close();
});

/** `name{labels} value` summed over every replica's /metrics. */
async function fleetMetric(name: string, labels: string): Promise<number> {
  const texts = await Promise.all(fleet.replicas.map((r) => r.metrics()));
  let sum = 0;
  for (const text of texts) {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
    sum += line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  }
  return sum;
}

/** Polls until every replica's gateway_redis_up reads `value`. */
async function everyRedisUp(value: number, withinMs: number): Promise<void> {
  const end = Date.now() + withinMs;
  for (;;) {
    const texts = await Promise.all(fleet.replicas.map((r) => r.metrics()));
    if (texts.every((t) => new RegExp(`^gateway_redis_up ${value}$`, 'm').test(t))) return;
    if (Date.now() > end) throw new Error(`gateway_redis_up is not ${value} on every replica`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const spread = <T>(count: number, send: (replica: Replica, i: number) => Promise<T>) =>
  Promise.all(Array.from({ length: count }, (_, i) => send(fleet.replicas[i % fleet.replicas.length]!, i)));

/** Every refusal is a 429 with Retry-After equal to its retryAfterSeconds, within the minute window. */
function expectRefusals(refused: GqlResponse[], limit: string): void {
  for (const res of refused) {
    const error = res.body.errors![0]!;
    const seconds = error.extensions!.retryAfterSeconds as number;
    expect(res.body.errors).toHaveLength(1);
    expect({
      code: error.extensions!.code,
      retryAfter: res.headers['retry-after'],
      message: error.message,
      data: res.body.data,
    }).toEqual({
      code: 'RATE_LIMITED',
      retryAfter: String(seconds),
      message: `Too many operations from this client: its limit is ${limit}. Retry in ${seconds} s.`,
      data: undefined,
    });
    expect(seconds >= 1 && seconds <= 60).toBe(true);
  }
}

describe('a rate limit of 30 per minute from one key, over three replicas', () => {
  it('answers exactly 30 of 90 concurrent requests and refuses 60 with 429; another key is unaffected', async () => {
    fleet.resetCalls();
    const [limited, other] = await Promise.all([
      spread(90, (replica) => replica.gql(PACKAGES, undefined, bearer(made.limited))),
      spread(12, (replica) => replica.gql(PACKAGES, undefined, bearer(made.other))),
    ]);
    const answered = limited.filter((r) => r.status === 200);
    const refused = limited.filter((r) => r.status === 429);
    expect({ answered: answered.length, refused: refused.length }).toEqual({ answered: 30, refused: 60 });
    for (const res of answered) expect(res.body.data!.packages).toHaveLength(3);
    expectRefusals(refused, '30/min');
    expect(other.map((r) => r.status)).toEqual(Array(12).fill(200));
    // Refused before any upstream call: one read per answered operation, none for the 60.
    expect(fleet.upstreamCalls()).toEqual(Array(42).fill('GET /ncf/api/v2/packages'));
    expect(await fleetMetric('gateway_rate_limited_total', 'class="apikey",limit="operations"')).toBe(60);
  });
});

describe(`GATEWAY_INVOKE_CONCURRENCY=${CAP} over three replicas`, () => {
  it(`never has more than ${CAP} runs in flight under 300 concurrent invokes; none lost, none run twice`, async () => {
    const store = fleet.emulator.store;
    const runsBefore = store.runsStarted;
    fleet.resetCalls();
    const results = await spread(300, (replica, n) => replica.gql(INVOKE, { n }, bearer(made.runner)));

    const answered = results.filter((r) => r.body.data?.invokeAction);
    const limited = results.filter((r) => r.body.errors?.[0]?.extensions?.code === 'RATE_LIMITED');
    const counts = { answered: answered.length, limited: limited.length };
    console.log(
      `invoke cap ${CAP}, 3 replicas, 300 invokes of ${RUN_MS} ms: ${JSON.stringify(counts)}, ` +
        `emulator peak in flight ${fleet.emulator.peakInFlight}`,
    );
    expect(answered.length + limited.length).toBe(300);
    expect(answered.length).toBeGreaterThanOrEqual(CAP);
    expect(limited.length).toBeGreaterThan(0);
    expect(fleet.emulator.peakInFlight).toBe(CAP);

    // Every answer is its own run, recorded once by the emulator; nothing else ran.
    const ids = answered.map((r) => r.body.data.invokeAction.activationId as string);
    expect(new Set(ids).size).toBe(answered.length);
    for (const res of answered) {
      const payload = res.body.data.invokeAction;
      expect({ status: res.status, payload }).toEqual({
        status: 200,
        payload: {
          activationId: payload.activationId,
          completed: true,
          activation: { id: payload.activationId, success: true },
        },
      });
      expect(store.getStoredActivation(payload.activationId)).toMatchObject({ actionName: 'slow' });
    }
    expect(store.runsStarted - runsBefore).toBe(answered.length);
    expect(fleet.upstreamCalls()).toEqual(
      Array(answered.length).fill('POST /ncf/api/v2/packages/examples/actions/slow'),
    );

    // A refusal is the field's error: RATE_LIMITED with retryAfterSeconds, nothing sent upstream.
    for (const res of limited) {
      expect({
        status: res.status,
        data: res.body.data,
        errors: res.body.errors!.map((e) => ({ ...e, extensions: { ...e.extensions, requestId: 'r' } })),
      }).toEqual({
        status: 200,
        data: null,
        errors: [
          {
            message: CAP_REFUSAL,
            path: ['invokeAction'],
            locations: expect.any(Array),
            extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 1, requestId: 'r' },
          },
        ],
      });
    }
    expect(await fleetMetric('gateway_rate_limited_total', 'class="apikey",limit="concurrency"')).toBe(limited.length);
    // Nothing held or waiting any more, on any replica.
    expect(await fleetMetric('gateway_invoke_slots', 'state="in_use"')).toBe(0);
    expect(await fleetMetric('gateway_invoke_slots', 'state="waiting"')).toBe(0);
  }, 60_000);
});

describe('Redis stopped, then started again', () => {
  it('answers every request from each replica alone while down, and shares the limit again once back', async () => {
    await fleet.redis.stop();
    try {
      await everyRedisUp(0, 5_000);
      // 6 from one key (5 per minute) to each replica, concurrently: each counts alone, 5 answered each.
      const down = await Promise.all(
        fleet.replicas.map((replica) =>
          Promise.all(Array.from({ length: 6 }, () => replica.gql(PACKAGES, undefined, bearer(made.down)))),
        ),
      );
      expect(down.map((one) => one.map((r) => r.status).sort())).toEqual(Array(3).fill([200, 200, 200, 200, 200, 429]));
      expectRefusals(
        down.flat().filter((r) => r.status === 429),
        '5/min',
      );
      // Invokes still run (the cap counts per replica).
      const run = await fleet.replicas[1]!.gql(INVOKE, { n: -1 }, bearer(made.runner));
      expect(run.body.data?.invokeAction).toMatchObject({ completed: true });
      for (const replica of fleet.replicas) {
        expect(replica.process.output()).toContain(
          `Invoke cap: Redis is unavailable, so this replica alone lets up to ${CAP} runs be in flight`,
        );
      }
    } finally {
      await fleet.redis.start();
    }
    await everyRedisUp(1, 10_000);
    const back = await spread(15, (replica) => replica.gql(PACKAGES, undefined, bearer(made.back)));
    expect(back.filter((r) => r.status === 200)).toHaveLength(5);
    const refused = back.filter((r) => r.status === 429);
    expect(refused).toHaveLength(10);
    expectRefusals(refused, '5/min');
  }, 60_000);
});
