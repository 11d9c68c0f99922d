/** Reading packages, actions and activations through the gateway, over HTTP, against the emulator. */
import { startHarness, useHarness, type Harness } from '../helpers/gateway';

const h = useHarness();

describe('queries', () => {
  it('reads a package in full', async () => {
    const res = await h.gql('{ package(name: "package001") { name description parameters platform resourceId } }');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: {
        package: {
          name: 'package001',
          description: 'Sample package',
          parameters: { name: 'Cloud Functions', place: 'NAVER Cloud' },
          platform: 'VPC',
          resourceId: expect.any(String),
        },
      },
    });
  });

  it('reads an action with its package', async () => {
    const res = await h.gql(`{ action(package: "package001", name: "hello") {
      name description runtime type parameters limits { timeoutMs memoryMb } package { name description }
    } }`);
    expect(res.body.data.action).toEqual({
      name: 'hello',
      description: 'Greets with the package default parameters',
      runtime: 'nodejs:16',
      type: 'basic',
      parameters: {},
      limits: { timeoutMs: 60000, memoryMb: 256 },
      package: { name: 'package001', description: 'Sample package' },
    });
  });

  it('reads actions in no package, with package omitted or "-"', async () => {
    const res = await h.gql(`{
      a: action(name: "ping") { name package { name } }
      b: action(package: "-", name: "ping") { name }
      list: actions { name }
    }`);
    expect(res.body.data).toEqual({
      a: { name: 'ping', package: null },
      b: { name: 'ping' },
      list: [{ name: 'ping' }],
    });
    expect(h.upstreamCalls().sort()).toEqual([
      'GET /ncf/api/v2/packages/-/actions/ping?platform=vpc',
      'GET /ncf/api/v2/packages/-/actions?platform=vpc',
    ]);
  });

  it('answers null, without errors, for what does not exist', async () => {
    const res = await h.gql(`{
      package(name: "nope") { name }
      action(package: "package003", name: "nope") { name }
      inMissingPackage: action(package: "nope", name: "x") { name }
      activation(package: "package003", action: "action000", id: "0123456789abcdef0123456789abcdef") { id }
      actions(package: "nope") { name }
    }`);
    expect(res.body).toEqual({
      data: { package: null, action: null, inMissingPackage: null, activation: null, actions: null },
    });
  });

  it('reads one activation in full', async () => {
    const list = await h.gql(
      '{ action(package: "package003", name: "action000") { activations(pageSize: 1) { nodes { id } } } }',
    );
    const id = list.body.data.action.activations.nodes[0].id;
    const res = await h.gql(
      `query($id: ID!) { activation(package: "package003", action: "action000", id: $id) {
      id name namespace subject startedAt endedAt durationMs logs status success result
    } }`,
      { id },
    );
    const a = res.body.data.activation;
    expect(a).toEqual({
      id,
      name: 'action000',
      namespace: expect.any(String),
      subject: 'ncf-emulator-user-1',
      startedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      endedAt: expect.stringMatching(/Z$/),
      durationMs: 12,
      logs: [],
      status: 'SUCCESS',
      success: true,
      result: { payload: 'abc' },
    });
    expect(Date.parse(a.endedAt) - Date.parse(a.startedAt)).toBe(12);
  });

  it('pages activations and filters them by time', async () => {
    const q = `query($page: Int, $since: DateTime, $until: DateTime) {
      action(package: "package003", name: "action000") {
        activations(page: $page, pageSize: 2, since: $since, until: $until) {
          totalCount page pageSize hasNextPage nodes { durationMs }
        }
      }
    }`;
    const second = await h.gql(q, { page: 2 });
    expect(second.body.data.action.activations).toEqual({
      totalCount: 3,
      page: 2,
      pageSize: 2,
      hasNextPage: false,
      nodes: [{ durationMs: 25 }],
    });
    const recent = await h.gql(q, { since: new Date(Date.now() - 2 * 3600_000).toISOString() });
    expect(recent.body.data.action.activations.nodes).toEqual([{ durationMs: 12 }, { durationMs: 7 }]);
    const older = await h.gql(q, { until: new Date(Date.now() - 2 * 3600_000).toISOString() });
    expect(older.body.data.action.activations.nodes).toEqual([{ durationMs: 25 }]);
    expect(
      h
        .upstreamCalls()
        .filter((c) => c.includes('/activations?'))
        .map((c) => c.replace(/\d{13}/g, 'T')),
    ).toEqual([
      'GET /ncf/api/v2/packages/package003/actions/action000/activations?platform=vpc&pageNo=2&pageSize=2',
      'GET /ncf/api/v2/packages/package003/actions/action000/activations?platform=vpc&pageNo=1&pageSize=2&start=T',
      'GET /ncf/api/v2/packages/package003/actions/action000/activations?platform=vpc&pageNo=1&pageSize=2&end=T',
    ]);
  });

  it('lets the platform argument override the default, and sends it on every call', async () => {
    const res = await h.gql('{ packages(platform: CLASSIC) { name platform actions { name runtime } } }');
    expect(res.body.data.packages).toEqual([
      { name: 'legacy', platform: 'CLASSIC', actions: [{ name: 'status', runtime: 'nodejs:14' }] },
    ]);
    const calls = h.upstreamCalls();
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) expect(call).toContain('platform=classic');
  });

  it('rejects invalid arguments with BAD_USER_INPUT and no upstream call', async () => {
    const res = await h.gql(`{
      badName: package(name: "-bad") { name }
      slash: action(package: "a/b", name: "x") { name }
      longName: package(name: "${'x'.repeat(51)}") { name }
      badId: activation(action: "ping", id: "../../x") { id }
      ok: action(name: "ping") { name }
    }`);
    expect(res.body.data).toEqual({ badName: null, slash: null, longName: null, badId: null, ok: { name: 'ping' } });
    expect(res.body.errors!.map((e) => [e.path?.[0], e.extensions?.code])).toEqual([
      ['badName', 'BAD_USER_INPUT'],
      ['slash', 'BAD_USER_INPUT'],
      ['longName', 'BAD_USER_INPUT'],
      ['badId', 'BAD_USER_INPUT'],
    ]);
    expect(h.upstreamCalls()).toEqual(['GET /ncf/api/v2/packages/-/actions/ping?platform=vpc']);
  });

  it('rejects bad paging and windows with BAD_USER_INPUT', async () => {
    const res = await h.gql(`{ action(package: "package003", name: "action000") {
      a: activations(page: 0) { totalCount }
    } }`);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const res2 = await h.gql(
      `{ action(package: "package003", name: "action000") { activations(pageSize: 101) { totalCount } } }`,
    );
    expect(res2.body.errors?.[0]?.message).toBe('pageSize must be from 1 to 100.');
    const res3 = await h.gql(`{ action(package: "package003", name: "action000") {
      activations(since: "2026-01-02T00:00:00Z", until: "2026-01-01T00:00:00Z") { totalCount } } }`);
    expect(res3.body.errors?.[0]?.message).toBe('since must not be after until.');
  });
});

describe('the v2.0 path generation (/api/v2)', () => {
  let old: Harness;
  beforeAll(async () => {
    old = await startHarness({ basePath: '/api/v2' });
  });
  afterAll(() => old.close());
  beforeEach(() => old.resetCalls());

  it('reads the same graph, with durations sent as strings and runtime carried by the list', async () => {
    const res = await old.gql(`{
      package(name: "package003") { actions { name runtime type } }
      action(package: "package003", name: "action000") { activations(pageSize: 1) { nodes { durationMs status } } }
    }`);
    expect(res.body).toEqual({
      data: {
        package: { actions: [{ name: 'action000', runtime: 'nodejs:16', type: 'basic' }] },
        action: { activations: { nodes: [{ durationMs: 12, status: 'SUCCESS' }] } },
      },
    });
    for (const call of old.upstreamCalls()) expect(call).toMatch(/^GET \/api\/v2\/.*platform=vpc/);
  });

  it('writes the time window as local Korean time strings', async () => {
    const res = await old.gql(`{ action(package: "package003", name: "action000") {
      activations(since: "2020-01-01T00:00:00Z", until: "2020-01-01T15:30:00Z") { totalCount }
    } }`);
    expect(res.body.data.action.activations.totalCount).toBe(0);
    expect(old.upstreamCalls()).toContain(
      'GET /api/v2/packages/package003/actions/action000/activations?platform=vpc&pageNo=1&pageSize=20' +
        '&start=2020-01-01T09%3A00%3A00&end=2020-01-02T00%3A30%3A00',
    );
  });

  it('invokes and reads the duration string as an integer', async () => {
    const res = await old.gql(
      'mutation { invokeAction(input: { package: "package003", action: "action000" }) ' +
        '{ completed activation { durationMs result } } }',
    );
    expect(res.body.data.invokeAction.completed).toBe(true);
    expect(res.body.data.invokeAction.activation.result).toEqual({ payload: 'abc' });
    expect(Number.isInteger(res.body.data.invokeAction.activation.durationMs)).toBe(true);
  });
});
