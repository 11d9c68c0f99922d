/**
 * One subscription poller per run for the whole fleet (issue 14): three real gateway processes over
 * one Cloud Functions emulator and one Redis (test/helpers/fleet). Subscribers to one run on two
 * replicas cause one poller's reads and both get the record; killing the polling replica mid-run
 * still delivers it to the other's subscriber (its lease expires, the other takes over); Redis killed
 * mid-wait, the subscribers still get the record (local polling), and once Redis is back a new run is
 * polled once again.
 *
 * Reads are counted two ways: the emulator's GETs of the activation, and each replica's own upstream
 * metric for that route (which replica polled). The one-poller figure is bounded exactly by the
 * backoff schedule: a poller that waited T ms made at most as many reads as the schedule has instants
 * in [0, T] (every read is at its instant or later).
 */
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { POLL_FACTOR, POLL_INITIAL_MS } from '../../src/subscriptions/activation-watcher';
import { startFleet, type Fleet, type Replica } from '../helpers/fleet';
import { redisMissing } from '../helpers/redis';

const suite = redisMissing() ? describe.skip : describe;

const LEASE_MS = 1_000;
const POLL_MAX_MS = 500;
const ROUTE = 'GET /packages/{pkg}/actions/{action}/activations/{id}';
const START_SLOW =
  'mutation { invokeAction(input: { package: "examples", action: "slow", timeoutMs: 0 }) { activationId } }';
const WATCH =
  'subscription($id: ID!) { activationCompleted(package: "examples", action: "slow", id: $id) { id status result } }';

interface Collected {
  results: ExecutionResult[];
  error?: unknown;
  at: number;
}

function wsClient(replica: Replica): Client {
  return createClient({
    url: `${replica.origin.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
  });
}

/** Every result of one subscription until it completes or fails, and when it ended. */
function collect(client: Client, id: string): Promise<Collected> {
  const results: ExecutionResult[] = [];
  return new Promise((resolve) => {
    client.subscribe(
      { query: WATCH, variables: { id } },
      {
        next: (value) => results.push(value as ExecutionResult),
        error: (error) => resolve({ results, error, at: Date.now() }),
        complete: () => resolve({ results, at: Date.now() }),
      },
    );
  });
}

const finished = (id: string) => [{ data: { activationCompleted: { id, status: 'SUCCESS', result: { done: true } } } }];

/** This replica's reads of activation records so far (its own upstream metric). */
async function activationReads(replica: Replica): Promise<number> {
  let total = 0;
  for (const line of (await replica.metrics()).split('\n')) {
    if (line.startsWith('gateway_upstream_request_duration_seconds_count{') && line.includes(`route="${ROUTE}"`)) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

async function gauge(replica: Replica, name: string): Promise<number> {
  const line = (await replica.metrics()).split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.slice(name.length + 1));
}

const pollers = (replica: Replica) => gauge(replica, 'gateway_subscription_pollers');

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** How many reads one poller can have made in `ms`: the instants 0, 250, 625, … of its schedule up to `ms`. */
function scheduleReads(ms: number): number {
  let at = 0;
  let interval = POLL_INITIAL_MS;
  let reads = 0;
  while (at <= ms) {
    reads += 1;
    at += interval;
    interval = Math.min(POLL_MAX_MS, interval * POLL_FACTOR);
  }
  return reads;
}

suite('one subscription poller per run for the fleet', () => {
  let fleet: Fleet;
  let clients: Client[];

  beforeAll(async () => {
    fleet = await startFleet({
      replicas: 3,
      env: { GATEWAY_POLLER_LEASE_MS: String(LEASE_MS), GATEWAY_SUBSCRIPTION_POLL_MAX_MS: String(POLL_MAX_MS) },
    });
    clients = fleet.replicas.map(wsClient);
    await until('every replica uses Redis', async () => {
      const up = await Promise.all(fleet.replicas.map((r) => gauge(r, 'gateway_redis_up')));
      return up.every((v) => v === 1);
    });
  }, 60_000);
  afterAll(async () => {
    await Promise.all((clients ?? []).map((c) => c.dispose()));
    await fleet?.close();
  });

  const activationGets = (id: string) =>
    fleet.upstreamCalls().filter((c) => c === `GET /ncf/api/v2/packages/examples/actions/slow/activations/${id}`)
      .length;

  /**
   * Invokes the slow run (3 s) on `starter`, subscribes on `on` at once, and checks that exactly one
   * of them polled: the other read the record only for its own first check (a replica that did not
   * start the run reads it once before waiting: src/resolvers/Subscription.ts).
   */
  async function onePoller(starter: Replica, on: [Replica, Replica]) {
    const id: string = (await starter.gql(START_SLOW)).body.data.invokeAction.activationId;
    const before = await Promise.all(on.map(activationReads));
    fleet.resetCalls();
    const started = Date.now();
    const subscribed = on.map((r) => collect(clients[r.index]!, id));
    await until('one replica polls', async () => (await Promise.all(on.map(pollers))).some((n) => n === 1));
    const gauges = await Promise.all(on.map(pollers));
    const outcomes = await Promise.all(subscribed);
    const waitedMs = Date.now() - started;
    for (const outcome of outcomes) expect(outcome).toEqual({ results: finished(id), at: expect.any(Number) });

    const reads = (await Promise.all(on.map(activationReads))).map((n, i) => n - before[i]!);
    const firstChecks = on.map((r) => (r === starter ? 0 : 1));
    const holder = gauges.indexOf(1);
    expect(gauges.slice().sort()).toEqual([0, 1]);
    const other = 1 - holder;
    const polls = reads[holder]! - firstChecks[holder]!;
    // The other replica polled nothing; the emulator saw the poller's reads and the first checks only.
    expect(reads[other]).toBe(firstChecks[other]);
    expect(activationGets(id)).toBe(polls + firstChecks[0]! + firstChecks[1]!);
    // A 3 s run cannot be found by the first read; one poller's schedule bounds the rest.
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(polls).toBeLessThanOrEqual(scheduleReads(waitedMs));
    return { id, polls, waitedMs, holder: on[holder]!, other: on[other]! };
  }

  it('subscribers to one run on replicas 1 and 2 cause one poller of reads, and both get the record', async () => {
    const { polls, waitedMs } = await onePoller(fleet.replicas[0]!, [fleet.replicas[0]!, fleet.replicas[1]!]);
    // The figure for the closing note.
    process.stdout.write(
      `one poller for two replicas: ${polls} reads in ${waitedMs} ms (schedule bound ${scheduleReads(waitedMs)})\n`,
    );
  });

  it("killing the polling replica mid-run still delivers the record to the other's subscriber", async () => {
    const [r1, r2] = [fleet.replicas[1]!, fleet.replicas[2]!];
    const id: string = (await r1.gql(START_SLOW)).body.data.invokeAction.activationId;
    const subscribed = [collect(clients[1]!, id), collect(clients[2]!, id)];
    await until('one replica polls', async () => (await Promise.all([r1, r2].map(pollers))).some((n) => n === 1));
    const holder = (await pollers(r1)) === 1 ? r1 : r2;
    const survivor = holder === r1 ? r2 : r1;
    const survivorBefore = await activationReads(survivor);
    expect(await pollers(survivor)).toBe(0);
    const killedAt = Date.now();
    await holder.kill();

    const outcome = await subscribed[survivor === r1 ? 0 : 1]!;
    expect(outcome).toEqual({ results: finished(id), at: expect.any(Number) });
    const runEnd = Number(fleet.emulator.store.getActivation(id)!.end);
    // Taken over once the lease expired (at most a lease after the kill, then its next try, half a
    // lease later), then found within a poll interval of the run's end or of the takeover.
    expect(outcome.at - Math.max(runEnd, killedAt + LEASE_MS * 1.5)).toBeLessThanOrEqual(POLL_MAX_MS + 500);
    expect(await activationReads(survivor)).toBeGreaterThan(survivorBefore);
    expect(await pollers(survivor)).toBe(0);
    process.stdout.write(
      `takeover: killed ${killedAt - runEnd} ms from the run's end, delivered ${outcome.at - runEnd} ms after it\n`,
    );
  });

  it('Redis killed mid-wait: subscribers still get the record (local polling); back, one poller again', async () => {
    const r0 = fleet.replicas[0]!;
    const other = fleet.replicas.find(
      (r) => r.index !== 0 && r.process.child.exitCode === null && !r.process.child.signalCode,
    )!;
    const id: string = (await r0.gql(START_SLOW)).body.data.invokeAction.activationId;
    const before = await Promise.all([r0, other].map(activationReads));
    const subscribed = [collect(clients[0]!, id), collect(clients[other.index]!, id)];
    await until('one replica polls', async () => (await Promise.all([r0, other].map(pollers))).some((n) => n === 1));
    const holderIndex = (await pollers(r0)) === 1 ? 0 : 1;
    await fleet.redis.stop();
    // Both poll now, each for its own subscribers.
    await until('both replicas poll', async () => (await Promise.all([r0, other].map(pollers))).every((n) => n === 1));
    expect(await Promise.all([r0, other].map((r) => gauge(r, 'gateway_redis_up')))).toEqual([0, 0]);
    for (const outcome of await Promise.all(subscribed)) {
      expect(outcome).toEqual({ results: finished(id), at: expect.any(Number) });
    }
    const reads = (await Promise.all([r0, other].map(activationReads))).map((n, i) => n - before[i]!);
    // The replica that was only listening polled too: more than its first check.
    const listener = 1 - holderIndex;
    expect(reads[listener]).toBeGreaterThan(listener === 0 ? 0 : 1);

    await fleet.redis.start();
    await until('both replicas use Redis again', async () => {
      const up = await Promise.all([r0, other].map((r) => gauge(r, 'gateway_redis_up')));
      return up.every((v) => v === 1);
    });
    await onePoller(r0, [r0, other]);
  }, 60_000);
});
