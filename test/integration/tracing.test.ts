/**
 * OpenTelemetry traces, end to end: the gateway exports to an in-process OTLP/HTTP receiver
 * (test/helpers/otlp-receiver), in both encodings, and the spans are checked as exported:
 *
 *   - `{ packages { name actions { name } } }` with a client `traceparent`, over HTTP and over
 *     WebSocket: server span → operation span → 1 + N upstream client spans (N: the seeded
 *     packages), all in the client's trace, names and attributes exactly; each upstream request
 *     carried its own client span's traceparent; the operation's log line carries trace_id/span_id;
 *   - planted secrets (credentials, signatures, a Keystone token, `params` and variable values,
 *     an upstream error body) appear in no exported byte;
 *   - the Keystone token fetch, the subscription poller's reads, an upstream failure (retries and
 *     the breaker as events, the error code on the operation span), the flush at close, and, with
 *     no endpoint, no tracing at all.
 */
import { createHash } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { SEED_SERVER_ID } from '../../src/emulators/compute';
import { TELEMETRY_OFF } from '../../src/telemetry';
import { captureFaultProxy, ncpErrorBody, status } from '../helpers/fault-proxy';
import { startHarness, TEST_OS_USER, useHarness, withHarness, type Harness } from '../helpers/gateway';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver';

const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
const PACKAGES_ACTIONS = '{ packages { name actions { name } } }';

const PLANTED = { accessKey: 'planted-access-key-TR4CE', secretKey: 'PLANTED-SECRET-tr4ce-7f3a9c1e5b2d4f60' };
const OS_PASSWORD = 'PLANTED-OS-PASSWORD-tr4ce-91b7e2';
const PARAM_SECRET = 'PLANTED-PARAM-tr4ce-5c4b3a';
const VARIABLE_SECRET = 'PLANTED-VARIABLE-tr4ce-8e7d6c';
const BAD_VARIABLE_SECRET = 'PLANTED-BAD-VARIABLE-tr4ce-2f1e0d';
const UPSTREAM_SECRET = 'PLANTED-UPSTREAM-BODY-tr4ce-6a5b4c';

const FAST = {
  GATEWAY_RETRY_BASE_DELAY_MS: '5',
  GATEWAY_RETRY_MAX_DELAY_MS: '20',
  GATEWAY_CACHE_TTL_MS: '0',
  OTEL_BSP_SCHEDULE_DELAY: '20',
};

let counter = 0;
/** A fresh client trace per test: `traceparent` and its ids. */
function clientTrace() {
  counter += 1;
  const traceId = createHash('sha256').update(`trace ${counter} ${process.pid}`).digest('hex').slice(0, 32);
  const spanId = createHash('sha256').update(`span ${counter}`).digest('hex').slice(0, 16);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function only(spans: ReceivedSpan[], what: string, test: (s: ReceivedSpan) => boolean): ReceivedSpan {
  const found = spans.filter(test);
  if (found.length !== 1)
    throw new Error(`expected one ${what}, found ${found.length}: ${spans.map((s) => s.name).join(', ')}`);
  return found[0]!;
}

const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) =>
  spans.filter((s) => s.parentSpanId === parent.spanId);

/** Waits until the trace has `count` spans, its server span among them, and answers them. */
async function exportedTrace(otlp: OtlpReceiver, traceId: string, count: number): Promise<ReceivedSpan[]> {
  const inTrace = (all: ReceivedSpan[]) => all.filter((s) => s.traceId === traceId);
  const all = await otlp.waitFor(
    (spans) => inTrace(spans).length >= count && inTrace(spans).some((s) => s.kind === KIND.SERVER),
  );
  return inTrace(all);
}

/** One operation over graphql-ws with `extensions` (the trace), until it completes. */
function overWs(
  client: Client,
  query: string,
  extensions: Record<string, unknown>,
  variables?: Record<string, unknown>,
) {
  return new Promise<unknown[]>((resolve, reject) => {
    const results: unknown[] = [];
    client.subscribe(
      { query, extensions, ...(variables ? { variables } : {}) },
      {
        next: (value) => results.push(value),
        error: reject,
        complete: () => resolve(results),
      },
    );
  });
}

function wsClient(h: Harness): Client {
  return createClient({ url: h.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
}

/**
 * The tree of one `{ packages { name actions { name } } }`: server → operation → 1 + N client
 * spans, exactly; answers the operation span and the client spans.
 */
function expectPackagesTree(
  trace: ReceivedSpan[],
  client: { spanId: string },
  transport: 'http' | 'ws',
  packages: number,
) {
  expect(trace).toHaveLength(3 + packages);
  const server = only(trace, 'server span', (s) => s.kind === KIND.SERVER);
  expect(server.parentSpanId).toBe(client.spanId);
  expect(server.status).toEqual({ code: 0 });
  if (transport === 'http') {
    expect(server.name).toBe('POST /graphql');
    expect(server.attributes).toEqual({
      'http.request.method': 'POST',
      'url.scheme': 'http',
      'http.route': '/graphql',
      'http.response.status_code': 200,
    });
  } else {
    expect(server.name).toBe('graphql-ws subscribe');
    expect(server.attributes).toEqual({
      'network.protocol.name': 'websocket',
      'http.route': '/graphql',
      'graphql_ws.operation.id': expect.any(String),
    });
  }
  const operation = only(trace, 'operation span', (s) => s.parentSpanId === server.spanId);
  expect({ name: operation.name, kind: operation.kind, status: operation.status }).toEqual({
    name: 'query',
    kind: KIND.INTERNAL,
    status: { code: 0 },
  });
  expect(operation.attributes).toEqual({
    'ncf.transport': transport,
    'graphql.operation.type': 'query',
    'graphql.document.hash': sha256(PACKAGES_ACTIONS),
    'ncf.outcome': 'success',
    'ncf.upstream.calls': 1 + packages,
  });
  const clients = childrenOf(trace, operation);
  expect(clients.map((s) => s.name).sort()).toEqual([
    'GET /packages',
    ...Array<string>(packages).fill('GET /packages/{pkg}/actions'),
  ]);
  for (const span of clients) {
    expect({ kind: span.kind, status: span.status, events: span.events }).toEqual({
      kind: KIND.CLIENT,
      status: { code: 0 },
      events: [],
    });
    expect(span.attributes).toEqual({
      'http.request.method': 'GET',
      'http.route': span.name.slice('GET '.length),
      'ncf.upstream.service': 'cloudfunctions',
      'ncf.upstream.attempt': 1,
      'http.response.status_code': 200,
    });
  }
  return { server, operation, clients };
}

function otelEnv(otlp: OtlpReceiver, protocol: string): Record<string, string> {
  return { ...FAST, OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol };
}

describe.each(['http/protobuf', 'http/json'])('traces exported over OTLP %s', (protocol) => {
  let otlp: OtlpReceiver;
  let ws: Client;
  const slot = captureFaultProxy();
  beforeAll(async () => {
    otlp = await startOtlpReceiver();
  });
  const h = useHarness(() => ({
    env: otelEnv(otlp, protocol),
    gatewayCredentials: PLANTED,
    emulator: { credentials: [PLANTED] },
    compute: { users: [{ ...TEST_OS_USER, password: OS_PASSWORD }] },
    osPassword: OS_PASSWORD,
    proxy: slot.factory,
  }));
  beforeAll(() => {
    ws = wsClient(h);
  });
  afterAll(async () => {
    await ws.dispose();
    await otlp.close();
  });

  it(`HTTP: the client's trace goes on, server → operation → 1 + N client spans, sent with their ids`, async () => {
    const client = clientTrace();
    slot.proxy.requests.length = 0;
    const res = await h.gql(PACKAGES_ACTIONS, undefined, { traceparent: client.traceparent });
    const packages = h.emulator.store.listPackages(h.config.cloudFunctions.defaultPlatform).length;
    expect(res.body.data.packages).toHaveLength(packages);
    expect(packages).toBeGreaterThan(1);

    const trace = await exportedTrace(otlp, client.traceId, 3 + packages);
    const { operation, clients } = expectPackagesTree(trace, client, 'http', packages);
    expect(
      otlp.contentTypes.every(
        (type) => type === (protocol === 'http/json' ? 'application/json' : 'application/x-protobuf'),
      ),
    ).toBe(true);
    expect(trace[0]!.resource).toMatchObject({ 'service.name': 'ncf-gateway', 'service.version': expect.any(String) });

    // Each upstream request carried the traceparent of its own client span.
    const sent = slot.proxy.requests.map((r) => r.headers.traceparent).sort();
    expect(sent).toEqual(clients.map((s) => `00-${client.traceId}-${s.spanId}-01`).sort());

    // The operation's log line joins the trace: the operation span's ids.
    const line = h.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'operation' && l.trace_id === client.traceId);
    expect(line).toMatchObject({
      trace_id: client.traceId,
      span_id: operation.spanId,
      traceId: client.traceId,
      transport: 'http',
    });
  });

  it(`WebSocket: continues extensions.traceparent, the same tree below a server span per operation`, async () => {
    const client = clientTrace();
    const packages = h.emulator.store.listPackages(h.config.cloudFunctions.defaultPlatform).length;
    const results = await overWs(ws, PACKAGES_ACTIONS, { traceparent: client.traceparent });
    expect(results).toEqual([{ data: { packages: expect.any(Array) } }]);

    const trace = await exportedTrace(otlp, client.traceId, 3 + packages);
    const { operation } = expectPackagesTree(trace, client, 'ws', packages);
    const line = h.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'operation' && l.trace_id === client.traceId);
    expect(line).toMatchObject({ span_id: operation.spanId, transport: 'ws' });
  });

  it('no planted secret exported: credentials, signatures, token, params, variables, upstream bodies', async () => {
    slot.proxy.requests.length = 0;
    const before = otlp.spans().filter((s) => s.kind === KIND.SERVER).length;
    const literal =
      'mutation { invokeAction(input: { package: "examples", action: "echo", ' +
      `params: { password: "${PARAM_SECRET}" } }) ` +
      '{ completed activation { result } } }';
    const invoked = await h.gql(literal);
    expect(invoked.body.data.invokeAction.activation.result).toEqual({ password: PARAM_SECRET });
    const viaVariables = await overWs(
      ws,
      'mutation($p: JSON) { invokeAction(input: { package: "examples", action: "echo", params: $p }) ' +
        '{ completed activation { result } } }',
      {},
      { p: { token: VARIABLE_SECRET } },
    );
    expect(JSON.stringify(viaVariables)).toContain(VARIABLE_SECRET);
    const bad = await h.gql('query($name: String!) { package(name: $name) { name } }', {
      name: { planted: BAD_VARIABLE_SECRET },
    });
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    slot.proxy.next(status(503, ncpErrorBody('99999', `upstream says ${UPSTREAM_SECRET}`, UPSTREAM_SECRET)), 3);
    const failed = await h.gql('{ packages { name } }');
    expect(failed.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    const computed = await h.gql(`{ server(id: "${SEED_SERVER_ID}") { id name } }`);
    expect(computed.body.data.server.id).toBe(SEED_SERVER_ID);

    // Five server spans (four HTTP requests, one WebSocket operation) and all they contain.
    const spans = await otlp.waitFor((all) => all.filter((s) => s.kind === KIND.SERVER).length >= before + 5);
    expect(spans.map((s) => s.name)).toEqual(
      expect.arrayContaining(['POST /packages/{pkg}/actions/{action}', 'GET /servers/{id}']),
    );
    const token = (await h.upstreams.keystone.session()).token;
    const signatures = slot.proxy.requests
      .map((r) => r.headers['x-ncp-apigw-signature-v2'])
      .filter((s): s is string => typeof s === 'string');
    expect(signatures.length).toBeGreaterThan(0);
    const forbidden = [
      PLANTED.accessKey,
      PLANTED.secretKey,
      OS_PASSWORD,
      token,
      ...signatures,
      PARAM_SECRET,
      VARIABLE_SECRET,
      BAD_VARIABLE_SECRET,
      UPSTREAM_SECRET,
      new URL(h.emulator.url).host,
      new URL(slot.proxy.url).host,
      new URL(h.compute.url).host,
    ];
    const exported = [...otlp.bodies, Buffer.from(JSON.stringify(otlp.spans()))];
    for (const [index, body] of exported.entries()) {
      for (const secret of forbidden)
        expect({ index, contains: body.includes(secret) ? secret : null }).toEqual({ index, contains: null });
    }
  });
});

describe('spans of the token fetch, the poller, failures and shutdown', () => {
  let otlp: OtlpReceiver;
  beforeAll(async () => {
    otlp = await startOtlpReceiver();
  });
  afterAll(async () => {
    await otlp.close();
  });

  it('the Keystone token fetch: a span below the operation that needed it, around its request', async () => {
    await withHarness({ env: otelEnv(otlp, 'http/protobuf') }, async (h) => {
      const client = clientTrace();
      const res = await h.gql(`{ server(id: "${SEED_SERVER_ID}") { id } }`, undefined, {
        traceparent: client.traceparent,
      });
      expect(res.body.data.server.id).toBe(SEED_SERVER_ID);
      const trace = await exportedTrace(otlp, client.traceId, 5);
      const operation = only(trace, 'operation', (s) => s.name === 'query');
      const below = childrenOf(trace, operation);
      // The compute reads the resolver makes (which ones is the resolver's business), and the token fetch.
      const reads = below.filter((s) => s.name !== 'keystone token');
      expect(reads.length).toBeGreaterThan(0);
      for (const read of reads) {
        expect(read.name).toMatch(/^GET \/servers\/\{id\}/);
        expect(read.attributes).toMatchObject({
          'ncf.upstream.service': 'compute',
          'ncf.upstream.attempt': 1,
          'http.response.status_code': 200,
        });
        expect(childrenOf(trace, read)).toEqual([]);
      }
      const token = only(below, 'token span', (s) => s.name === 'keystone token');
      expect({ kind: token.kind, attributes: token.attributes, status: token.status }).toEqual({
        kind: KIND.INTERNAL,
        attributes: { 'ncf.upstream.service': 'identity', 'ncf.keystone.auth_method': 'password' },
        status: { code: 0 },
      });
      const [issue] = childrenOf(trace, token);
      expect({ name: issue?.name, kind: issue?.kind, attributes: issue?.attributes }).toEqual({
        name: 'POST /v3/auth/tokens',
        kind: KIND.CLIENT,
        attributes: {
          'http.request.method': 'POST',
          'http.route': '/v3/auth/tokens',
          'ncf.upstream.service': 'identity',
          'ncf.upstream.attempt': 1,
          'http.response.status_code': 201,
        },
      });
      // server, operation, token fetch, its request, the reads: nothing else.
      expect(trace).toHaveLength(4 + reads.length);
    });
  });

  it(`the subscription poller: a span below the subscription's operation, one client span per read`, async () => {
    await withHarness({ env: otelEnv(otlp, 'http/protobuf') }, async (h) => {
      const client = wsClient(h);
      try {
        const started = await h.gql(
          'mutation { invokeAction(input: { package: "examples", action: "sum", ' +
            'params: { a: 1, b: 2 }, timeoutMs: 0 }) ' +
            '{ activationId completed } }',
        );
        const { activationId, completed } = started.body.data.invokeAction;
        expect(completed).toBe(false);
        const trace = clientTrace();
        const results = await overWs(
          client,
          'subscription($id: ID!) { activationCompleted(package: "examples", action: "sum", id: $id) { id status } }',
          { traceparent: trace.traceparent },
          { id: activationId },
        );
        expect(results).toEqual([{ data: { activationCompleted: { id: activationId, status: 'SUCCESS' } } }]);
        const spans = await otlp.waitFor((all) =>
          all.some((s) => s.traceId === trace.traceId && s.name === 'graphql-ws subscribe'),
        );
        const inTrace = spans.filter((s) => s.traceId === trace.traceId);
        const operation = only(inTrace, 'operation', (s) => s.name === 'subscription');
        expect(operation.attributes).toMatchObject({
          'ncf.transport': 'ws',
          'graphql.operation.type': 'subscription',
          'ncf.outcome': 'success',
        });
        const poll = only(childrenOf(inTrace, operation), 'poller', (s) => s.name === 'poll activation');
        const reads = childrenOf(inTrace, poll);
        expect(reads.length).toBeGreaterThan(0);
        expect(poll.attributes).toEqual({
          'ncf.upstream.service': 'cloudfunctions',
          'ncf.poll.reads': reads.length,
          'ncf.outcome': 'finished',
        });
        for (const read of reads) {
          expect(read.name).toBe('GET /packages/{pkg}/actions/{action}/activations/{id}');
          expect(read.attributes).toMatchObject({
            'ncf.upstream.service': 'cloudfunctions',
            'ncf.upstream.attempt': 1,
          });
        }
        // The last read found the record; earlier ones (if any) were "not yet" (404).
        expect(reads.map((r) => r.attributes['http.response.status_code']).sort()).toEqual(
          [...Array<number>(reads.length - 1).fill(404), 200].sort(),
        );
      } finally {
        await client.dispose();
      }
    });
  });

  it('an upstream failure: retries and the breaker as events, the error code on the operation span', async () => {
    const slot = captureFaultProxy();
    const env = { ...otelEnv(otlp, 'http/json'), GATEWAY_BREAKER_FAILURES: '3', GATEWAY_BREAKER_COOLDOWN_MS: '60000' };
    await withHarness({ env, proxy: slot.factory }, async (h) => {
      slot.proxy.always(status(503, ncpErrorBody('99999', 'unavailable')));
      const first = clientTrace();
      const res = await h.gql('{ packages { name } }', undefined, { traceparent: first.traceparent });
      const code = res.body.errors?.[0]?.extensions?.code;
      expect(code).toBe('UPSTREAM_UNAVAILABLE');
      const trace = await exportedTrace(otlp, first.traceId, 5);
      const operation = only(trace, 'operation', (s) => s.name === 'query');
      expect(operation.status).toEqual({ code: 2, message: code });
      // `packages` is nullable: data ({ packages: null }) with the error.
      expect(res.body.data).toEqual({ packages: null });
      expect(operation.attributes).toMatchObject({
        'ncf.outcome': 'partial',
        'graphql.error.codes': [code],
        'error.type': code,
      });
      expect(operation.events).toEqual([
        { name: 'graphql.error', attributes: { 'graphql.error.code': code, 'graphql.error.path': 'packages' } },
      ]);
      const attempts = childrenOf(trace, operation).sort(
        (a, b) => Number(a.attributes['ncf.upstream.attempt']) - Number(b.attributes['ncf.upstream.attempt']),
      );
      expect(
        attempts.map((a) => [
          a.attributes['ncf.upstream.attempt'],
          a.attributes['http.request.resend_count'] ?? 0,
          a.attributes['http.response.status_code'],
        ]),
      ).toEqual([
        [1, 0, 503],
        [2, 1, 503],
        [3, 2, 503],
      ]);
      for (const a of attempts) expect(a.status).toEqual({ code: 2, message: '503' });
      expect(
        attempts.map((a) =>
          a.events.map((e) => [e.name, e.attributes['ncf.retry.reason'] ?? e.attributes['ncf.breaker.state']]),
        ),
      ).toEqual([[['upstream.retry', '503']], [['upstream.retry', '503']], [['upstream.breaker', 'open']]]);

      // The open breaker answers the next operation at once: no request, an event on its span.
      const second = clientTrace();
      const refused = await h.gql('{ packages { name } }', undefined, { traceparent: second.traceparent });
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      const refusedTrace = await exportedTrace(otlp, second.traceId, 2);
      const refusedOperation = only(refusedTrace, 'operation', (s) => s.name === 'query');
      expect(childrenOf(refusedTrace, refusedOperation)).toEqual([]);
      expect(refusedOperation.events.map((e) => e.name)).toEqual(['upstream.breaker_open', 'graphql.error']);
    });
  });

  it('flushes the spans still waiting when the gateway closes', async () => {
    const h = await startHarness({ env: { ...otelEnv(otlp, 'http/protobuf'), OTEL_BSP_SCHEDULE_DELAY: '600000' } });
    const client = clientTrace();
    try {
      await h.gql('{ packages { name } }', undefined, { traceparent: client.traceparent });
    } finally {
      await h.close();
    }
    expect(
      otlp
        .spans()
        .filter((s) => s.traceId === client.traceId)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['GET /packages', 'POST /graphql', 'query']);
  });

  it('with no endpoint: no tracer nor exporter, no trace fields in logs, the legacy traceparent upstream', async () => {
    const slot = captureFaultProxy();
    await withHarness({ proxy: slot.factory }, async (h) => {
      expect(h.upstreams.telemetry).toBe(TELEMETRY_OFF);
      const client = clientTrace();
      await h.gql('{ packages { name } }', undefined, { traceparent: client.traceparent });
      // The client's trace still goes on upstream, with a span id of the gateway's for each request.
      expect(slot.proxy.requests.map((r) => r.headers.traceparent)).toEqual([
        expect.stringMatching(new RegExp(`^00-${client.traceId}-[0-9a-f]{16}-01$`)),
      ]);
      const lines = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.some((l) => 'trace_id' in l || 'span_id' in l)).toBe(false);
      expect(lines.find((l) => l.msg === 'operation')).toMatchObject({ traceId: client.traceId });
      expect(
        lines.some(
          (l) => typeof l.msg === 'string' && l.msg.startsWith('Tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT set)'),
        ),
      ).toBe(true);
    });
  });
});
