/**
 * Bounded load test: 1,000 concurrent invokeAction calls through the gateway to the emulator, none
 * lost and none duplicated. Every call runs `examples/echo` with its own `n`, so each answer can be
 * matched to its call; the emulator counts the runs it committed to and keeps every record.
 *
 * Bounded: each client request aborts after 90 s, the test after 120 s, and the harness and the
 * client's connections are closed afterwards whatever happened.
 */
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { ErrorCode } from '../../src/errors';
import { startHarness, type Harness } from '../helpers/gateway';

const CALLS = 1000;
const CLIENT_CONNECTIONS = 256;
const UPSTREAM_CONNECTIONS = 256;
const EMULATOR_WORKERS = 4;

const INVOKE = `mutation($input: InvokeActionInput!) {
  invokeAction(input: $input) {
    activationId completed
    activation { id name status success result }
  }
}`;

const VOCABULARY = new Set<string>([
  ...Object.values(ErrorCode).filter((code) => code !== ErrorCode.INTERNAL_SERVER_ERROR),
  'PERSISTED_QUERY_NOT_FOUND',
]);

interface Outcome {
  n: number;
  status: number;
  ms: number;
  body: {
    data?: {
      invokeAction: { activationId: string; completed: boolean; activation: null | Record<string, unknown> };
    } | null;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  };
}

let h: Harness;
let agent: Agent;

beforeAll(async () => {
  h = await startHarness({
    env: { GATEWAY_UPSTREAM_CONNECTIONS: String(UPSTREAM_CONNECTIONS), GATEWAY_CACHE_TTL_MS: '0' },
    emulator: { workers: EMULATOR_WORKERS },
    // One log line per operation at debug level would only slow the run down.
    logLevel: 'warn',
  });
  agent = new Agent({ connections: CLIENT_CONNECTIONS, headersTimeout: 90_000, bodyTimeout: 90_000 });
});

afterAll(async () => {
  await agent?.close();
  await h?.close();
});

const paramsOf = (n: number) => ({ n, tag: `load-${n}` });

async function invoke(n: number): Promise<Outcome> {
  const started = performance.now();
  const res = await request(h.url, {
    dispatcher: agent,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': `load-${n}` },
    body: JSON.stringify({
      query: INVOKE,
      variables: { input: { package: 'examples', action: 'echo', params: paramsOf(n), timeoutMs: 60_000 } },
    }),
    signal: AbortSignal.timeout(90_000),
  });
  const text = await res.body.text();
  return { n, status: res.statusCode, ms: performance.now() - started, body: JSON.parse(text) };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

it(
  `answers ${CALLS} concurrent invokeAction calls, ` + 'each run exactly once upstream with its own activation',
  async () => {
    // Warm-up: one call opens the paths (worker, connections) so the figures measure steady work.
    const warm = await invoke(-1);
    expect(warm.body.errors).toBeUndefined();

    h.resetCalls();
    const runsBefore = h.emulator.store.runsStarted;
    const completedBefore = h.emulator.store.runsCompleted;

    const t0 = performance.now();
    const settled = await Promise.allSettled(Array.from({ length: CALLS }, (_, n) => invoke(n)));
    const wallMs = performance.now() - t0;

    // Every call got an HTTP answer (a rejected promise is a lost answer: connection error, timeout).
    const lost = settled.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason));
    expect(lost).toEqual([]);
    const outcomes = settled.map((s) => (s as PromiseFulfilledResult<Outcome>).value);
    expect(outcomes).toHaveLength(CALLS);

    const ok: Outcome[] = [];
    const failed: Outcome[] = [];
    for (const o of outcomes) {
      expect(o.status).toBe(200);
      if (o.body.errors) {
        // A clear error: one error, with a code from the vocabulary.
        expect(o.body.errors).toHaveLength(1);
        expect(VOCABULARY.has(o.body.errors[0]!.extensions?.code ?? '')).toBe(true);
        failed.push(o);
        continue;
      }
      const payload = o.body.data!.invokeAction;
      expect(payload).toEqual({
        activationId: expect.stringMatching(/^[0-9a-f]{32}$/),
        completed: true,
        activation: { id: payload.activationId, name: 'echo', status: 'SUCCESS', success: true, result: paramsOf(o.n) },
      });
      ok.push(o);
    }

    const ids = new Set(ok.map((o) => o.body.data!.invokeAction.activationId));
    const runs = h.emulator.store.runsStarted - runsBefore;
    const calls = h.upstreamCalls();
    const latencies = outcomes.map((o) => o.ms).sort((a, b) => a - b);
    const figures = {
      calls: CALLS,
      answers: outcomes.length,
      succeeded: ok.length,
      errors: failed.length,
      errorCodes: failed.map((o) => o.body.errors![0]!.extensions?.code),
      distinctActivationIds: ids.size,
      upstreamInvokes: calls.length,
      runsUpstream: runs,
      emulatorPeakInFlight: h.emulator.peakInFlight,
      wallMs: Math.round(wallMs),
      throughputPerSecond: Math.round((CALLS / wallMs) * 1000),
      latencyMs: {
        p50: Math.round(percentile(latencies, 50)),
        p95: Math.round(percentile(latencies, 95)),
        max: Math.round(latencies.at(-1)!),
      },
    };
    console.log(`invoke load test: ${JSON.stringify(figures)}`);

    // None lost, none duplicated: one upstream invoke and one run per call, each with its own id.
    expect(failed.map((o) => ({ n: o.n, error: o.body.errors![0] }))).toEqual([]);
    expect(ok).toHaveLength(CALLS);
    expect(ids.size).toBe(CALLS);
    expect(runs).toBe(CALLS);
    expect(runs).toBe(ok.length);
    expect(calls).toHaveLength(CALLS);
    expect(new Set(calls)).toEqual(
      new Set(['POST /ncf/api/v2/packages/examples/actions/echo?platform=vpc&timeout=60000']),
    );

    // Every activation was recorded by the emulator, under its action, with the result of its own call.
    expect(h.emulator.store.runsCompleted - completedBefore).toBe(CALLS);
    for (const o of ok) {
      const id = o.body.data!.invokeAction.activationId;
      const stored = h.emulator.store.getStoredActivation(id);
      expect(stored).toMatchObject({
        platform: 'vpc',
        packageName: 'examples',
        actionName: 'echo',
        record: { activationId: id, response: { success: true, result: paramsOf(o.n) } },
      });
    }
    const listed = new Set(
      h.emulator.store.listActivations({ packageName: 'examples', actionName: 'echo' }).map((r) => r.activationId),
    );
    for (const id of ids) expect(listed.has(id)).toBe(true);
  },
  120_000,
);
