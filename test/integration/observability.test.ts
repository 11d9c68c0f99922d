/** Cross-request sharing of upstream reads, metrics, per-operation logs and trace propagation. */
import { request } from 'undici';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { startHarness, useHarness, withHarness, type Harness } from '../helpers/gateway';

const LIST = 'query ListPackages { packages { name } }';

describe('de-duplication across operations', () => {
  it('shares one upstream call among identical concurrent reads (GATEWAY_DEDUPE on by default)', async () => {
    // The upstream answers after 1 s, far longer than ten requests take to arrive on a loaded machine;
    // a first operation warms the gateway (its first parse and plan) so none of the ten waits on it.
    // Operation de-duplication (in front of this layer) is off: each operation makes its own read.
    await withHarness({ env: { GATEWAY_OPERATION_DEDUPE: 'false' }, emulator: { latencyMs: 1_000 } }, async (h) => {
      await h.gql('{ __typename }');
      const results = await Promise.all(Array.from({ length: 10 }, () => h.gql(LIST)));
      for (const r of results) expect(r.body.data.packages).toHaveLength(3);
      expect(h.upstreamCalls()).toEqual(['GET /ncf/api/v2/packages?platform=vpc']);
      const metrics = await h.metrics.registry.getSingleMetricAsString('gateway_upstream_shared_reads_total');
      expect(metrics).toContain('gateway_upstream_shared_reads_total{service="cloudfunctions",outcome="miss"} 1');
      expect(metrics).toContain('gateway_upstream_shared_reads_total{service="cloudfunctions",outcome="shared"} 9');
    });
  });

  it('sends every read when GATEWAY_DEDUPE=false', async () => {
    await withHarness(
      { env: { GATEWAY_DEDUPE: 'false', GATEWAY_OPERATION_DEDUPE: 'false' }, emulator: { latencyMs: 100 } },
      async (h) => {
        await Promise.all(Array.from({ length: 10 }, () => h.gql(LIST)));
        expect(h.upstreamCalls()).toHaveLength(10);
      },
    );
  });

  it('never shares invokes', async () => {
    await withHarness({ emulator: { latencyMs: 50 } }, async (h) => {
      const invoke =
        'mutation { invokeAction(input: { package: "package003", action: "action000" }) { activationId } }';
      const before = h.emulator.store.runsStarted;
      const results = await Promise.all(Array.from({ length: 5 }, () => h.gql(invoke)));
      const ids = new Set(results.map((r) => r.body.data.invokeAction.activationId));
      expect(ids.size).toBe(5);
      expect(h.emulator.store.runsStarted - before).toBe(5);
    });
  });
});

describe('cache (GATEWAY_CACHE_TTL_MS)', () => {
  it(
    'answers repeated reads from the cache until the TTL ends, ' + 'and an invoke invalidates its activations',
    async () => {
      await withHarness({ env: { GATEWAY_CACHE_TTL_MS: '600' } }, async (h) => {
        const runs = '{ action(package: "package003", name: "action000") { activations { totalCount } } }';
        const first = await h.gql(runs);
        const again = await h.gql(runs);
        expect(again.body).toEqual(first.body);
        expect(h.upstreamCalls().filter((c) => c.includes('/activations'))).toHaveLength(1);

        await h.gql('mutation { invokeAction(input: { package: "package003", action: "action000" }) { completed } }');
        const after = await h.gql(runs);
        expect(after.body.data.action.activations.totalCount).toBe(first.body.data.action.activations.totalCount + 1);
        expect(h.upstreamCalls().filter((c) => c.includes('/activations'))).toHaveLength(2);

        h.resetCalls();
        await h.gql(LIST);
        await h.gql(LIST);
        expect(h.upstreamCalls()).toHaveLength(1);
        await new Promise((r) => setTimeout(r, 700));
        await h.gql(LIST);
        expect(h.upstreamCalls()).toHaveLength(2);
      });
    },
  );
});

describe('metrics and logs', () => {
  const h = useHarness({}, { resetCalls: false });

  it('logs one line per operation with its request id, name, outcome, duration and upstream calls', async () => {
    const res = await h.gql('query Everything { packages { name actions { name } } }', undefined, {
      'x-request-id': 'req-obs-1',
    });
    expect(res.headers['x-request-id']).toBe('req-obs-1');
    const line = h.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'operation' && l.requestId === 'req-obs-1');
    expect(line).toEqual({
      level: 'info',
      time: expect.any(String),
      principal: 'anonymous',
      requestId: 'req-obs-1',
      transport: 'http',
      operation: 'Everything',
      type: 'query',
      outcome: 'success',
      durationMs: expect.any(Number),
      upstreamCalls: 4,
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
      msg: 'operation',
    });
  });

  it(
    'serves Prometheus metrics: operations by name and outcome, ' +
      'upstream calls by route and status, breaker state, batch sizes',
    async () => {
      await h.gql(LIST);
      await h.gql('query Broken { package(name: "legacy") { name } }');
      const res = await request(`${new URL(h.url).origin}/metrics`);
      const text = await res.body.text();
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(text).toMatch(
        new RegExp(
          String.raw`gateway_graphql_operation_duration_seconds_count\{operation="ListPackages",type="query",` +
            String.raw`outcome="success",transport="http"\} [1-9]`,
        ),
      );
      expect(text).toContain(
        'gateway_graphql_operation_duration_seconds_count{operation="Broken",type="query",' +
          'outcome="partial",transport="http"} 1',
      );
      expect(text).toMatch(
        new RegExp(
          String.raw`gateway_upstream_request_duration_seconds_count\{service="cloudfunctions",` +
            String.raw`route="GET \/packages",status="200",failure="none"\} [1-9]`,
        ),
      );
      expect(text).toContain(
        'gateway_upstream_request_duration_seconds_count{service="cloudfunctions",route="GET /packages/{pkg}",' +
          'status="400",failure="none"} 1',
      );
      expect(text).toContain('gateway_upstream_breaker_state{service="cloudfunctions"} 0');
      expect(text).toMatch(/gateway_loader_batch_size_count\{loader="functions.actions"\} [1-9]/);
      expect(text).toMatch(
        /gateway_http_request_duration_seconds_count\{method="POST",route="\/graphql",status_code="200"\} [1-9]/,
      );
      expect(text).toMatch(/gateway_process_resident_memory_bytes \d+/);
    },
  );
});

describe('metrics tell a failed run from a failing upstream', () => {
  it(
    'counts the 502 that carries a failed run as failure="action", ' + 'and a 5xx without one as failure="upstream"',
    async () => {
      await withHarness({ env: { GATEWAY_RETRY_ATTEMPTS: '1' } }, async (h) => {
        const failed = await h.gql(
          'mutation { invokeAction(input: { package: "examples", action: "fail" }) ' +
            '{ completed activation { success } } }',
        );
        expect(failed.body).toEqual({ data: { invokeAction: { completed: true, activation: { success: false } } } });
        const origin = new URL(h.url).origin;
        const text = await (await request(`${origin}/metrics`)).body.text();
        expect(text).toContain(
          'gateway_upstream_request_duration_seconds_count{service="cloudfunctions",' +
            'route="POST /packages/{pkg}/actions/{action}",status="502",failure="action"} 1',
        );
        expect(text).not.toContain('failure="upstream"');
      });
    },
  );
});

describe('trace context', () => {
  let proxy: FaultProxy | undefined;
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      proxy: async (origin) => {
        proxy = await startFaultProxy(origin);
        return proxy;
      },
    });
  });
  afterAll(() => h.close());

  it("passes the client's trace id to every upstream call, each with a span of its own", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await h.gql('{ packages { name actions { name } } }', undefined, {
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    });
    const sent = proxy!.requests.map((r) => String(r.headers.traceparent));
    expect(sent).toHaveLength(4);
    for (const header of sent) expect(header).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(new Set(sent.map((t) => t.split('-')[2])).size).toBe(4);
    const line = h.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'operation' && l.traceId === traceId);
    expect(line).toBeDefined();
  });

  it('starts a trace when the client sends none or an invalid one', async () => {
    proxy!.resetRecords();
    await h.gql('{ packages { name } }', undefined, {
      traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    });
    const header = String(proxy!.requests[0]!.headers.traceparent);
    expect(header).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(header).not.toContain('00000000000000000000000000000000');
  });
});
