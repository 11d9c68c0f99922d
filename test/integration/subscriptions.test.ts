/** activationCompleted over graphql-ws on the same port: one poller per run, limits, auth, masking. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { generateKey } from '../../src/auth/apikeys';
import { startHarness, type Harness } from '../helpers/gateway';

const START_SLOW =
  'mutation { invokeAction(input: { package: "examples", action: "slow", timeoutMs: 0 }) { activationId completed } }';
const WATCH =
  'subscription($id: ID!) { activationCompleted(package: "examples", action: "slow", id: $id) ' +
  '{ id status success result durationMs } }';

function wsClient(h: Harness, connectionParams?: Record<string, string>): Client {
  return createClient({
    url: h.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    ...(connectionParams ? { connectionParams } : {}),
  });
}

/** Every result of one subscription, until it completes or fails. */
function collect(client: Client, query: string, variables: Record<string, unknown>) {
  const results: ExecutionResult[] = [];
  let dispose: () => void = () => undefined;
  const done = new Promise<{ results: ExecutionResult[]; error?: unknown }>((resolve) => {
    dispose = client.subscribe(
      { query, variables },
      {
        next: (value) => results.push(value as ExecutionResult),
        error: (error) => resolve({ results, error }),
        complete: () => resolve({ results }),
      },
    );
  });
  return { done, dispose: () => dispose() };
}

describe('Subscription.activationCompleted', () => {
  let h: Harness;
  let client: Client;
  beforeAll(async () => {
    h = await startHarness({ env: { GATEWAY_SUBSCRIPTION_POLL_MAX_MS: '500' } });
    client = wsClient(h);
  });
  afterAll(async () => {
    await client.dispose();
    await h.close();
  });

  it('emits the run once it finishes, then completes; invokeAction still answers at once', async () => {
    const started = Date.now();
    // timeoutMs 0: the invoke answers without waiting for the 3 s run.
    const invoked = await h.gql(START_SLOW);
    const { activationId, completed } = invoked.body.data.invokeAction;
    expect(completed).toBe(false);

    const { done } = collect(client, WATCH, { id: activationId });
    const { results, error } = await done;
    expect(error).toBeUndefined();
    expect(results).toEqual([
      {
        data: {
          activationCompleted: {
            id: activationId,
            status: 'SUCCESS',
            success: true,
            result: { done: true },
            durationMs: expect.any(Number),
          },
        },
      },
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);
  });

  it('runs one poller per activation however many subscribers, and stops it when they leave', async () => {
    const { activationId } = (await h.gql(START_SLOW)).body.data.invokeAction;
    const path = `/ncf/api/v2/packages/examples/actions/slow/activations/${activationId}`;
    h.resetCalls();
    const subscribers = Array.from({ length: 5 }, () => collect(client, WATCH, { id: activationId }));
    const outcomes = await Promise.all(subscribers.map((s) => s.done));
    for (const o of outcomes)
      expect(o.results[0]!.data).toEqual({
        activationCompleted: expect.objectContaining({ id: activationId, status: 'SUCCESS' }),
      });
    const polls = h.upstreamCalls().filter((c) => c.startsWith(`GET ${path}?`)).length;
    // One poller: about 3 s of polling at 250 ms, growing to 500 ms, is at most ~10 reads, not 5 x that.
    expect(polls).toBeGreaterThanOrEqual(3);
    expect(polls).toBeLessThanOrEqual(12);
  });

  it('answers at once for a run that has already finished', async () => {
    const finished = await h.gql(
      'mutation { invokeAction(input: { package: "package003", action: "action000" }) { activationId } }',
    );
    const id = finished.body.data.invokeAction.activationId;
    h.resetCalls();
    const { done } = collect(
      client,
      'subscription($id: ID!) { activationCompleted(package: "package003", action: "action000", id: $id) { result } }',
      { id },
    );
    const { results } = await done;
    expect(results).toEqual([{ data: { activationCompleted: { result: { payload: 'abc' } } } }]);
    // At once: the first read found it, there was no second poll.
    expect(h.upstreamCalls()).toEqual([
      `GET /ncf/api/v2/packages/package003/actions/action000/activations/${id}?platform=vpc`,
    ]);
  });

  it('stops polling when the only subscriber leaves', async () => {
    const { activationId } = (await h.gql(START_SLOW)).body.data.invokeAction;
    const path = `/ncf/api/v2/packages/examples/actions/slow/activations/${activationId}`;
    const sub = collect(client, WATCH, { id: activationId });
    await new Promise((r) => setTimeout(r, 600));
    sub.dispose();
    await new Promise((r) => setTimeout(r, 200));
    const before = h.upstreamCalls().filter((c) => c.includes(path)).length;
    await new Promise((r) => setTimeout(r, 1200));
    expect(h.upstreamCalls().filter((c) => c.includes(path)).length).toBe(before);
  });

  it('refuses invalid arguments, unknown fields and over-deep documents with the usual codes', async () => {
    const bad = await collect(client, 'subscription { activationCompleted(action: "-bad", id: "x") { id } }', {}).done;
    expect(bad.error).toBeUndefined();
    expect(bad.results[0]!.errors![0]).toMatchObject({
      message: expect.stringMatching(/^Invalid action name/),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const unknown = await collect(client, 'subscription { nope }', {}).done;
    expect(unknown.error).toEqual([
      {
        message: 'Cannot query field "nope" on type "Subscription".',
        locations: [{ line: 1, column: 16 }],
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      },
    ]);
    const tooDeep = await collect(
      client,
      'query { package(name: "p") { actions { package { actions { package { actions ' +
        '{ package { actions { name } } } } } } } } }',
      {},
    ).done;
    expect(tooDeep.error).toEqual([
      {
        message: 'Syntax Error: Query depth limit of 8 exceeded, found 9.',
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', requestId: expect.any(String) },
      },
    ]);
  });
});

describe('subscription limits and authentication', () => {
  it('gives up after GATEWAY_SUBSCRIPTION_MAX_WAIT_MS with a clear error', async () => {
    const h = await startHarness({ env: { GATEWAY_SUBSCRIPTION_MAX_WAIT_MS: '1000' } });
    const client = wsClient(h);
    try {
      const { activationId } = (await h.gql(START_SLOW)).body.data.invokeAction;
      const { results } = await collect(client, WATCH, { id: activationId }).done;
      expect(results).toEqual([
        {
          data: null,
          errors: [
            expect.objectContaining({
              message: 'The run did not finish within 1 s of subscribing; read it later with Query.activation.',
              extensions: expect.objectContaining({ code: 'UPSTREAM_TIMEOUT' }),
            }),
          ],
        },
      ]);
    } finally {
      await client.dispose();
      await h.close();
    }
  });

  it('authenticates the connection and checks the scope', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-ws-keys-'));
    const reader = generateKey(['functions:read']);
    const invoker = generateKey(['functions:invoke']);
    writeFileSync(join(dir, 'keys.json'), JSON.stringify({ keys: [reader.stored, invoker.stored] }));
    const h = await startHarness({ env: { GATEWAY_AUTH: 'apikey', GATEWAY_API_KEYS_FILE: join(dir, 'keys.json') } });
    const anonymous = wsClient(h);
    const noScope = wsClient(h, { authorization: `Bearer ${invoker.key}` });
    const allowed = wsClient(h, { authorization: `Bearer ${reader.key}` });
    try {
      const query =
        'subscription { activationCompleted(package: "package003", action: "action000", ' +
        'id: "0123456789abcdef0123456789abcdef") { id } }';
      const refused = await collect(anonymous, query, {}).done;
      expect((refused.error as { code?: number }).code).toBe(4403);
      const forbidden = await collect(noScope, query, {}).done;
      expect(forbidden.results[0]!.errors![0]).toMatchObject({
        message: 'This field needs the scope functions:read.',
        extensions: { code: 'FORBIDDEN' },
      });
      const invoked = await h.gql(
        'mutation { invokeAction(input: { package: "package003", action: "action000" }) { activationId } }',
        undefined,
        { authorization: `Bearer ${invoker.key}` },
      );
      const id = invoked.body.data.invokeAction.activationId;
      const ok = await collect(allowed, query.replace('0123456789abcdef0123456789abcdef', id), {}).done;
      expect(ok.results).toEqual([{ data: { activationCompleted: { id } } }]);
    } finally {
      await Promise.all([anonymous.dispose(), noScope.dispose(), allowed.dispose()]);
      await h.close();
    }
  });
});
